import CriticalityAnalysis
import CriticalityDiffusion
import CriticalityLattice
import Foundation
import Testing
@testable import CriticalityExperiments

// External models: numpy servers of the binary patch and Gaussian-field models against the
// built-in ones, the prediction conversions, batching, the failure modes and the opt-in.

let externalServers = repositoryRoot.appendingPathComponent("Tests/external")

func externalModel(_ script: String, _ arguments: [String], lattice: Lattice, predicts: ExternalModel.Prediction = .x0, batch: Int = 16,
                   timeout: Double = 30) throws -> ExternalModel {
    try ExternalModel(.init(argv: ["python3", externalServers.appendingPathComponent(script).path] + arguments, directory: nil, environment: [:],
                            predicts: predicts, batch: batch, timeout: timeout, schedule: "vp"), lattice: lattice)
}

/// The built-in twin of Tests/external/mixture_server.py 0.8 0.3: classes 0 and 1 at ±0.8.
let twoClassMixture = """
    type = "gaussian-mixture"
    [[model.components]]
    mean = 0.8
    variance = 0.3
    label = 0
    [[model.components]]
    mean = -0.8
    variance = 0.3
    label = 1
    """

/// A new empty folder for one test.
func temporaryFolder() throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("criticality-external-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

/// Runs a parameter file's text through the executable (with --allow-external) into `dir/out-<tag>`;
/// returns the results folder.
func runExternal(_ text: String, in dir: URL, tag: String) throws -> URL {
    let file = dir.appendingPathComponent("\(tag).toml"), out = dir.appendingPathComponent("out-\(tag)")
    try text.write(to: file, atomically: true, encoding: .utf8)
    let (code, stderr) = try runCLI(["run", file.path, "--out", out.path, "--quiet", "--allow-external"])
    #expect(code == 0, "\(stderr)")
    return out
}

/// ‖a − b‖∞ / ‖b‖∞.
func relativeMaxError(_ a: [Double], _ b: [Double]) -> Double {
    zip(a, b).map { abs($0 - $1) }.max()! / b.map(abs).max()!
}

@Test func numpyServersAgreeWithTheBuiltInModelsInOneEvaluation() throws {
    let lattice = try Lattice(shape: [16, 12])
    let patch = try BinaryPatchDenoiser(lattice: lattice, patch: .fixed(5))
    let field = GaussianFieldDenoiser(lattice: lattice, spectrum: .ornsteinZernike(amplitude: 2, correlationLength: 3))
    let servers = try [(patch as any Denoiser, try externalModel("binary_patch_server.py", ["5"], lattice: lattice), ExternalModel.Prediction.x0)]
        + ExternalModel.Prediction.allCases.map { p in
            (field as any Denoiser, try externalModel("gaussian_field_server.py", ["2", "3", p.rawValue], lattice: lattice, predicts: p), p)
        }
    defer { for s in servers { s.1.close() } }
    var worst = 0.0
    for (builtIn, model, _) in servers {
        for (i, t) in [0.05, 0.5, 3.0].enumerated() {
            let level = NoiseSchedule.vp.level(at: t)
            let x = RealField(lattice)
            GaussianNoise(seed: 9).fill(x.values, count: x.count, member: i, step: 0, stream: 0)
            let a = RealField(lattice), b = RealField(lattice)
            builtIn.denoise(x, at: level, into: a, workspace: DenoiserWorkspace(lattice))
            ExternalDenoiser(model).denoise(x, at: level, into: b, workspace: DenoiserWorkspace(lattice))
            worst = max(worst, relativeMaxError(b.array, a.array))
        }
        #expect(model.failure == nil)
    }
    print("validation: numpy servers (binary patch; Gaussian field as x0, ε, score, v) against the built-in models, one evaluation: max relative error \(worst)")
    #expect(worst < 1e-12)
}

/// A probe's finite differences reach an external model as one batch (2 fields a wave, up to
/// 16 waves a call) and give the built-in model's stiffness. Evaluated one by one, the same
/// probe would cost a batch per field.
@Test func probeWavesReachAnExternalModelInOneBatch() throws {
    let lattice = try Lattice(shape: [12, 12])
    let model = try externalModel("binary_patch_server.py", ["3"], lattice: lattice, batch: 64)
    defer { model.close() }
    let probes = [try BinaryPatchDenoiser(lattice: lattice, patch: .fixed(3)) as any Denoiser, ExternalDenoiser(model)].map {
        JacobianProbe(denoiser: $0, shells: 2, method: .finiteDifference)
    }
    let x = RealField(lattice)
    GaussianNoise(seed: 4).fill(x.values, count: x.count, member: 0, step: 0, stream: 0)
    let level = NoiseSchedule.vp.level(at: 1.2)
    let h = probes.map { $0.stiffness(at: x, level: level, workspace: JacobianProbe.Workspace(lattice)) }
    let waves = probes[1].waves.count
    print("validation: finite-difference probes of the external binary patch twin, \(waves) waves: max relative difference \(relativeMaxError(h[1], h[0])), \(model.evaluations) fields in \(model.batches) batch(es)")
    #expect(waves > 1 && waves <= 16)
    #expect(relativeMaxError(h[1], h[0]) < 1e-8)
    #expect(model.evaluations == 2 * waves && model.batches == 1)
}

/// Whole samples with the same seed: rounding differences between numpy's and FFTW's
/// transforms are amplified along the trajectory; the bound is 1e-9. The binary patch model's
/// samples saturate at ±1 (tanh of α/σ² ~ 10³ at t_end), which hides differences, so the linear
/// Gaussian-field model (served as an ε-predictor) is compared too.
@Test func externalSamplesMatchTheBuiltInModelAndDoNotDependOnBatchingOrThreads() throws {
    let lattice = try Lattice(shape: [12, 12])
    let times = try TimeGrid.logUniform.times(from: 12, to: 1e-3, steps: 120, schedule: .vp)
    let cases: [(String, any Denoiser, String, [String], ExternalModel.Prediction)] = [
        ("binary patch", try BinaryPatchDenoiser(lattice: lattice, patch: .fixed(3)), "binary_patch_server.py", ["3"], .x0),
        ("Gaussian field (ε)", GaussianFieldDenoiser(lattice: lattice, spectrum: .ornsteinZernike(amplitude: 2, correlationLength: 3)),
         "gaussian_field_server.py", ["2", "3", "epsilon"], .epsilon),
    ]
    for (name, denoiser, script, arguments, predicts) in cases {
        let builtIn = try ReverseSampler(schedule: .vp, denoiser: denoiser, method: .reverseSDEExponential, times: times, seed: 4)
        let members = 8
        let reference = try Ensemble.map(members: members, threads: 1) { m throws(NonFiniteState) in try builtIn.run(member: m, from: builtIn.initialState(member: m)).array }
        var runs: [[[Double]]] = []
        for (batch, threads) in [(1, 1), (8, 8), (3, 5)] {
            let model = try externalModel(script, arguments, lattice: lattice, predicts: predicts, batch: batch)
            defer { model.close() }
            let sampler = builtIn.with(denoiser: ExternalDenoiser(model))
            runs.append(try Ensemble.map(members: members, threads: threads) { m throws(NonFiniteState) in try sampler.run(member: m, from: sampler.initialState(member: m)).array })
            #expect(model.failure == nil)
            if batch == 8 { print("validation: external batching (\(name)): \(model.evaluations) evaluations in \(model.batches) batches (batch 8, 8 threads)") }
        }
        #expect(runs[0] == runs[1] && runs[0] == runs[2], "\(name): results depend on batch or threads")
        let worst = zip(runs[0].joined(), reference.joined()).map { abs($0 - $1) }.max()!
        let scale = reference.joined().map(abs).max()!
        print("validation: external whole samples (\(name), 12², 120 steps, 8 members) against the built-in model: max abs difference \(worst) (samples up to \(scale))")
        #expect(worst < 1e-9)
    }
}

/// Every way a program can fail, through the executable: one line naming the command and what
/// came back, the exit code, no results folder, and no process left behind.
struct ExternalFailure: CustomTestStringConvertible, Sendable {
    let mode: String
    let code: Int32
    let expected: String
    var testDescription: String { mode }
}

@Test(arguments: [
    ExternalFailure(mode: "exit-at-start", code: 2, expected: "cannot load the weights"),
    ExternalFailure(mode: "bad-handshake", code: 2, expected: "the handshake's answer is not a JSON object"),
    ExternalFailure(mode: "wrong-shape", code: 2, expected: "accepts fields of shape [3, 3]"),
    ExternalFailure(mode: "crash", code: 1, expected: "Segmentation fault (simulated)"),
    ExternalFailure(mode: "wrong-length", code: 1, expected: "then nothing within the timeout"),
    ExternalFailure(mode: "nan", code: 1, expected: "the answer holds nan at field"),
    ExternalFailure(mode: "hang", code: 1, expected: "no answer within the timeout"),
    ExternalFailure(mode: "error", code: 1, expected: "answered with an error: CUDA out of memory"),
    ExternalFailure(mode: "missing-program", code: 2, expected: "no executable"),
    // Writing to a closed pipe: EPIPE, never SIGPIPE.
    ExternalFailure(mode: "close-input", code: 1, expected: "the program closed its input"),
])
func externalModelFailuresAreOneLineAndLeaveNothing(_ f: ExternalFailure) throws {
    let dir = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: dir) }
    let marker = dir.appendingPathComponent("started").path
    let command = f.mode == "missing-program" ? "[\"no-such-program-criticality\"]"
        : "[\"python3\", \"\(externalServers.appendingPathComponent("misbehaving_server.py").path)\", \"\(f.mode)\", \"\(marker)\"]"
    let file = dir.appendingPathComponent("external.toml")
    try """
        [run]
        kind = "reverse-diffusion"
        members = 4
        [lattice]
        shape = [8, 8]
        [model]
        type = "external"
        command = \(command)
        predicts = "x0"
        timeout = 2.0
        [sampler]
        steps = 40
        """.write(to: file, atomically: true, encoding: .utf8)
    let out = dir.appendingPathComponent("out")
    let (code, stderr) = try runCLI(["run", file.path, "--out", out.path, "--quiet", "--allow-external"])
    #expect(code == f.code, "\(f.mode): exit \(code): \(stderr)")
    let errorLines = stderr.split(separator: "\n").filter { $0.hasPrefix("criticality: error:") }
    #expect(errorLines.count == 1 && errorLines[0].contains(f.expected), "\(f.mode): \(stderr)")
    #expect(!FileManager.default.fileExists(atPath: out.path), "\(f.mode): a results folder was written")
    if let pid = try? String(contentsOfFile: marker, encoding: .utf8), let p = Int32(pid) {
        #expect(!FileManager.default.fileExists(atPath: "/proc/\(p)"), "\(f.mode): the program (pid \(p)) is still there")
    } else {
        #expect(f.mode == "missing-program", "\(f.mode): the program never started")
    }
}

