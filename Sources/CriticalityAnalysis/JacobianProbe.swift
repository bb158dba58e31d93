import CriticalityDiffusion
import Foundation
import CriticalityLattice

/// Jacobian probes of any denoiser, THEORY.md §4: for normalised real plane waves e_k, the
/// dimensionless stiffness
///
///     σ²h(k, t) = 1 − α ⟨e_k, J_D(x) e_k⟩,
///
/// 1 where noise dominates and 0 at exact softening. J_D·e is analytic where the model provides
/// it (`DenoiserJacobian`), otherwise the central difference [D(x + εe) − D(x − εe)]/(2ε)
/// with ε = η σ_t √N: a per-site step of order η σ_t, the scale on which D varies.
public struct JacobianProbe: Sendable {
    public enum Method: String, Sendable { case analytic, finiteDifference = "finite-difference" }

    public let denoiser: any Denoiser
    public let waves: [PlaneWave]
    /// Distinct shell labels of the waves, ascending (0 first).
    public let shells: [Int]
    public let method: Method
    /// η of the finite-difference step.
    public let relativeStep: Double

    public static let defaultRelativeStep = 1e-5

    /// Probes on k = 0, the lowest `shells` non-zero shells and the `extra` r2c modes (outside
    /// those shells, each probed alone: one mode, not its whole shell). `method` nil: analytic
    /// when the model has it.
    public init(denoiser: any Denoiser, shells: Int, extra: [Int] = [], method: Method? = nil, relativeStep: Double = JacobianProbe.defaultRelativeStep) {
        self.denoiser = denoiser
        waves = PlaneWave.lowestShells(denoiser.lattice, shells: shells, extra: extra)
        self.shells = Array(Set(waves.map(\.shell))).sorted()
        self.method = method ?? (denoiser is any DenoiserJacobian ? .analytic : .finiteDifference)
        precondition(self.method == .finiteDifference || denoiser is any DenoiserJacobian)
        self.relativeStep = relativeStep
    }

    /// One thread's buffers.
    public final class Workspace: @unchecked Sendable {
        let denoiser: DenoiserWorkspace
        let e, shifted, plus, minus: RealField
        public init(_ lattice: Lattice) {
            denoiser = DenoiserWorkspace(lattice)
            (e, shifted, plus, minus) = (RealField(lattice), RealField(lattice), RealField(lattice), RealField(lattice))
        }
    }

    /// ⟨e, J_D(x) e⟩ for one direction e (held in `w.e`).
    func curvature(_ x: RealField, at level: NoiseLevel, workspace w: Workspace) -> Double {
        let n = x.count
        if method == .analytic, let model = denoiser as? any DenoiserJacobian {
            model.jacobianProduct(x, at: level, direction: w.e, into: w.plus, workspace: w.denoiser)
            var s = 0.0
            for i in 0..<n { s += w.e[i] * w.plus[i] }
            return s
        }
        let eps = relativeStep * level.sigma * Double(n).squareRoot()
        for i in 0..<n { w.shifted[i] = x[i] + eps * w.e[i] }
        denoiser.denoise(w.shifted, at: level, into: w.plus, workspace: w.denoiser)
        for i in 0..<n { w.shifted[i] = x[i] - eps * w.e[i] }
        denoiser.denoise(w.shifted, at: level, into: w.minus, workspace: w.denoiser)
        var s = 0.0
        for i in 0..<n { s += w.e[i] * (w.plus[i] - w.minus[i]) }
        return s / (2 * eps)
    }

    /// σ²h for every wave, in ``waves`` order (or for the waves at `indices` only).
    public func stiffness(at x: RealField, level: NoiseLevel, workspace w: Workspace, indices: [Int]? = nil) -> [Double] {
        (indices ?? Array(waves.indices)).map { waves[$0] }.map { wave in
            for i in 0..<x.count { w.e[i] = wave.values[i] }
            return 1 - level.alpha * curvature(x, at: level, workspace: w)
        }
    }

    /// |k|² of each shell, in ``shells`` order.
    public var shellWaveNumberSquared: [Double] {
        let l = denoiser.lattice
        return shells.map { s in
            let n = waves.first { $0.shell == s }!.mode
            return zip(n, l.boxLength).reduce(0) { $0 + pow(2 * Double.pi * Double($1.0) / $1.1, 2) }
        }
    }

    /// Shell means of per-wave values, in ``shells`` order.
    public func shellMeans(_ perWave: [Double]) -> [Double] {
        shells.map { s in
            let v = waves.indices.filter { waves[$0].shell == s }.map { perWave[$0] }
            return v.reduce(0, +) / Double(v.count)
        }
    }

    /// The Jacobian proxy ξ_eq = √[(h(k₁) − h(0))/h(0)] / ((2/a) sin(k₁a/2)), THEORY.md §5: the
    /// lattice second-moment length of the static susceptibility χ = 1/h (σ² cancels). NaN
    /// unless h(0) > 0 and h(k₁) > h(0).
    public static func equilibriumLength(shellStiffness h: [Double], lattice: Lattice) -> Double {
        guard h.count > 1, h[0] > 0 else { return .nan }
        let axis = lattice.boxLength.firstIndex(of: lattice.boxLength.max()!)!
        return CorrelationLength.secondMoment(s0: 1 / h[0], s1: 1 / h[1], k1: lattice.fundamentalWavenumber, spacing: lattice.spacing[axis])
    }
}
