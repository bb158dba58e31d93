import CriticalityDiffusion
import Foundation
import CriticalityLattice

/// Fixed points of the denoiser map y ↦ D(α_t y, t) at frozen t: the states x = α y where the
/// score vanishes, α D(x) = x — the modes and saddles of p_t (docs/theory.md §7). For a Gaussian
/// mixture in low dimension they are the branches that split at the speciation-type pitchforks;
/// for two-point data they reduce to ``CurieWeiss``. The continuation parameter is t; the
/// Jacobian is by central differences; the order parameter is the mean of y over sites.
public struct DenoiserMap: Sendable {
    public let denoiser: any Denoiser
    public let schedule: NoiseSchedule

    public init(denoiser: any Denoiser, schedule: NoiseSchedule) {
        self.denoiser = denoiser
        self.schedule = schedule
    }

    public var problem: FixedPointProblem {
        let denoiser = self.denoiser, schedule = self.schedule, lattice = denoiser.lattice, n = lattice.siteCount
        return FixedPointProblem(kind: .map, dimension: n, parameterName: "t", function: { y, t in
            let level = schedule.level(at: t)
            let x = RealField(lattice), d = RealField(lattice)
            for i in 0..<n { x[i] = level.alpha * y[i] }
            denoiser.denoise(x, at: level, into: d, workspace: DenoiserWorkspace(lattice))
            return (0..<n).map { d[$0] }
        }, orderParameter: { y in y.reduce(0, +) / Double(n) })
    }

    /// Iterates y ← D(α y) at a frozen level from y₀ until max|Δy| ≤ tolerance: the stable fixed
    /// point (mode of p_t) whose basin holds y₀. Returns the fixed point and the iterations used
    /// (nil iterations: not converged within `maxIterations`; critical slowing down near a
    /// branch point makes the multiplier approach 1).
    public func relax(_ y0: [Double], at level: NoiseLevel, tolerance: Double = 1e-12, maxIterations: Int = 100_000,
                      workspace: DenoiserWorkspace) -> (state: [Double], iterations: Int?) {
        let lattice = denoiser.lattice, x = RealField(lattice), d = RealField(lattice)
        var y = y0
        for iteration in 1...maxIterations {
            for i in y.indices { x[i] = level.alpha * y[i] }
            denoiser.denoise(x, at: level, into: d, workspace: workspace)
            var change = 0.0
            for i in y.indices { change = max(change, abs(d[i] - y[i])); y[i] = d[i] }
            if change <= tolerance { return (y, iteration) }
        }
        return (y, nil)
    }
}