/// A file that starts a program does not run without --allow-external, and the program is not
/// started; --check without it does not start it either.
@Test func anExternalModelNeedsTheOptIn() throws {
    let dir = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: dir) }
    let marker = dir.appendingPathComponent("started").path
    let file = dir.appendingPathComponent("external.toml")
    try """
        [run]
        kind = "reverse-diffusion"
        [lattice]
        shape = [8, 8]
        [model]
        type = "external"
        command = ["python3", "\(externalServers.appendingPathComponent("misbehaving_server.py").path)", "nan", "\(marker)"]
        predicts = "x0"
        """.write(to: file, atomically: true, encoding: .utf8)
    let out = dir.appendingPathComponent("out")
    let (code, stderr) = try runCLI(["run", file.path, "--out", out.path, "--quiet"])
    #expect(code == 2 && stderr.contains("--allow-external") && stderr.contains("misbehaving_server.py"), "\(stderr)")
    let (checkCode, checkErr) = try runCLI(["run", file.path, "--check"])
    #expect(checkCode == 0, "\(checkErr)")
    #expect(!FileManager.default.fileExists(atPath: marker), "the program was started without --allow-external")
    #expect(!FileManager.default.fileExists(atPath: out.path))
}

/// A working external model end to end: the run writes its folder, and run.json records the
/// exact argv with the SHA-256 of the program and of the script.
@Test func anExternalRunRecordsWhatItStarted() throws {
    let dir = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: dir) }
    let script = externalServers.appendingPathComponent("binary_patch_server.py").path
    let file = dir.appendingPathComponent("external.toml")
    try """
        [run]
        kind = "reverse-diffusion"
        members = 4
        [lattice]
        shape = [8, 8]
        [model]
        type = "external"
        command = ["python3", "\(script)", "3"]
        predicts = "x0"
        [sampler]
        steps = 60
        [softening]
        shells = 1
        members = 2
        times = 10
        """.write(to: file, atomically: true, encoding: .utf8)
    let out = dir.appendingPathComponent("out")
    let (code, stderr) = try runCLI(["run", file.path, "--out", out.path, "--quiet", "--allow-external"])
    #expect(code == 0, "\(stderr)")
    #expect(stderr.contains("starting the external model 'python3'"))
    let run = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("run.json"))) as! [String: Any]
    let external = run["external_model"] as! [String: Any]
    #expect(external["argv"] as? [String] == ["python3", script, "3"])
    #expect((external["program_sha256"] as? String)?.count == 64)
    #expect((external["argument_files_sha256"] as? [String: String])?[script]?.count == 64)
    #expect((external["evaluations"] as? Int ?? 0) > 0)
}

