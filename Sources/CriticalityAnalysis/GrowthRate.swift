import Foundation

/// The growth rate of a correlation length along the reverse path, −dξ/dlog t (docs/theory.md §8,
/// estimator 4): differences between consecutive observations placed at their geometric-mean
/// times, lightly smoothed by a [¼, ½, ¼] filter (ends [⅔, ⅓]) so that one noisy pair does not
/// set the peak. Non-finite differences stay NaN and are left out of their neighbours' means.
public struct GrowthRate: Sendable {
    public let times: [Double]
    public let rate: [Double]

    public init(times t: [Double], values xi: [Double]) {
        guard t.count >= 2 else { times = []; rate = []; return }
        let raw = (1..<t.count).map { j -> Double in
            let dLogT = log(t[j]) - log(t[j - 1])
            return (xi[j - 1] - xi[j]) / dLogT
        }
        times = (1..<t.count).map { (t[$0] * t[$0 - 1]).squareRoot() }
        rate = raw.indices.map { j in
            guard raw[j].isFinite else { return .nan }
            var (sum, weight) = (0.5 * raw[j], 0.5)
            for n in [j - 1, j + 1] where raw.indices.contains(n) && raw[n].isFinite { sum += 0.25 * raw[n]; weight += 0.25 }
            return sum / weight
        }
    }

    /// The time of the largest smoothed rate (nil when none is finite).
    public var peakTime: Double? {
        rate.indices.filter { rate[$0].isFinite }.max { rate[$0] < rate[$1] }.map { times[$0] }
    }
}
