import Foundation
import CriticalityLattice
import Testing
@testable import CriticalityExperiments

// A property test of the parameter reader: random mutations of every example parameter file
// (deleted, repeated and swapped lines, values of another type, extreme numbers, random bytes,
// truncation), with a fixed seed. Every case must end in a valid specification or in a
// one-line input error — never a trap, a hang, or an error of another kind.

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The example files' texts, by name.
let exampleFiles: [(name: String, text: String)] = {
    let dir = repositoryRoot.appendingPathComponent("parameters")
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasSuffix(".toml") }.sorted()
    return names.map { ($0, (try? String(contentsOf: dir.appendingPathComponent($0), encoding: .utf8)) ?? "") }
}()

/// SplitMix64: a small seeded generator, so that every run mutates the same way.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

/// One to three random mutations of a parameter file's bytes.
func mutate(_ text: String, _ g: inout SplitMix) -> Data {
    let replacements = ["\"x\"", "0", "-1", "1e308", "-1e308", "5e-324", "1e-300", "1000000000", "4294967296", "9223372036854775807",
                        "-9223372036854775808", "nan", "inf", "-inf", "true", "[]", "[1, 2]", "[[1.0, 3], [0.5, 5]]", "{ a = 1 }", "\"\"",
                        "[4294967296, 4294967296]", "[65536, 65536]", "0.0", "1e9", "2.5", "[0]", "[-5, 7]"]
    var lines = text.components(separatedBy: "\n")
    for _ in 0..<Int.random(in: 1...3, using: &g) {
        let i = Int.random(in: 0..<max(lines.count, 1), using: &g)
        switch Int.random(in: 0..<7, using: &g) {
        case 0: if !lines.isEmpty { lines.remove(at: i) }
        case 1: if !lines.isEmpty { lines.insert(lines[i], at: i) }
        case 2: if lines.count > 1 { lines.swapAt(i, Int.random(in: 0..<lines.count, using: &g)) }
        case 3, 4:
            // A value of another type or an extreme number for a random key.
            let keyed = lines.indices.filter { lines[$0].contains("=") && !lines[$0].hasPrefix("#") }
            if let k = keyed.randomElement(using: &g), let eq = lines[k].firstIndex(of: "=") {
                lines[k] = String(lines[k][...eq]) + " " + replacements.randomElement(using: &g)!
            }
        case 5:
            var bytes = Array(lines.joined(separator: "\n").utf8)
            for _ in 0..<Int.random(in: 1...4, using: &g) {
                bytes.insert(UInt8.random(in: 0...255, using: &g), at: Int.random(in: 0...bytes.count, using: &g))
            }
            return Data(bytes)
        default:
            let joined = Array(lines.joined(separator: "\n").utf8)
            return Data(joined.prefix(Int.random(in: 0...joined.count, using: &g)))
        }
    }
    return Data(lines.joined(separator: "\n").utf8)
}

/// What `run` does with a file before any data is read: read, parse, validate every key and
/// the sizes (and the scan's grid and every point).
func readAndValidate(_ data: Data, file: String) throws {
    guard let text = String(validating: data, as: UTF8.self) else {
        throw ParameterError(file: file, message: "not UTF-8")  // what ParameterFile.readText says, tested there
    }
    let root = try ParameterValue.parse(toml: text, file: file)
    if root.hasTable("scan") {
        let scan = try ScanSpec(file: file, root: root)
        guard case .table(var t) = root else { return }
        t["scan"] = nil
        for p in scan.points.prefix(4) {
            var r = ParameterValue.table(t)
            for (axis, v) in zip(scan.axes, p) { try r.set(axis.key.split(separator: ".").map(String.init), to: v) }
            _ = try Experiment.Specification(file: file, root: r, seed: nil)
        }
    } else {
        _ = try Experiment.Specification(file: file, root: root, seed: nil)
    }
}

