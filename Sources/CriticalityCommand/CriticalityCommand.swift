import ArgumentParser
import CriticalityDiffusion
import CriticalityExperiments
import Foundation
import CriticalityLattice

/// The `criticality` command: parsing and wiring only; the work is in the Experiments room.
@main
struct CriticalityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "criticality",
        abstract: "Statistical physics of generative diffusion: spectral lattice field solvers and critical-regime analysis.",
        version: "\(Experiment.version) (git \(Experiment.revision))",
        subcommands: [Run.self, Analyze.self, FSS.self, Evaluate.self, Info.self, Bench.self, Schema.self])
}

/// An error as one line on stderr and its exit code: 2 for bad input (the parameter file, the
/// command line, an output folder that is not ours or is held by another run), 3 for a run
/// halted by a non-finite field, 1 for anything else (a file system refusing a write, say).
/// Under MPI the line names the rank, and the whole job ends at once (MPI_Abort) rather than
/// leaving the other ranks waiting.
func fail(_ error: Error, file: String? = nil) -> ExitCode {
    switch error {
    case let e as ParameterError: return fail(e, code: 2)
    case let e as Lattice.Error: return fail(ParameterError(file: file ?? "lattice", message: "lattice: \(e)"), code: 2)
    case let e as InvalidArgument: return fail(e, code: 2)
    case let e as NonFiniteField: return fail(e, code: 3)
    default: return fail(error, code: 1)
    }
}

func fail(_ error: Error, code: Int32) -> ExitCode {
    let rank = Cluster.size > 1 ? "rank \(Cluster.rank) of \(Cluster.size): " : ""
    FileHandle.standardError.write(Data("criticality: error: \(rank)\(error)\n".utf8))
    if Cluster.size > 1 { Cluster.abort(code: code) }
    return ExitCode(code)
}

struct Schema: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the JSON Schema of parameter files (for TOML editors and validators), or the parameter reference.")

    @Flag(help: "Print the parameter reference docs/parameters.md (Markdown) instead.")
    var markdown = false

    func run() {
        print(markdown ? ParameterSchema.markdownReference() : ParameterSchema.jsonSchemaText(), terminator: "")
    }
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the experiment of a TOML parameter file and write its results folder.")

    @Argument(help: "The parameter file, e.g. parameters/quickstart.toml.")
    var file: String

    @Option(help: "Results folder (default: results/<run.name>).")
    var out: String?

    @Option(parsing: .unconditional, help: "Random seed, overriding run.seed (a non-negative integer).")
    var seed: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a parameter, e.g. --set lattice.shape=[64,64] (TOML value).", valueName: "key=value"))
    var overrides: [String] = []

    @Flag(help: "No progress output.")
    var quiet = false

    @Flag(help: "Only validate the parameter file (keys, scan points, data files, memory) and say what would run; write nothing.")
    var check = false

    @Flag(help: "Start the program of a model.type = \"external\" model (a parameter file that starts a program is code: trust it first).")
    var allowExternal = false

    @Option(help: .hidden)
    var stopAfter: Int?

    func run() throws {
        var words = ["criticality", "run", file]
        if let out { words += ["--out", out] }
        if let seed { words += ["--seed", "\(seed)"] }
        for o in overrides { words += ["--set", "'\(o)'"] }
        Cluster.start()
        defer { Cluster.stop() }
        ExternalProcess.installSignalHandlers()
        do {
            let seed = try self.seed.map { s in
                guard let v = Int(s), v >= 0 else { throw ParameterError(file: "--seed", message: "\(s): expected an integer in 0…\(Int.max)") }
                return UInt64(v)
            }
            if check {
                print(try Experiment.check(file: file, seed: seed, overrides: overrides, allowExternal: allowExternal))
                return
            }
            let folder = try Experiment.run(file: file, out: out, seed: seed, overrides: overrides, progress: !quiet,
                                            commandLine: words.joined(separator: " "), stopAfter: stopAfter, allowExternal: allowExternal)
            if Cluster.isRoot { print("results: \(folder.path)/index.html") }
        } catch {
            throw fail(error, file: file)
        }
    }
}

