import CriticalityAnalysis
import CriticalityDiffusion
import Foundation
import CriticalityLattice

/// One condition of a guidance-pulse run.
public struct PulseCondition: Sendable, Equatable {
    public enum Kind: String, Sendable { case none, grid, critical, random }
    public var kind: Kind
    /// t₀ (NaN for none and random, whose t₀ is per member).
    public var center: Double
    public var name: String {
        switch kind {
        case .none: "none"
        case .grid: String(format: "t0=%.6g", center)
        case .critical: "critical"
        case .random: "random"
        }
    }
}

/// The target probabilities of every member under every condition, for each target feature.
public struct PulseResult: Sendable {
    public let prepared: PreparedDiffusion
    public let conditions: [PulseCondition]
    /// Per target: the critical condition's t₀ and where it came from.
    public let critical: [(time: Double, source: String)]
    /// The random control's t₀ per member (empty without it).
    public let randomCenters: [Double]
    /// probability[target][condition][member]: p(target | sample).
    public let probability: [[[Double]]]
    /// diversity[target][condition]: the site mean of the samples' variance across members.
    public let diversity: [[Double]]
    /// order[target][condition]: the moments of the samples' order parameter (their uniform mode).
    public let order: [[OrderParameter]]
    /// Member 0's sample under each condition, [target][condition].
    public let firstSamples: [[[Double]]]
    /// The analytic critical-time estimates of the model (and of each target direction).
    public let estimates: [CriticalTime]
    public let alignment: String
    public let heldOutAccuracy: Double?
    public let wallSeconds: Double

    public var spec: DiffusionSpec { prepared.spec }
    public var pulse: PulseSpec { prepared.spec.pulse! }
}

