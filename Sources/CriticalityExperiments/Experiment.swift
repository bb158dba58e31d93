import CriticalityAnalysis
import CriticalityDiffusion
import Foundation
import CriticalityLattice

/// Runs the experiment described by a parameter file and writes its results folder; the
/// library equivalent of `criticality run`.
public enum Experiment {
    public static let version = "0.2.0"

    /// Returns the results folder. Throws ``ParameterError`` for bad input (nothing is left
    /// behind in that case). A file with a `[scan]` section runs the scan (`Scan`);
    /// `stopAfter` (tests) interrupts a scan after that many new tasks.
    @discardableResult
    public static func run(file: String, out: String? = nil, seed: UInt64? = nil, overrides: [String] = [],
                           progress: Bool = true, commandLine: String? = nil, stopAfter: Int? = nil, allowExternal: Bool = false) throws -> URL {
        let root = try ParameterFile.load(file, overrides: overrides)
        if root.hasTable("scan") {
            return try Scan.run(file: file, root: root, out: out, seed: seed, progress: progress, commandLine: commandLine, stopAfter: stopAfter,
                                allowExternal: allowExternal)
        }
        let job = try Job(file: file, root: root, seed: seed, allowExternal: allowExternal)
        let destination = URL(fileURLWithPath: out ?? "results/\(job.name)")
        guard Cluster.isRoot else {
            // Other MPI ranks compute their share of every ensemble and write nothing that stays.
            let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("criticality-rank\(Cluster.rank)-\(getpid())")
            defer { try? FileManager.default.removeItem(at: scratch) }
            _ = try execute(job, in: try ResultsFolder(scratch: scratch), progress: false, reproduce: "")
            return destination
        }
        let folder = try ResultsFolder(destination: destination)
        try folder.complete {
            try execute(job, in: folder, progress: progress,
                        reproduce: commandLine ?? "criticality run \(destination.path)/parameters.toml --out \(destination.path)")
        }
        return destination
    }

    /// Validates a parameter file as `run` would (every key, every scan point, the data files
    /// and the memory estimate) without running it or writing anything; returns what would run.
    public static func check(file: String, seed: UInt64? = nil, overrides: [String] = [], allowExternal: Bool = false) throws -> String {
        let root = try ParameterFile.load(file, overrides: overrides)
        var base = root
        if case .table(var t) = root { t["scan"] = nil; base = .table(t) }
        if !allowExternal, case .diffusion(let spec) = try Specification(file: file, root: base, seed: seed), case .external(let e) = spec.model {
            guard ExternalProcess.resolve(e.argv[0], in: e.directory) != nil else {
                throw ParameterError(file: file, key: "model.command", value: .array(e.argv.map { .string($0) }), expected: "a program that exists and is executable (in \(e.directory), or on PATH)")
            }
            return "\(file): valid as far as it can be without starting the external program (--allow-external starts it and checks the handshake)"
        }
        guard root.hasTable("scan") else {
            let job = try Job(file: file, root: root, seed: seed, allowExternal: allowExternal)
            return "\(file): valid; \(job.summary)"
        }
        let (scan, job, _) = try Scan.validated(file: file, root: root, seed: seed, allowExternal: allowExternal)
        return "\(file): valid; a scan of \(scan.axes.map(\.key).joined(separator: " × ")) over \(scan.points.count) points × \(scan.replicas) replicas of \(job.summary)"
    }

    /// The effective parameters of a parameter file (every default filled in, data prepared),
    /// as its results folder's parameters.toml records them; a scan's include its `[scan]`.
    static func effectiveParameters(file: String, allowExternal: Bool = false) throws -> ParameterValue {
        let root = try ParameterFile.load(file, overrides: [])
        guard root.hasTable("scan") else {
            let job = try Job(file: file, root: root, seed: nil, allowExternal: allowExternal)
            job.external?.close()
            return job.parameters
        }
        let (scan, job, _) = try Scan.validated(file: file, root: root, seed: nil, allowExternal: allowExternal)
        job.external?.close()
        return job.parameters.setting(["scan"], scan.parameters)
    }

