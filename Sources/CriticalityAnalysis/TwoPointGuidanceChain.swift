import CriticalityDiffusion
import Foundation

/// The exact class alignment of guided reverse diffusion on two-point data ±v (docs/theory.md §7,
/// §9), for the exponential reverse-SDE sampler on a given time grid.
///
/// D_w = (1 − w) v tanh(α vᵀx/σ²) + w s v (guidance towards s v, s = ±1) depends on x only
/// through y = v̂ᵀx, and every sampler step is affine in x with isotropic noise, so y is a
/// Markov chain of its own:
///
///     y' = (α_s − c α_t) ‖v‖ [(1 − w_t) tanh(α_t ‖v‖ y/σ_t²) + w_t s] + c y + √v ξ,
///
/// with c and v of `SamplerMethod.reverseSDEExponential` and y₀ ~ N(0, α₀² + σ₀²). The law of
/// y is propagated on a grid by quadrature of the Gaussian kernels (the Curie–Weiss posterior
/// is the only nonlinearity), and the target probability at the end is the unguided posterior
/// E[1/(1 + exp(−2 s α ‖v‖ y/σ²))]: exactly what a Monte Carlo ensemble of the same sampler
/// estimates, without its sampling error.
public struct TwoPointGuidanceChain: Sendable {
    public let schedule: NoiseSchedule
    /// t₀ > … > t_n.
    public let times: [Double]
    /// ‖v‖ = √Λ.
    public let norm: Double

    public init(schedule: NoiseSchedule, times: [Double], norm: Double) {
        precondition(times.count >= 2 && norm > 0)
        self.schedule = schedule
        self.times = times
        self.norm = norm
    }

    /// The expected posterior probability of s v (s = +1 or −1) at t_n under guidance w(t)
    /// towards s v; also the probability mass the grid kept (1 up to quadrature error).
    public func targetProbability(weight: GuidanceSchedule, sign s: Double = 1) -> (probability: Double, mass: Double) {
        let levels = times.map(schedule.level(at:))
        let steps = zip(levels, levels.dropFirst()).map(ReverseSampler.exponentialStep)
        let start = (levels[0].alpha * levels[0].alpha + levels[0].variance).squareRoot()
        let reach = norm * levels.map(\.alpha).max()! + 10 * start
        let narrowest = steps.map { $0.v.squareRoot() }.min()!
        let spacing = min(narrowest / 6, reach / 500)
        let half = Int((reach / spacing).rounded(.up)), count = 2 * half + 1
        precondition(count <= 400_001, "the last steps are too narrow for the quadrature grid: coarsen the grid or raise t_end")
        let y = (0..<count).map { Double($0 - half) * spacing }
        var p = y.map { exp(-0.5 * $0 * $0 / (start * start)) / (start * (2 * Double.pi).squareRoot()) }
        var next = [Double](repeating: 0, count: count)
        for (i, (c, v)) in steps.enumerated() {
            let now = levels[i], w = weight.weight(at: now.time)
            let gain = now.alpha * norm / now.variance, lift = (levels[i + 1].alpha - c * now.alpha) * norm
            let sd = v.squareRoot(), width = Int((9 * sd / spacing).rounded(.up)), kernel = spacing / (sd * (2 * Double.pi).squareRoot())
            for k in 0..<count { next[k] = 0 }
            for j in 0..<count where p[j] > 1e-300 {
                let m = lift * ((1 - w) * tanh(gain * y[j]) + w * s) + c * y[j], mass = p[j] * kernel
                let centre = Int((m / spacing).rounded()) + half
                let (lo, hi) = (max(0, centre - width), min(count - 1, centre + width))
                guard lo <= hi else { continue }
                for k in lo...hi {
                    let z = (y[k] - m) / sd
                    next[k] += mass * exp(-0.5 * z * z)
                }
            }
            swap(&p, &next)
        }
        let end = levels[levels.count - 1], gain = 2 * s * end.alpha * norm / end.variance
        var probability = 0.0, mass = 0.0
        for k in 0..<count {
            probability += p[k] * spacing / (1 + exp(-gain * y[k]))
            mass += p[k] * spacing
        }
        return (probability, mass)
    }
}
