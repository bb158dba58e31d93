import Foundation
import Testing
@testable import CriticalityExperiments

// Nothing lost, nothing silent (docs/robustness.md): every case runs the real executable and
// checks the message, the exit code, and that no file was deleted or half-written.

/// Starts the executable and returns once its standard error contains `marker`.
func startCLI(_ arguments: [String], environment: [String: String] = [:], until marker: String) throws -> (Process, Pipe) {
    let p = Process(), err = Pipe()
    p.executableURL = executable
    p.arguments = arguments
    p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    p.standardError = err
    p.standardOutput = FileHandle.nullDevice
    try p.run()
    var seen = Data()
    while !String(decoding: seen, as: UTF8.self).contains(marker) {
        let chunk = err.fileHandleForReading.availableData
        if chunk.isEmpty { break }
        seen += chunk
    }
    return (p, err)
}

/// Every file below `folder` (hidden ones too) with its SHA-256: equal before and after means
/// nothing was deleted, added or changed.
func treeDigest(_ folder: URL) -> [String: String] {
    var out: [String: String] = [:]
    let e = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)
    while let url = e?.nextObject() as? URL {
        let rel = String(url.standardizedFileURL.path.dropFirst(folder.standardizedFileURL.path.count))
        out[rel] = (try? Data(contentsOf: url)).map(SHA256.hex) ?? "folder"
    }
    return out
}

func oneLine(_ stderr: String) -> Bool { stderr.split(separator: "\n").count == 1 && stderr.hasPrefix("criticality: error: ") }

/// A results folder is complete when it holds exactly the files its run.json lists.
func isCompleteResultsFolder(_ folder: URL) -> Bool {
    guard let files = ResultsFolder.manifest(folder), let present = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return false }
    return Set(files) == Set(present)
}

func runSeed(_ folder: URL) -> Int? {
    (try? JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("run.json"))) as? [String: Any])?["seed"] as? Int
}

func parameterFile(_ text: String, in dir: URL, name: String = "p.toml") throws -> URL {
    let file = dir.appendingPathComponent(name)
    try text.write(to: file, atomically: true, encoding: .utf8)
    return file
}

// MARK: results folders

@Test func aFolderWithARunJSONAndOtherFilesIsNeverDeleted() throws {
    let dir = temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = try parameterFile(validParameters, in: dir)
    let p = dir.appendingPathComponent("p")
    try FileManager.default.createDirectory(at: p, withIntermediateDirectories: true)
    try "{}".write(to: p.appendingPathComponent("run.json"), atomically: true, encoding: .utf8)
    try "x".write(to: p.appendingPathComponent("thesis.tex"), atomically: true, encoding: .utf8)
    let before = treeDigest(dir)
    let r = try runCLI(["run", file.path, "--out", p.path, "--quiet"])
    #expect(r.code == 2 && oneLine(r.stderr) && r.stderr.contains("p: has a run.json without the list of files its run wrote"), "\(r.stderr)")
    #expect(treeDigest(dir) == before)
    // A real results folder into which the user put a file is refused too.
    let out = dir.appendingPathComponent("out")
    #expect(try runCLI(["run", file.path, "--out", out.path, "--quiet"]).code == 0)
    try "mine".write(to: out.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
    let withNotes = treeDigest(dir)
    let again = try runCLI(["run", file.path, "--out", out.path, "--quiet"])
    #expect(again.code == 2 && oneLine(again.stderr) && again.stderr.contains("holds files that no run wrote (notes.txt)"), "\(again.stderr)")
    #expect(treeDigest(dir) == withNotes)
}

@Test func theCurrentFolderIsNeverAnOutputFolder() throws {
    let dir = temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = try parameterFile(validParameters, in: dir), out = dir.appendingPathComponent("out")
    #expect(try runCLI(["run", file.path, "--out", out.path, "--quiet"]).code == 0)
    let before = treeDigest(dir)
    for target in [".", "..", out.path] {
        let r = try runCLI(["run", file.path, "--out", target, "--quiet"], in: out)
        #expect(r.code == 2 && oneLine(r.stderr) && r.stderr.contains("is the current folder or contains it"), "\(target): \(r.stderr)")
    }
    #expect(treeDigest(dir) == before)
}

@Test(arguments: ["before-swap", "after-swap"])
func aKilledReplacementLeavesTheCompleteOldOrTheCompleteNewFolder(point: String) throws {
    let dir = temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = try parameterFile(validParameters, in: dir), out = dir.appendingPathComponent("out")
    #expect(try runCLI(["run", file.path, "--out", out.path, "--quiet", "--seed", "1"]).code == 0)
    let old = treeDigest(out)
    let (p, _) = try startCLI(["run", file.path, "--out", out.path, "--quiet", "--seed", "2"], environment: ["CRITICALITY_PAUSE_AT": point], until: "paused at \(point)")
    kill(p.processIdentifier, SIGKILL)
    p.waitUntilExit()
    #expect(isCompleteResultsFolder(out))
    if point == "before-swap" { #expect(treeDigest(out) == old) } else { #expect(runSeed(out) == 2) }
    // The next run into the same place removes what the killed one left and takes the lock.
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).contains { $0.hasPrefix(".out.partial-") })
    let next = try runCLI(["run", file.path, "--out", out.path, "--quiet", "--seed", "3"])
    #expect(next.code == 0, "\(next.stderr)")
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["out", "p.toml"])
    #expect(isCompleteResultsFolder(out) && runSeed(out) == 3)
}

