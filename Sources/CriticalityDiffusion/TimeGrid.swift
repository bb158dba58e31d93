import CriticalityLattice
import Foundation

/// The decreasing times t₀ = t_start > t₁ > … > t_n = t_end a reverse sampler visits.
///
/// - `uniform`: equal steps in t.
/// - `logUniform`: equal steps in log t (recommended: the dynamics spans t ∈ [1e-3, ~10]).
/// - `edm(rho:)`: Karras et al.'s ρ-grid in the EDM noise scale s = σ/α = λ^{−1/2},
///   s_i = (s_max^{1/ρ} + i/n (s_min^{1/ρ} − s_max^{1/ρ}))^ρ, mapped back to t by the schedule
///   (for `ve`, s = t and this is the EDM grid itself).
public enum TimeGrid: Sendable, Equatable {
    case uniform
    case logUniform
    case edm(rho: Double)

    public var name: String {
        switch self {
        case .uniform: "uniform"
        case .logUniform: "log"
        case .edm: "edm"
        }
    }

    /// n + 1 times from `start` down to `end` (start > end > 0, n ≥ 1).
    public func times(from start: Double, to end: Double, steps n: Int, schedule: NoiseSchedule) throws(InvalidArgument) -> [Double] {
        guard end > 0 else { throw InvalidArgument("TimeGrid.times", "end", end, expected: "a positive time") }
        guard start > end else { throw InvalidArgument("TimeGrid.times", "start", start, expected: "a time above end = \(end)") }
        guard n >= 1 else { throw InvalidArgument("TimeGrid.times", "steps", n, expected: "at least 1") }
        var t: [Double]
        switch self {
        case .uniform:
            t = (0...n).map { start + (end - start) * Double($0) / Double(n) }
        case .logUniform:
            t = (0...n).map { start * pow(end / start, Double($0) / Double(n)) }
        case .edm(let rho):
            let scale = { (t: Double) -> Double in 1 / schedule.level(at: t).signalToNoise.squareRoot() }
            let (hi, lo) = (pow(scale(start), 1 / rho), pow(scale(end), 1 / rho))
            t = (0...n).map { i in
                let s = pow(hi + (lo - hi) * Double(i) / Double(n), rho)
                return schedule.time(atSignalToNoise: 1 / (s * s))
            }
        }
        t[0] = start
        t[n] = end
        return t
    }
}
