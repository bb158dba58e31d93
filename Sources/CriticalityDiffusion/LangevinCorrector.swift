import Foundation
import CriticalityLattice

/// Langevin corrector steps at a fixed noise level t, as in predictor–corrector samplers of
/// score-based SDEs (docs/theory.md §12.5): after the predictor reaches t,
///
///     x ← x + ε s(x, t) + √(2ε) z,   s = (α_t D(x, t) − x)/σ_t²,   ε = δ σ_t²,
///
/// that is x ← x + δ(α_t D − x) + σ_t √(2δ) z, `steps` times, at the grid times inside `window`.
/// The Langevin dynamics samples p_t; with δ in units of σ_t² the step is dimensionless
/// (for data at one point it contracts as 1 − δ, with stationary variance σ_t²/(1 − δ/2)). The
/// annealing time spent in the window is τ = δ × steps × (grid times in the window).
/// The noise of corrector k after predictor step i has key (seed, member, i·2²⁰ + k, stream 5).
public struct LangevinCorrector: Sendable, Equatable {
    public var steps: Int
    /// δ = ε/σ_t².
    public var stepSize: Double
    /// The times at which the corrector runs.
    public var window: ClosedRange<Double>

    public init(steps: Int, stepSize: Double, window: ClosedRange<Double>) {
        precondition(steps >= 0 && steps < 1 << 20 && stepSize > 0)
        (self.steps, self.stepSize, self.window) = (steps, stepSize, window)
    }

    /// The annealing time τ = δ × steps × (number of `times` inside the window, the first left out:
    /// correctors follow predictor steps).
    public func annealingTime(times: [Double]) -> Double {
        stepSize * Double(steps * times.dropFirst().filter { window.contains($0) }.count)
    }

    /// Applies the corrector to x at `level` after predictor step i (D, xi and w are work space).
    func correct(_ x: RealField, at level: NoiseLevel, denoiser: any Denoiser, noise: GaussianNoise, member: Int, step i: Int,
                 d: RealField, xi: RealField, workspace w: DenoiserWorkspace) {
        guard steps > 0, window.contains(level.time) else { return }
        let a = level.alpha, delta = stepSize
        for k in 0..<steps {
            denoiser.denoise(x, at: level, into: d, workspace: w)
            noise.fill(xi.values, count: xi.count, scale: level.sigma * (2 * delta).squareRoot(), member: member, step: (i << 20) | k, stream: 5)
            for j in 0..<x.count { x[j] += delta * (a * d[j] - x[j]) + xi[j] }
        }
    }
}
