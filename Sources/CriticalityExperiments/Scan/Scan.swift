import CriticalityAnalysis
import Foundation
import CriticalityLattice

/// A parameter scan: the experiment of a parameter file run at every point of its `[scan]`
/// grid × replicas, in parallel over points and replicas, resumable, reduced to a table of
/// every summary number's replica mean and standard error (docs/output.md).
///
/// Resuming: each finished (point, replica) is stored at once, atomically, in the hidden
/// working folder `.<name>.scan` beside the results folder, with the scan's definition. A
/// rerun of the same definition reuses what is there and computes only the rest; the table is
/// always assembled from the stored numbers (exact bit patterns), so an interrupted and
/// resumed scan writes the same table as an uninterrupted one.
enum Scan {
    /// Summary entries that measure the machine, not the physics: never tabulated.
    static func isTiming(_ key: String) -> Bool { key == "wall_seconds" || key.hasSuffix("_per_second") }

    struct Interrupted: Error, CustomStringConvertible {
        var description: String { "the scan stopped after the requested number of tasks (--stop-after); run it again to resume" }
    }

    /// The scan of a parameter tree, the job without `[scan]`, and every point's parameter tree,
    /// each point validated (and its model prepared) before anything runs or is written.
    static func validated(file: String, root: ParameterValue, seed: UInt64?, allowExternal: Bool = false) throws -> (ScanSpec, Experiment.Job, [ParameterValue]) {
        let scan = try ScanSpec(file: file, root: root)
        guard case .table(var table) = root else { throw ParameterError(file: file, message: "not a table") }
        table["scan"] = nil
        let base = ParameterValue.table(table)
        let baseJob = try Experiment.Job(file: file, root: base, seed: seed, allowExternal: allowExternal)
        let roots = try scan.points.map { p in
            var r = base
            for (axis, v) in zip(scan.axes, p) { try ScanSpec.set(axis.key, v, in: &r) }
            do { _ = try Experiment.Job(file: file, root: r, seed: nil, allowExternal: allowExternal) } catch let e as ParameterError {
                let at = zip(scan.axes, p).map { "\($0.key) = \($1)" }.joined(separator: ", ")
                throw ParameterError(file: file, message: "scan point \(at): \(e.message)")
            }
            return r
        }
        return (scan, baseJob, roots)
    }

    /// `stopAfter` (tests): store that many new tasks, then throw ``Interrupted``.
    static func run(file: String, root: ParameterValue, out: String?, seed: UInt64?, progress: Bool, commandLine: String?,
                    stopAfter: Int? = nil, allowExternal: Bool = false) throws -> URL {
        let started = Date()
        let (scan, baseJob, roots) = try validated(file: file, root: root, seed: seed, allowExternal: allowExternal)
        let baseSeed = Int(baseJob.seed), points = scan.points

        let destination = URL(fileURLWithPath: out ?? "results/\(baseJob.name)").standardizedFileURL
        let fm = FileManager.default
        // One lock covers the working folder and the results folder, from here to the commit.
        if Cluster.isRoot {
            do { try fm.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true) } catch {
                throw OutputError(path: destination.deletingLastPathComponent().path, action: "cannot create the folder", error: error)
            }
        }
        let lock = Cluster.isRoot ? try OutputLock(destination) : nil
        defer { lock?.release() }
        try ResultsFolder.checkReplaceable(destination)
        let work = destination.deletingLastPathComponent().appendingPathComponent(".\(destination.lastPathComponent).scan")
        let pointsDir = work.appendingPathComponent("points")
        let definition = "# Scan definition: the results of a resumed scan are reused only under this exact text.\n"
            + baseJob.parameters.tomlDocument() + "\n[scan]\n" + scan.definition.tomlDocument(prefix: ["scan"]) + "seed_rule = \"run.seed + replica\"\nbase_seed = \(baseSeed)\n"
        let definitionFile = work.appendingPathComponent("definition.toml")
        if let existing = try? String(contentsOf: definitionFile, encoding: .utf8) {
            guard existing == definition else {
                throw ParameterError(file: work.path, message: "holds an unfinished scan of different parameters: remove the folder to start this scan afresh")
            }
        } else {
            do {
                try fm.createDirectory(at: pointsDir, withIntermediateDirectories: true)
                try Data(definition.utf8).write(to: definitionFile, options: .atomic)
            } catch {
                throw OutputError(path: work.path, action: "cannot create the scan's working folder", error: error)
            }
        }

