import CriticalityDiffusion
import Foundation
import CriticalityLattice

/// A mixture Σ_i w_i N(μ_i, s_i² I) of isotropic Gaussians (s_i = 0: a point mass) and its
/// noised marginals, docs/theory.md §10: at time t component i is N(α_t μ_i, (α_t² s_i² + σ_t²) I).
///
/// The shared machinery of critical windows and latent information: component posteriors,
/// Monte Carlo draws with common random numbers (the draw j of component i is
/// α_t μ_i + s_{i,t} z_j with the same z_j and the same component at every t, so estimates are
/// smooth in t), and the exact one-dimensional reduction of a mixture whose means lie on a line
/// and whose variances are equal: then every posterior depends on x only through the
/// coordinate along that line.
public struct IsotropicMixture: Sendable {
    /// Normalised weights.
    public let weights: [Double]
    public let means: [[Double]]
    public let variances: [Double]
    public let labels: [Int]

    public init(weights: [Double], means: [[Double]], variances: [Double], labels: [Int]) {
        precondition(!weights.isEmpty && weights.count == means.count && means.count == variances.count && variances.count == labels.count)
        precondition(weights.allSatisfy { $0 > 0 } && variances.allSatisfy { $0 >= 0 } && means.allSatisfy { $0.count == means[0].count })
        let total = weights.reduce(0, +)
        self.weights = weights.map { $0 / total }
        self.means = means
        self.variances = variances
        self.labels = labels
    }

    /// A Gaussian-mixture model's components; nil if one has a full covariance.
    public init?(_ m: GaussianMixtureDenoiser) {
        var variances: [Double] = []
        for c in m.components {
            guard case .isotropic(let v) = c.covariance else { return nil }
            variances.append(v)
        }
        self.init(weights: m.components.map(\.weight), means: m.components.map(\.mean), variances: variances,
                  labels: m.components.enumerated().map { $0.element.label ?? $0.offset })
    }

    /// Two-point data ±v as two point masses, labels 0 (+v) and 1 (−v).
    public init(_ m: TwoPointDenoiser) {
        self.init(weights: [0.5, 0.5], means: [m.v, m.v.map { -$0 }], variances: [0, 0], labels: [0, 1])
    }

    public var count: Int { weights.count }
    public var dimension: Int { means[0].count }

    /// The sub-mixture of the components `indices`, renormalised (p^S of Li & Chen).
    public func restricted(to indices: [Int]) -> IsotropicMixture {
        IsotropicMixture(weights: indices.map { weights[$0] }, means: indices.map { means[$0] }, variances: indices.map { variances[$0] },
                         labels: indices.map { labels[$0] })
    }

    /// Indices of the components whose label is in `labels`.
    public func indices(labels set: Set<Int>) -> [Int] { labels.indices.filter { set.contains(labels[$0]) } }

    /// s_{i,t}²: the variance of component i at `level`.
    public func noisedVariance(_ i: Int, _ level: NoiseLevel) -> Double { level.alpha * level.alpha * variances[i] + level.variance }

    /// log w_i N(x; α μ_i, s_{i,t}² I) for every i (normalised densities).
    public func logJoint(_ x: [Double], _ level: NoiseLevel) -> [Double] {
        let d = Double(dimension), a = level.alpha
        return (0..<count).map { i in
            let v = noisedVariance(i, level)
            var r2 = 0.0
            for k in 0..<x.count { let r = x[k] - a * means[i][k]; r2 += r * r }
            return log(weights[i]) - 0.5 * r2 / v - 0.5 * d * log(2 * Double.pi * v)
        }
    }

    /// The component posterior π_i(x) at `level`, and log p_t(x).
    public func posterior(_ x: [Double], _ level: NoiseLevel) -> (weights: [Double], logDensity: Double) {
        var l = logJoint(x, level)
        let top = l.max()!
        var z = 0.0
        for i in l.indices { l[i] = exp(l[i] - top); z += l[i] }
        return (l.map { $0 / z }, top + log(z))
    }

    /// Draw j at `level`: the component (chosen by uniform j of stream 11) and the point
    /// α μ_i + s_{i,t} z_j (z_j: member j, stream 10).
    public func draw(_ j: Int, _ level: NoiseLevel, noise: GaussianNoise) -> (component: Int, x: [Double]) {
        let u = GaussianNoise.uniform(key: noise.key(member: 0, step: 0, stream: 11), index: j)
        var acc = 0.0, i = count - 1
        for k in 0..<count {
            acc += weights[k]
            if u < acc { i = k; break }
        }
        var x = [Double](repeating: 0, count: dimension)
        x.withUnsafeMutableBufferPointer { noise.fill($0.baseAddress!, count: dimension, scale: noisedVariance(i, level).squareRoot(), member: j, step: 0, stream: 10) }
        for k in 0..<dimension { x[k] += level.alpha * means[i][k] }
        return (i, x)
    }

    /// The line reduction: positions c_i with μ_i = μ_0 + c_i e (e a unit vector) and the common
    /// variance, when the means are collinear and the variances equal; nil otherwise.
    public var line: (positions: [Double], variance: Double)? {
        guard variances.allSatisfy({ $0 == variances[0] }) else { return nil }
        let base = means[0]
        let offsets = means.map { m in zip(m, base).map { $0 - $1 } }
        guard let far = offsets.max(by: { norm($0) < norm($1) }), norm(far) > 0 else {
            return (positions: [Double](repeating: 0, count: count), variance: variances[0])
        }
        let e = far.map { $0 / norm(far) }
        var positions: [Double] = []
        for o in offsets {
            let c = zip(o, e).reduce(0) { $0 + $1.0 * $1.1 }
            let residual = norm(zip(o, e).map { $0 - c * $1 })
            guard residual <= 1e-12 * max(norm(far), 1) else { return nil }
            positions.append(c)
        }
        return (positions, variances[0])
    }

    func norm(_ v: [Double]) -> Double { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }

    /// E_{i ~ w} E_{x ~ N(α c_i, s_t²)} f(π(x)) on the line, by Gauss-weighted quadrature per
    /// component; `f` gets the component posterior and the coordinate.
    func lineExpectation(_ line: (positions: [Double], variance: Double), _ level: NoiseLevel, restrictedTo members: [Int]? = nil,
                         _ f: (_ posterior: [Double], _ u: Double) -> Double) -> Double {
        let a = level.alpha, v = a * a * line.variance + level.variance, s = v.squareRoot()
        let c = line.positions, from = members ?? Array(0..<count)
        let weightOf = from.reduce(0) { $0 + weights[$1] }
        var total = 0.0
        var p = [Double](repeating: 0, count: count)
        for i in from {
            total += weights[i] / weightOf * StandardNormal.expectation { z in
                let u = a * c[i] + s * z
                var top = -Double.infinity
                for k in 0..<count {
                    let r = u - a * c[k]
                    p[k] = log(weights[k]) - 0.5 * r * r / v
                    top = max(top, p[k])
                }
                var sum = 0.0
                for k in 0..<count { p[k] = exp(p[k] - top); sum += p[k] }
                for k in 0..<count { p[k] /= sum }
                return f(p, u)
            }
        }
        return total
    }
}
