import CriticalityLattice

/// A stochastic field equation in the split form used by every stepper (FourierFlows'
/// `Equation(L, N)`):
///
///     ∂φ̂(k)/∂t = [Λ(k) + c(t)] φ̂(k) + N̂[φ](k, t) + noise,   ⟨η(x,t)η(x',t')⟩ = δ(x−x')δ(t−t'),
///
/// with a time-independent Fourier symbol Λ(k), a uniform time-dependent shift c(t) (a ramp of
/// a mass term), a pointwise nonlinearity N evaluated in real space, and additive noise of
/// intensity 2T: on a lattice, per site and step, variance 2T·dt/v with v the cell volume.
public protocol FieldModel: Sendable {
    var lattice: Lattice { get }
    /// Noise temperature T ≥ 0.
    var temperature: Double { get }
    /// Λ(k) for every stored r2c mode.
    func linearSymbol() -> [Double]
    /// The uniform shift c(t) of the linear operator.
    func linearShift(at time: Double) -> Double
    /// Whether c(t) changes with time.
    var hasTimeDependentShift: Bool { get }
    /// True when N ≡ 0, so steppers can skip the transform of the nonlinear term.
    var isLinear: Bool { get }
    /// out[i] = N(φ[i], t) for i < count. `out` may be `phi`: the steppers evaluate N in place
    /// (see `pointwise`).
    func nonlinearTerm(_ phi: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>, count: Int, time: Double)
}
