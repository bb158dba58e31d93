import CriticalityLattice

/// The exact denoiser of a stationary, zero-mean Gaussian field with power spectrum P(k)
/// (``PowerSpectrum`` convention, P = ⟨|x̂|²⟩/N), docs/theory.md §2. It is diagonal in Fourier space:
///
///     D̂(k) = α P(k) x̂(k) / (α² P(k) + σ²),
///
/// so x_t has spectrum α²P + σ² and the posterior mean has α²P²/(α²P + σ²).
public struct GaussianFieldDenoiser: Denoiser {
    public let lattice: Lattice
    /// P on every stored mode.
    public let power: [Double]
    let transform: FourierTransform

    public init(lattice: Lattice, spectrum: PowerSpectrum, effort: PlannerEffort = .estimate) {
        self.lattice = lattice
        power = spectrum.values(on: lattice)
        transform = FourierTransform.plan(lattice, effort: effort)
    }

    public func denoise(_ x: RealField, at level: NoiseLevel, into d: RealField, workspace w: DenoiserWorkspace) {
        let s = w.spectrum, v = s.values
        transform.forward(x, into: s)
        let (a, s2, norm) = (level.alpha, level.variance, 1 / Double(lattice.siteCount))
        for q in 0..<s.count {
            let m = a * power[q] / (a * a * power[q] + s2) * norm
            v[2 * q] *= m
            v[2 * q + 1] *= m
        }
        transform.inverse(destroying: s, into: d)
    }

    /// A sample of the field: IDFT(√P · DFT(w))/N for white noise w of unit variance.
    public func sample(noise: GaussianNoise, member: Int, stream: UInt64 = 0, into x: RealField, workspace w: DenoiserWorkspace) {
        noise.fill(x.values, count: x.count, member: member, step: 0, stream: stream)
        let s = w.spectrum, v = s.values
        transform.forward(x, into: s)
        let norm = 1 / Double(lattice.siteCount)
        for q in 0..<s.count {
            let m = power[q].squareRoot() * norm
            v[2 * q] *= m
            v[2 * q + 1] *= m
        }
        transform.inverse(destroying: s, into: x)
    }
}
