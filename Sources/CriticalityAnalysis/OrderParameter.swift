import Foundation

/// Moments of the magnetisation m = φ̄ over an ensemble, docs/theory.md §6–7 conventions:
/// susceptibility by fluctuation–dissipation χ = V(⟨m²⟩ − ⟨m⟩²)/T (V the volume; equal to
/// 1/r in linear model A), Binder cumulant U = 1 − ⟨m⁴⟩/(3⟨m²⟩²).
public struct OrderParameter: Sendable, Equatable, Codable {
    public var m: Estimate
    public var absM: Estimate
    public var m2: Estimate
    public var susceptibility: Estimate
    public var binder: Estimate

    public init(magnetisations x: [Double], volume: Double, temperature: Double) {
        m = Estimate(samples: x)
        absM = Estimate(samples: x.map(abs))
        m2 = Estimate(samples: x.map { $0 * $0 })
        let rows = x.map { [$0, $0 * $0, $0 * $0 * $0 * $0] }
        susceptibility = temperature > 0
            ? Estimate.jackknife(rows) { volume * ($0[1] - $0[0] * $0[0]) / temperature }
            : Estimate(mean: .nan, standardError: .nan)
        binder = Estimate.jackknife(rows) { 1 - $0[2] / (3 * $0[1] * $0[1]) }
    }
}
