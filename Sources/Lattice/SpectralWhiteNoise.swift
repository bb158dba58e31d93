/// Draws, directly in the r2c layout, the DFT ξ̂(k) of real white noise of unit variance per
/// site: ⟨|ξ̂(k)|²⟩ = N for every k, ξ̂(−k) = conj ξ̂(k) enforced on the stored modes whose
/// partner is stored too (last mode integer 0 or N/2), self-conjugate modes real.
///
/// The exact Ornstein–Uhlenbeck step multiplies noise mode by mode, so drawing it in Fourier
/// space saves a transform per step. Positions in the counter-based stream are the
/// interleaved (re, im) slots of the spectral array.
public struct SpectralWhiteNoise: Sendable {
    public let lattice: Lattice
    public let noise: GaussianNoise
    /// Modes equal to their own partner (real).
    let selfConjugate: [Int]
    /// (mode, partner) with partner < mode: the mode is set to conj(partner).
    let mirrored: [(Int, Int)]

    public init(lattice: Lattice, noise: GaussianNoise) {
        self.lattice = lattice
        self.noise = noise
        let h = lattice.spectralShape[lattice.dimension - 1]
        let nLast = lattice.shape[lattice.dimension - 1]
        var selfC: [Int] = [], mir: [(Int, Int)] = []
        for q in 0..<lattice.spectralCount {
            let j = q % h
            guard j == 0 || (nLast % 2 == 0 && j == nLast / 2) else { continue }
            let p = lattice.hermitianPartner(spectralIndex: q)
            if p == q { selfC.append(q) } else if p < q { mir.append((q, p)) }
        }
        selfConjugate = selfC
        mirrored = mir
    }

    /// Fills `out` with amplitude·ξ̂ for (member, step).
    public func fill(_ out: SpectralField, amplitude: Double, member: Int, step: Int) {
        let n = Double(lattice.siteCount)
        let v = out.values
        noise.fill(v, count: 2 * out.count, scale: amplitude * (n / 2).squareRoot(), member: member, step: step)
        let root2 = 2.0.squareRoot()
        for q in selfConjugate {
            v[2 * q] *= root2
            v[2 * q + 1] = 0
        }
        for (q, p) in mirrored {
            v[2 * q] = v[2 * p]
            v[2 * q + 1] = -v[2 * p + 1]
        }
    }
}