@Test func aKilledRunLeavesItsStagingFolderForTheNextRunToRemove() throws {
    let dir = temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let long = try parameterFile(validParameters.replacingOccurrences(of: "t_end = 1.0", with: "t_end = 100000.0"), in: dir, name: "long.toml")
    let file = try parameterFile(validParameters, in: dir), out = dir.appendingPathComponent("out")
    let (p, _) = try startCLI(["run", long.path, "--out", out.path], until: "%")
    kill(p.processIdentifier, SIGKILL)
    p.waitUntilExit()
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).contains { $0.hasPrefix(".out.partial-") })
    #expect(try runCLI(["run", file.path, "--out", out.path, "--quiet"]).code == 0)
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["long.toml", "out", "p.toml"])
}

@Test func aSecondRunIntoTheSameFolderIsToldWhoHoldsIt() throws {
    let dir = temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let long = try parameterFile(validParameters.replacingOccurrences(of: "t_end = 1.0", with: "t_end = 100000.0"), in: dir, name: "long.toml")
    let scan = try parameterFile(validParameters + "\n[scan]\nparameter = \"model.r\"\nvalues = [-1.0, -0.5]\n", in: dir, name: "scan.toml")
    let out = dir.appendingPathComponent("out")
    let (p, _) = try startCLI(["run", long.path, "--out", out.path], until: "%")
    defer { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() }
    let before = treeDigest(dir)
    for second in [long, scan] {
        let r = try runCLI(["run", second.path, "--out", out.path, "--quiet"])
        #expect(r.code == 2 && oneLine(r.stderr) && r.stderr.contains("out: is being written by another run (pid \(p.processIdentifier) "), "\(r.stderr)")
    }
    #expect(treeDigest(dir) == before)
}

/// A file system with no room: a 16 KiB tmpfs mounted in a private mount namespace of the child
/// (root only; skipped where unshare or mount is not allowed).
let canMountTmpfs: Bool = {
    guard getuid() == 0 else { return false }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
    p.arguments = ["-m", "sh", "-c", "mount -t tmpfs -o size=16k tmpfs /mnt"]
    p.standardError = FileHandle.nullDevice
    guard (try? p.run()) != nil else { return false }
    p.waitUntilExit()
    return p.terminationStatus == 0
}()

@Test(.enabled(if: canMountTmpfs)) func aFullDiskIsOneLineInOurOwnWordsAndLeavesNothing() throws {
    let dir = temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = try parameterFile(validParameters, in: dir), disk = dir.appendingPathComponent("disk")
    try FileManager.default.createDirectory(at: disk, withIntermediateDirectories: true)
    let script = "mount -t tmpfs -o size=16k tmpfs \"$1\" && \"$2\" run \"$3\" --out \"$1/out\" --quiet; code=$?; ls -A \"$1\" >&2; exit $code"
    let p = Process(), err = Pipe()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
    p.arguments = ["-m", "sh", "-c", script, "sh", disk.path, executable.path, file.path]
    p.standardError = err
    p.standardOutput = FileHandle.nullDevice
    try p.run()
    let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    #expect(p.terminationStatus == 1, "\(text)")
    let lines = text.split(separator: "\n")
    #expect(lines.first?.hasPrefix("criticality: error: ") == true && lines.first?.contains(": cannot write: no space left on device") == true, "\(text)")
    #expect(!text.contains("NSCocoaErrorDomain") && !text.contains("Error Domain"))
    // `ls -A` of the full disk printed nothing after the error: no folder, no staging, no lock.
    #expect(lines.count == 1, "\(text)")
}

