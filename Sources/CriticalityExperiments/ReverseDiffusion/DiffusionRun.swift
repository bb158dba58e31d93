import CriticalityAnalysis
import CriticalityDiffusion
import Foundation
import CriticalityLattice

/// The observables of a reverse-diffusion ensemble at its observation times, for the four
/// fields of each member: x_t, sign x_t, D(x_t) and sign D(x_t).
public struct DiffusionResult: Sendable {
    public static let fieldNames = ["x", "sign_x", "D", "sign_D"]

    public let prepared: PreparedDiffusion
    /// Noise levels of the observed grid points.
    public let levels: [NoiseLevel]
    /// summaries[time][field], fields in ``fieldNames`` order.
    public let summaries: [[FieldObservables.Summary]]
    public let shellWaveNumber: [Double]
    public let shellLabel: [Int]
    public let shellModes: [Double]
    public let distance: [Double]
    /// Member 0's x_t and D(x_t) at the snapshot times.
    public let snapshotLevels: [NoiseLevel]
    public let snapshots: [[Double]]
    public let denoisedSnapshots: [[Double]]
    /// The final posterior means D(x_{t_end}) of the first ``storedSamples`` members.
    public let samples: [[Double]]
    /// Jacobian probes along the trajectories ([softening]): σ²h per wave, [time][member][wave],
    /// for the first `softening.members` members.
    public let probeStiffness: [[[Double]]]
    /// The probes' waves and shells (nil without [softening]).
    public let probe: JacobianProbe?
    /// Observation positions (indices into ``levels``) with a dynamic response, and χ_dyn there
    /// per probed member, [position][member], for the wave ``CriticalModel/responseWave``.
    public let responsePositions: [Int]
    public let responses: [[Double]]
    /// Every member's x_t and D(x_t) at the observation times, [time][member] (observe.trajectories).
    public let trajectories: [[[Double]]]
    public let denoisedTrajectories: [[[Double]]]
    /// Per member: the site mean m of the fixed point y = D(α y) reached from D(x_{t_end}) at
    /// frozen t_end, and the iterations it took (nil: not converged); empty without observe.fixed_points.
    public let fixedPoints: [(magnetisation: Double, iterations: Int?)]
    public let wallSeconds: Double

    public static let storedSamples = 256

    public var spec: DiffusionSpec { prepared.spec }
    public var times: [Double] { levels.map(\.time) }
}

/// Runs the ensemble of a reverse-diffusion experiment.
public enum DiffusionRun {
    /// Grid indices to observe: `count` evenly spaced indices of the grid (log-spaced times on
    /// the default log grid), the snapshot times' nearest grid points, and the final index.
    static func observationIndices(_ spec: DiffusionSpec, times: [Double]) -> (all: [Int], snapshots: [Int]) {
        let n = times.count - 1, count = spec.observationCount
        let even = count == 1 ? [n] : (0..<count).map { Int((Double($0) * Double(n) / Double(count - 1)).rounded()) }
        let snaps = spec.snapshots.map { t in times.indices.min { abs(log(times[$0] / t)) < abs(log(times[$1] / t)) }! }
        return (Array(Set(even + snaps + [n])).sorted(), Array(Set(snaps)).sorted())
    }