/// Runs a guidance-pulse experiment (docs/theory.md §9). Every condition of a member starts from the
/// same x_{t₀} and draws the same Brownian increments (the noise is keyed by member and step),
/// so conditions differ only by their guidance. A condition's pulse leaves the trajectory
/// untouched until its window opens, so each member runs the no-pulse trajectory once, keeps
/// its state where windows open, and continues every condition from there on the same path.
public enum PulseRun {
    public static func run(_ prepared: PreparedDiffusion, progress: Progress? = nil, sharedPrefix: Bool = true) throws -> PulseResult {
        let started = Date(), spec = prepared.spec, pulse = spec.pulse!, sampler = prepared.sampler, lattice = spec.lattice
        let times = sampler.times, n = times.count - 1, end = spec.schedule.level(at: times[n])
        let alignment = try ClassAlignment.make(prepared)
        let estimates = criticalEstimates(prepared)
        let critical = try pulse.targets.map { target -> (time: Double, source: String) in
            if let t = pulse.critical { return (t, "pulse.critical") }
            let own = estimates.first { $0.key == "t_speciation_\(target.name)" }
            guard let e = estimates.first(where: { $0.key == "t_c_analytic_c1" }) ?? own ?? estimates.first(where: { $0.key == "t_speciation" }),
                  e.time >= spec.tEnd && e.time <= spec.tStart else {
                throw ParameterError(file: spec.file, key: "pulse.critical", value: .string("auto"),
                                     expected: "a time: the \(spec.model.name) model has no analytic critical time within the sampler's range")
            }
            return (e.time, e.key)
        }
        let conditions = [PulseCondition(kind: .none, center: .nan)] + pulse.centers.map { PulseCondition(kind: .grid, center: $0) }
            + [PulseCondition(kind: .critical, center: .nan)] + (pulse.randomControl ? [PulseCondition(kind: .random, center: .nan)] : [])
        let (lo, hi) = (pulse.centers.first!, pulse.centers.last!)
        let randomCenters = pulse.randomControl ? (0..<spec.members).map { m in
            lo * pow(hi / max(lo, 1e-300), GaussianNoise.uniform(key: sampler.noise.key(member: m, step: 0, stream: 5), index: 0))
        } : []
        let windows = Windows(pulse: pulse, times: times)
        let threads = spec.threads == 0 ? Ensemble.defaultThreads : spec.threads

        // Each member's schedule per condition and the grid index where it leaves the no-pulse
        // path (nil: it never does); the first index whose step feels the pulse is the one
        // before its window opens, because Heun's step i also evaluates at t_{i+1}.
        let plans = pulse.targets.indices.map { ti in
            let reference = windows.window(at: critical[ti].time)
            return (0..<spec.members).map { m in
                conditions.map { c -> (weight: GuidanceSchedule, start: Int?) in
                    let t0: Double
                    switch c.kind {
                    case .none: return (.constant(pulse.base), nil)
                    case .grid: t0 = c.center
                    case .critical: t0 = critical[ti].time
                    case .random: t0 = randomCenters[m]
                    }
                    let w = windows.schedule(at: t0, reference: reference)
                    guard let first = times.indices.first(where: { w.weight(at: times[$0]) != pulse.base }) else { return (w, nil) }
                    return (w, sharedPrefix ? max(0, first - 1) : 0)
                }
            }
        }
        let local = Ensemble.localMembers(spec.members)
        progress?.start(totalSteps: plans.map { Array($0[local]) }.joined().reduce(0) { total, plan in total + n + plan.reduce(0) { $0 + ($1.start.map { n - $0 } ?? 0) } })

        var probability: [[[Double]]] = [], diversity: [[Double]] = [], firstSamples: [[[Double]]] = [], order: [[OrderParameter]] = []
        for (ti, target) in pulse.targets.enumerated() {
            let conditional = prepared.conditionals[ti], labels = Set(target.labels), plan = plans[ti]
            @Sendable func guided(_ w: GuidanceSchedule) -> ReverseSampler {
                sampler.with(denoiser: GuidedDenoiser(unconditional: sampler.denoiser, conditional: conditional, weight: w))
            }
            let baseline = guided(.constant(pulse.base))
            let perMember = try Ensemble.distributedMap(members: spec.members, threads: threads, encode: { (r: [(p: Double, d: [Double])], w: inout ByteWriter) in
                w.append(r.count)
                for c in r { w.append(c.p); w.append(c.d) }
            }, decode: { (reader: inout ByteReader) -> [(p: Double, d: [Double])] in
                (0..<reader.int()).map { _ in (reader.double(), reader.doubles()) }
            }) { (m: Int) throws(NonFiniteState) -> [(p: Double, d: [Double])] in
                let schedules = plan[m].map(\.weight), starts = plan[m].map(\.start)
                var kept: [Int: RealField] = [:], final = (x: RealField(lattice), d: RealField(lattice))
                let wanted = Set(starts.compactMap { $0 })
                _ = try baseline.run(member: m, from: baseline.initialState(member: m), observing: wanted.union([n])) { i, _, x, d in
                    if wanted.contains(i) { kept[i] = x.copy() }
                    if i == n { final = (x.copy(), d.copy()) }
                } afterStep: { progress?.advance() }
                return try zip(schedules, starts).map { (w, start) throws(NonFiniteState) in
                    var out = final
                    if let start {
                        _ = try guided(w).run(member: m, from: kept[start]!.copy(), startingAt: start, observing: [n]) { _, _, x, d in
                            out = (x.copy(), d.copy())
                        } afterStep: { progress?.advance() }
                    }
                    return (alignment.targetProbability(x: out.x, d: out.d, level: end, target: labels), out.d.array)
                }
            }
            probability.append(conditions.indices.map { c in perMember.map { $0[c].p } })
            diversity.append(conditions.indices.map { c in ensembleVariance(perMember.map { $0[c].d }) })
            order.append(conditions.indices.map { c in
                OrderParameter(magnetisations: perMember.map { $0[c].d.reduce(0, +) / Double(lattice.siteCount) }, volume: lattice.volume,
                               sites: lattice.siteCount, temperature: 0)
            })
            firstSamples.append(conditions.indices.map { perMember[0][$0].d })
        }
        progress?.finish()
        var heldOut: Double?
        if case .classifier(_, let a) = alignment { heldOut = a }
        return PulseResult(prepared: prepared, conditions: conditions, critical: critical, randomCenters: randomCenters, probability: probability,
                           diversity: diversity, order: order, firstSamples: firstSamples, estimates: estimates, alignment: alignment.description,
                           heldOutAccuracy: heldOut, wallSeconds: Date().timeIntervalSince(started))
    }

