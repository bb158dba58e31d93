import Foundation

/// `index.html` of a results folder: the headline numbers, every figure, links to the data
/// files, and the effective parameters.
struct HTMLReport {
    var title: String
    var summary: [(String, String)] = []
    var figures: [(file: String, caption: String)] = []
    /// Images shown in the same figure as another, under its caption (a snapshot's x_t beside
    /// its D(x_t)), so that a pair never wraps apart: first file → the second.
    var companions: [String: String] = [:]
    /// Titled tables shown after the summary: (title, header, rows).
    var tables: [(title: String, header: [String], rows: [[String]])] = []
    var dataFiles: [(file: String, what: String)] = []
    var parameters: String = ""
    var reproduce: String = ""

    /// Links every results folder's records (run.json, summary.json, parameters.toml), where the
    /// experiment's own list has not.
    mutating func linkRecords() {
        for (file, what) in [("run.json", "everything needed to reproduce the run"), ("summary.json", "headline numbers"), ("parameters.toml", "effective parameters")]
        where !dataFiles.contains(where: { $0.file == file }) {
            dataFiles.append((file, what))
        }
    }

    func render() -> String {
        func esc(_ s: String) -> String { s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;") }
        var h = """
        <!doctype html><html><head><meta charset="utf-8"><title>\(esc(title))</title>
        <style>body{font-family:sans-serif;max-width:1400px;margin:2em auto;padding:0 1em}
        table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}
        figure{display:inline-block;margin:0 1em 1em 0;vertical-align:top}figcaption{font-size:90%;color:#444;max-width:640px}
        img.field{image-rendering:pixelated;width:320px}pre{background:#f6f6f6;padding:1em}</style></head><body>
        <h1>\(esc(title))</h1>
        <p>Reproduce: <code>\(esc(reproduce))</code></p>
        <h2>Summary</h2><table>
        """
        for (k, v) in summary { h += "<tr><th>\(esc(k))</th><td>\(esc(v))</td></tr>\n" }
        h += "</table>\n"
        for t in tables {
            h += "<h2>\(esc(t.title))</h2><table><tr>" + t.header.map { "<th>\(esc($0))</th>" }.joined() + "</tr>\n"
            for row in t.rows { h += "<tr>" + row.map { "<td>\(esc($0))</td>" }.joined() + "</tr>\n" }
            h += "</table>\n"
        }
        h += "<h2>Figures</h2>\n"
        for f in figures {
            let cls = f.file.hasSuffix(".png") ? " class=\"field\"" : ""
            let second = companions[f.file].map { " <img\(cls) src=\"\($0)\" alt=\"\(esc(f.caption))\">" } ?? ""
            h += "<figure><img\(cls) src=\"\(f.file)\" alt=\"\(esc(f.caption))\">\(second)<figcaption>\(esc(f.caption))</figcaption></figure>\n"
        }
        h += "<h2>Data</h2><ul>\n"
        for d in dataFiles { h += "<li><a href=\"\(d.file)\">\(d.file)</a>: \(esc(d.what))</li>\n" }
        h += "</ul>\n" + (parameters.isEmpty ? "" : "<h2>Parameters</h2><pre>\(esc(parameters))</pre>\n") + "</body></html>\n"
        return h
    }
}