    public static func run(_ prepared: PreparedDiffusion, progress: Progress? = nil) throws(NonFiniteState) -> DiffusionResult {
        let started = Date(), spec = prepared.spec, sampler = prepared.sampler, lattice = spec.lattice  // members share its time grid
        let (indices, snapshotIndices) = observationIndices(spec, times: sampler.times)
        let observables = FieldObservables(lattice, transform: FourierTransform.plan(lattice, effort: spec.planner), orderParameter: prepared.orderParameter)
        let threads = spec.threads == 0 ? Ensemble.defaultThreads : spec.threads
        let blocks = MemberBlocks(members: spec.members)
        progress?.start(totalSteps: blocks.localMembers.count * sampler.steps)

        /// What one member keeps beyond its block's sums: m per observation and field, and
        /// whatever was asked for per member.
        struct Record: Sendable {
            var m: [[Double]] = []
            var snapshots: [[Double]] = []
            var denoised: [[Double]] = []
            var final: [Double] = []
            var stiffness: [[Double]] = []
            var responses: [Double] = []
            var x: [[Double]] = []
            var d: [[Double]] = []
            var fixedPoint: (magnetisation: Double, iterations: Int?) = (.nan, nil)
        }
        /// One block: its members' records and the sums of S and G, [observation][field].
        struct Block: Sendable {
            var members: [Record] = []
            var sums: [[FieldObservables.BlockSum]] = []
        }
        let probed = spec.softening?.members ?? 0
        let probes = spec.softening.map { f in prepared.samplers.map { JacobianProbe(denoiser: $0.denoiser, shells: f.shells, extra: prepared.critical.probeModes,
                                                                                               method: f.method, relativeStep: f.step) } }
        let responsePositions = responsePositions(spec, observations: indices.count)
        let responseIndices = Set(responsePositions.map { indices[$0] })
        let response = spec.softening.map { DynamicResponse(wave: prepared.critical.responseWave, relativeStep: $0.responseStep) }
        let empty = (0..<indices.count).map { _ in (0..<4).map { _ in observables.emptyBlock() } }
        let run = try Ensemble.distributedMap(members: blocks.count, threads: threads, encode: { (b: Block, w: inout ByteWriter) in
            w.append(b.members.count)
            for r in b.members {
                for a in [r.m, r.snapshots, r.denoised, r.stiffness, r.x, r.d] { w.append(a) }
                w.append(r.final)
                w.append(r.responses)
                w.append(r.fixedPoint.magnetisation)
                w.append(r.fixedPoint.iterations ?? -1)
            }
            for row in b.sums { for s in row { s.encode(&w) } }
        }, decode: { (reader: inout ByteReader) -> Block in
            var b = Block()
            b.members = (0..<reader.int()).map { _ in
                var r = Record()
                (r.m, r.snapshots, r.denoised, r.stiffness, r.x, r.d) = (reader.doubleArrays(), reader.doubleArrays(), reader.doubleArrays(),
                                                                          reader.doubleArrays(), reader.doubleArrays(), reader.doubleArrays())
                r.final = reader.doubles()
                r.responses = reader.doubles()
                let m = reader.double(), i = reader.int()
                r.fixedPoint = (m, i < 0 ? nil : i)
                return r
            }
            b.sums = (0..<indices.count).map { _ in (0..<4).map { _ in FieldObservables.BlockSum(&reader) } }
            return b
        }) { (block: Int) throws(NonFiniteState) -> Block in
            let spectrum = SpectralField(lattice), scratch = SpectralField(lattice), work = RealField(lattice), sign = RealField(lattice)
            let probeWork = JacobianProbe.Workspace(lattice)
            var out = Block(members: [], sums: empty)
            for member in blocks.members(ofBlock: block) {
                var rec = Record()
                let sampler = prepared.sampler(member: member)
                let probe = member < probed ? probes?[member % prepared.samplers.count] : nil
                var j = 0
                let final = try sampler.run(member: member, from: sampler.initialState(member: member), observing: Set(indices)) { (i: Int, level: NoiseLevel, x: RealField, d: RealField) throws(NonFiniteState) in
                    if let probe {
                        rec.stiffness.append(probe.stiffness(at: x, level: level, workspace: probeWork))
                        if responseIndices.contains(i) { rec.responses.append(try response!.measure(sampler: sampler, member: member, state: x, index: i)) }
                    }
                    if spec.trajectories {
                        rec.x.append(x.array)
                        rec.d.append(d.array)
                    }
                    let samples = [x, d].flatMap { observables.measureWithSign($0, sign: sign, spectrum: spectrum, scratch: scratch, work: work) }
                    for f in 0..<4 { out.sums[j][f].add(samples[f]) }
                    rec.m.append(samples.map(\.m))
                    j += 1
                    if member == 0 && snapshotIndices.contains(i) {
                        rec.snapshots.append(x.array)
                        rec.denoised.append(d.array)
                    }
                } afterStep: {
                    progress?.advance()
                }
                if member < DiffusionResult.storedSamples { rec.final = final.array }
                if spec.fixedPoints {
                    let map = DenoiserMap(denoiser: sampler.denoiser, schedule: spec.schedule)
                    let (y, iterations) = map.relax(final.array, at: spec.schedule.level(at: sampler.times.last!), workspace: DenoiserWorkspace(lattice))
                    rec.fixedPoint = (y.reduce(0, +) / Double(y.count), iterations)
                }
                out.members.append(rec)
            }
            return out
        }
        progress?.finish()

        let records = run.flatMap(\.members)
        let summaries = indices.indices.map { j in
            (0..<4).map { f in observables.summarize(blocks: run.map { $0.sums[j][f] }, magnetisations: records.map { $0.m[j][f] }, temperature: 0) }
        }
        let sf = observables.structureFactor
        return DiffusionResult(
            prepared: prepared, levels: indices.map { spec.schedule.level(at: sampler.times[$0]) },
            summaries: summaries, shellWaveNumber: sf.waveNumber, shellLabel: sf.shellLabel, shellModes: sf.modeCount,
            distance: observables.distance,
            snapshotLevels: snapshotIndices.map { spec.schedule.level(at: sampler.times[$0]) },
            snapshots: records[0].snapshots, denoisedSnapshots: records[0].denoised,
            samples: records.prefix(DiffusionResult.storedSamples).map(\.final),
            probeStiffness: indices.indices.map { j in records.prefix(probed).map { $0.stiffness[j] } }, probe: probes?[0],
            responsePositions: responsePositions, responses: responsePositions.indices.map { j in records.prefix(probed).map { $0.responses[j] } },
            trajectories: spec.trajectories ? indices.indices.map { j in records.map { $0.x[j] } } : [],
            denoisedTrajectories: spec.trajectories ? indices.indices.map { j in records.map { $0.d[j] } } : [],
            fixedPoints: spec.fixedPoints ? records.map(\.fixedPoint) : [],
            wallSeconds: Date().timeIntervalSince(started))
    }

    /// `softening.response` observation positions, evenly spread and excluding the final time
    /// (where a response is trivially the probe itself).
    static func responsePositions(_ spec: DiffusionSpec, observations: Int) -> [Int] {
        let n = spec.softening?.response ?? 0, last = observations - 2
        guard n > 0, last >= 0 else { return [] }
        return Array(Set((0..<n).map { n == 1 ? 0 : Int((Double($0) * Double(last) / Double(n - 1)).rounded()) })).sorted()
    }

    /// For each field, the fraction of sites whose value has the sign of the sum over its P×P
    /// (P per axis) window: Kamb–Ganguli's local-consistency test for the ±1 patch model.
    public static func locallyConsistentFractions(_ fields: [[Double]], lattice: Lattice, patch p: Int) -> [Double] {
        let model = try! BinaryPatchDenoiser(lattice: lattice, patch: .fixed(p))
        let w = DenoiserWorkspace(lattice), h = RealField(lattice)
        return fields.map { field in
            model.localField(RealField(lattice) { field[$0] }, time: 1, into: h, workspace: w)
            return Double(field.indices.filter { (h[$0] > 0) == (field[$0] > 0) }.count) / Double(field.count)
        }
    }
}
