import Diffusion
import Foundation

/// Speciation (Biroli, Bonnaire, de Bortoli & Mézard), THEORY.md §7: the time at which the
/// reverse process starts to separate the data's main mode of variation, α_t² Λ_max = 1 with
/// Λ_max the top eigenvalue of the data covariance, t_S = ½ log Λ_max under `ou` (log Λ_max
/// under `vp`).
public enum Speciation {
    /// Λ_max of (1/n) Σ_n (y_n − ȳ)(y_n − ȳ)ᵀ, by power iteration on the n×n Gram matrix of
    /// the centred images (relative change below 1e-13, or 10 000 iterations).
    public static func topCovarianceEigenvalue(_ data: Dataset) -> Double {
        let n = data.count, sites = data.images[0].count
        let mean = (0..<sites).map { i in data.images.reduce(0) { $0 + $1[i] } / Double(n) }
        let centred = data.images.map { y in zip(y, mean).map { $0 - $1 } }
        var gram = [Double](repeating: 0, count: n * n)
        for a in 0..<n { for b in a..<n {
            var s = 0.0
            for i in 0..<sites { s += centred[a][i] * centred[b][i] }
            gram[a * n + b] = s / Double(n); gram[b * n + a] = s / Double(n)
        } }
        var v = (0..<n).map { 1 + 1e-3 * Double($0) }, lambda = 0.0
        for _ in 0..<10_000 {
            var w = [Double](repeating: 0, count: n)
            for a in 0..<n { for b in 0..<n { w[a] += gram[a * n + b] * v[b] } }
            let norm = w.reduce(0) { $0 + $1 * $1 }.squareRoot()
            guard norm > 0 else { return 0 }
            let next = norm / v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            v = w.map { $0 / norm }
            if abs(next - lambda) <= 1e-13 * next { return next }
            lambda = next
        }
        return lambda
    }

    /// The time at which α_t² Λ_max = 1 (nil when Λ_max ≤ 1 or under `ve`, where α ≡ 1).
    public static func time(topEigenvalue lambda: Double, schedule: NoiseSchedule) -> Double? {
        guard lambda > 1, schedule != .ve else { return nil }
        let t = schedule.time(atSignalToNoise: 1 / (lambda - 1))  // α² = 1/Λ ⇔ λ_t = 1/(Λ − 1)
        return schedule.domain.contains(t) ? t : nil
    }
}
