import CriticalityDiffusion
import Foundation
import CriticalityLattice

/// The information a discrete latent V carries about the state x_t of a Gaussian mixture
/// (Corallo, Franzese et al.), docs/theory.md §10. V is a factor: a partition of the components into
/// groups (the component itself, a class, one coordinate of a factorised latent).
///
///     I(V; x_t) = H(V) − E H(V | x_t)
///               = ½ ∫_t^∞ g_s² E‖∇log p_s(x | V) − ∇log p_s(x)‖² ds,
///
/// the score-gap integral, whose integrand −dI/dt is the information production rate (for any
/// schedule dx = f x dt + g dW). Expectations are exact one-dimensional quadratures when the
/// means are collinear with equal variances (``IsotropicMixture/line``), Monte Carlo with
/// common random numbers otherwise. Also the collision probability E Σ_v π_v(x_t)², the chance
/// that two independent exact continuations from x_t land in the same group (the cloning
/// curve φ of Biroli et al.).
public struct LatentInformation: Sendable {
    public let mixture: IsotropicMixture
    /// group[i]: the value of V for component i (0, 1, …).
    public let group: [Int]
    public let schedule: NoiseSchedule
    public let samples: Int
    public let noise: GaussianNoise
    /// Monte Carlo even where the line quadrature applies (to check one against the other).
    public let monteCarlo: Bool

    public init(mixture: IsotropicMixture, group: [Int], schedule: NoiseSchedule, samples: Int = 20000, seed: UInt64 = 1, monteCarlo: Bool = false) {
        precondition(group.count == mixture.count && group.allSatisfy { $0 >= 0 })
        self.mixture = mixture
        self.group = group
        self.schedule = schedule
        self.samples = samples
        noise = GaussianNoise(seed: seed)
        self.monteCarlo = monteCarlo
    }

    public var groups: Int { group.max()! + 1 }

    /// P(V = v).
    public var prior: [Double] {
        var p = [Double](repeating: 0, count: groups)
        for i in 0..<mixture.count { p[group[i]] += mixture.weights[i] }
        return p
    }

    /// H(V) in nats.
    public var entropy: Double { Self.entropy(prior) }

    func groupPosterior(_ pi: [Double]) -> [Double] {
        var g = [Double](repeating: 0, count: groups)
        for i in pi.indices { g[group[i]] += pi[i] }
        return g
    }

    /// −Σ p log p in nats.
    static func entropy(_ p: [Double]) -> Double { p.reduce(0) { $1 > 0 ? $0 - $1 * log($1) : $0 } }

    /// E f(π(x_t)) over x_t ∼ p_t, f of the component posterior and (line case) the coordinate or
    /// (general case) the point.
    func expectation(at t: Double, line lineF: (([Double], Double) -> Double)?, general: ([Double], [Double]) -> Double) -> Estimate {
        let level = schedule.level(at: t)
        if !monteCarlo, let line = mixture.line, let lineF {
            return Estimate(mean: mixture.lineExpectation(line, level, lineF), standardError: 0)
        }
        return Estimate(samples: (0..<samples).map { j in
            let x = mixture.draw(j, level, noise: noise).x
            return general(mixture.posterior(x, level).weights, x)
        })
    }

    /// E H(V | x_t).
    public func conditionalEntropy(at t: Double) -> Estimate {
        let f = { (p: [Double]) in Self.entropy(self.groupPosterior(p)) }
        return expectation(at: t, line: { p, _ in f(p) }, general: { p, _ in f(p) })
    }

    /// I(V; x_t) = H(V) − E H(V | x_t).
    public func mutualInformation(at t: Double) -> Estimate {
        let h = conditionalEntropy(at: t)
        return Estimate(mean: entropy - h.mean, standardError: h.standardError)
    }

    /// E Σ_v π_v(x_t)²: the probability that two independent exact continuations from x_t end
    /// in the same group (1 while V is decided, Σ P(v)² once x_t has forgotten it).
    public func collisionProbability(at t: Double) -> Estimate {
        let f = { (p: [Double]) in self.groupPosterior(p).reduce(0) { $0 + $1 * $1 } }
        return expectation(at: t, line: { p, _ in f(p) }, general: { p, _ in f(p) })
    }