    /// Runs a job, writing its files into `folder`; returns what ``ResultsFolder/complete(_:)`` needs.
    static func execute(_ job: Job, in folder: ResultsFolder, progress: Bool, reproduce: String) throws
        -> (summary: [String: Any], record: [String: Any], report: HTMLReport) {
        try TestHooks.failIfRequested()
        let started = Date()
        var report: HTMLReport
        var summary: [String: Any]
        var record: [String: Any]
        let bar = progress ? Progress(label: job.name) : nil
        let kind = ExperimentKinds.named(job.kind)
        do {
            switch (kind.runner, job) {
            case (.fieldTheory(let run), .fieldTheory(let spec)):
                (report, summary) = try run(spec, folder, bar)
                report.title = "\(spec.name): \(kind.title)"
                record = runRecord(spec)
            case (.diffusion(let run), .diffusion(let prepared)):
                (report, summary) = try run(prepared, folder, bar)
                report.title = "\(prepared.spec.name): \(kind.title), \(prepared.spec.model.name) model"
                record = runRecord(prepared)
            case (.hierarchy(let run), .hierarchy(let spec)):
                (report, summary) = try run(spec, folder, bar)
                report.title = "\(spec.name): \(kind.title)"
                record = commonRecord(parameters: spec.effectiveParameters, file: spec.file, seed: spec.seed, threads: spec.threads, planner: .estimate)
            default: fatalError("run.kind \(kind.name) was read by another family's specification")
            }
        } catch let e as NonFiniteState {
            bar?.finish()
            // An external model that failed answers NaN from then on: its failure is the cause.
            if let f = job.external?.failure { throw ExternalModelFailure(experiment: job.name, message: f) }
            throw NonFiniteField(experiment: job.name, state: e, hint: job.nonFiniteHint)
        }
        if let f = job.external?.failure { throw ExternalModelFailure(experiment: job.name, message: f) }
        let wall = Date().timeIntervalSince(started)
        summary["wall_seconds"] = wall
        record["wall_seconds"] = wall
        record["reproduce"] = reproduce
        report.parameters = job.parameters.tomlDocument()
        report.reproduce = reproduce
        report.summary.append(("wall time", String(format: "%.2f s", wall)))
        report.linkRecords()
        try folder.write("parameters.toml", "# Effective parameters of this run (all defaults filled in).\n" + job.parameters.tomlDocument())
        return (summary, record, report)
    }

    /// What a parameter file asks for, read and validated (keys, values, sizes), before any data
    /// file is read or model built.
    enum Specification {
        case fieldTheory(ExperimentSpec)
        case diffusion(DiffusionSpec)
        case hierarchy(HierarchySpec)

        init(file: String, root: ParameterValue, seed: UInt64?) throws {
            switch ExperimentKinds.named(try ParameterFile.kind(root, file: file)).runner {
            case .hierarchy:
                var spec = try HierarchySpec(file: file, root: root, defaultName: ParameterFile.defaultName(file))
                if let seed { spec.seed = seed }
                try spec.checkSize()
                self = .hierarchy(spec)
            case .diffusion:
                var spec = try DiffusionSpec(file: file, root: root, defaultName: ParameterFile.defaultName(file))
                if let seed { spec.seed = seed }
                try spec.checkSize()
                self = .diffusion(spec)
            case .fieldTheory:
                var spec = try ExperimentSpec(file: file, root: root, defaultName: ParameterFile.defaultName(file))
                if let seed { spec.seed = seed }
                try spec.checkSize()
                self = .fieldTheory(spec)
            }
        }
    }

    /// What a parameter file asks for, ready to run.
    enum Job {
        case fieldTheory(ExperimentSpec)
        case diffusion(PreparedDiffusion)
        case hierarchy(HierarchySpec)

        /// Reads, validates and prepares the experiment of a parameter tree.
        init(file: String, root: ParameterValue, seed: UInt64?, allowExternal: Bool = false) throws {
            switch try Specification(file: file, root: root, seed: seed) {
            case .fieldTheory(let spec): self = .fieldTheory(spec)
            case .diffusion(let spec): self = .diffusion(try spec.prepare(allowExternal: allowExternal))
            case .hierarchy(let spec): self = .hierarchy(spec)
            }
        }

        var name: String {
            switch self {
            case .fieldTheory(let s): s.name
            case .diffusion(let p): p.spec.name
            case .hierarchy(let h): h.name
            }
        }

        /// The running program of an external model, if the job has one.
        var external: ExternalModel? {
            if case .diffusion(let p) = self { p.spec.externalModel } else { nil }
        }

        /// run.kind.
        var kind: String {
            switch self {
            case .fieldTheory(let s): s.kind.rawValue
            case .diffusion(let p): p.spec.kind
            case .hierarchy: "hierarchy-transition"
            }
        }

        var seed: UInt64 {
            switch self {
            case .fieldTheory(let s): s.seed
            case .diffusion(let p): p.spec.seed
            case .hierarchy(let h): h.seed
            }
        }

        /// One line: the kind, the name and the size of the run.
        var summary: String {
            switch self {
            case .fieldTheory(let s): "\(s.kind.rawValue) \"\(s.name)\" of \(s.members) members on \(s.lattice)"
            case .diffusion(let p): "\(p.spec.kind) \"\(p.spec.name)\" of \(p.spec.members) members on \(p.spec.lattice), \(p.spec.model.name) model, \(p.spec.steps) steps"
            case .hierarchy(let h): "hierarchy-transition \"\(h.name)\""
            }
        }

        /// The likely causes of a blow-up.
        var nonFiniteHint: String {
            switch self {
            case .fieldTheory(let s): NonFiniteField.hint(s)
            case .diffusion(let p): NonFiniteField.hint(p.spec)
            case .hierarchy: "likely cause: a numerical overflow in the hierarchy model"
            }
        }

