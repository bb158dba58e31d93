import CriticalityLattice

/// Model A (time-dependent Ginzburg–Landau), docs/theory.md §3:
///
///     ∂φ/∂t = −(r(t) φ + u φ³ − κ∇²φ) + h + √(2T) η.
///
/// Λ(k) = −κ|k|², c(t) = −r(t), N(φ) = −uφ³ + h. Linear theory at r > 0 gives the
/// Ornstein–Zernike structure factor S(k) = T/(r + κk²) and ξ = √(κ/r).
public struct ModelA: FieldModel, Equatable {
    public let lattice: Lattice
    public let r: MassSchedule
    public let u: Double
    public let kappa: Double
    public let h: Double
    public let temperature: Double

    public init(lattice: Lattice, r: MassSchedule, u: Double = 1, kappa: Double = 1, h: Double = 0, temperature: Double) {
        self.lattice = lattice
        self.r = r
        self.u = u
        self.kappa = kappa
        self.h = h
        self.temperature = temperature
    }

    public func linearSymbol() -> [Double] { lattice.waveNumberSquared().map { -kappa * $0 } }
    public func linearShift(at time: Double) -> Double { -r.value(at: time) }
    public var hasTimeDependentShift: Bool { r.isTimeDependent }
    public var isLinear: Bool { u == 0 && h == 0 }

    public func nonlinearTerm(_ phi: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>, count: Int, time: Double) {
        pointwise(phi, into: out, count: count, Cubic(u: u, h: h))
    }

    /// N(φ) = h − uφ³.
    struct Cubic: PointwiseFormula {
        let u: Double, h: Double
        @inline(__always) func vector(_ p: Double8) -> Double8 { Double8(repeating: h) - Double8(repeating: u) * p * p * p }
        @inline(__always) func scalar(_ p: Double) -> Double { h - u * p * p * p }
    }
}

/// The mass term r(t) of a Ginzburg–Landau model: constant, or the linear Kibble–Zurek ramp
/// r(t) = −(t − t_c)/τ_Q that crosses the critical point r = 0 at t = t_c.
public enum MassSchedule: Sendable, Equatable {
    case constant(Double)
    case ramp(criticalTime: Double, quenchTime: Double)

    public func value(at t: Double) -> Double {
        switch self {
        case .constant(let r): r
        case .ramp(let tc, let tauQ): -(t - tc) / tauQ
        }
    }

    public var isTimeDependent: Bool {
        if case .ramp = self { return true }
        return false
    }
}