        // (point, replica) tasks not yet on disk.
        let tasks = points.indices.flatMap { i in (0..<scan.replicas).map { (point: i, replica: $0) } }
        @Sendable func name(_ t: (point: Int, replica: Int)) -> String { String(format: "p%04d-r%03d.json", t.point, t.replica) }
        var stored: PointRecord?
        var remaining = tasks.filter { task in
            guard let record = try? PointRecord(contentsOf: pointsDir.appendingPathComponent(name(task))) else { return true }
            stored = stored ?? record
            return false
        }
        let reused = tasks.count - remaining.count
        // scan.plot names summary keys, known once one run has reported: checked on a stored
        // record now, or on the first computed one (so a typo stops the scan after one task).
        @Sendable func checkPlotKeys(_ record: PointRecord) throws {
            for key in scan.plot.joined() + scan.powerLaw where record.values[key] == nil {
                throw ParameterError(file: file, message: "\(scan.powerLaw.contains(key) ? "scan.power_law" : "scan.plot"): '\(key)' is not a number the runs report (they report: \(record.values.keys.sorted().joined(separator: ", ")))")
            }
            for key in (scan.fss.map { $0.ratios + [$0.susceptibility].compactMap { $0 } } ?? []) where record.values[key] == nil && record.perTime[key] == nil {
                let reported = record.perTime.isEmpty ? record.values.keys.sorted() : record.perTime.keys.filter { !$0.hasSuffix("_se") }.sorted()
                throw ParameterError(file: file, message: "scan.fss: '\(key)' is not a number the runs report (they report: \(reported.joined(separator: ", ")))")
            }
        }
        if let stored { try checkPlotKeys(stored) }
        if let stopAfter { remaining = Array(remaining.prefix(stopAfter)) }
        // MPI ranks take the remaining tasks in turn (each stores its own records).
        let todo = remaining.indices.filter { $0 % Cluster.size == Cluster.rank }.map { remaining[$0] }, pointRoots = roots
        let bar = progress && Cluster.isRoot ? Progress(label: "\(baseJob.name) scan", unit: "tasks") : nil
        bar?.start(totalSteps: todo.count)
        let workers = scan.threads == 0 ? Ensemble.defaultThreads : scan.threads
        Cluster.ensemblesSpanRanks = false
        defer { Cluster.ensemblesSpanRanks = true }
        /// A task's failure, with the point and replica it happened at (nil: not the point's fault).
        struct TaskFailure: Error { var at: String?; var error: Error }
        do {
            _ = try Ensemble.map(members: todo.count, threads: workers) { (k: Int) throws(TaskFailure) in
                let task = todo[k]
                var r = pointRoots[task.point]
                let record: PointRecord
                do {
                    try r.set(["run", "seed"], to: .int(baseSeed + task.replica))
                    try r.set(["run", "threads"], to: .int(1))
                    let job = try Experiment.Job(file: file, root: r, seed: nil, allowExternal: allowExternal)
                    let scratch = work.appendingPathComponent("run-\(name(task).dropLast(5))")
                    let folder = try ResultsFolder(scratch: scratch)
                    defer { try? FileManager.default.removeItem(at: scratch) }
                    let (summary, _, _) = try Experiment.execute(job, in: folder, progress: false, reproduce: "")
                    record = PointRecord(point: points[task.point].compactMap(ScanSpec.number), replica: task.replica,
                                         seed: baseSeed + task.replica, summary: summary)
                    try record.write(to: pointsDir.appendingPathComponent(name(task)))
                } catch {
                    let at = zip(scan.axes, points[task.point]).map { "\($0.key) = \($1)" }.joined(separator: ", ")
                    throw TaskFailure(at: "scan point \(at), replica \(task.replica)", error: error)
                }
                do { try checkPlotKeys(record) } catch { throw TaskFailure(at: nil, error: error) }
                bar?.advance()
            }
        } catch {
            bar?.finish()
            guard let at = error.at else { throw error.error }
            switch error.error {
            case var e as NonFiniteField:
                e.experiment += " (\(at))"
                throw e
            case let e as OutputError: throw e
            default: throw ParameterError(file: file, message: "\(at): \(error.error)")
            }
        }
        bar?.finish()
        Cluster.barrier()
        if stopAfter != nil { throw Interrupted() }
        guard Cluster.isRoot else { return destination }

