import Foundation

/// The paired comparison of two conditions measured on the same members (common random
/// numbers): the differences d_m = a_m − b_m, their mean with a bootstrap interval, and the
/// two-sided paired t test of mean zero, t = d̄ / (s_d/√n) with n − 1 degrees of freedom.
public struct PairedComparison: Sendable, Equatable {
    public var difference: ConfidenceInterval
    public var standardError: Double
    public var t: Double
    public var pValue: Double
    public var count: Int

    public init(_ a: [Double], _ b: [Double], bootstrap: Bootstrap) {
        precondition(a.count == b.count && a.count >= 2)
        let d = zip(a, b).map { $0 - $1 }
        let e = Estimate(samples: d)
        count = d.count
        standardError = e.standardError
        difference = bootstrap.intervalOfMean(d)
        // Identical conditions give s_d = 0: no evidence either way, not an infinite t.
        t = e.standardError > 0 ? e.mean / e.standardError : 0
        pValue = e.standardError > 0 ? StudentT.twoSidedPValue(t, degreesOfFreedom: Double(count - 1)) : 1
    }
}

/// Student's t distribution: tail probabilities through the regularised incomplete beta
/// function, P(|T| > t) = I_{ν/(ν+t²)}(ν/2, ½).
public enum StudentT {
    public static func twoSidedPValue(_ t: Double, degreesOfFreedom nu: Double) -> Double {
        guard t.isFinite else { return t.isNaN ? .nan : 0 }
        return regularisedIncompleteBeta(nu / (nu + t * t), a: nu / 2, b: 0.5)
    }

    /// I_x(a, b) by the Lentz continued fraction (Numerical Recipes §6.4), on the side of
    /// x = (a + 1)/(a + b + 2) where it converges fast.
    static func regularisedIncompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x)
        if x > (a + 1) / (a + b + 2) { return 1 - regularisedIncompleteBeta(1 - x, a: b, b: a) }
        let tiny = 1e-300
        var c = 1.0, d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var f = d
        for m in 1...300 {
            let dm = Double(m)
            for k in 0..<2 {
                let num = k == 0 ? dm * (b - dm) * x / ((a + 2 * dm - 1) * (a + 2 * dm))
                                 : -(a + dm) * (a + b + dm) * x / ((a + 2 * dm) * (a + 2 * dm + 1))
                d = 1 + num * d
                if abs(d) < tiny { d = tiny }
                c = 1 + num / c
                if abs(c) < tiny { c = tiny }
                d = 1 / d
                f *= d * c
                if k == 1 && abs(d * c - 1) < 1e-15 { return exp(logFront) * f / a }
            }
        }
        return exp(logFront) * f / a
    }
}
