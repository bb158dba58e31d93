import Foundation
import CriticalityLattice

/// The exact denoiser of a Gaussian mixture Σ_i w_i N(μ_i, Σ_i), docs/theory.md §2. Posterior
/// weights p_i ∝ w_i N(x; αμ_i, α²Σ_i + σ²I); D = Σ_i p_i D_i with the component posterior mean
///
///     D_i = μ_i + α Σ_i (α²Σ_i + σ²I)⁻¹ (x − αμ_i).
///
/// Isotropic components (Σ = s²I) need no matrix algebra; full covariances are diagonalised
/// once, Σ = U diag(ℓ) Uᵀ, after which every evaluation costs O(n²) per component.
public struct GaussianMixtureDenoiser: Denoiser {
    public enum Covariance: Sendable, Equatable {
        case isotropic(variance: Double)
        /// Row-major n×n symmetric positive semi-definite matrix.
        case full([Double])
    }

    public struct Component: Sendable {
        public var weight: Double
        public var mean: [Double]
        public var covariance: Covariance
        /// Class label, for class-conditional models.
        public var label: Int?
        /// Eigenvalues and row-major eigenvectors (columns) of a full covariance.
        let eigen: SymmetricEigen?

        public init(weight: Double, mean: [Double], covariance: Covariance, label: Int? = nil) {
            self.weight = weight
            self.mean = mean
            self.covariance = covariance
            self.label = label
            if case .full(let m) = covariance { eigen = SymmetricEigen(m, size: mean.count) } else { eigen = nil }
        }
    }

    public let lattice: Lattice
    public let components: [Component]

    public init(lattice: Lattice, components: [Component]) throws(InvalidArgument) {
        guard !components.isEmpty else { throw InvalidArgument("GaussianMixtureDenoiser.init", "components", "[]", expected: "at least one component") }
        for (i, c) in components.enumerated() {
            guard c.mean.count == lattice.siteCount else {
                throw InvalidArgument("GaussianMixtureDenoiser.init", "components[\(i)].mean.count", c.mean.count, expected: "one value per site (\(lattice.siteCount))")
            }
            guard c.weight > 0 else { throw InvalidArgument("GaussianMixtureDenoiser.init", "components[\(i)].weight", c.weight, expected: "a positive weight") }
        }
        self.lattice = lattice
        self.components = components
    }

    /// The class-conditional model: the components with this label.
    public func restricted(toLabel label: Int) throws(InvalidArgument) -> GaussianMixtureDenoiser { try restricted(toLabels: [label]) }

    /// The components with any of these labels (a feature shared by several classes).
    public func restricted(toLabels labels: Set<Int>) throws(InvalidArgument) -> GaussianMixtureDenoiser {
        let kept = components.filter { $0.label.map(labels.contains) ?? false }
        guard !kept.isEmpty else { throw InvalidArgument("GaussianMixtureDenoiser.restricted", "labels", labels.sorted(), expected: "labels some component has") }
        return try GaussianMixtureDenoiser(lattice: lattice, components: kept)
    }

    /// log w_i N(x; αμ_i, α²Σ_i + σ²I) up to a constant common to all components.
    func logWeight(_ c: Component, _ x: RealField, _ level: NoiseLevel, _ r: inout [Double]) -> Double {
        let (a, s2) = (level.alpha, level.variance)
        for j in r.indices { r[j] = x[j] - a * c.mean[j] }
        switch c.covariance {
        case .isotropic(let v):
            let cv = a * a * v + s2
            return log(c.weight) - 0.5 * r.reduce(0) { $0 + $1 * $1 } / cv - 0.5 * Double(r.count) * log(cv)
        case .full:
            let e = c.eigen!
            var q = 0.0, logDet = 0.0
            for k in 0..<e.size {
                let y = e.project(r, onto: k), cv = a * a * e.values[k] + s2
                q += y * y / cv
                logDet += log(cv)
            }
            return log(c.weight) - 0.5 * q - 0.5 * logDet
        }
    }

    public func posterior(_ x: RealField, at level: NoiseLevel) -> [Double]? {
        var r = [Double](repeating: 0, count: x.count)
        var p = components.map { logWeight($0, x, level, &r) }
        softmax(&p)
        return p
    }

    public func denoise(_ x: RealField, at level: NoiseLevel, into d: RealField, workspace: DenoiserWorkspace) {
        let p = posterior(x, at: level)!, a = level.alpha, s2 = level.variance
        var r = [Double](repeating: 0, count: x.count)
        for j in 0..<d.count { d[j] = 0 }
        for (c, w) in zip(components, p) where w > 0 {
            for j in r.indices { r[j] = x[j] - a * c.mean[j] }
            switch c.covariance {
            case .isotropic(let v):
                let gain = a * v / (a * a * v + s2)
                for j in r.indices { d[j] += w * (c.mean[j] + gain * r[j]) }
            case .full:
                let e = c.eigen!
                for j in r.indices { d[j] += w * c.mean[j] }
                for k in 0..<e.size {
                    let y = e.project(r, onto: k) * a * e.values[k] / (a * a * e.values[k] + s2) * w
                    for j in 0..<e.size { d[j] += y * e.vectors[j * e.size + k] }
                }
            }
        }
    }
}