struct Analyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Correlation lengths, S(k, t) and the −dξ/dlog t peak of trajectories written by any sampler, as a results folder.",
        discussion: "TRAJ.npy holds x_t with shape (T, B, H, W), (T, B, H, W, C) or (T, B, L); T.npy the T times (monotone, positive).")

    @Argument(help: "The trajectory array x_t, shape (T, B, *lattice).")
    var trajectory: String

    @Option(help: "The times, shape (T,).")
    var times: String

    @Option(help: "D(x_t) of the same shape, to add the fields D and sign D.")
    var denoised: String?

    @Option(help: "Noise schedule of the times (vp, ou, ddpm, cosine, ve), to report log λ_t as well.")
    var schedule: String?

    @Option(help: "Results name (default: the trajectory file's name).")
    var name: String?

    @Option(help: "Results folder (default: results/<name>).")
    var out: String?

    @Option(help: "Threads (0: all cores).")
    var threads = 0

    func run() throws {
        var words = ["criticality", "analyze", trajectory, "--times", times]
        if let denoised { words += ["--denoised", denoised] }
        if let schedule { words += ["--schedule", schedule] }
        if let name { words += ["--name", name] }
        if let out { words += ["--out", out] }
        let schedules: [String: NoiseSchedule] = ["vp": .vp, "ou": .ou, "ddpm": .ddpmDefault, "cosine": .cosine, "ve": .ve]
        do {
            guard schedule == nil || schedules[schedule!] != nil else {
                throw ParameterError(file: "--schedule", message: "\(schedule!): expected one of vp, ou, ddpm, cosine, ve")
            }
            guard threads >= 0 else { throw ParameterError(file: "--threads", message: "\(threads): expected a non-negative integer") }
            let folder = try TrajectoryAnalysis.run(trajectory: trajectory, times: times, denoised: denoised, schedule: schedule.map { schedules[$0]! },
                                                    name: name, out: out, threads: threads, commandLine: words.joined(separator: " "))
            print("results: \(folder.path)/index.html")
        } catch {
            throw fail(error, file: trajectory)
        }
    }
}

