import CriticalityLattice

/// The connected two-point function, docs/theory.md §5:
///
///     G(δ) = (1/N) Σ_x δφ(x) δφ(x + δ),   δφ = φ − φ̄,
///
/// computed as IDFT(|φ̂|² with the k = 0 mode removed)/N², and its radial profile over bins of
/// minimum-image distance: bin round((|δ|/a_min)²), integer |m|² on a cubic lattice. With
/// `binned`, distances beyond |m| = 16 are grouped in unit-width bins of |m|, as
/// `Lattice.binnedLabel(_:)` does for shells.
public struct CorrelationFunction: Sendable {
    public let lattice: Lattice
    let binOfSite: [Int]
    let sitesPerBin: [Double]
    /// Mean distance of each bin, in units of length.
    public let distance: [Double]

    public init(_ lattice: Lattice, binned: Bool = false) {
        self.lattice = lattice
        let aMin = lattice.spacing.min()!
        let d = (0..<lattice.siteCount).map { lattice.minimumImageDistance(siteIndex: $0) }
        let labels = d.map { Int(($0 / aMin * $0 / aMin).rounded()) }.map { binned ? Lattice.binnedLabel($0) : $0 }
        let distinct = Array(Set(labels)).sorted()
        let position = Dictionary(uniqueKeysWithValues: distinct.enumerated().map { ($1, $0) })
        binOfSite = labels.map { position[$0]! }
        var count = [Double](repeating: 0, count: distinct.count), dSum = count
        for i in 0..<d.count { count[binOfSite[i]] += 1; dSum[binOfSite[i]] += d[i] }
        sitesPerBin = count
        distance = zip(dSum, count).map { $0 / $1 }
    }

    public var binCount: Int { distance.count }

    /// Radial profile of G for a field with spectrum φ̂ (scratch buffers are overwritten).
    public func radialProfile(spectrum: SpectralField, transform: FourierTransform,
                              scratch: SpectralField, work: RealField) -> [Double] {
        let n = Double(lattice.siteCount)
        for q in 0..<spectrum.count {
            let (re, im) = spectrum[q]
            scratch[q] = ((re * re + im * im) / (n * n), 0)
        }
        scratch[0] = (0, 0)
        transform.inverse(destroying: scratch, into: work)
        var g = [Double](repeating: 0, count: binCount)
        for i in 0..<work.count { g[binOfSite[i]] += work[i] }
        return (0..<binCount).map { g[$0] / sitesPerBin[$0] }
    }
}
