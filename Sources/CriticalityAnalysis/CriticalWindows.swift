import CriticalityDiffusion
import Foundation
import CriticalityLattice

/// Critical windows (Li & Chen), docs/theory.md §10: the time interval in which reverse diffusion
/// decides a feature of a Gaussian mixture, from total-variation distances of noised
/// sub-mixtures. A feature is a pair S_after ⊂ S_before of component sets:
///
///     T_after  = sup{t : TV(p_t^{S_after}, p_t^{Θ∖S_after}) ≥ 1 − ε²},
///     T_before = inf{t : TV(p_t^{S_after}, p_t^{S_before}) ≤ ε and TV(p_t^{S_before}, p_t^{Θ∖S_before}) ≥ 1 − ε²}.
///
/// Before T_before (in reverse time, t > T_before) a sample started from S_after is still
/// indistinguishable from one of S_before; after T_after it is committed to S_after. TVs
/// between noised distributions never increase with t (data processing), so each condition
/// holds on one side of a single crossing, found by bisection.
///
/// TV between two single components of equal variance is exact, 2Φ(‖Δμ_t‖/2s_t) − 1. For
/// S_after ⊂ S_before, p^{S_before} = (1 − w)p^{S_after} + w p^{S_before∖S_after} gives
/// TV(p^{S_after}, p^{S_before}) = w TV(p^{S_after}, p^{S_before∖S_after}) exactly. Other pairs
/// use the posterior estimator TV(P, Q) = E_{x∼(P+Q)/2} |π_P(x) − π_Q(x)| by Monte Carlo with
/// common random numbers across t.
public struct CriticalWindows: Sendable {
    public let mixture: IsotropicMixture
    public let schedule: NoiseSchedule
    /// Monte Carlo draws of the posterior estimator (half from each side).
    public let samples: Int
    public let noise: GaussianNoise

    public init(mixture: IsotropicMixture, schedule: NoiseSchedule = .ou, samples: Int = 20000, seed: UInt64 = 1) {
        self.mixture = mixture
        self.schedule = schedule
        self.samples = samples
        noise = GaussianNoise(seed: seed)
    }

    /// A feature's window; an endpoint is nil when its condition never holds in the searched range.
    public struct Window: Sendable, Equatable {
        public var after: Double?
        public var before: Double?
    }

    /// TV(p_t^P, p_t^Q) of two component sets that are disjoint or nested (P ⊂ Q or Q ⊂ P).
    public func totalVariation(_ p: [Int], _ q: [Int], at t: Double) -> Estimate {
        let ps = Set(p), qs = Set(q)
        if ps.isSubset(of: qs) || qs.isSubset(of: ps) {
            let (small, large) = ps.isSubset(of: qs) ? (p, q) : (q, p)
            let rest = large.filter { !Set(small).contains($0) }
            guard !rest.isEmpty else { return Estimate(mean: 0, standardError: 0) }
            let w = rest.reduce(0) { $0 + mixture.weights[$1] } / large.reduce(0) { $0 + mixture.weights[$1] }
            let e = disjointTotalVariation(small, rest, at: t)
            return Estimate(mean: w * e.mean, standardError: w * e.standardError)
        }
        precondition(ps.isDisjoint(with: qs), "TV of component sets that are neither disjoint nor nested")
        return disjointTotalVariation(p, q, at: t)
    }

    func disjointTotalVariation(_ p: [Int], _ q: [Int], at t: Double) -> Estimate {
        let level = schedule.level(at: t)
        if p.count == 1, q.count == 1, mixture.variances[p[0]] == mixture.variances[q[0]] {
            let distance = zip(mixture.means[p[0]], mixture.means[q[0]]).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
            let s = mixture.noisedVariance(p[0], level).squareRoot()
            return Estimate(mean: 2 * StandardNormal.cdf(level.alpha * distance / (2 * s)) - 1, standardError: 0)
        }
        // Half the draws from each side; |π_P − π_Q| = |tanh((log p − log q)/2)|.
        let sides = [mixture.restricted(to: p), mixture.restricted(to: q)]
        var values: [[Double]] = [[], []]
        for j in 0..<samples {
            let side = j % 2, draw = sides[side].draw(j / 2, level, noise: GaussianNoise(seed: noise.seed &+ UInt64(side)))
            let lp = sides[0].posterior(draw.x, level).logDensity, lq = sides[1].posterior(draw.x, level).logDensity
            values[side].append(abs(tanh(0.5 * (lp - lq))))
        }
        let a = Estimate(samples: values[0]), b = Estimate(samples: values[1])
        return Estimate(mean: 0.5 * (a.mean + b.mean), standardError: 0.5 * (a.standardError * a.standardError + b.standardError * b.standardError).squareRoot())
    }

