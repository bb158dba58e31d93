import Foundation

/// Equilibrium averages from time series: samples of the magnetisation m and of the structure
/// factor at k = 0 and at the smallest wavenumber k₁, taken every Δt after equilibration in each
/// of M independent members. Moments are pooled over members and samples; errors are the
/// jackknife over members (each member's time average is one block, so the autocorrelation
/// within a member is accounted for whatever its length). docs/theory.md §12.4.
public struct EquilibriumAverage: Sendable {
    /// One sample: m, S(0) and S(k₁) (the shell average over the 2d modes at |k| = k₁).
    public struct Sample: Sendable, Equatable {
        public var m: Double
        public var s0: Double
        public var s1: Double
        public init(m: Double, s0: Double, s1: Double) { (self.m, self.s0, self.s1) = (m, s0, s1) }
    }

    public var m: Estimate
    public var absM: Estimate
    public var m2: Estimate
    public var m4: Estimate
    /// U = 1 − ⟨m⁴⟩/(3⟨m²⟩²).
    public var binder: Estimate
    /// χ_N = N(⟨m²⟩ − ⟨|m|⟩²).
    public var susceptibility: Estimate
    /// ξ_2nd = √(S(0)/S(k₁) − 1)/k₁ of the pooled S, over the box length L.
    public var xiSecondMomentOverL: Estimate
    /// The Binder cumulant of the first and of the second half of the samples: in equilibrium
    /// they agree within their errors.
    public var binderHalves: (first: Estimate, second: Estimate)
    /// τ_int of m and of m² (nil: longer than the series allows).
    public var tauM: AutocorrelationTime?
    public var tauM2: AutocorrelationTime?
    public var samplesPerMember: Int

    public init(series: [[Sample]], sites: Int, k1: Double, boxLength: Double) {
        let n = series.map(\.count).min() ?? 0
        samplesPerMember = n
        func rows(_ range: Range<Int>) -> [[Double]] {
            series.map { s in
                var r = [Double](repeating: 0, count: 6)
                for x in s[range] {
                    let m2 = x.m * x.m
                    r[0] += x.m; r[1] += m2; r[2] += m2 * m2; r[3] += abs(x.m); r[4] += x.s0; r[5] += x.s1
                }
                return r.map { $0 / Double(range.count) }
            }
        }
        func cumulant(_ r: [[Double]]) -> Estimate { Estimate.jackknife(r) { 1 - $0[2] / (3 * $0[1] * $0[1]) } }
        let all = rows(0..<n)
        m = Estimate.jackknife(all) { $0[0] }
        m2 = Estimate.jackknife(all) { $0[1] }
        m4 = Estimate.jackknife(all) { $0[2] }
        absM = Estimate.jackknife(all) { $0[3] }
        binder = cumulant(all)
        susceptibility = Estimate.jackknife(all) { Double(sites) * ($0[1] - $0[3] * $0[3]) }
        xiSecondMomentOverL = CorrelationLength.length(fromSquared: Estimate.jackknife(all) {
            CorrelationLength.secondMomentSquared(s0: $0[4], s1: $0[5], k1: k1) / (boxLength * boxLength)
        })
        binderHalves = (cumulant(rows(0..<(n / 2))), cumulant(rows((n / 2)..<n)))
        tauM = AutocorrelationTime(series: series.map { $0.map(\.m) })
        tauM2 = AutocorrelationTime(series: series.map { $0.map { $0.m * $0.m } })
    }
}
