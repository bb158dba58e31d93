import CriticalityAnalysis
import Foundation
import CriticalityFieldTheory
import CriticalityLattice

/// The observables of one ensemble run on its observation schedule: ensemble means with
/// standard errors over members (jackknife for the correlation lengths, which are non-linear
/// in the means).
public struct QuenchResult: Sendable {
    public let spec: ExperimentSpec
    public let times: [Double]
    /// Per shell: mean |k|, mean |k|², weighted mode count, integer label round((|k|/k_f)²).
    public let shellWaveNumber: [Double]
    public let shellLabel: [Int]
    public let shellModes: [Double]
    /// S(k, t): [time][shell], mean and standard error over members.
    public let structureFactor: [[Double]]
    public let structureFactorError: [[Double]]
    /// Radial distances and G(r, t) [time][bin] (bins up to half the shortest box length).
    public let distance: [Double]
    public let correlation: [[Double]]
    public let order: [OrderParameter]
    public let xiOneOverE: [Estimate]
    public let xiSecondMoment: [Estimate]
    public let xiOrnsteinZernike: [Estimate]
    /// Member 0's field at the snapshot times.
    public let snapshotTimes: [Double]
    public let snapshots: [[Double]]
    /// `[equilibrium]`: the averages, the sampled times and every member's m there ([member][sample]).
    public let equilibrium: EquilibriumAverage?
    public let equilibriumTimes: [Double]
    public let magnetisations: [[Double]]
    public let wallSeconds: Double
    public let stepsPerMember: Int
}

