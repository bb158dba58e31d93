import Foundation
import Testing
@testable import CriticalityExperiments

/// A valid small experiment; each case below breaks one thing.
let validParameters = """
[run]
name = "tiny"
members = 2
[lattice]
shape = [16, 16]
[model]
r = -1.0
temperature = 0.01
[integrator]
dt = 0.1
t_end = 1.0
[observe]
count = 3
"""

func temporaryDirectory() -> URL {
    let d = FileManager.default.temporaryDirectory.appendingPathComponent("criticality-test-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
    return d
}

/// The `criticality` executable built beside this test bundle (`make test` builds it first).
let executable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("criticality")

/// Runs the real executable, with extra environment variables and in another working folder if
/// given; returns its exit code and standard error.
func runCLI(_ arguments: [String], environment: [String: String] = [:], in directory: URL? = nil) throws -> (code: Int32, stderr: String) {
    guard FileManager.default.isExecutableFile(atPath: executable.path) else {
        Issue.record("no executable at \(executable.path): run `swift build` before `swift test` (make test does)")
        return (-1, "")
    }
    let p = Process(), err = Pipe()
    p.executableURL = executable
    p.arguments = arguments
    // A crash should fail its test at once: Swift's backtracer, attached to a crashed child
    // whose standard error is this pipe, can hang long past its own timeout.
    p.environment = ProcessInfo.processInfo.environment.merging(["SWIFT_BACKTRACE": "enable=no"]) { old, _ in old }.merging(environment) { $1 }
    if let directory { p.currentDirectoryURL = directory }
    p.standardError = err
    p.standardOutput = FileHandle.nullDevice
    try p.run()
    let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    return (p.terminationStatus, text)
}

/// Runs a program found on PATH; returns its exit code and its standard output and error together.
func runProcess(_ argv: [String]) throws -> (code: Int32, output: String) {
    let p = Process(), out = Pipe()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = argv
    p.standardOutput = out
    p.standardError = out
    try p.run()
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    return (p.terminationStatus, text)
}

struct BadInput: CustomTestStringConvertible, Sendable {
    let name: String
    let replace: (String, String)?
    let overrides: [String]
    let expected: [String]
    var testDescription: String { name }
}

let badInputs: [BadInput] = [
    BadInput(name: "unknown key", replace: ("dt = 0.1", "dtt = 0.1"), overrides: [], expected: ["unknown key 'integrator.dtt'", "expected one of: dealias, dt, stepper, t_end"]),
    BadInput(name: "unknown section", replace: ("[observe]", "[observer]"), overrides: [], expected: ["unknown key 'observer'"]),
    BadInput(name: "wrong type", replace: ("shape = [16, 16]", "shape = \"big\""), overrides: [], expected: ["lattice.shape = \"big\"", "expected an array of 1 to 3 positive integers"]),
    BadInput(name: "size not positive", replace: ("shape = [16, 16]", "shape = [0, 16]"), overrides: [], expected: ["lattice.shape = [0, 16]", "positive integers"]),
    BadInput(name: "more observations than steps", replace: nil, overrides: ["observe.count=12"],
             expected: ["observe.count = 12", "expected at most 10: the steps from observe.start to integrator.t_end, each observed once"]),
    BadInput(name: "dt zero", replace: ("dt = 0.1", "dt = 0.0"), overrides: [], expected: ["integrator.dt = 0.0", "expected a positive time step"]),
    BadInput(name: "dt negative by --set", replace: nil, overrides: ["integrator.dt=-0.5"], expected: ["integrator.dt = -0.5", "expected a positive time step"]),
    BadInput(name: "T negative", replace: ("temperature = 0.01", "temperature = -1.0"), overrides: [], expected: ["model.temperature = -1.0", "expected a non-negative number"]),
    BadInput(name: "dealias above 1", replace: nil, overrides: ["integrator.dealias=1.5"], expected: ["integrator.dealias = 1.5", "expected a fraction in (0, 1)"]),
    BadInput(name: "dealias zero", replace: nil, overrides: ["integrator.dealias=0"], expected: ["integrator.dealias = 0", "expected a fraction in (0, 1)"]),
    BadInput(name: "missing key", replace: ("t_end = 1.0", ""), overrides: [], expected: ["integrator.t_end is missing", "expected a positive end time"]),
    BadInput(name: "bad choice", replace: ("[integrator]", "[integrator]\nstepper = \"rk45\""), overrides: [], expected: ["integrator.stepper = \"rk45\"", "\"etdrk4\""]),
    BadInput(name: "etdrk4 with noise", replace: ("[integrator]", "[integrator]\nstepper = \"etdrk4\""), overrides: [], expected: ["integrator.stepper = \"etdrk4\"", "stochastic stepper"]),
    BadInput(name: "TOML syntax", replace: ("r = -1.0", "r = = -1.0"), overrides: [], expected: ["line 7", "TOML syntax error"]),
    BadInput(name: "t_end below dt", replace: ("t_end = 1.0", "t_end = 0.01"), overrides: [], expected: ["integrator.t_end = 0.01", "at least one step"]),
    BadInput(name: "unknown nested key", replace: ("temperature = 0.01", "temperature = 0.01\n[model.ramp]\ncritical_time = 1.0\nquench = 2.0"), overrides: [], expected: ["unknown key 'model.ramp.quench'", "critical_time, quench_time"]),
    BadInput(name: "malformed --set", replace: nil, overrides: ["integrator.dt"], expected: ["--set", "key=value"]),
]

@Test(arguments: badInputs)
func badInputGetsOneClearLineAndExitCodeTwo(_ bad: BadInput) throws {
    let dir = temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    var text = validParameters
    if let (a, b) = bad.replace { text = text.replacingOccurrences(of: a, with: b) }
    let file = dir.appendingPathComponent("bad.toml")
    try text.write(to: file, atomically: true, encoding: .utf8)
    let out = dir.appendingPathComponent("out")
    let (code, stderr) = try runCLI(["run", file.path, "--out", out.path, "--quiet"] + bad.overrides.flatMap { ["--set", $0] })
    #expect(code == 2)
    for e in bad.expected { #expect(stderr.contains(e), "stderr: \(stderr)") }
    if bad.overrides.isEmpty || bad.name != "malformed --set" { #expect(stderr.contains("bad.toml") || stderr.contains("--set")) }
    #expect(stderr.split(separator: "\n").count == 1, "one line: \(stderr)")
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["bad.toml"], "nothing written")
}

@Test func missingAndUnreadableFilesAreReported() throws {
    let dir = temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let missing = try runCLI(["run", dir.appendingPathComponent("nope.toml").path, "--quiet"])
    #expect(missing.code == 2 && missing.stderr.contains("nope.toml: cannot read the parameter file: no such file"))
    let binary = dir.appendingPathComponent("binary.toml")
    try Data([0xff, 0xfe, 0x00, 0x81]).write(to: binary)
    let unreadable = try runCLI(["run", binary.path, "--quiet"])
    #expect(unreadable.code == 2 && unreadable.stderr.contains("binary.toml: cannot read the parameter file: the file is not readable UTF-8 text"))
}

@Test func aGoodRunWritesACompleteFolderAndKeepsNoStaging() throws {
    let dir = temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("good.toml")
    try validParameters.write(to: file, atomically: true, encoding: .utf8)
    let out = dir.appendingPathComponent("results")
    let (code, _) = try runCLI(["run", file.path, "--out", out.path, "--quiet", "--seed", "4"])
    #expect(code == 0)
    let files = Set(try FileManager.default.contentsOfDirectory(atPath: out.path))
    for f in ["run.json", "summary.json", "parameters.toml", "index.html", "xi.npy", "xi.csv", "structure_factor.npy", "structure_factor.csv", "xi.svg", "structure_factor.svg"] {
        #expect(files.contains(f), "missing \(f)")
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["good.toml", "results"])
    let run = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("run.json"))) as! [String: Any]
    #expect(run["seed"] as? Int == 4)
    #expect((run["reproduce"] as? String)?.contains("--seed 4") == true)
    // The echoed parameters reproduce the run bit for bit.
    let again = dir.appendingPathComponent("again")
    #expect(try runCLI(["run", out.appendingPathComponent("parameters.toml").path, "--out", again.path, "--quiet"]).code == 0)
    for f in ["xi.npy", "structure_factor.npy", "correlation.npy", "snapshots.npy"] where files.contains(f) {
        #expect(try Data(contentsOf: out.appendingPathComponent(f)) == Data(contentsOf: again.appendingPathComponent(f)), "\(f) differs")
    }
}