// MARK: blow-ups

let tinyDiffusion = """
[run]
name = "tinyd"
kind = "reverse-diffusion"
members = 2
[lattice]
shape = [8, 8]
[model]
type = "binary-patch"
patch = 3
[sampler]
steps = 40
[observe]
count = 4
"""

struct BlowUp: CustomTestStringConvertible, Sendable {
    let name: String
    let text: String
    let overrides: [String]
    let expected: [String]
    var testDescription: String { name }
}

let blowUps: [BlowUp] = [
    BlowUp(name: "model A, dt = 10", text: validParameters, overrides: ["integrator.dt=10.0", "integrator.t_end=1000.0"],
           expected: ["tiny: halted, member 0: φ became non-finite", "(t = ", "φ(", "integrator.dt = 10.0 may be above the stability limit"]),
    BlowUp(name: "model A in 1-D, huge amplitude", text: validParameters, overrides: ["lattice.shape=[64]", "initial.amplitude=1e200"],
           expected: ["tiny: halted", "non-finite", "the initial field"]),
    BlowUp(name: "Swift–Hohenberg, dt = 5", text: validParameters.replacingOccurrences(of: "r = -1.0", with: "type = \"swift-hohenberg\"\nr = 0.5\nwavenumber = 1.0"),
           overrides: ["integrator.dt=5.0", "integrator.t_end=5000.0"], expected: ["tiny: halted", "non-finite"]),
    BlowUp(name: "guidance weight 1e300", text: tinyDiffusion + "\n[guidance]\nclass = 0\nweight = 1e300\n", overrides: [],
           expected: ["tinyd: halted, member 0: ", "non-finite", "the guidance"]),
    BlowUp(name: "two-point guidance weight 1e200", text: tinyDiffusion.replacingOccurrences(of: "type = \"binary-patch\"\npatch = 3", with: "type = \"two-point\"")
           + "\n[guidance]\nclass = 1\nweight = 1e200\n", overrides: [], expected: ["tinyd: halted", "too large to square", "the guidance"]),
]

@Test(arguments: blowUps)
func aBlowUpHaltsWithOneLineAndExitCodeThree(_ b: BlowUp) throws {
    let dir = temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = try parameterFile(b.text, in: dir)
    let r = try runCLI(["run", file.path, "--out", dir.appendingPathComponent("out").path, "--quiet"] + b.overrides.flatMap { ["--set", $0] })
    #expect(r.code == 3, "\(r.stderr)")
    #expect(oneLine(r.stderr), "\(r.stderr)")
    for e in b.expected { #expect(r.stderr.contains(e), "\(r.stderr)") }
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["p.toml"], "no results folder")
}

@Test func analyzeRefusesTimesOutsideTheSchedule() throws {
    let dir = temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let x = dir.appendingPathComponent("x.npy"), t = dir.appendingPathComponent("t.npy")
    try NPY.encode((0..<(3 * 2 * 16)).map { sin(Double($0)) }, shape: [3, 2, 4, 4]).write(to: x)
    try NPY.encode([1.5, 0.5, 0.1], shape: [3]).write(to: t)
    let r = try runCLI(["analyze", x.path, "--times", t.path, "--schedule", "cosine", "--out", dir.appendingPathComponent("out").path])
    #expect(r.code == 2 && oneLine(r.stderr) && r.stderr.contains("t.npy: t = 1.5 is outside the range of schedule cosine"), "\(r.stderr)")
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["t.npy", "x.npy"])
    // Integer times are read, with a note rather than silently.
    var ints = NPY.encode([3, 2, 1], shape: [3]).dropLast(24)
    ints.replaceSubrange(ints.range(of: Data("<f8".utf8))!, with: Data("<i8".utf8))
    ints += [Int64(3), 2, 1].withUnsafeBytes { Data($0) }
    try ints.write(to: t)
    let n = try runCLI(["analyze", x.path, "--times", t.path, "--out", dir.appendingPathComponent("out").path])
    #expect(n.code == 0, "\(n.stderr)")
    #expect(n.stderr.contains("note: \(t.path) holds integers (<i8); they are read as float64"), "\(n.stderr)")
}

