import Foundation

/// Correlation-length estimators, docs/theory.md §5. Each returns NaN where its premise fails
/// (no decay below 1/e inside the box, S(0) ≤ S(k₁), a non-positive OZ fit).
public enum CorrelationLength {
    /// ξ_{1/e}: the first distance at which G(r)/G(0) drops below 1/e, linearly interpolated
    /// between bins.
    public static func oneOverE(distance r: [Double], correlation g: [Double]) -> Double {
        guard let g0 = g.first, g0 > 0 else { return .nan }
        let target = exp(-1.0)
        for i in 1..<g.count where g[i] / g0 < target {
            let a = g[i - 1] / g0, b = g[i] / g0
            return r[i - 1] + (a - target) / (a - b) * (r[i] - r[i - 1])
        }
        return .nan
    }

    /// ξ_int = ∫₀^{r₀} G(r)/G(0) dr by the trapezoidal rule over the radial bins, r₀ the first
    /// zero of G (linearly interpolated) or the last bin. docs/theory.md §5 names ξ_int without a
    /// formula; this is the package's definition: it equals ξ for G = e^{−r/ξ} (up to the cut)
    /// and, unlike ξ_{1/e}, weighs the whole profile.
    public static func integrated(distance r: [Double], correlation g: [Double]) -> Double {
        guard let g0 = g.first, g0 > 0 else { return .nan }
        var sum = 0.0
        for i in 1..<g.count {
            let a = g[i - 1] / g0, b = g[i] / g0
            if b <= 0 {
                let cut = r[i - 1] + a / (a - b) * (r[i] - r[i - 1])
                return sum + 0.5 * a * (cut - r[i - 1])
            }
            sum += 0.5 * (a + b) * (r[i] - r[i - 1])
        }
        return sum
    }

    /// Second-moment length ξ_2nd = √(S(0)/S(k₁) − 1)/k₁, k₁ = |k| of the first non-zero shell
    /// (docs/theory.md §11.5). With the spectral Laplacian −k² of the package's dynamics, linear
    /// model A has S = A/(1 + ξ²k²) at every lattice k, on which this is exact (the
    /// nearest-neighbour form 2 sin(k₁a/2)/a would be off by (k₁a)²/24). NaN when S(0) ≤ S(k₁).
    public static func secondMoment(s0: Double, s1: Double, k1: Double) -> Double {
        let squared = secondMomentSquared(s0: s0, s1: s1, k1: k1)
        return squared > 0 ? squared.squareRoot() : .nan
    }

    /// ξ_2nd² = (S(0)/S(k₁) − 1)/k₁², defined (and negative) where S(0) < S(k₁): its jackknife
    /// stays finite when some members' S has no peak at k = 0.
    public static func secondMomentSquared(s0: Double, s1: Double, k1: Double) -> Double {
        (s0 / s1 - 1) / (k1 * k1)
    }

    /// ξ from an estimate of ξ²: the root of the mean, with the delta-method error SE(ξ²)/(2ξ);
    /// NaN where the mean is not positive.
    public static func length(fromSquared e: Estimate) -> Estimate {
        guard e.mean > 0 else { return Estimate(mean: .nan, standardError: .nan) }
        let xi = e.mean.squareRoot()
        return Estimate(mean: xi, standardError: e.standardError / (2 * xi))
    }

    /// Ornstein–Zernike fit S(k) = A/(1 + ξ²k²) by least squares of 1/S against k² over the
    /// given shells (k = 0 excluded by the caller). Returns (A, ξ).
    public static func ornsteinZernike(waveNumberSquared k2: [Double], structureFactor s: [Double]) -> (amplitude: Double, xi: Double) {
        let y = s.map { 1 / $0 }
        let n = Double(k2.count)
        let mx = k2.reduce(0, +) / n, my = y.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0
        for i in 0..<k2.count { sxy += (k2[i] - mx) * (y[i] - my); sxx += (k2[i] - mx) * (k2[i] - mx) }
        let slope = sxy / sxx, intercept = my - slope * mx
        guard intercept > 0, slope > 0 else { return (.nan, .nan) }
        return (1 / intercept, (slope / intercept).squareRoot())
    }
}
