import CriticalityDiffusion
import Foundation

/// The one-dimensional potential criteria of Raya & Ambrogioni (docs/theory.md §4, §7) for data ±v,
/// written for the coordinate x along v/‖v‖, where the score is
/// s(x, t) = (α√Λ tanh(α√Λ x/σ²) − x)/σ², Λ = ‖v‖²:
///
/// - **C1**, the curvature of −log p_t: fixed points of the flow dx/dτ = s(x, t) (the modes and
///   saddles of p_t); the origin loses stability at λ_t Λ = 1.
/// - **C2**, the linearised reverse-SDE drift: fixed points of dx/dτ = −f_t x + g_t² s(x, t)
///   (f = d log α/dt, g² the forward diffusion); the origin loses stability at
///   σ² − α²Λ = σ⁴/2 under `vp` (β-scaled for `ddpm`: the same point).
///
/// τ is reverse time; the continuation parameter is t.
public enum PotentialCriterion: String, Sendable {
    case c1, c2

    public func problem(schedule: NoiseSchedule, squaredNorm lambda: Double) -> FixedPointProblem {
        let criterion = self, root = lambda.squareRoot()
        return FixedPointProblem(kind: .flow, dimension: 1, parameterName: "t", function: { x, t in
            let l = schedule.level(at: t), s2 = l.variance
            let score = (l.alpha * root * tanh(l.alpha * root * x[0] / s2) - x[0]) / s2
            return [criterion == .c1 ? score : -l.drift * x[0] + l.diffusionSquared * score]
        })
    }
}
