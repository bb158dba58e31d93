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
        progress?.start(totalSteps: Ensemble.localMembers(spec.members).count * schedule.finalStep)

        let records = try Ensemble.distributedMap(members: spec.members, threads: threads, encode: { (r: ([FieldObservables.Sample], [[Double]]), w: inout ByteWriter) in
            w.append(r.0.count)
            for s in r.0 { s.encode(&w) }
            w.append(r.1)
        }, decode: { (reader: inout ByteReader) -> ([FieldObservables.Sample], [[Double]]) in
            ((0..<reader.int()).map { _ in FieldObservables.Sample(&reader) }, reader.doubleArrays())
        }) { (member: Int) throws(NonFiniteState) -> ([FieldObservables.Sample], [[Double]]) in
            let start = RealField(lattice)
            GaussianNoise(seed: spec.seed).fill(start.values, count: start.count, scale: spec.initialAmplitude,
                                                member: member, step: 0, stream: 1)
            for i in 0..<start.count { start[i] += spec.initialMean }
            let state = FieldState(initial: start, member: member, stepper: stepper)
            let scratch = SpectralField(lattice), work = RealField(lattice)
            var samples: [FieldObservables.Sample] = [], snapshots: [[Double]] = []
            var lastFinite = 0
            for target in schedule.steps {
                while state.stepIndex < target {
                    stepper.step(state)
                    progress?.advance()
                    if state.stepIndex % NonFiniteState.checkInterval == 0 || state.stepIndex == target {
                        try state.field.checkFinite(member: member, step: state.stepIndex, lastFiniteStep: lastFinite, time: state.time(dt: spec.dt), field: "φ")
                        lastFinite = state.stepIndex
                    }
                }
                samples.append(observables.measure(spectrum: state.spectrum, mean: state.field.mean, scratch: scratch, work: work))
                if member == 0 && schedule.snapshotSteps.contains(target) { snapshots.append(state.field.array) }
            }
            return (samples, snapshots)
        }
        progress?.finish()

        let summaries = schedule.steps.indices.map { j in observables.summarize(records.map { $0.0[j] }, temperature: spec.temperature) }
        let sf = observables.structureFactor
        return QuenchResult(
            spec: spec, times: schedule.steps.map { Double($0) * spec.dt },
            shellWaveNumber: sf.waveNumber, shellLabel: sf.shellLabel, shellModes: sf.modeCount,
            structureFactor: summaries.map(\.s), structureFactorError: summaries.map(\.sError),
            distance: observables.distance, correlation: summaries.map(\.g),
            order: summaries.map(\.order), xiOneOverE: summaries.map(\.xiOneOverE), xiSecondMoment: summaries.map(\.xiSecondMoment),
            xiOrnsteinZernike: summaries.map(\.xiOrnsteinZernike),
            snapshotTimes: schedule.snapshotSteps.map { Double($0) * spec.dt }, snapshots: records[0].1,
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
