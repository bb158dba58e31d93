import Foundation
import CriticalityLattice

/// The power spectrum of a stationary Gaussian field on a lattice, in lattice units:
///
///     P(k) = ⟨|x̂(k)|²⟩ / N,   x̂ the unnormalised DFT, N the number of sites,
///
/// so that white noise of unit variance per site has P = 1 and the per-site variance is the
/// mean of P over the Brillouin zone. The structure factor of Analysis is S(k) = v P(k)
/// (v the cell volume; equal for unit spacing).
public enum PowerSpectrum: Sendable, Equatable {
    /// P = A on every mode.
    case flat(amplitude: Double)
    /// P = A / (1 + ξ²k²).
    case ornsteinZernike(amplitude: Double, correlationLength: Double)
    /// P = A (|k|/k_f)^{−γ} for k ≠ 0 and P(0) = A, with k_f = 2π/max L the fundamental.
    case powerLaw(amplitude: Double, exponent: Double)

    public func callAsFunction(waveNumberSquared k2: Double, fundamental kf: Double) -> Double {
        switch self {
        case .flat(let a): a
        case .ornsteinZernike(let a, let xi): a / (1 + xi * xi * k2)
        case .powerLaw(let a, let gamma): k2 == 0 ? a : a * pow(k2.squareRoot() / kf, -gamma)
        }
    }

    /// P on every stored r2c mode of a lattice.
    public func values(on lattice: Lattice) -> [Double] {
        let kf = lattice.fundamentalWavenumber
        return lattice.waveNumberSquared().map { self(waveNumberSquared: $0, fundamental: kf) }
    }
}
