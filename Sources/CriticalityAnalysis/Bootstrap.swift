import Foundation
import CriticalityLattice

/// A confidence interval of a statistic: its value on the full sample and the bounds.
public struct ConfidenceInterval: Sendable, Equatable {
    public var estimate: Double
    public var lower: Double
    public var upper: Double
    /// The nominal coverage, e.g. 0.95.
    public var level: Double

    public init(estimate: Double, lower: Double, upper: Double, level: Double) {
        self.estimate = estimate
        self.lower = lower
        self.upper = upper
        self.level = level
    }

    public func contains(_ x: Double) -> Bool { lower <= x && x <= upper }
}

/// The nonparametric bootstrap (Efron) with percentile intervals: `resamples` samples of n
/// indices drawn with replacement, each a pure function of (seed, replicate, position) by the
/// counter-based generator, so intervals are reproducible and thread-independent. Statistics of
/// several paired columns (conditions sharing their members) are resampled with the same
/// indices, which keeps the pairing.
public struct Bootstrap: Sendable {
    public var resamples: Int
    public var level: Double
    public var seed: UInt64

    public init(resamples: Int = 2000, level: Double = 0.95, seed: UInt64 = 0) {
        precondition(resamples >= 1 && level > 0 && level < 1)
        self.resamples = resamples
        self.level = level
        self.seed = seed
    }

    /// Replicate b's indices into a sample of size n.
    public func indices(replicate b: Int, count n: Int) -> [Int] {
        let key = GaussianNoise(seed: seed).key(member: b, step: 0, stream: 6)
        return (0..<n).map { min(Int(GaussianNoise.uniform(key: key, index: $0) * Double(n)), n - 1) }
    }

    /// The statistic on every replicate; `statistic` receives the resampled indices.
    public func replicates<T>(count n: Int, _ statistic: ([Int]) -> T) -> [T] {
        (0..<resamples).map { statistic(indices(replicate: $0, count: n)) }
    }

    /// The percentile interval of `statistic`, given its value on the full sample.
    public func interval(estimate: Double, count n: Int, _ statistic: ([Int]) -> Double) -> ConfidenceInterval {
        percentile(estimate: estimate, replicates(count: n, statistic))
    }

    /// The percentile interval of the mean of x.
    public func intervalOfMean(_ x: [Double]) -> ConfidenceInterval {
        interval(estimate: x.reduce(0, +) / Double(x.count), count: x.count) { i in i.reduce(0) { $0 + x[$1] } / Double(i.count) }
    }

    /// The (1 − level)/2 and (1 + level)/2 quantiles of replicate values (linear interpolation
    /// between order statistics; NaN replicates are dropped).
    public func percentile(estimate: Double, _ values: [Double]) -> ConfidenceInterval {
        let s = values.filter { !$0.isNaN }.sorted()
        guard !s.isEmpty else { return ConfidenceInterval(estimate: estimate, lower: .nan, upper: .nan, level: level) }
        func q(_ p: Double) -> Double {
            let h = p * Double(s.count - 1), j = Int(h.rounded(.down))
            return j + 1 < s.count ? s[j] + (h - Double(j)) * (s[j + 1] - s[j]) : s[j]
        }
        return ConfidenceInterval(estimate: estimate, lower: q((1 - level) / 2), upper: q((1 + level) / 2), level: level)
    }
}
