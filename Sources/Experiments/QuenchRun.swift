import Analysis
import Foundation
import FieldTheory
import Lattice

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
    /// Number of non-zero shells in the Ornstein–Zernike fit.
    public static let ornsteinZernikeShells = 8

    struct MemberRecord: Sendable {
        var m: [Double] = []
        var s: [[Double]] = []
        var g: [[Double]] = []
        var snapshots: [[Double]] = []
    }

    public static func run(_ spec: ExperimentSpec, progress: Progress? = nil) throws -> QuenchResult {
        let started = Date()
        let lattice = spec.lattice
        let model = spec.makeModel()
        let stepper = try spec.makeStepper(model: model)
        let schedule = ObservationSchedule(spec: spec)
        let sf = StructureFactor(lattice), cf = CorrelationFunction(lattice)
        let maxDistance = lattice.boxLength.min()! / 2
        let bins = cf.distance.firstIndex { $0 > maxDistance + 1e-12 } ?? cf.binCount
        let transform = stepper.context.transform
        let threads = spec.threads == 0 ? Ensemble.defaultThreads : spec.threads
        progress?.start(totalSteps: spec.members * schedule.finalStep)

        let records = Ensemble.map(members: spec.members, threads: threads) { member -> MemberRecord in
            let start = RealField(lattice)
            GaussianNoise(seed: spec.seed).fill(start.values, count: start.count, scale: spec.initialAmplitude,
                                                member: member, step: 0, stream: 1)
            for i in 0..<start.count { start[i] += spec.initialMean }
            let state = FieldState(initial: start, member: member, stepper: stepper)
            let scratch = SpectralField(lattice), work = RealField(lattice)
            var rec = MemberRecord()
            for target in schedule.steps {
                while state.stepIndex < target {
                    stepper.step(state)
                    progress?.advance()
                }
                rec.m.append(state.field.mean)
                rec.s.append(sf.shellAverages(state.spectrum))
                rec.g.append(Array(cf.radialProfile(spectrum: state.spectrum, transform: transform, scratch: scratch, work: work)[0..<bins]))
                if member == 0 && schedule.snapshotSteps.contains(target) { rec.snapshots.append(state.field.array) }
            }
            return rec
        }
        progress?.finish()

        let a = lattice.spacing[lattice.boxLength.firstIndex(of: lattice.boxLength.max()!)!]
        let k1 = sf.waveNumber.count > 1 ? sf.waveNumber[1] : .nan
        let fitShells = Array(1..<min(sf.shellCount, 1 + ornsteinZernikeShells))
        let fitK2 = fitShells.map { sf.waveNumberSquared[$0] }
        let distance = Array(cf.distance[0..<bins])
        var sMean: [[Double]] = [], sErr: [[Double]] = [], gMean: [[Double]] = []
        var order: [OrderParameter] = [], xi1: [Estimate] = [], xi2: [Estimate] = [], xiOZ: [Estimate] = []
        for j in schedule.steps.indices {
            let sRows = records.map { $0.s[j] }, gRows = records.map { $0.g[j] }
            let s = (0..<sf.shellCount).map { k in Estimate(samples: sRows.map { $0[k] }) }
            sMean.append(s.map(\.mean))
            sErr.append(s.map(\.standardError))
            gMean.append((0..<bins).map { b in gRows.reduce(0) { $0 + $1[b] } / Double(records.count) })
            order.append(OrderParameter(magnetisations: records.map { $0.m[j] }, volume: lattice.volume, temperature: spec.temperature))
            xi1.append(Estimate.jackknife(gRows) { CorrelationLength.oneOverE(distance: distance, correlation: $0) })
            xi2.append(Estimate.jackknife(sRows.map { [$0[0], $0.count > 1 ? $0[1] : .nan] }) {
                CorrelationLength.secondMoment(s0: $0[0], s1: $0[1], k1: k1, spacing: a)
            })
            xiOZ.append(fitShells.count < 2 ? Estimate(mean: .nan, standardError: .nan) : Estimate.jackknife(sRows.map { r in fitShells.map { r[$0] } }) {
                CorrelationLength.ornsteinZernike(waveNumberSquared: fitK2, structureFactor: $0).xi
            })
        }
        return QuenchResult(
            spec: spec, times: schedule.steps.map { Double($0) * spec.dt },
            shellWaveNumber: sf.waveNumber, shellLabel: sf.shellLabel, shellModes: sf.modeCount,
            structureFactor: sMean, structureFactorError: sErr, distance: distance, correlation: gMean,
            order: order, xiOneOverE: xi1, xiSecondMoment: xi2, xiOrnsteinZernike: xiOZ,
            snapshotTimes: schedule.snapshotSteps.map { Double($0) * spec.dt }, snapshots: records[0].snapshots,
            wallSeconds: Date().timeIntervalSince(started), stepsPerMember: schedule.finalStep)
    }
}

extension ExperimentSpec {
    public func makeModel() -> any FieldModel {
        switch model {
        case .modelA(let r, let u, let kappa, let h, let t):
            ModelA(lattice: lattice, r: r, u: u, kappa: kappa, h: h, temperature: t)
        case .swiftHohenberg(let r, let k, let t):
            SwiftHohenberg(lattice: lattice, r: r, wavenumber: k, temperature: t)
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