/// The same run through the executable with the built-in binary patch model and with its numpy
/// twin served externally: the finite-difference probes, ξ and the critical-time table agree.
@Test func theCriticalTimeTableOfAnExternalTwinMatchesTheBuiltInModel() throws {
    let dir = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: dir) }
    func run(_ model: String) throws -> [String: Any] {
        let out = try runExternal("""
            [run]
            kind = "reverse-diffusion"
            members = 8
            seed = 3
            [lattice]
            shape = [16, 16]
            [model]
            \(model)
            [sampler]
            steps = 100
            [observe]
            count = 20
            [softening]
            method = "finite-difference"
            shells = 1
            members = 4
            times = 40
            """, in: dir, tag: "\(model.count)")
        return try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as! [String: Any]
    }
    let builtIn = try run("type = \"binary-patch\"\npatch = 3")
    let external = try run("type = \"external\"\ncommand = [\"python3\", \"\(externalServers.appendingPathComponent("binary_patch_server.py").path)\", \"3\"]\npredicts = \"x0\"")
    // Measured estimates are in both; the analytic ones (dispersion, speciation) only in the built-in run.
    let measured = builtIn.keys.filter { $0.hasPrefix("t_") && !$0.contains("analytic") && !$0.contains("speciation") && !$0.contains("collapse") && external[$0] != nil }
    #expect(measured.count >= 3, "too few shared estimates: \(measured.sorted())")
    var worst = 0.0
    for k in measured {
        guard let a = builtIn[k] as? Double, let b = external[k] as? Double else { continue }
        worst = max(worst, abs(a - b) / max(abs(a), 1e-300))
    }
    print("validation: critical-time table, built-in vs external binary patch (finite-difference probes), \(measured.count) estimates: max relative difference \(worst)")
    #expect(worst < 1e-9)
    #expect(builtIn.keys.contains("t_c_analytic_c1") && !external.keys.contains("t_c_analytic_c1"))
}

