import Foundation
import Testing

// The repository must stand on its own: no text in it may point to the material it grew from,
// every "theory.md §N" must name a section that docs/theory.md has, and every relative link in
// the user documentation must reach a file of the repository.

/// The repository's text files (sources, tests, documentation, parameters, build files).
private let repositoryTexts: [(path: String, text: String)] = {
    let fm = FileManager.default
    var found: [(String, String)] = []
    for top in ["Sources", "Tests", "docs", "parameters", "README.md", "Makefile", "Package.swift", ".ci"] {
        let url = repositoryRoot.appendingPathComponent(top)
        var isFolder: ObjCBool = false
        guard fm.fileExists(atPath: url.path, isDirectory: &isFolder) else { continue }
        let files: [String] = isFolder.boolValue
            ? ((fm.enumerator(atPath: url.path)?.allObjects as? [String]) ?? []).map { top + "/" + $0 }
            : [top]
        for path in files where ["swift", "md", "toml", "py", "sh", "c", "h", "txt", "json"].contains((path as NSString).pathExtension)
            || ["Makefile", "run"].contains((path as NSString).lastPathComponent) {
            if let text = try? String(contentsOf: repositoryRoot.appendingPathComponent(path), encoding: .utf8) {
                found.append((path, text))
            }
        }
    }
    return found
}()

@Test func noFilePointsOutsideTheRepository() {
    #expect(repositoryTexts.count > 100)
    // Spelled in two pieces so that this file does not match itself.
    let outside = [".." + "/shared", "THEORY" + ".md", "seeds" + "/"]
    for (path, text) in repositoryTexts {
        for needle in outside {
            #expect(!text.contains(needle), "\(path) refers to \(needle)")
        }
    }
}

@Test func everyTheorySectionCitedExists() throws {
    let theory = try String(contentsOf: repositoryRoot.appendingPathComponent("docs/theory.md"), encoding: .utf8)
    let headings = Set(theory.split(separator: "\n").compactMap { line -> String? in
        guard line.hasPrefix("## ") || line.hasPrefix("### ") else { return nil }
        return line.split(separator: " ").dropFirst().first.map { String($0).trimmingCharacters(in: CharacterSet(charactersIn: ".")) }
    })
    #expect(headings.isSuperset(of: (1...11).map(String.init)))
    let citation = /theory\.md[`']?s? §([0-9]+(?:\.[0-9]+)?)/
    var cited = 0
    for (path, text) in repositoryTexts {
        for match in text.matches(of: citation) {
            cited += 1
            #expect(headings.contains(String(match.1)), "\(path) cites theory.md §\(match.1), which does not exist")
        }
    }
    #expect(cited > 50)
}

@Test func everyRelativeLinkOfTheDocumentationResolves() {
    let link = /\]\(([^)#:\s]+)(#[^)]*)?\)/
    for (path, text) in repositoryTexts where path.hasSuffix(".md") && !path.hasPrefix("Sources/") {
        let folder = repositoryRoot.appendingPathComponent(path).deletingLastPathComponent()
        for match in text.matches(of: link) {
            let target = folder.appendingPathComponent(String(match.1)).standardizedFileURL.path
            #expect(FileManager.default.fileExists(atPath: target), "\(path) links to \(match.1), which is not in the repository")
        }
    }
}
