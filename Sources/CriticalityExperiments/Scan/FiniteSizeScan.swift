import CriticalityAnalysis
import Foundation
import CriticalityLattice

/// `criticality fss SCANFOLDER`: finite-size scaling of a scan over `lattice.size` × a control
/// parameter (docs/theory.md §12). A dimensionless ratio (the Binder cumulant, by default) gives
/// the crossings of successive sizes and a collapse with ω = 0; a susceptibility, when named,
/// a collapse with ω = γ/ν fitted. Errors are the replicas' standard errors where the scan has
/// replicas, else each run's own; intervals come from the parametric bootstrap.
public enum FiniteSizeScan {
    public static func run(scan: String, ratio: String, susceptibility: String?, out: String?, resamples: Int = 200,
                           commandLine: String) throws -> URL {
        let source = URL(fileURLWithPath: scan)
        func json(_ name: String) throws -> [String: Any] {
            let path = source.appendingPathComponent(name).path
            guard let data = FileManager.default.contents(atPath: path), let o = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
                throw ParameterError(file: path, message: "not readable as a scan's JSON record: expected a folder written by a criticality scan")
            }
            return o
        }
        let run = try json("run.json"), summary = try json("summary.json")
        guard let scanRecord = run["scan"] as? [String: Any], let axes = scanRecord["axes"] as? [String], let columns = summary["columns"] as? [String] else {
            throw ParameterError(file: scan, message: "not a scan folder (run.json has no scan): expected the folder of a [scan] run")
        }
        guard axes.count == 2, let sizeAxis = axes.firstIndex(of: ScanSpec.latticeSize) else {
            throw ParameterError(file: scan, message: "scanned \(axes.joined(separator: " × ")): expected lattice.size and one control parameter")
        }
        let control = axes[1 - sizeAxis], replicas = scanRecord["replicas"] as? Int ?? 1
        let table = try NPY.decode(Data(contentsOf: source.appendingPathComponent("scan.npy")), file: scan + "/scan.npy")
        let rows = (0..<table.shape[0]).map { Array(table.values[$0 * columns.count..<($0 + 1) * columns.count]) }
        func curves(_ key: String) throws -> [FiniteSizeScaling.Curve] {
            guard let y = columns.firstIndex(of: key) else {
                throw ParameterError(file: scan, message: "'\(key)' is not a column of the scan (it has: \(columns.filter { !$0.hasSuffix("_se") }.joined(separator: ", ")))")
            }
            let errorKey = replicas > 1 ? key + "_replica_se" : key + "_se"
            guard let e = columns.firstIndex(of: errorKey) else { throw ParameterError(file: scan, message: "'\(key)' has no error column \(errorKey)") }
            let (xi, li) = (columns.firstIndex(of: control)!, columns.firstIndex(of: ScanSpec.latticeSize)!)
            return Set(rows.map { $0[li] }).sorted().map { size in
                let mine = rows.filter { $0[li] == size }.sorted { $0[xi] < $1[xi] }
                return FiniteSizeScaling.Curve(size: size, x: mine.map { $0[xi] }, y: mine.map { $0[y] }, error: mine.map { $0[e] })
            }
        }
        let ratioCurves = try curves(ratio), chiCurves = try susceptibility.map(curves)
        guard ratioCurves.count >= 2 else { throw ParameterError(file: scan, message: "one lattice size: expected two or more") }
        let destination = URL(fileURLWithPath: out ?? source.path + "-fss")
        let folder = try ResultsFolder(destination: destination)
        try folder.complete {
            let started = Date()
            var report = HTMLReport(title: "Finite-size scaling of \(source.lastPathComponent): \(ratio) against \(control)")
            var out: [String: Any] = ["control": control, "sizes": ratioCurves.map(\.size), "ratio": ratio]
            // Crossings of successive sizes, with parametric-bootstrap intervals.
            let noise = GaussianNoise(seed: 1), boot = Bootstrap(resamples: resamples)
            var crossingRows: [[Double]] = [], crossingTable: [[String]] = []
            for (a, b) in zip(ratioCurves, ratioCurves.dropFirst()) {
                guard let x = FiniteSizeScaling.crossing(a, b) else { continue }
                let draws = (0..<resamples).map { r -> Double in
                    let drawn = [a, b].enumerated().map { k, c in c.redrawn(noise, replicate: r, index: k, stream: 8) }
                    return FiniteSizeScaling.crossing(drawn[0], drawn[1]) ?? .nan
                }
                let ci = boot.percentile(estimate: x, draws)
                crossingRows.append([a.size, b.size, x, ci.lower, ci.upper])
                crossingTable.append([String(format: "%g–%g", a.size, b.size), String(format: "%.5g [%.5g, %.5g]", x, ci.lower, ci.upper)])
            }
            try folder.write("crossings.csv", CSV.table(header: ["size_a", "size_b", "crossing", "lower", "upper"], rows: crossingRows))
            report.tables.append((title: "Crossings of \(ratio) between successive sizes (95 % bootstrap intervals)", header: ["sizes", control], rows: crossingTable))
            // Collapses.
            let xs = ratioCurves[0].x, middle = crossingRows.isEmpty ? xs[xs.count / 2] : crossingRows.map { $0[2] }.reduce(0, +) / Double(crossingRows.count)
            var fssRows: [[String]] = [], panels: [SVGPlot] = []
            for (key, set, fixed) in [(ratio, ratioCurves, 0.0 as Double?)] + (chiCurves.map { [(susceptibility!, $0, nil as Double?)] } ?? []) {
                let start = FiniteSizeScaling.Parameters(criticalPoint: middle, inverseNu: 1, exponent: fixed ?? 1)
                let fit = FiniteSizeScaling.collapse(set, start: start, fixedExponent: fixed)
                let ci = FiniteSizeScaling.bootstrap(set, fit: fit, fixedExponent: fixed, resamples: resamples, seed: 2, threads: 0)
                let p = fit.parameters
                fssRows.append([key, "\(p.criticalPoint)", "\(ci.criticalPoint.lower)", "\(ci.criticalPoint.upper)", "\(p.inverseNu)", "\(ci.inverseNu.lower)",
                                "\(ci.inverseNu.upper)", "\(p.exponent)", fixed == nil ? "\(ci.exponent.lower)" : "nan", fixed == nil ? "\(ci.exponent.upper)" : "nan", "\(fit.quality)"])
                for (name, v, c) in [("x_c", p.criticalPoint, ci.criticalPoint), ("inverse_nu", p.inverseNu, ci.inverseNu)] + (fixed == nil ? [("gamma_over_nu", p.exponent, ci.exponent)] : []) {
                    out["\(key)_\(name)"] = v
                    out["\(key)_\(name)_ci95"] = [c.lower, c.upper]
                }
                out["\(key)_collapse_quality"] = fit.quality
                report.summary.append(("\(key): \(control) at criticality", String(format: "%.5g [%.5g, %.5g]", p.criticalPoint, ci.criticalPoint.lower, ci.criticalPoint.upper)))
                report.summary.append(("\(key): ν", String(format: "%.4g [%.4g, %.4g]", 1 / p.inverseNu, 1 / ci.inverseNu.upper, 1 / ci.inverseNu.lower)))
                if fixed == nil { report.summary.append(("\(key): γ/ν", String(format: "%.4g [%.4g, %.4g]", p.exponent, ci.exponent.lower, ci.exponent.upper))) }
                report.summary.append(("\(key): collapse quality S (≈ 1 when the sizes collapse within their errors)", String(format: "%.3g", fit.quality)))
                var raw = SVGPlot(title: "\(key) against \(control)", xLabel: control, yLabel: key)
                var collapsed = SVGPlot(title: "collapsed: x_c = \(String(format: "%.4g", p.criticalPoint)), 1/ν = \(String(format: "%.3g", p.inverseNu)), ω = \(String(format: "%.3g", p.exponent))",
                                        xLabel: "(\(control) − x_c) L^{1/ν}", yLabel: "\(key) L^{−ω}")
                for (k, c) in set.enumerated() {
                    let label = String(format: "L = %g", c.size), s = pow(c.size, -p.exponent)
                    raw.series.append(.init(label: label, x: c.x, y: c.y, error: c.error, markers: true, color: k))
                    collapsed.series.append(.init(label: label, x: c.x.map { ($0 - p.criticalPoint) * pow(c.size, p.inverseNu) }, y: c.y.map { $0 * s },
                                                  error: c.error.map { $0 * s }, markers: true, line: false, color: k))
                }
                raw.verticalLines = [(p.criticalPoint, "x_c")]
                panels += [raw, collapsed]
            }
            try folder.write("fss.csv", ([["observable", "x_c", "x_c_lower", "x_c_upper", "inverse_nu", "inverse_nu_lower", "inverse_nu_upper",
                                           "exponent", "exponent_lower", "exponent_upper", "quality"]] + fssRows).map { $0.joined(separator: ",") }.joined(separator: "\n") + "\n")
            try folder.write("collapse.svg", SVGPlot.stacked(panels))
            report.figures.append(("collapse.svg", "Per observable: the raw curves of every size (bars: standard errors) and the collapse (x − x_c)L^{1/ν}, y L^{−ω} with the fitted parameters"))
            report.dataFiles += [("crossings.csv", "crossings of successive sizes with 95 % bootstrap intervals"),
                                 ("fss.csv", "collapse fits: x_c, 1/ν, ω (= γ/ν for a susceptibility, 0 held for a ratio), intervals and the quality S")]
            report.reproduce = commandLine
            report.linkRecords()
            let wall = Date().timeIntervalSince(started)
            out["wall_seconds"] = wall
            let record: [String: Any] = ["kind": "fss", "scan": source.path, "ratio": ratio, "susceptibility": susceptibility ?? NSNull(), "resamples": resamples,
                                         "package": "Criticality", "version": Experiment.version, "git_revision": Experiment.revision,
                                         "date": ISO8601DateFormatter().string(from: Date()), "reproduce": commandLine, "wall_seconds": wall]
            return (out, record, report)
        }
        return destination
    }
}
