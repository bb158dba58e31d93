import CriticalityDiffusion
import Foundation

/// Speciation (Biroli, Bonnaire, de Bortoli & Mézard), docs/theory.md §7: the time at which the
/// reverse process starts to separate the data's main mode of variation, α_t² Λ_max = 1 with
/// Λ_max the top eigenvalue of the data covariance, t_S = ½ log Λ_max under `ou` (log Λ_max
/// under `vp`).
public enum Speciation {
    /// Λ_max of (1/n) Σ_n (y_n − ȳ)(y_n − ȳ)ᵀ.
    public static func topCovarianceEigenvalue(_ data: Dataset) -> Double { covarianceEigenvalues(data).max()! }

    /// The spectrum of (1/n) Σ_n (y_n − ȳ)(y_n − ȳ)ᵀ that can be non-zero: the eigenvalues of
    /// whichever is smaller, this sites × sites covariance or the n × n Gram matrix of the
    /// centred images (they share their non-zero spectrum), by `SymmetricEigen`.
    public static func covarianceEigenvalues(_ data: Dataset) -> [Double] {
        let n = data.count, sites = data.images[0].count
        let mean = (0..<sites).map { i in data.images.reduce(0) { $0 + $1[i] } / Double(n) }
        let centred = data.images.map { y in zip(y, mean).map { $0 - $1 } }
        // Rows of Y (n × sites); the smaller product Y Yᵀ or Yᵀ Y, divided by n.
        let (size, row) = n <= sites ? (n, { (a: Int, b: Int) in (0..<sites).reduce(0) { $0 + centred[a][$1] * centred[b][$1] } })
                                     : (sites, { (a: Int, b: Int) in (0..<n).reduce(0) { $0 + centred[$1][a] * centred[$1][b] } })
        var matrix = [Double](repeating: 0, count: size * size)
        for a in 0..<size { for b in a..<size {
            let s = row(a, b) / Double(n)
            matrix[a * size + b] = s
            matrix[b * size + a] = s
        } }
        return SymmetricEigen(matrix, size: size).values.map { max($0, 0) }
    }

    /// Λ_max of a mixture's covariance Σ_i w_i (μ_i − m)(μ_i − m)ᵀ + Σ_i w_i Σ_i, for isotropic
    /// components (Σ_i = s_i² I, so the second term only shifts the spectrum): the top
    /// eigenvalue of the weighted Gram matrix √(w_i w_j) (μ_i − m)·(μ_j − m), plus Σ w_i s_i².
    public static func topCovarianceEigenvalue(_ mixture: GaussianMixtureDenoiser) -> Double? {
        var floor = 0.0
        for c in mixture.components {
            guard case .isotropic(let v) = c.covariance else { return nil }
            floor += c.weight * v
        }
        let c = mixture.components, sites = c[0].mean.count
        let m = (0..<sites).map { i in c.reduce(0) { $0 + $1.weight * $1.mean[i] } }
        let k = c.count
        var gram = [Double](repeating: 0, count: k * k)
        for a in 0..<k { for b in a..<k {
            var s = 0.0
            for i in 0..<sites { s += (c[a].mean[i] - m[i]) * (c[b].mean[i] - m[i]) }
            gram[a * k + b] = s * (c[a].weight * c[b].weight).squareRoot()
            gram[b * k + a] = gram[a * k + b]
        } }
        return SymmetricEigen(gram, size: k).values.max()! + floor
    }

    /// The time at which α_t² Λ_max = 1 (nil when Λ_max ≤ 1 or under `ve`, where α ≡ 1).
    public static func time(topEigenvalue lambda: Double, schedule: NoiseSchedule) -> Double? {
        guard lambda > 1, schedule != .ve else { return nil }
        let t = schedule.time(atSignalToNoise: 1 / (lambda - 1))  // α² = 1/Λ ⇔ λ_t = 1/(Λ − 1)
        return schedule.domain.contains(t) ? t : nil
    }
}

/// Collapse (memorisation) on a finite training set (Biroli et al.), docs/theory.md §7: the reverse
/// process starts to fall onto individual training points when the entropy of the empirical
/// noised distribution, log n + (d/2) log(2πe σ_t²) once its n Gaussians separate, drops to
/// that of the population. Per dimension the excess entropy is
///
///     f(t) = log(n)/d + (1/2d) Σ_k log(σ_t²/(σ_t² + α_t² λ_k)),
///
/// with λ_k the data covariance's eigenvalues standing in for the population (a Gaussian
/// approximation of its entropy: the package's definition for general data). For two clusters
/// of variance σ_d² with d ≫ 1 it is docs/theory.md's f(t) = log(n)/d + ½ log(Δ_t/(Δ_t + σ_d²e^{−2t})).
/// Collapse is at f = 0; f increases with t.
public enum Collapse {
    public static func excessEntropy(at t: Double, trainingSize n: Int, dimension d: Int, eigenvalues: [Double], schedule: NoiseSchedule) -> Double {
        let l = schedule.level(at: t)
        let sum = eigenvalues.reduce(0) { $0 + log(l.variance / (l.variance + l.alpha * l.alpha * $1)) }
        return log(Double(n)) / Double(d) + sum / (2 * Double(d))
    }

    /// The collapse time t_C (f(t_C) = 0) by bisection; nil when f does not change sign in `range`.
    public static func time(trainingSize n: Int, dimension d: Int, eigenvalues: [Double], schedule: NoiseSchedule, range: ClosedRange<Double>) -> Double? {
        let f = { excessEntropy(at: $0, trainingSize: n, dimension: d, eigenvalues: eigenvalues, schedule: schedule) }
        guard f(range.lowerBound) < 0, f(range.upperBound) > 0 else { return nil }
        return Bisection.boundary(range.lowerBound, range.upperBound) { f($0) < 0 }
    }

    /// The closed form of isotropic data (every λ_k = σ_d²) under `ou`: with q = n^{−2/d},
    /// t_C = ½ log(1 + q σ_d²/(1 − q)).
    public static func isotropicTime(trainingSize n: Int, dimension d: Int, variance: Double) -> Double {
        let q = pow(Double(n), -2 / Double(d))
        return 0.5 * log(1 + q * variance / (1 - q))
    }
}