// MARK: magnitudes

let hugeInputs: [BadInput] = [
    BadInput(name: "dt = 5e-324", replace: nil, overrides: ["integrator.dt=5e-324"], expected: ["integrator.t_end / integrator.dt", "expected at most 1000000000000 steps"]),
    BadInput(name: "t_end = 1e300", replace: nil, overrides: ["integrator.t_end=1e300"], expected: ["integrator.t_end / integrator.dt", "steps"]),
    BadInput(name: "shape 2^32 × 2^32", replace: nil, overrides: ["lattice.shape=[4294967296, 4294967296]"], expected: ["lattice: shape [4294967296, 4294967296] has more than 2147483647 sites"]),
    BadInput(name: "shape 65536²", replace: nil, overrides: ["lattice.shape=[65536, 65536]"], expected: ["more than 2147483647 sites"]),
    BadInput(name: "shape 2048³", replace: nil, overrides: ["lattice.shape=[2048, 2048, 2048]", "lattice.box=[1.0, 1.0, 1.0]"], expected: ["more than 2147483647 sites"]),
    BadInput(name: "members = 1e9", replace: nil, overrides: ["run.members=1000000000"], expected: ["GiB of memory", "run.members × observe.count: reduce it"]),
    BadInput(name: "observe.count = 1e9", replace: nil, overrides: ["observe.count=1000000000"], expected: ["observe.count = 1000000000", "at most 1000000 observation times"]),
]

@Test(arguments: hugeInputs)
func hugeSizesAreRefusedBeforeAllocation(_ bad: BadInput) throws {
    try badInputGetsOneClearLineAndExitCodeTwo(bad)
}

@Test func hugeDiffusionAndScanSizesAreRefused() throws {
    let dir = temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = try parameterFile(tinyDiffusion, in: dir)
    let cases: [([String], String)] = [
        (["sampler.steps=1000000000000"], "the run would need about"),
        (["observe.count=1000000000"], "observe.count = 1000000000"),
        (["run.members=1000000000"], "run.members × observe.count"),
        (["scan.parameter=\"model.patch\"", "scan.from=1", "scan.to=9", "scan.points=1000000000"], "scan.points = 1000000000: expected an integer in 2…1000000"),
    ]
    for (overrides, expected) in cases {
        let r = try runCLI(["run", file.path, "--out", dir.appendingPathComponent("out").path, "--quiet"] + overrides.flatMap { ["--set", $0] })
        #expect(r.code == 2 && oneLine(r.stderr) && r.stderr.contains(expected), "\(overrides): \(r.stderr)")
    }
    // An .npy header claiming (2³², 2³², 4) of float64 in a file of a few bytes.
    let npy = dir.appendingPathComponent("huge.npy")
    var header = "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4), }"
    while (header.count + 11) % 64 != 0 { header += " " }
    try (Data([0x93]) + Data("NUMPY".utf8) + Data([1, 0, UInt8(header.count + 1), 0]) + Data((header + "\n").utf8) + Data(count: 16)).write(to: npy)
    let t = dir.appendingPathComponent("t.npy")
    try NPY.encode([1.0], shape: [1]).write(to: t)
    let r = try runCLI(["analyze", npy.path, "--times", t.path, "--out", dir.appendingPathComponent("out").path])
    #expect(r.code == 2 && oneLine(r.stderr) && r.stderr.contains("huge.npy") && r.stderr.contains("larger than any file"), "\(r.stderr)")
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["huge.npy", "p.toml", "t.npy"])
}

// MARK: reruns and data files

