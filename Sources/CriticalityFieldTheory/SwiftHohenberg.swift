import CriticalityLattice

/// Stochastic Swift–Hohenberg equation, the finite-wavelength variant of model A:
///
///     ∂φ/∂t = r φ − (k*² + ∇²)² φ + g₂ φ² − φ³ + √(2T) η.
///
/// Λ(k) = −(k*² − |k|²)², c = r, N(φ) = g₂φ² − φ³. Linearly, modes on the ring |k| = k* go
/// unstable first, at r = 0. The quadratic term g₂ breaks φ → −φ (hexagons in 2-D).
public struct SwiftHohenberg: FieldModel, Equatable {
    public let lattice: Lattice
    public let r: Double
    /// The preferred wavenumber k*.
    public let wavenumber: Double
    /// g₂, the coefficient of φ².
    public let quadratic: Double
    public let temperature: Double

    public init(lattice: Lattice, r: Double, wavenumber: Double, quadratic: Double = 0, temperature: Double) {
        self.lattice = lattice
        self.r = r
        self.wavenumber = wavenumber
        self.quadratic = quadratic
        self.temperature = temperature
    }

    public func linearSymbol() -> [Double] {
        let k0 = wavenumber * wavenumber
        return lattice.waveNumberSquared().map { (k0 - $0) * (k0 - $0) * -1 }
    }

    public func linearShift(at time: Double) -> Double { r }
    public var hasTimeDependentShift: Bool { false }
    public var isLinear: Bool { false }

    public func nonlinearTerm(_ phi: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>, count: Int, time: Double) {
        // Without g₂, the cubic alone: the same bits as before it existed (also for φ = −0).
        if quadratic == 0 {
            pointwise(phi, into: out, count: count, Cubic())
        } else {
            pointwise(phi, into: out, count: count, QuadraticCubic(g2: quadratic))
        }
    }

    /// N(φ) = −φ³.
    struct Cubic: PointwiseFormula {
        @inline(__always) func vector(_ p: Double8) -> Double8 { -p * p * p }
        @inline(__always) func scalar(_ p: Double) -> Double { -p * p * p }
    }

    /// N(φ) = (g₂ − φ)φ².
    struct QuadraticCubic: PointwiseFormula {
        let g2: Double
        @inline(__always) func vector(_ p: Double8) -> Double8 { (Double8(repeating: g2) - p) * p * p }
        @inline(__always) func scalar(_ p: Double) -> Double { (g2 - p) * p * p }
    }
}