/// SIGINT or SIGTERM to the package mid-run ends the program too: nothing is left behind.
@Test(arguments: [SIGTERM, SIGINT])
func signalsToThePackageEndTheProgram(_ signal: Int32) throws {
    let dir = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: dir) }
    let marker = dir.appendingPathComponent("started").path
    let file = dir.appendingPathComponent("external.toml")
    try """
        [run]
        kind = "reverse-diffusion"
        members = 2
        [lattice]
        shape = [8, 8]
        [model]
        type = "external"
        command = ["python3", "\(externalServers.appendingPathComponent("misbehaving_server.py").path)", "hang", "\(marker)"]
        predicts = "x0"
        timeout = 600.0
        """.write(to: file, atomically: true, encoding: .utf8)
    let p = Process()
    p.executableURL = executable
    p.arguments = ["run", file.path, "--out", dir.appendingPathComponent("out").path, "--quiet", "--allow-external"]
    p.standardError = FileHandle.nullDevice
    p.standardOutput = FileHandle.nullDevice
    try p.run()
    let start = Date()
    var child: Int32?
    while Date().timeIntervalSince(start) < 30 {
        if let text = try? String(contentsOfFile: marker, encoding: .utf8), let pid = Int32(text) { child = pid; break }
        usleep(50_000)
    }
    usleep(500_000)  // into the hang
    kill(p.processIdentifier, signal)
    p.waitUntilExit()
    guard let child else { Issue.record("the program never started"); return }
    usleep(200_000)
    #expect(!FileManager.default.fileExists(atPath: "/proc/\(child)"), "the program (pid \(child)) outlived the package")
    #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out").path))
}

