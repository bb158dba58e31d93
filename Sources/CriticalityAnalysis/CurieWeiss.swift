import CriticalityDiffusion
import Foundation

/// The Curie–Weiss equation of two-point data ±v, docs/theory.md §7, with classifier-free guidance
/// of weight w towards the class c·v (c = ±1, whose conditional denoiser is c·v):
///
///     u = (1 − w) tanh(K u + h) + w c,     K = λ_t Λ, Λ = ‖v‖²,
///
/// for the overlap u = vᵀy/Λ of a fixed point y = D(α y) of the (guided) denoiser map. At
/// w = h = 0: a pitchfork at K = 1, u* ≈ ±√(3(K − 1)), χ = (1 − u²)/(1 − K(1 − u²)); h ≠ 0 or
/// w ≠ 0 make the bifurcation imperfect. The same equation holds for the spatially uniform
/// sector of the binary patch model, x = α m·𝟙, with Λ = Ĉ(0) = P².
public struct CurieWeiss: Sendable {
    public var coupling: Double
    public var field: Double
    public var guidance: Double
    /// c = ±1, the guided class.
    public var target: Double

    public init(coupling: Double = 1, field: Double = 0, guidance: Double = 0, target: Double = 1) {
        self.coupling = coupling
        self.field = field
        self.guidance = guidance
        self.target = target
    }

    /// Which quantity is the continuation parameter p.
    public enum Parameter: Sendable {
        case coupling, field, guidance
        /// Time under a schedule, K = λ_t Λ (the coupling is ignored).
        case time(NoiseSchedule, squaredNorm: Double)
    }

    /// The map u ↦ (1 − w) tanh(K u + h) + w c with its exact derivatives.
    public func problem(in parameter: Parameter) -> FixedPointProblem {
        let (k0, h0, w0, c) = (coupling, field, guidance, target)
        let name: String
        switch parameter {
        case .coupling: name = "K"
        case .field: name = "h"
        case .guidance: name = "guidance.weight"
        case .time: name = "t"
        }
        // (K, h, w, dK/dp, dh/dp, dw/dp) at p.
        let at: @Sendable (Double) -> (Double, Double, Double, Double, Double, Double) = { p in
            switch parameter {
            case .coupling: return (p, h0, w0, 1, 0, 0)
            case .field: return (k0, p, w0, 0, 1, 0)
            case .guidance: return (k0, h0, p, 0, 0, 1)
            case .time(let s, let lambda):
                let l = s.level(at: p)
                return (l.signalToNoise * lambda, h0, w0, l.signalToNoiseRate * lambda, 0, 0)
            }
        }
        return FixedPointProblem(kind: .map, dimension: 1, parameterName: name, function: { u, p in
            let (k, h, w, _, _, _) = at(p)
            return [(1 - w) * tanh(k * u[0] + h) + w * c]
        }, derivative: { u, p in
            let (k, h, w, dk, dh, dw) = at(p)
            let th = tanh(k * u[0] + h), s = 1 - th * th
            return [(1 - w) * k * s, (1 - w) * s * (u[0] * dk + dh) + (c - th) * dw]
        })
    }
}