    /// The site mean of the unbiased variance across samples: ½ the mean squared distance
    /// between two samples per site. It falls when guidance buys alignment by collapse.
    static func ensembleVariance(_ samples: [[Double]]) -> Double {
        let m = Double(samples.count), sites = samples[0].count
        guard samples.count > 1 else { return .nan }
        var total = 0.0
        for i in 0..<sites {
            var s = 0.0, s2 = 0.0
            for x in samples { s += x[i]; s2 += x[i] * x[i] }
            total += (s2 - s * s / m) / (m - 1)
        }
        return total / Double(sites)
    }

    /// The model's analytic critical times (C1, C2, speciation) and, for mixtures, the speciation
    /// time along each target's direction (the difference of the target's and the other
    /// components' mean), where α_t² uᵀCu = 1.
    static func criticalEstimates(_ p: PreparedDiffusion) -> [CriticalTime] {
        let spec = p.spec, schedule = spec.schedule
        var out = p.critical.dispersionEstimates(schedule: schedule)
        if let e = p.critical.speciationEstimate(schedule: schedule) { out.append(e) }
        if case .gaussianMixture = spec.model, let targets = spec.pulse?.targets {
            let mix = spec.mixture, c = mix.components, sites = spec.lattice.siteCount
            let mean = (0..<sites).map { i in c.reduce(0) { $0 + $1.weight * $1.mean[i] } }
            for target in targets {
                let inside = c.filter { target.labels.contains($0.label!) }, outside = c.filter { !target.labels.contains($0.label!) }
                guard !inside.isEmpty, !outside.isEmpty else { continue }
                func centre(_ g: [GaussianMixtureDenoiser.Component]) -> [Double] {
                    let w = g.reduce(0) { $0 + $1.weight }
                    return (0..<sites).map { i in g.reduce(0) { $0 + $1.weight * $1.mean[i] } / w }
                }
                var u = zip(centre(inside), centre(outside)).map { $0 - $1 }
                let norm = u.reduce(0) { $0 + $1 * $1 }.squareRoot()
                guard norm > 0 else { continue }
                u = u.map { $0 / norm }
                var lambda = 0.0
                for comp in c {
                    guard case .isotropic(let v) = comp.covariance else { continue }
                    let proj = (0..<sites).reduce(0) { $0 + (comp.mean[$1] - mean[$1]) * u[$1] }
                    lambda += comp.weight * (proj * proj + v)
                }
                if let t = Speciation.time(topEigenvalue: lambda, schedule: schedule) {
                    out.append(.init(key: "t_speciation_\(target.name)", estimator: String(format: "speciation along the %@ direction: α_t² uᵀCu = 1, uᵀCu = %.6g", target.name, lambda), time: t))
                }
            }
        }
        return out
    }
}

/// The pulse windows of a run: [t₀e^{−Δ/2}, t₀e^{Δ/2}], or the `width_steps` grid points
/// nearest t₀ padded by half a grid spacing on each side so that exactly those points are inside.
struct Windows {
    let pulse: PulseSpec
    let times: [Double]

    func window(at t0: Double) -> (lo: Double, hi: Double) {
        switch pulse.width {
        case .logTime(let w): return (t0 * exp(-w / 2), t0 * exp(w / 2))
        case .steps(let k):
            let i0 = times.indices.min { abs(log(times[$0] / t0)) < abs(log(times[$1] / t0)) }!
            let a = max(0, min(i0 - (k - 1) / 2, times.count - k)), b = a + k - 1  // times[a] > … > times[b]
            let upper = a > 0 ? log(times[a - 1] / times[a]) : log(times[a] / times[min(a + 1, times.count - 1)])
            let lower = b < times.count - 1 ? log(times[b] / times[b + 1]) : log(times[max(b - 1, 0)] / times[b])
            return (times[b] * exp(-lower / 2), times[a] * exp(upper / 2))
        }
    }

    /// The pulse at t₀; with an equal budget its excess strength is scaled so that
    /// ∫(w − w_base) dt matches the reference window's.
    func schedule(at t0: Double, reference: (lo: Double, hi: Double)) -> GuidanceSchedule {
        let (lo, hi) = window(at: t0)
        let scale = pulse.equalBudget ? (reference.hi - reference.lo) / (hi - lo) : 1
        return .pulse(center: (lo * hi).squareRoot(), width: log(hi / lo), strength: pulse.base + scale * (pulse.strength - pulse.base), base: pulse.base)
    }
}
