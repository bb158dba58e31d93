import Foundation

/// Moments of the magnetisation m = φ̄ over an ensemble, docs/theory.md §6–7 and §12
/// conventions: susceptibility by fluctuation–dissipation χ = V(⟨m²⟩ − ⟨m⟩²)/T (V the volume;
/// equal to 1/r in linear model A); the finite-size-scaling susceptibility χ_N = N(⟨m²⟩ − ⟨|m|⟩²)
/// (N sites), which peaks at the transition instead of growing into the ordered phase; Binder
/// cumulant U = 1 − ⟨m⁴⟩/(3⟨m²⟩²).
public struct OrderParameter: Sendable, Equatable, Codable {
    public var m: Estimate
    public var absM: Estimate
    public var m2: Estimate
    public var m4: Estimate
    public var susceptibility: Estimate
    /// χ_N = N(⟨m²⟩ − ⟨|m|⟩²).
    public var finiteSizeSusceptibility: Estimate
    public var binder: Estimate

    public init(magnetisations x: [Double], volume: Double, sites: Int, temperature: Double) {
        m = Estimate(samples: x)
        absM = Estimate(samples: x.map(abs))
        m2 = Estimate(samples: x.map { $0 * $0 })
        m4 = Estimate(samples: x.map { $0 * $0 * $0 * $0 })
        let rows = x.map { [$0, $0 * $0, $0 * $0 * $0 * $0, abs($0)] }
        finiteSizeSusceptibility = Estimate.jackknife(rows) { Double(sites) * ($0[1] - $0[3] * $0[3]) }
        susceptibility = temperature > 0
            ? Estimate.jackknife(rows) { volume * ($0[1] - $0[0] * $0[0]) / temperature }
            : Estimate(mean: .nan, standardError: .nan)
        binder = Estimate.jackknife(rows) { 1 - $0[2] / (3 * $0[1] * $0[1]) }
    }
}