    /// The window of the feature S_after ⊂ S_before, searched over `range` (a log grid of
    /// `points` times, then bisection to 1e-13 relative).
    public func window(after sa: [Int], before sb: [Int], epsilon: Double, range: ClosedRange<Double>, points: Int = 200,
                       threads: Int = 1, evaluated: (@Sendable () -> Void)? = nil) -> Window {
        precondition(Set(sa).isSubset(of: Set(sb)) && !sa.isEmpty && epsilon > 0 && epsilon < 1)
        let all = Array(0..<mixture.count)
        let complementA = all.filter { !sa.contains($0) }, complementB = all.filter { !sb.contains($0) }
        let separated: @Sendable ([Int], [Int], Double) -> Bool = { s, rest, t in rest.isEmpty || self.totalVariation(s, rest, at: t).mean >= 1 - epsilon * epsilon }
        let times = (0..<points).map { range.lowerBound * pow(range.upperBound / range.lowerBound, Double($0) / Double(points - 1)) }
        // Both conditions on the whole grid, in parallel (the Monte Carlo draws are keyed by draw,
        // not by thread); `evaluated` is called after each of the 2·points evaluations.
        let scan = Ensemble.map(members: 2 * points, threads: threads) { i -> Bool in
            defer { evaluated?() }
            let t = times[i % points]
            return i < points ? separated(sa, complementA, t) : self.totalVariation(sa, sb, at: t).mean <= epsilon
        }
        let (isSeparated, isClose) = (Array(scan[..<points]), Array(scan[points...]))
        // T_after: the last time at which S_after is still separated from the rest.
        var after: Double?
        if !complementA.isEmpty, let j = isSeparated.lastIndex(of: true) {
            after = j == points - 1 ? nil : Bisection.boundary(times[j], times[j + 1]) { separated(sa, complementA, $0) }
        }
        // T_before: the first time at which S_after is within ε of S_before (the other condition
        // holds below a time of its own).
        let close = { (t: Double) in self.totalVariation(sa, sb, at: t).mean <= epsilon }
        var before: Double?
        if let j = isClose.firstIndex(of: true) {
            let t = j == 0 ? times[0] : Bisection.boundary(times[j - 1], times[j]) { !close($0) }
            before = separated(sb, complementB, t) ? t : nil
        }
        return Window(after: after, before: before)
    }

    /// The keep probability of the exact reverse process from T̂: start from p^S, noise to T̂,
    /// and draw from the posterior; the chance of landing in S is E_{x∼p_T̂^S} π_S(x).
    public func keepProbability(_ s: [Int], at t: Double) -> Estimate {
        let level = schedule.level(at: t), set = Set(s), start = mixture.restricted(to: s)
        if let line = mixture.line {
            let p = mixture.lineExpectation(line, level, restrictedTo: s) { post, _ in s.reduce(0) { $0 + post[$1] } }
            return Estimate(mean: p, standardError: 0)
        }
        let values = (0..<samples).map { j -> Double in
            let x = start.draw(j, level, noise: noise).x
            return mixture.posterior(x, level).weights.enumerated().reduce(0) { set.contains($1.offset) ? $0 + $1.element : $0 }
        }
        return Estimate(samples: values)
    }
}

extension CriticalWindows {
    /// Closed forms for N(±μ, I) under `ou`, R = ‖μ‖ (docs/theory.md §10):
    /// T_after = ln R − ln Φ⁻¹(1 − ε²/2), T_before = ln R − ln Φ⁻¹(½ + ε).
    public static func twoGaussianWindow(separation r: Double, epsilon: Double) -> Window {
        Window(after: log(r) - log(StandardNormal.quantile(1 - epsilon * epsilon / 2)), before: log(r) - log(StandardNormal.quantile(0.5 + epsilon)))
    }