/// Runs one ensemble of a quench experiment.
public enum QuenchRun {
    public static func run(_ spec: ExperimentSpec, progress: Progress? = nil) throws -> QuenchResult {
        let started = Date()
        let lattice = spec.lattice
        let model = spec.makeModel()
        let stepper = try spec.makeStepper(model: model)
        let schedule = ObservationSchedule(spec: spec)
        let observables = FieldObservables(lattice, transform: stepper.context.transform)
        let threads = spec.threads == 0 ? Ensemble.defaultThreads : spec.threads
        let blocks = MemberBlocks(members: spec.members)
        progress?.start(totalSteps: blocks.localMembers.count * schedule.finalStep)

        /// What one member keeps beyond its block's sums.
        struct Record: Sendable {
            var m: [Double] = []
            var snapshots: [[Double]] = []
            var equilibrium: [EquilibriumAverage.Sample] = []
        }
        /// One block: its members' records and the sums of S and G per observation.
        struct Block: Sendable {
            var members: [Record] = []
            var sums: [FieldObservables.BlockSum] = []
        }
        let observed = Set(schedule.steps), sampled = Set(spec.equilibrium?.steps(finalStep: schedule.finalStep) ?? [])
        let targets = observed.union(sampled).sorted()
        let run = try Ensemble.distributedMap(members: blocks.count, threads: threads, encode: { (b: Block, w: inout ByteWriter) in
            w.append(b.members.count)
            for r in b.members {
                w.append(r.m)
                w.append(r.snapshots)
                w.append([r.equilibrium.map(\.m), r.equilibrium.map(\.s0), r.equilibrium.map(\.s1)])
            }
            for s in b.sums { s.encode(&w) }
        }, decode: { (reader: inout ByteReader) -> Block in
            var b = Block()
            b.members = (0..<reader.int()).map { _ in
                var r = Record()
                r.m = reader.doubles()
                r.snapshots = reader.doubleArrays()
                let e = reader.doubleArrays()
                r.equilibrium = e[0].indices.map { EquilibriumAverage.Sample(m: e[0][$0], s0: e[1][$0], s1: e[2][$0]) }
                return r
            }
            b.sums = schedule.steps.map { _ in FieldObservables.BlockSum(&reader) }
            return b
        }) { (block: Int) throws(NonFiniteState) -> Block in
            let scratch = SpectralField(lattice), work = RealField(lattice)
            var out = Block(members: [], sums: schedule.steps.map { _ in observables.emptyBlock() })
            for member in blocks.members(ofBlock: block) {
                let start = RealField(lattice)
                GaussianNoise(seed: spec.seed).fill(start.values, count: start.count, scale: spec.initialAmplitude,
                                                    member: member, step: 0, stream: 1)
                for i in 0..<start.count { start[i] += spec.initialMean }
                let state = FieldState(initial: start, member: member, stepper: stepper)
                var record = Record()
                var lastFinite = 0
                for target in targets {
                    while state.stepIndex < target {
                        stepper.step(state)
                        progress?.advance()
                        if state.stepIndex % NonFiniteState.checkInterval == 0 || state.stepIndex == target {
                            try state.field.checkFinite(member: member, step: state.stepIndex, lastFiniteStep: lastFinite, time: state.time(dt: spec.dt), field: "φ")
                            lastFinite = state.stepIndex
                        }
                    }
                    if observed.contains(target) {
                        let sample = observables.measure(state.field, knownSpectrum: state.spectrum, scratch: scratch, work: work)
                        out.sums[record.m.count].add(sample)
                        record.m.append(sample.m)
                        if member == 0 && schedule.snapshotSteps.contains(target) { record.snapshots.append(state.field.array) }
                    }
                    if sampled.contains(target) {
                        let s = observables.structureFactor.shellAverages(state.spectrum)
                        record.equilibrium.append(EquilibriumAverage.Sample(m: state.field.mean, s0: s[0], s1: s.count > 1 ? s[1] : .nan))
                    }
                }
                out.members.append(record)
            }
            return out
        }
        progress?.finish()

        let records = run.flatMap(\.members)
        let summaries = schedule.steps.indices.map { j in
            observables.summarize(blocks: run.map { $0.sums[j] }, magnetisations: records.map { $0.m[j] }, temperature: spec.temperature)
        }
        let sf = observables.structureFactor
        return QuenchResult(
            spec: spec, times: schedule.steps.map { Double($0) * spec.dt },
            shellWaveNumber: sf.waveNumber, shellLabel: sf.shellLabel, shellModes: sf.modeCount,
            structureFactor: summaries.map(\.s), structureFactorError: summaries.map(\.sError),
            distance: observables.distance, correlation: summaries.map(\.g),
            order: summaries.map(\.order), xiOneOverE: summaries.map(\.xiOneOverE), xiSecondMoment: summaries.map(\.xiSecondMoment),
            xiOrnsteinZernike: summaries.map(\.xiOrnsteinZernike),
            snapshotTimes: schedule.snapshotSteps.map { Double($0) * spec.dt }, snapshots: records[0].snapshots,
            equilibrium: spec.equilibrium == nil ? nil : EquilibriumAverage(series: records.map(\.equilibrium), sites: lattice.siteCount,
                                                                             k1: sf.waveNumber.count > 1 ? sf.waveNumber[1] : .nan, boxLength: lattice.boxLength.max()!),
            equilibriumTimes: sampled.sorted().map { Double($0) * spec.dt }, magnetisations: records.map { $0.equilibrium.map(\.m) },
            wallSeconds: Date().timeIntervalSince(started), stepsPerMember: schedule.finalStep)
    }
}

extension ExperimentSpec {
    public func makeModel() -> any FieldModel {
        switch model {
        case .modelA(let m): m
        case .swiftHohenberg(let m): m
        }
    }

    public func makeStepper(model: any FieldModel) throws -> any Stepper {
        let context = SpectralContext(model: model, dt: dt, dealiasFraction: dealias, seed: seed, effort: planner, fftThreads: fftThreads)
        switch stepper {
        case .exponentialEulerMaruyama: return ExponentialEulerMaruyama(context)
        case .semiImplicitEuler: return SemiImplicitEuler(context)
        case .etdrk4:
            do { return try ETDRK4(context) } catch let e as StepperError {
                throw ParameterError(file: file, key: "integrator.stepper", value: .string("etdrk4"), expected: "a stepper that accepts this model: \(e)")
            }
        }
    }
}