struct FSS: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fss",
        abstract: "Finite-size scaling of a scan over lattice.size and a control parameter: crossings and collapses, with bootstrap intervals.",
        discussion: "SCAN is the results folder of a run whose [scan] has lattice.size and one control parameter, or lattice.size alone for reverse-diffusion runs (control t or log λ from their per-time curves); docs/theory.md §12.")

    @Argument(help: "The scan's results folder.")
    var scan: String

    @Option(help: "A dimensionless ratio the runs report (crossings, their L → ∞ limit, collapse with ω = 0); repeat for several. Default: binder.")
    var ratio: [String] = []

    @Option(help: "A susceptibility the runs report (collapse with ω = γ/ν fitted).")
    var susceptibility: String?

    @Option(help: "The control parameter of a scan over lattice.size alone: t or log_lambda (default t).")
    var control: String?

    @Option(help: "ω, the correction-to-scaling exponent of the crossings' L → ∞ extrapolation.")
    var correctionExponent = 1.0

    @Option(help: "Leave out sizes below this.")
    var smallest: Double?

    @Option(help: "Bootstrap resamples.")
    var resamples = 200

    @Option(help: "Results folder (default: SCAN-fss).")
    var out: String?

    func run() throws {
        let ratios = ratio.isEmpty ? ["binder"] : ratio
        do {
            guard resamples >= 10 else { throw ParameterError(file: "--resamples", message: "\(resamples): expected at least 10") }
            guard correctionExponent > 0 else { throw ParameterError(file: "--correction-exponent", message: "\(correctionExponent): expected a positive exponent") }
            let request = FiniteSizeScan.Request(ratios: ratios, susceptibility: susceptibility, control: control, correctionExponent: correctionExponent,
                                                 smallest: smallest, resamples: resamples)
            let folder = try FiniteSizeScan.run(scan: scan, request: request, out: out)
            print("results: \(folder.path)/index.html")
        } catch {
            throw fail(error, file: scan)
        }
    }
}

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The denoiser D(x, t) and score of a parameter file's diffusion model at states and times from .npy files.",
        discussion: """
            The model is the one member 0 of `criticality run FILE` would use (model, class, guidance). X.npy holds the states, \
            shape (B, *lattice.shape) or (B, sites), in the model's units; T.npy their times, shape (B,) or (1,). Writes \
            denoised.npy and score.npy, the shape of X, into the output folder.
            """)

    @Argument(help: "The parameter file of the model.")
    var file: String

    @Option(help: "The states x, shape (B, *lattice.shape) or (B, sites).")
    var x: String

    @Option(help: "Their times t, shape (B,) or (1,).")
    var t: String

    @Option(help: "Output folder for denoised.npy and score.npy.")
    var out = "evaluation"

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a parameter (TOML value).", valueName: "key=value"))
    var overrides: [String] = []

    @Flag(help: "Start the program of a model.type = \"external\" model.")
    var allowExternal = false

    func run() throws {
        ExternalProcess.installSignalHandlers()
        do {
            let urls = try DenoiserEvaluation.run(file: file, x: x, t: t, out: out, overrides: overrides, allowExternal: allowExternal)
            print(urls.map(\.path).joined(separator: "\n"))
        } catch {
            throw fail(error, file: file)
        }
    }
}

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Versions, FFTW build and threads.")

    func run() {
        print("criticality \(Experiment.version)")
        print("FFTW        \(FFTWInfo.version) (planner default: estimate; threads library linked)")
        print("cores       \(ProcessInfo.processInfo.activeProcessorCount) active (ensemble members run in parallel on them)")
        print("cpu         \(MachineInfo.current)")
        print("host        \(ProcessInfo.processInfo.hostName), \(ProcessInfo.processInfo.operatingSystemVersionString)")
    }
}

