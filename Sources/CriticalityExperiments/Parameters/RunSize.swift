import Foundation
import CriticalityLattice

/// What a run will hold in memory, estimated from its parameters before anything is
/// allocated, so that a run too large for the machine stops at once with the key to change
/// (rather than trapping in an allocation minutes later). The estimate is an upper bound of
/// the dominant arrays, not an exact account.
struct RunSize {
    /// Bytes per dominant cause, named by the keys that set it.
    var terms: [(keys: String, bytes: Double)] = []

    /// Longest runs: more steps than this is a typo (dt = 5e-324), not an experiment.
    static let maximumSteps = 1e12
    /// Observation times of one run.
    static let maximumObservations = 1_000_000

    /// Throws unless the total fits in `fraction` of the machine's memory.
    func check(file: String, memory: Double = Double(ProcessInfo.processInfo.physicalMemory), fraction: Double = 0.8) throws {
        let total = terms.reduce(0) { $0 + $1.bytes }
        guard total > fraction * memory, let top = terms.max(by: { $0.bytes < $1.bytes }) else { return }
        let gib = { (b: Double) in String(format: "%.3g GiB", b / 1_073_741_824) }
        throw ParameterError(file: file, message: "the run would need about \(gib(total)) of memory, more than \(Int(fraction * 100)) % of this machine's \(gib(memory)); most of it (\(gib(top.bytes))) comes from \(top.keys): reduce it")
    }

    /// Throws unless `count` observation times are within ``maximumObservations``.
    static func checkObservations(_ count: Int, file: String) throws {
        guard count <= maximumObservations else {
            throw ParameterError(file: file, key: "observe.count", value: .int(count), expected: "at most \(maximumObservations) observation times")
        }
    }

    /// The number of steps t_end/dt, checked to be a count a run can take.
    static func steps(_ tEnd: Double, _ dt: Double, file: String, key: String) throws -> Double {
        let n = tEnd / dt
        guard n.isFinite, n <= maximumSteps else {
            throw ParameterError(file: file, message: "\(key) / integrator.dt = \(tEnd) / \(dt) = \(n) steps: expected at most \(Int(maximumSteps)) steps (check integrator.dt)")
        }
        return n
    }
}

extension ExperimentSpec {
    /// The quench's step count, observations and memory, checked (``RunSize``).
    func checkSize() throws {
        let longest = kind == .kibbleZurek ? (kibbleZurek?.quenchTimes.map { q in (kibbleZurek!.initialR * q) + kibbleZurek!.delay * q.squareRoot() }.max() ?? 0) : tEnd
        let steps = try RunSize.steps(longest, dt, file: file, key: kind == .kibbleZurek ? "the longest ramp's end time" : "integrator.t_end")
        try RunSize.checkObservations(observationCount, file: file)
        if kind == .quench {
            // Every observation time its own step (ObservationSchedule).
            let room = schedule == .log ? steps.rounded() - (scheduleStart / dt).rounded() + 1 : steps.rounded()
            guard Double(observationCount) <= room else {
                throw ParameterError(file: file, key: "observe.count", value: .int(observationCount),
                                     expected: "at most \(Int(room)): the \(schedule == .log ? "steps from observe.start to" : "steps up to") integrator.t_end, each observed once")
            }
        }
        let sites = Double(lattice.siteCount), modes = Double(lattice.spectralCount)
        let observations = min(Double(observationCount + 2 + snapshots.count), steps + 1)
        var size = RunSize()
        // Per worker: the state, its spectrum and a stepper's scratch (≤ 12 arrays of the lattice).
        size.terms.append(("lattice.shape × run.threads", 8 * 12 * sites * Double(Ensemble.workerCount(threads: threads, members: members))))
        // Per member and observation: S(k) and G(r) with their shells and bins.
        size.terms.append(("run.members × observe.count", 8 * 2 * Double(members) * observations * (modes + Double(lattice.shape.max()!))))
        size.terms.append(("observe.snapshots × lattice.shape", 8 * Double(snapshots.count) * sites))
        try size.check(file: file)
    }
}

extension DiffusionSpec {
    /// The sampler's grid, observations and memory, checked (``RunSize``) before the model and
    /// its data are built.
    func checkSize() throws {
        guard Double(steps) <= RunSize.maximumSteps else {
            throw ParameterError(file: file, key: "sampler.steps", value: .int(steps), expected: "at most \(Int(RunSize.maximumSteps)) steps")
        }
        try RunSize.checkObservations(observationCount, file: file)
        let sites = Double(lattice.siteCount), modes = Double(lattice.spectralCount)
        let observations = min(Double(observationCount + 1 + snapshots.count), Double(steps) + 1)
        let workers = Double(Ensemble.workerCount(threads: threads, members: members))
        var size = RunSize()
        size.terms.append(("sampler.steps", 8 * 4 * Double(steps)))
        size.terms.append(("lattice.shape × run.threads", 8 * 16 * sites * workers))
        size.terms.append(("run.members × observe.count", 8 * 4 * 2 * Double(members) * observations * (modes + Double(lattice.shape.max()!))
                           + 8 * Double(min(members, DiffusionResult.storedSamples)) * sites))
        if trajectories { size.terms.append(("observe.trajectories (run.members × observe.count × lattice.shape)", 8 * 2 * Double(members) * observations * sites)) }
        switch data {
        case .randomBinary(let n)?, .gaussianFields(let n, _)?: size.terms.append(("data.count × lattice.shape", 8 * Double(n) * sites))
        default: break
        }
        try size.check(file: file)
    }
}

extension HierarchySpec {
    /// The samples' per-level records, checked (``RunSize``).
    func checkSize() throws {
        var size = RunSize()
        let levels = Double(depths.reduce(0) { $0 + $1 + 1 })
        size.terms.append(("run.samples × noise.points × hierarchy.depths", 8 * 4 * Double(samples) * Double(points) * levels))
        try size.check(file: file)
    }
}