@Test func progressIsPlainPeriodicLinesWhenNotATerminal() throws {
    let dir = temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("progress.toml")
    try validParameters.write(to: file, atomically: true, encoding: .utf8)
    let (code, stderr) = try runCLI(["run", file.path, "--out", dir.appendingPathComponent("out").path])
    #expect(code == 0)
    let lines = stderr.split(separator: "\n").map(String.init)
    #expect(!stderr.contains("\r"))
    #expect(lines.count >= 5 && lines.count <= 12, "\(lines)")
    #expect(lines.allSatisfy { $0.hasPrefix("tiny ") && $0.contains("%") && $0.contains("steps/s") })
    #expect(lines.last?.contains("100%") == true)
}

@Test func anInterruptedRunLeavesNothingBehind() throws {
    let dir = temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("long.toml")
    try validParameters.replacingOccurrences(of: "t_end = 1.0", with: "t_end = 100000.0").write(to: file, atomically: true, encoding: .utf8)
    let p = Process(), err = Pipe()
    p.executableURL = executable
    p.arguments = ["run", file.path, "--out", dir.appendingPathComponent("out").path]
    p.standardError = err
    p.standardOutput = FileHandle.nullDevice
    try p.run()
    // wait until the run is under way (its first progress line), then interrupt it
    var seen = Data()
    while !String(decoding: seen, as: UTF8.self).contains("%") { seen += err.fileHandleForReading.availableData }
    kill(p.processIdentifier, SIGINT)
    _ = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    #expect(p.terminationStatus == 128 + SIGINT)
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["long.toml"])
}