    /// The keep probability of N(±μ, I) from T̂: E_z[σ(2a² + 2az)], a = α_T̂ R/s_T̂ (a = e^{−T̂}R
    /// under `ou`), σ the logistic function.
    public static func twoGaussianKeepProbability(_ a: Double) -> Double {
        StandardNormal.expectation { z in 1 / (1 + exp(-(2 * a * a + 2 * a * z))) }
    }

    /// The Bhattacharyya coefficient BC = |Σ_P|^¼|Σ_Q|^¼/|Σ̄|^½ exp(−⅛ Δμᵀ Σ̄⁻¹ Δμ), Σ̄ = (Σ_P + Σ_Q)/2,
    /// of two Gaussians with row-major covariances; 1 − BC ≤ TV ≤ √(1 − BC²).
    public static func bhattacharyyaCoefficient(meanP: [Double], covarianceP: [Double], meanQ: [Double], covarianceQ: [Double]) -> Double {
        let n = meanP.count
        let ep = SymmetricEigen(covarianceP, size: n), eq = SymmetricEigen(covarianceQ, size: n)
        let bar = SymmetricEigen(zip(covarianceP, covarianceQ).map { 0.5 * ($0 + $1) }, size: n)
        let dm = zip(meanP, meanQ).map { $0 - $1 }
        var quadratic = 0.0
        for k in 0..<n { let y = bar.project(dm, onto: k); quadratic += y * y / bar.values[k] }
        let logDet = { (e: SymmetricEigen) in e.values.reduce(0) { $0 + log($1) } }
        return exp(0.25 * logDet(ep) + 0.25 * logDet(eq) - 0.5 * logDet(bar) - quadratic / 8)
    }

    /// The bounds on TV that a Bhattacharyya coefficient gives.
    public static func totalVariationBounds(bhattacharyya bc: Double) -> ClosedRange<Double> {
        (1 - bc)...max(1 - bc, (1 - bc * bc).squareRoot())
    }

    /// The coefficient of the noised single components i and j.
    public func bhattacharyyaCoefficient(_ i: Int, _ j: Int, at t: Double) -> Double {
        let level = schedule.level(at: t), n = mixture.dimension, a = level.alpha
        func covariance(_ k: Int) -> [Double] {
            var c = [Double](repeating: 0, count: n * n)
            for d in 0..<n { c[d * n + d] = mixture.noisedVariance(k, level) }
            return c
        }
        return CriticalWindows.bhattacharyyaCoefficient(meanP: mixture.means[i].map { a * $0 }, covarianceP: covariance(i),
                                                        meanQ: mixture.means[j].map { a * $0 }, covarianceQ: covariance(j))
    }
}

extension CriticalWindows {
    /// The forward–reverse experiment with a solver: draw x_T̂ from p_T̂^S (T̂ = the sampler's
    /// first time; draw m of stream 10/11 of the sampler's seed), reverse it with the sampler (the
    /// full mixture's denoiser), and average the posterior mass of S at the last time, π_S(x_{t_n}).
    public static func solverKeepProbability(sampler: ReverseSampler, mixture: IsotropicMixture, start s: [Int], members: Int, threads: Int = 0) throws(NonFiniteState) -> Estimate {
        let start = mixture.restricted(to: s), set = Set(s), first = sampler.schedule.level(at: sampler.times[0])
        let kept = try Ensemble.map(members: members, threads: threads) { (m: Int) throws(NonFiniteState) -> Double in
            let x = RealField(sampler.lattice)
            let draw = start.draw(m, first, noise: sampler.noise).x
            for k in 0..<x.count { x[k] = draw[k] }
            var p = 0.0
            _ = try sampler.run(member: m, from: x, observing: [sampler.steps]) { _, level, xn, _ in
                p = mixture.posterior((0..<xn.count).map { xn[$0] }, level).weights.enumerated().reduce(0) { set.contains($1.offset) ? $0 + $1.element : $0 }
            }
            return p
        }
        return Estimate(samples: kept)
    }
}