        let records = try tasks.map { try PointRecord(contentsOf: pointsDir.appendingPathComponent(name($0))) }
        let result = ScanTable(scan: scan, records: records)
        let continuation: (BifurcationDiagram, scale: Double)?
        if case .diffusion(let p) = baseJob, let c = p.spec.continuation,
           (c.parameter == .time && scan.axes[0].key == "sampler.t_end") || (c.parameter == .guidanceWeight && scan.axes[0].key == "guidance.weight") {
            continuation = try BifurcationOutput.diagram(p.spec)
        } else {
            continuation = nil
        }
        let folder = try ResultsFolder(destination: destination, lock: lock)
        let reproduce = commandLine ?? "criticality run \(destination.path)/parameters.toml --out \(destination.path)"
        try folder.complete {
            var (report, summary) = try ScanOutput.write(result, continuation: continuation, to: folder)
            report.title = "\(baseJob.name): scan of \(scan.axes.map(\.key).joined(separator: " × "))"
            let parameters = baseJob.parameters.setting(["scan"], scan.parameters)
            try folder.write("parameters.toml", "# Effective parameters of this scan (all defaults filled in).\n" + parameters.tomlDocument())
            let wall = Date().timeIntervalSince(started)
            summary["tasks_computed"] = remaining.count
            summary["tasks_reused"] = reused
            summary["wall_seconds"] = wall
            var record = Experiment.commonRecord(parameters: parameters, file: file, seed: baseJob.seed, threads: workers, planner: .estimate)
            record["scan"] = ["axes": scan.axes.map(\.key), "points": points.count, "replicas": scan.replicas, "seeds": "run.seed + replica (\(baseSeed) … \(baseSeed + scan.replicas - 1))"]
            record["reproduce"] = reproduce
            record["wall_seconds"] = wall
            report.parameters = parameters.tomlDocument()
            report.reproduce = reproduce
            report.summary.append(("points × replicas", "\(points.count) × \(scan.replicas) (\(remaining.count) computed now, \(reused) reused)"))
            report.summary.append(("wall time", String(format: "%.2f s", wall)))
            report.linkRecords()
            return (summary, record, report)
        }
        try? fm.removeItem(at: work)
        if let request = scan.fss {
            let fss = try FiniteSizeScan.run(scan: destination.path, request: request, out: destination.path + "-fss")
            if progress { FileHandle.standardError.write("finite-size scaling: \(fss.path)/index.html\n".data(using: .utf8)!) }
        }
        return destination
    }

    /// One finished (point, replica): its summary's numbers, stored with their exact bits.
    struct PointRecord {
        var point: [Double]
        var replica: Int
        var seed: Int
        var values: [String: Double]
        /// The run's per-time curves (reverse diffusion: summary.per_time), for `criticality fss`.
        var perTime: [String: [Double]]

        init(point: [Double], replica: Int, seed: Int, summary: [String: Any]) {
            self.point = point
            self.replica = replica
            self.seed = seed
            var v: [String: Double] = [:]
            for (k, x) in summary where !Scan.isTiming(k) {
                if let d = x as? Double { v[k] = d } else if let i = x as? Int { v[k] = Double(i) }
            }
            values = v
            perTime = summary[PathObservables.perTimeKey] as? [String: [Double]] ?? [:]
        }

        init(contentsOf url: URL) throws {
            let o = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]
            guard let o, let point = o["point"] as? [Double], let replica = o["replica"] as? Int, let seed = o["seed"] as? Int,
                  let bits = o["bits"] as? [String: String] else { throw CocoaError(.fileReadCorruptFile) }
            self.point = point
            self.replica = replica
            self.seed = seed
            func decode(_ s: String) throws -> Double {
                guard let b = UInt64(s, radix: 16) else { throw CocoaError(.fileReadCorruptFile) }
                return Double(bitPattern: b)
            }
            values = try bits.mapValues(decode)
            perTime = try (o["per_time_bits"] as? [String: [String]] ?? [:]).mapValues { try $0.map(decode) }
        }

        /// Written to a temporary name and renamed, so a killed scan never leaves half a record.
        func write(to url: URL) throws {
            let o: [String: Any] = ["point": point, "replica": replica, "seed": seed,
                                    "values": values.mapValues { $0.isFinite ? $0 as Any : NSNull() },
                                    "bits": values.mapValues { String($0.bitPattern, radix: 16) },
                                    "per_time_bits": perTime.mapValues { $0.map { String($0.bitPattern, radix: 16) } }]
            let tmp = url.appendingPathExtension("tmp")
            try OutputError.writeFile(tmp.path, JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]))
            guard rename(tmp.path, url.path) == 0 else { throw OutputError(path: url.path, action: "cannot store the scan record", errno: errno) }
        }
    }
}

