import Foundation
import CriticalityLattice

/// A closed-form (or analytic) denoiser D(x, t) = E[x₀ | x_t = x] for x_t = α_t x₀ + σ_t ε,
/// docs/theory.md §1–2. The score follows by Tweedie, s = (α D − x)/σ² (``NoiseLevel/score(x:denoised:)``),
/// so every denoiser works with every schedule.
///
/// Fields live on ``lattice``; a multi-channel image of H×W pixels and C channels is a field on
/// the lattice [H, W, C] (channels last), which only the non-spectral denoisers accept.
public protocol Denoiser: Sendable {
    var lattice: Lattice { get }

    /// Writes D(x, t) into `d`. `workspace` holds the calling thread's scratch buffers.
    func denoise(_ x: RealField, at level: NoiseLevel, into d: RealField, workspace: DenoiserWorkspace)

    /// Writes D(x, t) of each field of `xs` into `ds`, in order: one call, so that a model in
    /// another program receives them as one batch. The default evaluates them one by one.
    func denoise(_ xs: [RealField], at level: NoiseLevel, into ds: [RealField], workspace: DenoiserWorkspace)

    /// Posterior probabilities p(z | x_t = x) of the model's latent z (mixture component,
    /// training image, class), or nil where the model has no global latent.
    func posterior(_ x: RealField, at level: NoiseLevel) -> [Double]?
}

extension Denoiser {
    public func posterior(_ x: RealField, at level: NoiseLevel) -> [Double]? { nil }

    public func denoise(_ xs: [RealField], at level: NoiseLevel, into ds: [RealField], workspace: DenoiserWorkspace) {
        for (x, d) in zip(xs, ds) { denoise(x, at: level, into: d, workspace: workspace) }
    }

    /// D for a batch of fields, the fields shared out over `threads` workers (results do not
    /// depend on the thread count).
    public func denoise(batch: [RealField], at level: NoiseLevel, threads: Int = 1) -> [RealField] {
        Ensemble.map(members: batch.count, threads: threads) { i in
            let d = RealField(lattice)
            denoise(batch[i], at: level, into: d, workspace: DenoiserWorkspace(lattice))
            return d
        }
    }
}

/// Scratch buffers for one thread of denoiser evaluations: made once per ensemble member and
/// reused at every step, so denoising allocates nothing.
public final class DenoiserWorkspace: @unchecked Sendable {
    public let lattice: Lattice
    public let spectrum: SpectralField
    public let spectrum2: SpectralField
    public let field: RealField
    /// The conditional output of a ``GuidedDenoiser``; no other denoiser touches it.
    let guided: RealField

    public init(_ lattice: Lattice) {
        self.lattice = lattice
        spectrum = SpectralField(lattice)
        spectrum2 = SpectralField(lattice)
        field = RealField(lattice)
        guided = RealField(lattice)
    }
}

/// The numerically safe softmax of log-weights: exp(ℓ_i − max ℓ) / Σ. Logits scale as
/// ‖·‖²/σ² and reach 10⁶ at late times, so the maximum is always subtracted first.
func softmax(_ logits: inout [Double]) {
    let m = logits.max() ?? 0
    var total = 0.0
    for i in logits.indices { logits[i] = exp(logits[i] - m); total += logits[i] }
    for i in logits.indices { logits[i] /= total }
}
