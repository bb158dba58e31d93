import Foundation

/// A mean with its standard error.
public struct Estimate: Sendable, Equatable, Codable {
    public var mean: Double
    public var standardError: Double

    public init(mean: Double, standardError: Double) {
        self.mean = mean
        self.standardError = standardError
    }

    /// "m ± e" for reports: e to two significant digits and m rounded to the same place
    /// (−0.051 ± 0.61 reads −0.05 ± 0.61); m alone (6 digits) where e is not finite or is
    /// round-off (below 1e-9 |m|: "1", not "1 ± 4.5e-17"); "n/a" for a non-finite m.
    public var formatted: String {
        guard mean.isFinite else { return "n/a" }
        guard standardError.isFinite, standardError > 1e-9 * abs(mean), standardError > 0 else { return String(format: "%.6g", mean) }
        let place = Int(floor(log10(standardError))) - 1
        if place < -8 || abs(mean) >= 1e7 {
            return String(format: "%.3g ± %.2g", mean, standardError)
        }
        let scale = pow(10, Double(place)), decimals = max(0, -place)
        let (m, e) = ((mean / scale).rounded() * scale, (standardError / scale).rounded() * scale)
        return String(format: "%.\(decimals)f ± %.\(decimals)f", m == 0 ? 0 : m, e)
    }

    /// Mean and standard error of the mean of independent samples (SE = s/√n, NaN for n < 2).
    public init(samples x: [Double]) {
        let n = Double(x.count)
        let m = x.reduce(0, +) / n
        let v = x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / (n - 1)
        self.init(mean: m, standardError: x.count > 1 ? (v / n).squareRoot() : .nan)
    }

    /// Jackknife estimate of a statistic f of the sample mean of `rows` (each row one member's
    /// vector of observables): f of the full mean, and the leave-one-out standard error.
    public static func jackknife(_ rows: [[Double]], _ f: ([Double]) -> Double) -> Estimate {
        jackknife(sums: rows, counts: [Int](repeating: 1, count: rows.count), f)
    }

    /// The delete-a-block jackknife: `sums[b]` is the sum of the rows of block b, which holds
    /// `counts[b]` members. f of the mean of all rows, and the standard error from the
    /// leave-one-block-out means θ_b: √((B − 1)/B · Σ_b (θ_b − θ̄)²). With one member per block
    /// it is `jackknife(_:_:)`.
    public static func jackknife(sums: [[Double]], counts: [Int], _ f: ([Double]) -> Double) -> Estimate {
        let blocks = sums.count, width = sums[0].count, n = counts.reduce(0, +)
        var total = [Double](repeating: 0, count: width)
        for r in sums { for j in 0..<width { total[j] += r[j] } }
        let full = f(total.map { $0 / Double(n) })
        guard blocks > 1 else { return Estimate(mean: full, standardError: .nan) }
        let leaveOut = sums.indices.map { b in f((0..<width).map { (total[$0] - sums[b][$0]) / Double(n - counts[b]) }) }
        let m = leaveOut.reduce(0, +) / Double(blocks)
        let v = leaveOut.reduce(0) { $0 + ($1 - m) * ($1 - m) } * Double(blocks - 1) / Double(blocks)
        return Estimate(mean: full, standardError: v.squareRoot())
    }
}

/// The median (the mean of the two middle values for an even count).
public func median(_ x: [Double]) -> Double {
    let s = x.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : 0.5 * (s[s.count / 2 - 1] + s[s.count / 2])
}
