import Foundation

/// The integrated autocorrelation time of a stationary series, docs/theory.md §12.4:
/// τ_int = ½ + Σ_{t=1}^{W} ρ(t) in units of the sampling interval, with Sokal's automatic
/// window W, the smallest W ≥ c·τ_int(W) (c = 6), and Sokal's error τ_int √(2(2W + 1)/n).
/// Several independent series of one process (ensemble members) are pooled: ρ(t) is the
/// autocovariance at lag t summed over every series about the pooled mean, over the lag-0 one.
/// A run of n samples then holds about n/(2τ_int) independent ones.
public struct AutocorrelationTime: Sendable, Equatable {
    /// τ_int in samples.
    public var tau: Double
    public var standardError: Double
    public var window: Int
    /// ρ(0…W).
    public var rho: [Double]

    /// nil when the window does not close within half the series' length (the series is too
    /// short for its correlation time).
    public init?(series: [[Double]], windowFactor c: Double = 6) {
        let n = series.map(\.count).min() ?? 0
        guard n >= 4 else { return nil }
        let mean = series.reduce(0) { $0 + $1.prefix(n).reduce(0, +) } / Double(series.count * n)
        let centred = series.map { $0.prefix(n).map { $0 - mean } }
        func covariance(_ t: Int) -> Double {
            var s = 0.0
            for d in centred { for i in 0..<(n - t) { s += d[i] * d[i + t] } }
            return s / Double(series.count * (n - t))
        }
        let c0 = covariance(0)
        guard c0 > 0 else { return nil }
        var rho = [1.0], tau = 0.5
        for t in 1..<(n / 2) {
            rho.append(covariance(t) / c0)
            tau += rho[t]
            if Double(t) >= c * tau {
                self.tau = tau
                window = t
                self.rho = rho
                standardError = tau * (2 * Double(2 * t + 1) / Double(n * series.count)).squareRoot()
                return
            }
        }
        return nil
    }
}