        var parameters: ParameterValue {
            switch self {
            case .fieldTheory(let s): s.effectiveParameters
            case .diffusion(let p): p.spec.effectiveParameters
            case .hierarchy(let h): h.effectiveParameters
            }
        }
    }

    /// The part of run.json every kind shares.
    static func commonRecord(parameters: ParameterValue, file: String, seed: UInt64, threads: Int, planner: PlannerEffort) -> [String: Any] {
        [
            "parameters": parameters.jsonObject,
            "parameter_file": file,
            "seed": Int(seed),
            "package": "Criticality", "version": version, "git_revision": revision,
            "fftw_version": FFTWInfo.version, "fftw_planner": planner.rawValue,
            "threads": threads == 0 ? ProcessInfo.processInfo.activeProcessorCount : threads,
            "date": ISO8601DateFormatter().string(from: Date()),
            "host": ProcessInfo.processInfo.hostName,
        ]
    }

    static func runRecord(_ spec: ExperimentSpec) -> [String: Any] {
        var r = commonRecord(parameters: spec.effectiveParameters, file: spec.file, seed: spec.seed, threads: spec.threads, planner: spec.planner)
        r["fft_threads"] = spec.fftThreads
        r["conventions"] = "S(k) = (v/N)<|phi_k|^2> on integer shells round((|k|/k_f)^2), k_f = 2 pi / max L; noise variance 2T dt / v per site and step; see docs/output.md"
        return r
    }

    static func runRecord(_ p: PreparedDiffusion) -> [String: Any] {
        let spec = p.spec
        var r = commonRecord(parameters: spec.effectiveParameters, file: spec.file, seed: spec.seed, threads: spec.threads, planner: spec.planner)
        r["lattice_shape"] = spec.lattice.shape
        r["time_grid"] = p.sampler.times
        if let d = p.data {
            var data: [String: Any] = ["images": d.count, "image_shape": d.shape]
            if let labels = d.labels { data["labels"] = Array(Set(labels)).sorted() }
            if !spec.dataDigests.isEmpty { data["sha256"] = spec.dataDigests }
            if let m = p.dataMap { data["affine_map"] = ["scale": m.scale, "offset": m.offset, "to": "[-1, 1]", "formula": "x_model = scale * x_file + offset"] }
            r["data"] = data
        }
        if let m = spec.externalModel, case .external(let e) = spec.model {
            r["external_model"] = externalRecord(m, e)
        }
        r["conventions"] = "x_t = alpha_t x_0 + sigma_t eps; lambda_t = alpha_t^2 / sigma_t^2; fields x, sign x, D, sign D; S(k) = (v/N)<|phi_k|^2>; noise keys (seed, member, step, stream 2), initial state stream 3; see docs/output.md"
        return r
    }

    /// What ran as the external model: the exact argv, the program file and every argument that
    /// names a file, with their SHA-256, and how much it was asked.
    static func externalRecord(_ m: ExternalModel, _ e: DiffusionSpec.ExternalSpec) -> [String: Any] {
        func digest(_ path: String) -> String { FileManager.default.contents(atPath: path).map(SHA256.hex) ?? "unreadable" }
        var files: [String: String] = [:]
        for a in e.argv.dropFirst() {
            let path = URL(fileURLWithPath: a, relativeTo: URL(fileURLWithPath: e.directory, isDirectory: true)).standardizedFileURL.path
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue { files[path] = digest(path) }
        }
        return ["argv": e.argv, "directory": e.directory, "environment": e.environment, "program": m.process.program, "program_sha256": digest(m.process.program),
                "argument_files_sha256": files, "predicts": e.predicts.rawValue, "batch": e.batch, "protocol_version": 1,
                "evaluations": m.evaluations, "batches": m.batches]
    }

    /// The git revision the executable was built from: the one `make install` recorded beside
    /// an installed binary (PREFIX/share/criticality/revision), else `git describe --dirty` of
    /// the checkout that holds the executable (it lives in its .build folder); "unknown" for
    /// neither. Not the working folder's: a run started elsewhere records the code that ran.
    public static let revision: String = {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        let recorded = exe.deletingLastPathComponent().appendingPathComponent("share/criticality/revision")
        if let text = try? String(contentsOf: recorded, encoding: .utf8) { return text.trimmingCharacters(in: .whitespacesAndNewlines) }
        var folder = exe
        for _ in 0..<6 {
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent(".git").path) {
                let p = Process(), pipe = Pipe()
                p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                p.arguments = ["git", "-C", folder.path, "describe", "--always", "--dirty", "--abbrev=12"]
                p.standardOutput = pipe
                p.standardError = FileHandle.nullDevice
                guard (try? p.run()) != nil else { return "unknown" }
                let s = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                p.waitUntilExit()
                return p.terminationStatus == 0 && !s.isEmpty ? s : "unknown"
            }
            folder.deleteLastPathComponent()
        }
        return "unknown"
    }()
}
