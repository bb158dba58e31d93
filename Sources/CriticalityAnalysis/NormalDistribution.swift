import Foundation

/// The standard normal distribution: Φ, its inverse, and ∫ f(z) φ(z) dz by quadrature.
public enum StandardNormal {
    /// Φ(x) = ½ erfc(−x/√2), accurate in both tails.
    public static func cdf(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }

    public static func density(_ x: Double) -> Double { exp(-0.5 * x * x) / (2 * Double.pi).squareRoot() }

    /// The |z| that the largest of `comparisons` independent standard normals exceeds with
    /// probability at most `falseAlarm` (Bonferroni): Φ⁻¹(1 − falseAlarm/(2·comparisons)). The
    /// default is the two-sided tail beyond 4, so one comparison gives 4 and 323 give 5.2: the
    /// tolerance of a check on the worst of many shells.
    public static func familyBound(comparisons: Int, falseAlarm: Double = 6.334e-5) -> Double {
        quantile(1 - falseAlarm / (2 * Double(max(1, comparisons))))
    }

    /// Φ⁻¹(p) for p in (0, 1): Acklam's rational approximation (relative error 1e-9), then two
    /// Newton steps on Φ, which bring it to rounding error.
    public static func quantile(_ p: Double) -> Double {
        precondition(p > 0 && p < 1, "Φ⁻¹ needs p in (0, 1)")
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        let q = min(p, 1 - p)
        var x: Double
        if q < 0.02425 {
            let r = (-2 * log(q)).squareRoot()
            x = (((((c[0] * r + c[1]) * r + c[2]) * r + c[3]) * r + c[4]) * r + c[5]) / ((((d[0] * r + d[1]) * r + d[2]) * r + d[3]) * r + 1)
            if p > 0.5 { x = -x }
        } else {
            let u = p - 0.5, r = u * u
            x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * u / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        }
        for _ in 0..<2 {
            // Newton on Φ(x) − p; the upper tail uses the complement for accuracy.
            let residual = p > 0.5 ? (1 - p) - 0.5 * erfc(x / 2.0.squareRoot()) : cdf(x) - p
            x -= residual / density(x)
        }
        return x
    }

    /// E f(Z), Z ~ N(0, 1), by the trapezoid rule on [−12, 12] (spectrally accurate for smooth f).
    public static func expectation(points: Int = 2401, _ f: (Double) -> Double) -> Double {
        let h = 24 / Double(points - 1)
        var s = 0.0
        for j in 0..<points {
            let z = -12 + Double(j) * h
            s += f(z) * density(z)
        }
        return s * h
    }
}
