/// Draws, directly in the r2c layout, the DFT ξ̂(k) of real white noise of unit variance per
/// site: ⟨|ξ̂(k)|²⟩ = N for every k, ξ̂(−k) = conj ξ̂(k) exactly on the stored modes whose
/// partner is stored too, self-conjugate modes real.
///
/// The exact Ornstein–Uhlenbeck step multiplies noise mode by mode, so drawing it in Fourier
/// space saves a transform per step. Positions in the counter-based stream are the
/// interleaved (re, im) slots of the spectral array.
public struct SpectralWhiteNoise: Sendable {
    public let lattice: Lattice
    public let noise: GaussianNoise
    let symmetry: HermitianSymmetry

    public init(lattice: Lattice, noise: GaussianNoise) {
        self.lattice = lattice
        self.noise = noise
        symmetry = HermitianSymmetry(lattice)
    }

    /// Fills `out` with amplitude·ξ̂ for (member, step).
    public func fill(_ out: SpectralField, amplitude: Double, member: Int, step: Int) {
        let n = Double(lattice.siteCount)
        noise.fill(out.values, count: 2 * out.count, scale: amplitude * (n / 2).squareRoot(), member: member, step: step)
        symmetry.mirror(out, selfScale: 2.0.squareRoot())
    }
}