/// A class-conditional network under classifier-free guidance: the class travels with each
/// request (null for the unconditional model), and a guided run of a numpy mixture network
/// matches the built-in guided mixture.
@Test func classifierFreeGuidanceOfAClassConditionalExternalNetwork() throws {
    let dir = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: dir) }
    func samples(_ model: String) throws -> [Double] {
        let out = try runExternal("""
            [run]
            kind = "reverse-diffusion"
            members = 8
            seed = 5
            [lattice]
            shape = [6, 6]
            [model]
            \(model)
            [guidance]
            class = 1
            weight = 2.0
            [sampler]
            steps = 80
            """, in: dir, tag: "\(model.count)")
        return try NPY.decode(Data(contentsOf: out.appendingPathComponent("samples.npy")), file: "samples.npy").values
    }
    let builtIn = try samples(twoClassMixture)
    let external = try samples("type = \"external\"\ncommand = [\"python3\", \"\(externalServers.appendingPathComponent("mixture_server.py").path)\", \"0.8\", \"0.3\"]\npredicts = \"x0\"")
    #expect(builtIn.count == 8 * 36 && external.count == builtIn.count)
    let worst = zip(builtIn, external).map { abs($0 - $1) }.max()!
    let mean = external.reduce(0, +) / Double(external.count)
    print("validation: guided (w = 2, class 1) external mixture network against the built-in mixture, 8 samples of 6²: max abs difference \(worst), sample mean \(mean)")
    #expect(worst < 1e-9)
    // Guided towards class 1 (mean −0.8): every member ends there, which the unguided mixture
    // does for all 8 with probability 2⁻⁸: the classes did travel.
    let memberMeans = (0..<8).map { m in external[(m * 36)..<((m + 1) * 36)].reduce(0, +) / 36 }
    #expect(memberMeans.allSatisfy { $0 < 0 }, "\(memberMeans)")
}

/// Guidance pulses of a class-conditional external network: every condition's sample is the
/// built-in guided mixture's (member 0 under each pulse, to 1e-9), with class alignment scored by
/// a classifier of labelled data beside the network.
@Test func guidancePulsesOfAnExternalNetworkFollowTheBuiltInModel() throws {
    let dir = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: dir) }
    // Labelled images of the two classes, ±0.8 plus noise of standard deviation 0.3.
    let g = GaussianNoise(seed: 11)
    var images: [Double] = [], labels: [Double] = []
    for i in 0..<40 {
        var z = [Double](repeating: 0, count: 36)
        z.withUnsafeMutableBufferPointer { g.fill($0.baseAddress!, count: 36, member: i, step: 0, stream: 0) }
        images += z.map { (i % 2 == 0 ? 0.8 : -0.8) + 0.3 * $0 }
        labels.append(Double(i % 2))
    }
    try NPY.encode(images, shape: [40, 6, 6]).write(to: dir.appendingPathComponent("images.npy"))
    try NPY.encode(labels, shape: [40]).write(to: dir.appendingPathComponent("labels.npy"))
    func firstSamples(_ model: String) throws -> [Double] {
        let out = try runExternal("""
            [run]
            kind = "guidance-pulse"
            members = 12
            seed = 2
            [lattice]
            shape = [6, 6]
            [model]
            \(model)
            [guidance]
            class = 1
            [sampler]
            steps = 60
            [pulse]
            points = 4
            strength = 3.0
            critical = 0.5
            resamples = 200
            """, in: dir, tag: "\(model.count)")
        return try NPY.decode(Data(contentsOf: out.appendingPathComponent("pulse_first_samples.npy")), file: "pulse_first_samples.npy").values
    }
    let builtIn = try firstSamples(twoClassMixture)
    let external = try firstSamples("""
        type = "external"
        command = ["python3", "\(externalServers.appendingPathComponent("mixture_server.py").path)", "0.8", "0.3"]
        predicts = "x0"
        [data]
        source = "file"
        file = "images.npy"
        labels = "labels.npy"
        """)
    #expect(!builtIn.isEmpty && builtIn.count == external.count)
    let worst = zip(builtIn, external).map { abs($0 - $1) }.max() ?? .infinity
    print("validation: guidance pulses of the external mixture network against the built-in mixture, member 0 under \(builtIn.count / 36) conditions: max abs difference \(worst)")
    #expect(worst < 1e-9)
}