/// The scan reduced per point: every number's mean over replicas and its standard error
/// (sample standard deviation / √replicas; NaN for one replica).
struct ScanTable {
    let scan: ScanSpec
    /// Axis values per point.
    let points: [[Double]]
    /// Keys reported by every run, sorted.
    let keys: [String]
    /// mean[point][key], se[point][key]
    let mean: [[Double]]
    let se: [[Double]]
    let records: [Scan.PointRecord]

    init(scan: ScanSpec, records: [Scan.PointRecord]) {
        self.scan = scan
        self.records = records
        let r = scan.replicas
        points = stride(from: 0, to: records.count, by: r).map { records[$0].point }
        keys = records.dropFirst().reduce(Set(records[0].values.keys)) { $0.intersection($1.values.keys) }.sorted()
        var mean: [[Double]] = [], se: [[Double]] = []
        for p in points.indices {
            let group = records[(p * r)..<((p + 1) * r)]
            var m: [Double] = [], s: [Double] = []
            for k in keys {
                let v = group.map { $0.values[k]! }, mu = v.reduce(0, +) / Double(r)
                m.append(mu)
                s.append(r > 1 ? (v.reduce(0) { $0 + ($1 - mu) * ($1 - mu) } / Double(r - 1) / Double(r)).squareRoot() : .nan)
            }
            mean.append(m)
            se.append(s)
        }
        self.mean = mean
        self.se = se
    }

    var columns: [String] { scan.axes.map(\.key) + keys.flatMap { [$0, "\($0)_replica_se"] } }
    var rows: [[Double]] { points.indices.map { p in points[p] + zip(mean[p], se[p]).flatMap { [$0, $1] } } }

    /// Error bars of a key: the replica SE, or with one replica the run's own `<key>_se`.
    func errorBars(_ key: String) -> [Double]? {
        guard let k = keys.firstIndex(of: key) else { return nil }
        if scan.replicas > 1 { return se.map { $0[k] } }
        return keys.firstIndex(of: key + "_se").map { j in mean.map { $0[j] } }
    }

    func column(_ key: String) -> [Double]? { keys.firstIndex(of: key).map { k in mean.map { $0[k] } } }
}
