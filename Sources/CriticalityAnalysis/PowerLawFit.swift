import Foundation

/// A least-squares power law y = A x^b, fitted as log y = log A + b log x, with the slope's
/// standard error from the residuals and its 95 % confidence interval (Student t, n − 2
/// degrees of freedom). Points with non-positive or non-finite x or y are dropped. Near a
/// critical point the residuals are mostly the systematic corrections to scaling, so the
/// interval measures how straight the log–log plot is, not sampling noise.
public struct PowerLawFit: Sendable, Equatable {
    public var exponent: Double
    public var standardError: Double
    public var amplitude: Double
    public var points: Int

    public init(x: [Double], y: [Double]) {
        let pairs = zip(x, y).filter { $0.0 > 0 && $0.1 > 0 && $0.0.isFinite && $0.1.isFinite }.map { (log($0.0), log($0.1)) }
        let n = Double(pairs.count)
        points = pairs.count
        guard pairs.count >= 2 else { (exponent, standardError, amplitude) = (.nan, .nan, .nan); return }
        let mx = pairs.reduce(0) { $0 + $1.0 } / n, my = pairs.reduce(0) { $0 + $1.1 } / n
        let sxx = pairs.reduce(0) { $0 + ($1.0 - mx) * ($1.0 - mx) }, sxy = pairs.reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) }
        exponent = sxy / sxx
        amplitude = exp(my - exponent * mx)
        let b = exponent
        let residual = pairs.reduce(0) { $0 + pow($1.1 - my - b * ($1.0 - mx), 2) }
        standardError = pairs.count > 2 ? (residual / (n - 2) / sxx).squareRoot() : .nan
    }

    /// The fit of y ∝ x^{−b}: the exponent's sign flipped (ν, γ are quoted positive).
    public var negated: PowerLawFit {
        var f = self
        f.exponent = -exponent
        return f
    }

    /// The 95 % confidence interval of the exponent.
    public var interval: ClosedRange<Double> {
        let t = PowerLawFit.studentT975(degreesOfFreedom: points - 2) * standardError
        return t.isFinite ? (exponent - t)...(exponent + t) : exponent...exponent
    }

    /// The 97.5 % quantile of Student's t (tabulated to 30 degrees of freedom, then the normal
    /// quantile corrected to first order in 1/ν).
    static func studentT975(degreesOfFreedom nu: Int) -> Double {
        let table = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
                     2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]
        guard nu >= 1 else { return .nan }
        return nu <= 30 ? table[nu - 1] : 1.959964 * (1 + (1.959964 * 1.959964 + 1) / (4 * Double(nu)))
    }
}