    /// The information production rate −dI/dt = ½ g_t² E‖∇log p_t(x | V) − ∇log p_t(x)‖².
    /// Component scores are −(x − α μ_i)/s_{i,t}²; the gap for V = v is Σ_i (π_{i|v} − π_i) ∇log N_i.
    public func productionRate(at t: Double) -> Estimate {
        let level = schedule.level(at: t), a = level.alpha, g2 = level.diffusionSquared
        let line = monteCarlo ? nil : mixture.line
        let lineGap = { (p: [Double], _: Double) -> Double in
            // Equal variances: the gap is (α/s_t²)(E[c | v] − E[c]) along the line; E over V given x.
            let s2 = a * a * line!.variance + level.variance, c = line!.positions
            let pv = self.groupPosterior(p), mean = zip(p, c).reduce(0) { $0 + $1.0 * $1.1 }
            var total = 0.0
            for v in 0..<self.groups where pv[v] > 0 {
                var conditional = 0.0
                for i in p.indices where self.group[i] == v { conditional += p[i] * c[i] }
                let gap = a / s2 * (conditional / pv[v] - mean)
                total += pv[v] * gap * gap
            }
            return total
        }
        let generalGap = { (p: [Double], x: [Double]) -> Double in
            let scores = (0..<self.mixture.count).map { i in
                let s2 = self.mixture.noisedVariance(i, level)
                return (0..<x.count).map { k in -(x[k] - a * self.mixture.means[i][k]) / s2 }
            }
            let pv = self.groupPosterior(p)
            var total = 0.0
            for v in 0..<self.groups where pv[v] > 0 {
                var gap = 0.0
                for k in 0..<x.count {
                    var d = 0.0
                    for i in p.indices { d += ((self.group[i] == v ? p[i] / pv[v] : 0) - p[i]) * scores[i][k] }
                    gap += d * d
                }
                total += pv[v] * gap
            }
            return total
        }
        let e = expectation(at: t, line: line == nil ? nil : lineGap, general: generalGap)
        return Estimate(mean: 0.5 * g2 * e.mean, standardError: 0.5 * g2 * e.standardError)
    }

    /// I(V; x_t) from the score gap: ∫_t^T of the production rate (composite Simpson in log s,
    /// `intervals` even) plus I(V; x_T); T defaults to λ_T = 10⁻¹², where I(V; x_T) is negligible.
    public func scoreGapIntegral(from t: Double, to end: Double? = nil, intervals: Int = 2000) -> Double {
        let top = end ?? schedule.time(atSignalToNoise: 1e-12)
        let (u0, u1) = (log(t), log(top)), h = (u1 - u0) / Double(intervals)
        var s = 0.0
        for j in 0...intervals {
            let u = u0 + Double(j) * h, w: Double = j == 0 || j == intervals ? 1 : (j % 2 == 1 ? 4 : 2)
            s += w * productionRate(at: exp(u)).mean * exp(u)
        }
        return s * h / 3 + mutualInformation(at: top).mean
    }

    /// The time of the production rate's maximum: the best of a log grid over `range`, refined
    /// by golden-section search in log t (nil when the maximum is at an end of the range).
    public func productionRatePeak(in range: ClosedRange<Double>, points: Int = 121) -> Double? {
        let u = (0..<points).map { log(range.lowerBound) + (log(range.upperBound) - log(range.lowerBound)) * Double($0) / Double(points - 1) }
        let r = Ensemble.map(members: points, threads: 0) { productionRate(at: exp(u[$0])).mean }
        guard let j = r.indices.max(by: { r[$0] < r[$1] }), j > 0, j < points - 1 else { return nil }
        var (a, b) = (u[j - 1], u[j + 1])
        let g = (5.0.squareRoot() - 1) / 2
        while b - a > 1e-10 {
            let c = b - g * (b - a), d = a + g * (b - a)
            if productionRate(at: exp(c)).mean > productionRate(at: exp(d)).mean { b = d } else { a = c }
        }
        return exp(0.5 * (a + b))
    }
}