@Test func anOutputPathThatIsNotAResultsFolderIsNeverReplaced() throws {
    let dir = temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("good.toml"), precious = dir.appendingPathComponent("notes.txt")
    try validParameters.write(to: file, atomically: true, encoding: .utf8)
    try "keep me".write(to: precious, atomically: true, encoding: .utf8)
    let (code, stderr) = try runCLI(["run", file.path, "--out", precious.path, "--quiet"])
    #expect(code == 2 && stderr.contains("notes.txt: exists and is not a Criticality results folder"))
    #expect(try String(contentsOf: precious, encoding: .utf8) == "keep me")
    // a previous results folder is replaced
    let out = dir.appendingPathComponent("out")
    #expect(try runCLI(["run", file.path, "--out", out.path, "--quiet", "--seed", "1"]).code == 0)
    #expect(try runCLI(["run", file.path, "--out", out.path, "--quiet", "--seed", "2"]).code == 0)
    let run = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("run.json"))) as! [String: Any]
    #expect(run["seed"] as? Int == 2)
}

/// `--version` names the git revision of the checkout the executable was built in (not of the
/// working folder), and the man page that `make install` writes (docs/manpage.py, from the
/// argument parser's own description) documents every subcommand and every option of `run`.
@Test func versionNamesTheRevisionAndTheManPageEveryOption() throws {
    let (code, version) = try runProcess([executable.path, "--version"])
    let (_, describe) = try runProcess(["git", "-C", repositoryRoot.path, "describe", "--always", "--dirty", "--abbrev=12"])
    #expect(code == 0 && version.trimmingCharacters(in: .whitespacesAndNewlines) == "\(Experiment.version) (git \(describe.trimmingCharacters(in: .whitespacesAndNewlines)))", "\(version) vs \(describe)")
    let script = repositoryRoot.appendingPathComponent("docs/manpage.py").path
    let (manCode, man) = try runProcess(["sh", "-c", "'\(executable.path)' --experimental-dump-help | python3 '\(script)' 0.2.0"])
    #expect(manCode == 0 && man.hasPrefix(".TH CRITICALITY 1"), "\(man.prefix(300))")
    for command in ["run", "analyze", "evaluate", "info", "bench", "schema"] { #expect(man.contains(".SS criticality \(command)\n"), "\(command)") }
    for option in ["\\-\\-out", "\\-\\-seed", "\\-\\-set", "\\-\\-quiet", "\\-\\-check", "\\-\\-allow\\-external"] { #expect(man.contains(".B " + option), "\(option)") }
}

/// Runs the executable and returns its standard error's lines with their arrival times (seconds
/// from the start) and the total wall time.
func runCLITimed(_ arguments: [String]) throws -> (lines: [(time: Double, text: String)], total: Double) {
    let p = Process(), err = Pipe(), start = Date()
    p.executableURL = executable
    p.arguments = arguments
    p.environment = ProcessInfo.processInfo.environment.merging(["SWIFT_BACKTRACE": "enable=no"]) { $1 }
    p.standardError = err
    p.standardOutput = FileHandle.nullDevice
    try p.run()
    var lines: [(time: Double, text: String)] = [], pending = ""
    while true {
        let chunk = err.fileHandleForReading.availableData
        if chunk.isEmpty { break }
        let now = Date().timeIntervalSince(start)
        pending += String(decoding: chunk, as: UTF8.self)
        while let newline = pending.firstIndex(of: "\n") {
            lines.append((now, String(pending[..<newline])))
            pending = String(pending[pending.index(after: newline)...])
        }
    }
    p.waitUntilExit()
    return (lines, Date().timeIntervalSince(start))
}

/// Every phase of a run reports (issue: latent-information went silent for 50 s after "100 %",
/// critical-windows for 15 s before its first line). Runs of every kind, with their progress
/// lines timed as they arrive: no silence longer than half the run (plus 0.5 s for start-up and
/// writing), every named phase ends at 100 %, and the last line comes within that of the end.
@Test func everyKindReportsProgressUntilItEnds() throws {
    let dir = temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    // The two kinds with long analyses after (or before) their sampling, at sizes of a few
    // seconds, and every other kind shrunk.
    let runs = [("latent-information", ["information.samples=3000"]), ("critical-windows", ["windows.samples=3000"])]
        + shrunkExamples.filter { !["latent-information", "critical-windows"].contains($0.name) }
    for (name, overrides) in runs {
        let (lines, total) = try runCLITimed(["run", parametersFolder.appendingPathComponent(name + ".toml").path, "--out", dir.appendingPathComponent(name).path]
                                             + overrides.flatMap { ["--set", $0] })
        let progress = lines.filter { $0.text.contains("%") }
        #expect(!progress.isEmpty, "\(name): no progress line")
        let times = [0.0] + progress.map(\.time) + [total]
        let gap = zip(times, times.dropFirst()).map { $1 - $0 }.max()!
        print("validation: progress of \(name): \(progress.count) lines over \(String(format: "%.2f", total)) s, longest silence \(String(format: "%.2f", gap)) s")
        #expect(gap <= 0.5 + 0.5 * total, "\(name): silent for \(gap) s of \(total) s\n\(lines.map { String(format: "%.2f %@", $0.time, $0.text) }.joined(separator: "\n"))")
        let phases = Set(progress.compactMap { line -> String? in
            guard let a = line.text.firstIndex(of: "["), let b = line.text.firstIndex(of: "]") else { return nil }
            return String(line.text[a...b])
        })
        for phase in phases { #expect(progress.contains { $0.text.contains(phase) && $0.text.contains("100%") }, "\(name): \(phase) never reached 100 %") }
    }
}

/// The CPU line of `criticality bench` and `info`: name, family and model, and the vector ISA
/// from the flags (widest first); fields are read from the first processor only.
@Test func machineInfoNamesTheCPUAndItsVectorInstructions() {
    let zen3 = MachineInfo(cpuinfo: "processor\t: 0\ncpu family\t: 25\nmodel\t\t: 1\nmodel name\t: AMD EPYC 7B13\nflags\t\t: fpu sse4_2 avx fma avx2\n\nprocessor\t: 1\nmodel name\t: other\n")
    #expect(zen3.modelName == "AMD EPYC 7B13" && zen3.family == 25 && zen3.model == 1 && zen3.vectorISA == ["AVX2", "FMA", "SSE4.2"])
    let sapphire = MachineInfo(cpuinfo: "cpu family\t: 6\nmodel\t\t: 143\nmodel name\t: Intel Xeon\nflags\t\t: avx2 fma avx512f avx512vl\n")
    #expect(sapphire.vectorISA == ["AVX-512 (avx512f, avx512vl)", "AVX2", "FMA"])
    #expect(sapphire.description.hasPrefix("Intel Xeon (family 6, model 143), AVX-512 (avx512f, avx512vl), AVX2, FMA, "))
    #expect(MachineInfo(cpuinfo: "").description.hasPrefix("unknown CPU, no AVX"))
}