/// An external model with [data] is measured like a patch machine of those data: the numpy twin
/// of the circular ELS machine gives the built-in machine's samples, the same mosaic fractions,
/// nearest images and distances, the same probes of the homogeneous state α ȳ (on the data's
/// k* and, k* being on a ring, its radial neighbours: four shells), and the data's windowed C1 time
/// equals the machine's own.
@Test func anExternalELSTwinIsMeasuredLikeTheBuiltInMachine() throws {
    let dir = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: dir) }
    let g = GaussianNoise(seed: 5)
    var images = [Double](repeating: 0, count: 4 * 36)
    images.withUnsafeMutableBufferPointer { g.fill($0.baseAddress!, count: $0.count, member: 0, step: 0, stream: 0) }
    try NPY.encode(images.map { $0 > 0 ? 1 : -1 }, shape: [4, 6, 6]).write(to: dir.appendingPathComponent("images.npy"))
    func run(_ model: String, _ observe: String) throws -> (summary: [String: Any], samples: [Double], stiffness: [Double], k: [Double]) {
        let out = try runExternal("""
            [run]
            kind = "reverse-diffusion"
            members = 6
            seed = 8
            [model]
            \(model)
            [data]
            source = "file"
            file = "images.npy"
            normalise = false
            [sampler]
            t_start = 8
            t_end = 1e-3
            steps = 60
            [observe]
            count = 4
            \(observe)
            [softening]
            method = "finite-difference"
            shells = 1
            members = 2
            times = 12
            windows = [3]
            """, in: dir, tag: "\(model.count)")
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as! [String: Any]
        func npy(_ name: String) throws -> [Double] { try NPY.decode(Data(contentsOf: out.appendingPathComponent(name)), file: name).values }
        return (summary, try npy("samples.npy"), try npy("stiffness_homogeneous.npy"), try npy("probe_k.npy"))
    }
    let builtIn = try run("type = \"els\"\npatch = 3", "")
    let external = try run("type = \"external\"\ncommand = [\"python3\", \"\(externalServers.appendingPathComponent("els_server.py").path)\", \"images.npy\", \"3\"]\npredicts = \"x0\"",
                           "mosaic_patch = 3")
    let difference = relativeMaxError(external.samples, builtIn.samples)
    print("validation: external ELS twin (circular, P = 3) against the built-in machine, 6 samples of 6²: max relative difference \(difference); mosaic pass fraction \(builtIn.summary["mosaic_pass_fraction"] ?? "-") and \(external.summary["mosaic_pass_fraction"] ?? "-")")
    #expect(difference < 1e-9)
    #expect(external.k == builtIn.k && external.k.count == 4, "probed |k|: \(external.k) and \(builtIn.k)")
    #expect(relativeMaxError(external.stiffness, builtIn.stiffness) < 1e-8)
    let c1 = builtIn.summary["t_c_analytic_c1"] as? Double, window = external.summary["t_c_analytic_c1_window3"] as? Double
    #expect(c1 != nil && window != nil && abs(c1! - window!) <= 1e-12 * c1!, "C1 \(String(describing: c1)), the data's under 3×3 windows \(String(describing: window))")
    #expect(external.summary["t_c_analytic_c1"] == nil)
    for key in ["mosaic_pass_fraction", "mosaic_pass_fraction_min", "nearest_distance_median", "mosaic_patch", "t_c_jacobian_homogeneous", "t_speciation"] {
        let (a, b) = (builtIn.summary[key] as? Double, external.summary[key] as? Double)
        #expect(a != nil && b != nil && abs(a! - b!) <= 1e-9, "\(key): \(String(describing: a)) vs \(String(describing: b))")
    }
}
