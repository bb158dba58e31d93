/// The stored r2c modes whose Hermitian partner −k is stored in the same array: those whose
/// last mode integer is 0 or N/2. The spectrum of a real field satisfies φ̂(−k) = conj φ̂(k)
/// there, but FFTW's r2c output does so only to rounding. Spectral state that is evolved in
/// Fourier space must be kept exactly Hermitian: c2r cannot see an anti-Hermitian residue, and
/// in a linearly unstable mode that residue grows unseen (as e^{γt} from 10⁻¹⁶) until it
/// overflows.
public struct HermitianSymmetry: Sendable {
    /// Modes equal to their own partner (real): 2^d of them at most.
    public let selfConjugate: [Int]
    /// (mode, partner) pairs with partner < mode.
    public let pairs: [(Int, Int)]

    public init(_ lattice: Lattice) {
        var selfC: [Int] = [], pairs: [(Int, Int)] = []
        for q in 0..<lattice.spectralCount where lattice.hasStoredPartner(spectralIndex: q) {
            let p = lattice.hermitianPartner(spectralIndex: q)
            if p == q { selfC.append(q) } else if p < q { pairs.append((q, p)) }
        }
        selfConjugate = selfC
        self.pairs = pairs
    }

    /// Projects onto the Hermitian subspace: φ̂(k), φ̂(−k) ← their Hermitian mean; self-conjugate
    /// modes lose their imaginary part.
    public func project(_ s: SpectralField) {
        let v = s.values
        for q in selfConjugate { v[2 * q + 1] = 0 }
        for (q, p) in pairs {
            let re = 0.5 * (v[2 * q] + v[2 * p]), im = 0.5 * (v[2 * q + 1] - v[2 * p + 1])
            v[2 * q] = re; v[2 * q + 1] = im
            v[2 * p] = re; v[2 * p + 1] = -im
        }
    }

    /// Makes independent draws Hermitian: each pair's later mode becomes the conjugate of the
    /// earlier one, and self-conjugate modes become real with `selfScale` times their real part.
    func mirror(_ s: SpectralField, selfScale: Double) {
        let v = s.values
        for q in selfConjugate { v[2 * q] *= selfScale; v[2 * q + 1] = 0 }
        mirrorPairs(s)
    }

    /// Sets the later mode of each pair to the conjugate of the earlier one.
    public func mirrorPairs(_ s: SpectralField) {
        let v = s.values
        for (q, p) in pairs { v[2 * q] = v[2 * p]; v[2 * q + 1] = -v[2 * p + 1] }
    }
}
