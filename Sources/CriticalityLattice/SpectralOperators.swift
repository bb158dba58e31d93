/// Spectral (Fourier-multiplier) operators on a lattice, all exact on band-limited fields:
/// Laplacian ∇² ↦ −|k|², gradient ∂_i ↦ i k_i (the Nyquist mode of an even axis has no
/// consistent derivative of a real field and is zeroed), circular convolution ↦ product.
public struct SpectralOperators: Sendable {
    public let lattice: Lattice
    public let transform: FourierTransform
    /// |k|² per stored mode.
    public let waveNumberSquared: [Double]

    public init(_ lattice: Lattice, effort: PlannerEffort = .estimate) {
        self.lattice = lattice
        transform = FourierTransform.plan(lattice, effort: effort)
        waveNumberSquared = lattice.waveNumberSquared()
    }

    /// Applies the real multiplier m(k) to a field: result = IDFT[m(k) φ̂(k)].
    public func applyMultiplier(_ m: [Double], to field: RealField, into result: RealField) {
        let s = SpectralField(lattice)
        transform.forward(field, into: s)
        let norm = 1 / Double(lattice.siteCount)
        for q in 0..<s.count {
            s.values[2 * q] *= m[q] * norm
            s.values[2 * q + 1] *= m[q] * norm
        }
        transform.inverse(destroying: s, into: result)
    }

    /// ∇²φ.
    public func laplacian(_ field: RealField) -> RealField {
        let out = RealField(lattice)
        applyMultiplier(waveNumberSquared.map { -$0 }, to: field, into: out)
        return out
    }

    /// ∂φ/∂x_axis.
    public func gradient(_ field: RealField, axis: Int) -> RealField {
        precondition(axis < lattice.dimension)
        let s = SpectralField(lattice)
        transform.forward(field, into: s)
        let n = lattice.shape[axis], norm = 1 / Double(lattice.siteCount)
        for q in 0..<s.count {
            let ni = lattice.modeIntegers(spectralIndex: q)[axis]
            let k = (n % 2 == 0 && abs(ni) == n / 2) ? 0 : 2 * Double.pi * Double(ni) / lattice.boxLength[axis]
            let (re, im) = s[q]
            s[q] = (-k * im * norm, k * re * norm)
        }
        let out = RealField(lattice)
        transform.inverse(destroying: s, into: out)
        return out
    }

    /// Circular convolution on the lattice, (f ∗ g)(x) = Σ_y f(y) g(x − y) (a plain lattice sum,
    /// no cell volume).
    public func convolve(_ f: RealField, _ g: RealField) -> RealField {
        let a = SpectralField(lattice), b = SpectralField(lattice)
        transform.forward(f, into: a)
        transform.forward(g, into: b)
        let norm = 1 / Double(lattice.siteCount)
        for q in 0..<a.count {
            let (ar, ai) = a[q], (br, bi) = b[q]
            a[q] = ((ar * br - ai * bi) * norm, (ar * bi + ai * br) * norm)
        }
        let out = RealField(lattice)
        transform.inverse(destroying: a, into: out)
        return out
    }
}
