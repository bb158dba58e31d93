import Foundation
import CriticalityLattice

/// A denoiser that knows its Jacobian: the directional derivative J_D(x)·e = ∂D(x + εe)/∂ε at
/// ε = 0, docs/theory.md §4. Models without it are probed by central finite differences.
public protocol DenoiserJacobian: Denoiser {
    /// Writes J_D(x)·e into `out`.
    func jacobianProduct(_ x: RealField, at level: NoiseLevel, direction e: RealField, into out: RealField, workspace: DenoiserWorkspace)
}

extension BinaryPatchDenoiser: DenoiserJacobian {
    /// J·e = (α/σ²)(1 − D²) ⊙ (K ∗ e): the box convolution of e, gated by the local tanh slope.
    public func jacobianProduct(_ x: RealField, at level: NoiseLevel, direction e: RealField, into out: RealField, workspace w: DenoiserWorkspace) {
        let gain = level.alpha / level.variance
        localField(x, time: level.time, into: w.field, workspace: w)
        localField(e, time: level.time, into: out, workspace: w)
        for i in 0..<out.count {
            let d = tanh(gain * w.field[i])
            out[i] *= gain * (1 - d * d)
        }
    }
}

extension GaussianFieldDenoiser: DenoiserJacobian {
    /// D is linear in x, so J·e = D(e).
    public func jacobianProduct(_ x: RealField, at level: NoiseLevel, direction e: RealField, into out: RealField, workspace w: DenoiserWorkspace) {
        denoise(e, at: level, into: out, workspace: w)
    }
}

extension TwoPointDenoiser: DenoiserJacobian {
    /// J·e = v (α/σ²)(1 − tanh²(α vᵀx/σ²)) vᵀe.
    public func jacobianProduct(_ x: RealField, at level: NoiseLevel, direction e: RealField, into out: RealField, workspace: DenoiserWorkspace) {
        let m = tanh(field(x, at: level))
        var overlap = 0.0
        for i in 0..<e.count { overlap += v[i] * e[i] }
        let c = level.alpha / level.variance * (1 - m * m) * overlap
        for i in 0..<out.count { out[i] = v[i] * c }
    }
}

extension IdealDenoiser: DenoiserJacobian {
    /// J·e = (α/σ²) Cov[y | x] e = (α/σ²) Σ_n W_n y_n ⟨y_n − D, e⟩: the posterior covariance
    /// of the training images.
    public func jacobianProduct(_ x: RealField, at level: NoiseLevel, direction e: RealField, into out: RealField, workspace w: DenoiserWorkspace) {
        let weights = posterior(x, at: level)!, d = w.field
        posteriorMean(weights: weights, into: d)
        for i in 0..<out.count { out[i] = 0 }
        for (n, wn) in weights.enumerated() where wn > 0 {
            let y = data.images[n]
            var overlap = 0.0
            for i in 0..<e.count { overlap += (y[i] - d[i]) * e[i] }
            let c = level.alpha / level.variance * wn * overlap
            for i in 0..<out.count { out[i] += c * y[i] }
        }
    }
}
