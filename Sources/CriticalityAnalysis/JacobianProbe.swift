import CriticalityDiffusion
import Foundation
import CriticalityLattice

/// Jacobian probes of any denoiser, docs/theory.md §4: for normalised real plane waves e_k, the
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
        self.init(denoiser: denoiser, waves: PlaneWave.lowestShells(denoiser.lattice, shells: shells, extra: extra), method: method, relativeStep: relativeStep)
    }

    /// Probes on the given waves.
    public init(denoiser: any Denoiser, waves: [PlaneWave], method: Method? = nil, relativeStep: Double = JacobianProbe.defaultRelativeStep) {
        self.denoiser = denoiser
        self.waves = waves
        self.shells = Array(Set(waves.map(\.shell))).sorted()
        self.method = method ?? (denoiser is any DenoiserJacobian ? .analytic : .finiteDifference)
        precondition(self.method == .finiteDifference || denoiser is any DenoiserJacobian)
        self.relativeStep = relativeStep
    }

    /// One thread's buffers: the analytic product's direction and result; the finite
    /// differences' shifted fields and their denoised values, a chunk of waves at a time.
    public final class Workspace: @unchecked Sendable {
        let denoiser: DenoiserWorkspace
        let e, product: RealField
        private(set) var shifted: [RealField] = [], denoised: [RealField] = []
        public init(_ lattice: Lattice) {
            denoiser = DenoiserWorkspace(lattice)
            (e, product) = (RealField(lattice), RealField(lattice))
        }

        /// At least `count` shifted and denoised fields (made on first use).
        func reserve(_ count: Int) {
            while shifted.count < count {
                shifted.append(RealField(e.lattice))
                denoised.append(RealField(e.lattice))
            }
        }
    }

    /// Waves whose finite differences go to the denoiser in one call (a model in another
    /// program receives the 2·chunk fields as one batch).
    static let chunk = 16

    /// σ²h for every wave, in ``waves`` order (or for the waves at `indices` only).
    public func stiffness(at x: RealField, level: NoiseLevel, workspace w: Workspace, indices: [Int]? = nil) -> [Double] {
        let selected = (indices ?? Array(waves.indices)).map { waves[$0] }, n = x.count
        if method == .analytic, let model = denoiser as? any DenoiserJacobian {
            return selected.map { wave in
                for i in 0..<n { w.e[i] = wave.values[i] }
                model.jacobianProduct(x, at: level, direction: w.e, into: w.product, workspace: w.denoiser)
                var s = 0.0
                for i in 0..<n { s += w.e[i] * w.product[i] }
                return 1 - level.alpha * s
            }
        }
        // ⟨e, J e⟩ ≈ ⟨e, D(x + εe) − D(x − εe)⟩ / 2ε.
        let eps = relativeStep * level.sigma * Double(n).squareRoot()
        var result: [Double] = []
        w.reserve(2 * min(selected.count, JacobianProbe.chunk))
        for start in stride(from: 0, to: selected.count, by: JacobianProbe.chunk) {
            let chunk = selected[start..<min(start + JacobianProbe.chunk, selected.count)]
            for (j, wave) in chunk.enumerated() {
                let (plus, minus) = (w.shifted[2 * j], w.shifted[2 * j + 1])
                for i in 0..<n { plus[i] = x[i] + eps * wave.values[i] }
                for i in 0..<n { minus[i] = x[i] - eps * wave.values[i] }
            }
            denoiser.denoise(Array(w.shifted.prefix(2 * chunk.count)), at: level, into: Array(w.denoised.prefix(2 * chunk.count)), workspace: w.denoiser)
            for (j, wave) in chunk.enumerated() {
                let (plus, minus) = (w.denoised[2 * j], w.denoised[2 * j + 1])
                var s = 0.0
                for i in 0..<n { s += wave.values[i] * (plus[i] - minus[i]) }
                result.append(1 - level.alpha * (s / (2 * eps)))
            }
        }
        return result
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

    /// The Jacobian proxy ξ_eq = √[(h(k₁) − h(0))/h(0)] / k₁, docs/theory.md §5: the
    /// second-moment length of the static susceptibility χ = 1/h (σ² cancels). NaN unless
    /// h(0) > 0 and h(k₁) > h(0).
    public static func equilibriumLength(shellStiffness h: [Double], lattice: Lattice) -> Double {
        guard h.count > 1, h[0] > 0 else { return .nan }
        return CorrelationLength.secondMoment(s0: 1 / h[0], s1: 1 / h[1], k1: lattice.fundamentalWavenumber)
    }
}