@Test func aResultsFolderReRunsFromAnywhereAndRefusesChangedData() throws {
    let dir = temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let data = dir.appendingPathComponent("inputs")
    try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
    let images: [Double] = (0..<(6 * 8 * 8)).map { (i: Int) -> Double in Double((i * 37) % 11) / 10 }
    try NPY.encode(images, shape: [6, 8, 8]).write(to: data.appendingPathComponent("images.npy"))
    let file = try parameterFile("""
        [run]
        name = "ideal"
        kind = "reverse-diffusion"
        members = 2
        [model]
        type = "ideal"
        [data]
        source = "file"
        file = "images.npy"
        [sampler]
        steps = 20
        [observe]
        count = 3
        """, in: data)
    let out = dir.appendingPathComponent("results/ideal")
    #expect(try runCLI(["run", file.path, "--out", out.path, "--quiet"], in: dir).code == 0)
    let run = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("run.json"))) as! [String: Any]
    let digest = ((run["data"] as? [String: Any])?["sha256"] as? [String: String])?["file"]
    #expect(digest == SHA256.hex(try Data(contentsOf: data.appendingPathComponent("images.npy"))))
    // The echoed file reruns from inside the results folder and from elsewhere, bit for bit.
    for cwd in [out, FileManager.default.temporaryDirectory] {
        let again = dir.appendingPathComponent("again")
        let r = try runCLI(["run", out.appendingPathComponent("parameters.toml").path, "--out", again.path, "--quiet"], in: cwd)
        #expect(r.code == 0, "\(r.stderr)")
        #expect(try Data(contentsOf: again.appendingPathComponent("xi.npy")) == Data(contentsOf: out.appendingPathComponent("xi.npy")))
    }
    // Changed data are refused by the rerun.
    try NPY.encode(images.map { $0 + 0.01 }, shape: [6, 8, 8]).write(to: data.appendingPathComponent("images.npy"))
    let changed = try runCLI(["run", out.appendingPathComponent("parameters.toml").path, "--out", dir.appendingPathComponent("third").path, "--quiet"])
    #expect(changed.code == 2 && oneLine(changed.stderr) && changed.stderr.contains("images.npy: its SHA-256 is") && changed.stderr.contains("data.file_sha256"), "\(changed.stderr)")
}

@Test func sha256MatchesTheStandardVectors() {
    #expect(SHA256.hex(Data()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    #expect(SHA256.hex(Data("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    #expect(SHA256.hex(Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    #expect(SHA256.hex(Data(repeating: 0x61, count: 1_000_000)) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
}

// MARK: the small ones

@Test func smallInputMistakesAreNamedExactly() throws {
    let dir = temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let out = dir.appendingPathComponent("out").path
    // A NUL byte.
    let nul = dir.appendingPathComponent("nul.toml")
    try (Data(validParameters.utf8) + Data([0]) + Data("\n[bogus]\n".utf8)).write(to: nul)
    var r = try runCLI(["run", nul.path, "--out", out, "--quiet"])
    #expect(r.code == 2 && oneLine(r.stderr) && r.stderr.contains("nul.toml: line 13: a NUL byte, which a TOML parameter file cannot contain"), "\(r.stderr)")
    // A folder.
    r = try runCLI(["run", dir.path, "--out", out, "--quiet"])
    #expect(r.code == 2 && oneLine(r.stderr) && r.stderr.contains("cannot read the parameter file: it is a folder, not a file"), "\(r.stderr)")
    // A misspelt key of a mixture component.
    let mixture = try parameterFile("""
        [run]
        kind = "reverse-diffusion"
        [lattice]
        shape = [4, 4]
        [model]
        type = "gaussian-mixture"
        [[model.components]]
        label = 0
        [[model.components]]
        label = 1
        [[model.components]]
        lable = 2
        """, in: dir, name: "mix.toml")
    r = try runCLI(["run", mixture.path, "--out", out, "--quiet"])
    #expect(r.code == 2 && oneLine(r.stderr) && r.stderr.contains("unknown key 'model.components[2].lable'"), "\(r.stderr)")
    // --seed -1.
    let good = try parameterFile(validParameters, in: dir)
    r = try runCLI(["run", good.path, "--out", out, "--quiet", "--seed", "-1"])
    #expect(r.code == 2 && oneLine(r.stderr) && r.stderr.contains("--seed: -1: expected an integer in 0…"), "\(r.stderr)")
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["mix.toml", "nul.toml", "p.toml"])
}

@Test func aMisspeltScanPlotKeyStopsTheScanAfterItsFirstTask() throws {
    let dir = temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = try parameterFile(validParameters + "\n[scan]\nparameter = \"model.r\"\nfrom = -1.0\nto = -0.1\npoints = 40\nthreads = 1\nplot = [\"nope\"]\n", in: dir)
    let r = try runCLI(["run", file.path, "--out", dir.appendingPathComponent("out").path, "--quiet"])
    #expect(r.code == 2 && oneLine(r.stderr) && r.stderr.contains("scan.plot: 'nope' is not a number the runs report"), "\(r.stderr)")
    // One task was computed and stored, not forty.
    let stored = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent(".out.scan/points").path)
    #expect(stored.count == 1, "\(stored)")
}