@Test func mutatedParameterFilesEndInAResultOrAOneLineError() throws {
    #expect(exampleFiles.count >= 15)
    var g = SplitMix(state: 20261127)
    var valid = 0, refused = 0
    let started = Date()
    for case_ in 0..<5000 {
        let (name, text) = exampleFiles[case_ % exampleFiles.count]
        let data = mutate(text, &g)
        do {
            try readAndValidate(data, file: repositoryRoot.appendingPathComponent("parameters/" + name).path)
            valid += 1
        } catch let e as ParameterError {
            refused += 1
            #expect(!e.description.contains("\n"), "case \(case_) (\(name)): \(e)")
        } catch let e as Lattice.Error {
            refused += 1  // the CLI reports it as one line, exit 2
            #expect(!e.description.contains("\n"))
        } catch {
            Issue.record("case \(case_) (\(name)): an error of another kind: \(error)\n\(String(decoding: data, as: UTF8.self))")
        }
    }
    validation("parameter reader fuzz: 5000 mutated example files", "\(valid) valid, \(refused) refused with one line, 0 traps, \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
    // Both outcomes occur: the mutations neither all break the files nor all leave them alone.
    #expect(valid > 200 && refused > 2000)
}

@Test func mutatedParameterFilesThroughTheExecutable() throws {
    let dir = temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    // The examples' data paths are relative to their folder.
    try FileManager.default.createSymbolicLink(at: dir.appendingPathComponent("data"), withDestinationURL: repositoryRoot.appendingPathComponent("parameters/data"))
    var g = SplitMix(state: 7)
    var outcomes = [Int32: Int]()
    for case_ in 0..<400 {
        let (name, text) = exampleFiles[case_ % exampleFiles.count]
        let file = dir.appendingPathComponent(name)
        try mutate(text, &g).write(to: file)
        let p = Process(), out = Pipe(), err = Pipe()
        p.executableURL = executable
        p.arguments = ["run", file.path, "--check"]
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let deadline = Date().addingTimeInterval(60)
        while p.isRunning && Date() < deadline { usleep(2000) }
        if p.isRunning {
            kill(p.processIdentifier, SIGKILL)
            Issue.record("case \(case_) (\(name)) hangs:\n\(String(decoding: try Data(contentsOf: file), as: UTF8.self))")
        }
        p.waitUntilExit()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        outcomes[p.terminationStatus, default: 0] += 1
        switch p.terminationStatus {
        // An external model's file is checked without starting its program (no --allow-external).
        case 0: #expect(stdout.contains(": valid; ") || stdout.contains(": valid as far as it can be without starting the external program"), "case \(case_): \(stdout)")
        case 2: #expect(oneLine(stderr), "case \(case_) (\(name)): \(stderr)")
        default: Issue.record("case \(case_) (\(name)): exit \(p.terminationStatus): \(stderr)\n\(String(decoding: try Data(contentsOf: file), as: UTF8.self))")
        }
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).allSatisfy { $0 == "data" || $0.hasSuffix(".toml") }, "nothing written")
    validation("parameter reader fuzz through `criticality run --check`: 400 mutated files", outcomes.sorted { $0.key < $1.key }.map { "exit \($0.key): \($0.value)" }.joined(separator: ", "))
}

/// Inputs on which the TOML parser asserts (found by the fuzz tests above and an exhaustive
/// search of three-token snippets): each is refused by ParameterValue's precheck with one line,
/// while valid TOML of the same shapes still parses.
@Test func inputsThatTrapTheTOMLParserAreRefusedFirst() throws {
    let refused = ["a = [}", "a = [1, }", "a = [ # comment\n}", "x = 1\n[[[x]]]", "[=x]", "[[ \"]]", "a = 1\u{1}", "a = \"\u{0}\"", "b = [[}]]"]
    for text in refused {
        #expect(throws: ParameterError.self, "\(text.debugDescription)") { try ParameterValue.parse(toml: text, file: "f.toml") }
        #expect(((try? ParameterValue.parse(toml: text, file: "f.toml")) == nil))
    }
    let valid = ["a = [1, 2, ]", "a = [ # comment\n 1 ]", "[[ a ]]\nb = 1", "[ 'q' ]\nb = 2", "s = \"\"\"\n[not a header\n\"\"\"", "t = { u = [1, { v = 2 }] }",
                 "w = '}' # [", "x = \"a } [ b\""]
    for text in valid { #expect(throws: Never.self, "\(text.debugDescription)") { try ParameterValue.parse(toml: text, file: "f.toml") } }
}
