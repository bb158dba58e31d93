import Foundation
import CriticalityLattice

/// The ideal (empirical) denoiser of a training set {y_n}, docs/theory.md §2: the exact D of the
/// data distribution (1/N) Σ_n δ(x − y_n),
///
///     D(x) = Σ_n W_n y_n,   W = softmax_n(−‖x − α y_n‖² / (2σ²)),
///
/// computed from the expansion ‖x − αy‖² = ‖x‖² − 2α⟨x, y⟩ + α²‖y‖² in Double. It can only
/// memorise: every sample converges to a training image.
public struct IdealDenoiser: Denoiser {
    public let lattice: Lattice
    public let data: Dataset
    let squaredNorms: [Double]

    public init(lattice: Lattice, data: Dataset) {
        precondition(data.images[0].count == lattice.siteCount)
        self.lattice = lattice
        self.data = data
        squaredNorms = data.images.map { $0.reduce(0) { $0 + $1 * $1 } }
    }

    public func posterior(_ x: RealField, at level: NoiseLevel) -> [Double]? {
        let (a, s2) = (level.alpha, level.variance)
        var w = data.images.indices.map { n -> Double in
            var dot = 0.0
            for i in 0..<x.count { dot += x[i] * data.images[n][i] }
            return (a * dot - 0.5 * a * a * squaredNorms[n]) / s2
        }
        softmax(&w)
        return w
    }

    public func denoise(_ x: RealField, at level: NoiseLevel, into d: RealField, workspace: DenoiserWorkspace) {
        posteriorMean(weights: posterior(x, at: level)!, into: d)
    }

    /// D = Σ_n W_n y_n for given posterior weights.
    func posteriorMean(weights w: [Double], into d: RealField) {
        for i in 0..<d.count { d[i] = 0 }
        for (n, wn) in w.enumerated() where wn > 0 {
            for i in 0..<d.count { d[i] += wn * data.images[n][i] }
        }
    }
}

/// The translation-equivariant ideal denoiser (ES), docs/theory.md §2: the ideal denoiser of the
/// set of all circular shifts S_δ y_n of every training image,
///
///     D = Σ_{n,δ} W_{n,δ} S_δ y_n,   W = softmax_{n,δ}(−‖x − α S_δ y_n‖² / (2σ²)),
///
/// with (S_δ y)(u) = y(u − δ). The overlaps ⟨x, S_δ y_n⟩ for all δ are one cross-correlation
/// (DFT x̂ · conj ŷ_n) and D is Σ_n W_n ∗ y_n: 2N + 2 FFTs per evaluation.
public struct EquivariantIdealDenoiser: Denoiser {
    public let lattice: Lattice
    public let data: Dataset
    let squaredNorms: [Double]
    let spectra: [SpectralField]
    let transform: FourierTransform

    public init(lattice: Lattice, data: Dataset, effort: PlannerEffort = .estimate) {
        precondition(data.images[0].count == lattice.siteCount)
        self.lattice = lattice
        self.data = data
        squaredNorms = data.images.map { $0.reduce(0) { $0 + $1 * $1 } }
        let t = FourierTransform.plan(lattice, effort: effort)
        transform = t
        spectra = data.images.map { y in
            let s = SpectralField(lattice)
            t.forward(RealField(lattice) { y[$0] }, into: s)
            return s
        }
    }

    /// Softmax weights W[n·N_sites + δ] over images and shifts.
    func weights(_ x: RealField, at level: NoiseLevel, workspace w: DenoiserWorkspace) -> [Double] {
        let sites = lattice.siteCount, (a, s2) = (level.alpha, level.variance)
        let xs = w.spectrum, prod = w.spectrum2, c = w.field
        transform.forward(x, into: xs)
        var logits = [Double](repeating: 0, count: data.count * sites)
        let norm = 1 / Double(sites)
        for n in 0..<data.count {
            let (xv, yv, pv) = (xs.values, spectra[n].values, prod.values)
            for q in 0..<xs.count {  // x̂ · conj(ŷ) / N
                pv[2 * q] = (xv[2 * q] * yv[2 * q] + xv[2 * q + 1] * yv[2 * q + 1]) * norm
                pv[2 * q + 1] = (xv[2 * q + 1] * yv[2 * q] - xv[2 * q] * yv[2 * q + 1]) * norm
            }
            transform.inverse(destroying: prod, into: c)
            for delta in 0..<sites { logits[n * sites + delta] = (a * c[delta] - 0.5 * a * a * squaredNorms[n]) / s2 }
        }
        softmax(&logits)
        return logits
    }

    /// Posterior probability of each training image, summed over its shifts.
    public func posterior(_ x: RealField, at level: NoiseLevel) -> [Double]? {
        let w = weights(x, at: level, workspace: DenoiserWorkspace(lattice)), sites = lattice.siteCount
        return (0..<data.count).map { n in w[(n * sites)..<((n + 1) * sites)].reduce(0, +) }
    }

    public func denoise(_ x: RealField, at level: NoiseLevel, into d: RealField, workspace ws: DenoiserWorkspace) {
        let weights = weights(x, at: level, workspace: ws), sites = lattice.siteCount
        let total = ws.spectrum, wn = ws.field, what = ws.spectrum2
        let tv = total.values, hv = what.values
        for q in 0..<(2 * total.count) { tv[q] = 0 }
        let norm = 1 / Double(sites)
        for n in 0..<data.count {
            var mass = 0.0
            for delta in 0..<sites { wn[delta] = weights[n * sites + delta]; mass += wn[delta] }
            guard mass > 0 else { continue }
            transform.forward(wn, into: what)
            let yv = spectra[n].values
            for q in 0..<total.count {  // Ŵ_n · ŷ_n / N
                tv[2 * q] += (hv[2 * q] * yv[2 * q] - hv[2 * q + 1] * yv[2 * q + 1]) * norm
                tv[2 * q + 1] += (hv[2 * q] * yv[2 * q + 1] + hv[2 * q + 1] * yv[2 * q]) * norm
            }
        }
        transform.inverse(destroying: total, into: d)
    }
}