extension PlannerEffort: ExpressibleByArgument {}

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Model-A and reverse-diffusion steps, and patch-machine evaluations, against a bare FFT round trip in the same process (build with -c release).")

    @Option(parsing: .upToNextOption, help: "Lattice sizes N (N×N, double).")
    var sizes: [Int] = [128, 256, 512, 1024]

    @Option(help: "Alternating samples per size.")
    var samples = 7

    @Option(help: "FFTW planner effort: estimate (the default of runs) or measure.")
    var planner: PlannerEffort = .estimate

    @Option(help: "FFTW threads per transform.")
    var fftThreads = 1

    @Flag(inversion: .prefixedNo, help: "Also time reverse diffusion of the binary patch model (80² × 64 and 256² × 8 members).")
    var diffusion = true

    @Flag(inversion: .prefixedNo, help: "Also time one LS and one ELS evaluation (28², 64 training images, P = 3, 5, 9).")
    var patch = true

    @Flag(help: "Only time the 64-member binary-patch ensemble with one thread per rank (run it under mpirun -np N with the MPI build).")
    var ensemble = false

    @Flag(help: "Only time the external-model transport with the identity network (python3 and numpy; run from the repository).")
    var external = false

    func run() throws {
        if external {
            let python = FileManager.default.currentDirectoryPath + "/Sources/Python"
            print("cpu: \(MachineInfo.current)")
            print("date: \(ISO8601DateFormatter().string(from: Date()))   external model: python3 -m criticality_denoiser.identity (float64 payload both ways)")
            print("   lattice × members   evaluations/s   GB/s   batches   mean batch")
            for (n, members) in [(80, 64), (256, 8)] {
                do {
                    let r = try Benchmark.measureExternal(n: n, members: members, python: python)
                    print(String(format: "   %3d² × %-3d        %12.0f   %5.2f   %7d   %10.1f", n, members, r.evaluationsPerSecond, r.gigabytesPerSecond, r.batches,
                                 Double(r.evaluations) / Double(max(r.batches, 1))))
                } catch { throw fail(error) }
            }
            return
        }
        if ensemble {
            Cluster.start()
            defer { Cluster.stop() }
            let r = try Benchmark.measureEnsemble()
            // Every rank reports; rank 0's line is the job's wall time.
            let line = String(format: "ensemble: binary patch 80², P = 5, 400 steps, 64 members, %d rank%@ × 1 thread: rank %d wall %.3f s, in collective calls %.3f s (%.1f %%)",
                              Cluster.size, Cluster.size == 1 ? "" : "s", Cluster.rank, r.wall, r.communication, 100 * r.communication / r.wall)
            print(line)
            return
        }
        print("cpu: \(MachineInfo.current)")
        print("date: \(ISO8601DateFormatter().string(from: Date()))   FFTW \(FFTWInfo.version) (\(planner.rawValue), \(fftThreads) FFT thread\(fftThreads == 1 ? "" : "s"))   double, exponential Euler–Maruyama, T = 0.01")
        print("     N   steps/s   µs/step   µs/round trip   step/round trip   ns/Gaussian")
        for n in sizes {
            guard n >= 2 else { throw fail(ParameterError(file: "--sizes", message: "size \(n): expected an integer ≥ 2"), code: 2) }
            guard fftThreads >= 1 else { throw fail(ParameterError(file: "--fft-threads", message: "\(fftThreads): expected a positive integer"), code: 2) }
            let r = try Benchmark.measure(n: n, samples: samples, planner: planner, fftThreads: fftThreads)
            print(String(format: "%6d %9.1f %9.1f %15.1f %17.2f %13.2f", r.n, r.stepsPerSecond, r.stepMicroseconds, r.roundTripMicroseconds, r.ratio, r.noiseNanoseconds))
        }
        let threads = ProcessInfo.processInfo.activeProcessorCount
        if diffusion { try benchDiffusion(threads: threads) }
        if patch { try benchPatch(threads: threads) }
    }

    func benchDiffusion(threads: Int) throws {
        print("\nreverse diffusion: binary patch model P = 5, vp, reverse-sde-exponential (FFTW estimate, 1 FFT thread)")
        print("       N   members   threads   member-steps/s   µs/step (1 thread)   µs/round trip   step/round trip")
        for (n, members) in [(80, 64), (256, 8)] {
            let r = try Benchmark.measureReverseDiffusion(n: n, members: members, threads: threads, samples: samples)
            print(String(format: "%8d %9d %9d %16.0f %20.1f %15.1f %17.2f", r.n, r.members, r.threads, r.memberStepsPerSecond, r.stepMicroseconds, r.roundTripMicroseconds, r.ratio))
        }
    }

    func benchPatch(threads: Int) throws {
        print("\npatch-score machines: one evaluation, 28×28, 64 training images uniform in [0, 1), ᾱ = 0.5 (the W3 anchor's setting)")
        print("anchors (docs/benchmarks.md, The anchors): C box-sum LS ≈ 0.2 ms (2.5–5 ns per pixel × image); ELS as numpy GEMM + softmax 235 ms (1 thread), 176 ms (2 BLAS threads)")
        print("  machine    P   threads          ms   candidates/pixel   ns per (pixel × candidate)   evaluation / round trip")
        for equivariant in [false, true] {
            for p in [3, 5, 9] {
                for t in Set([1, threads]).sorted() {
                    let r = try Benchmark.measurePatchMachine(equivariant: equivariant, n: 28, images: 64, patch: p, threads: t, samples: samples)
                    print(String(format: "%9@ %4d %9d %11.3f %18d %28.2f %25.0f", r.machine as NSString, r.patch, r.threads, r.milliseconds, r.pairs / (28 * 28),
                                 r.nanosecondsPerPair, r.milliseconds * 1e3 / r.roundTripMicroseconds))
                }
            }
        }
    }
}
