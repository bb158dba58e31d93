import CriticalityLattice

/// The structure factor on integer shells, docs/theory.md §5:
///
///     S(k) = (v/N) ⟨|φ̂(k)|²⟩,
///
/// φ̂ the unnormalised DFT, v the cell volume, N the number of sites, averaged over the modes of
/// each shell with r2c half-space weights (1 where the last mode integer is 0 or N/2, else 2).
/// White noise of per-site variance σ² gives S = σ²v on every shell; equilibrium linear model A
/// gives T/(r + κk²). Shells are round((|k|/k_f)²), k_f = 2π/max L: integer |n|² in a cubic box.
/// With `binned`, shells beyond |n|² = 256 are grouped in unit-width bins of |n|
/// (`Lattice.binnedShellIndices()`): what runs record, so that S(k) does not grow as N^d.
public struct StructureFactor: Sendable {
    public let lattice: Lattice
    /// Shell position of every stored mode (index into the shell arrays).
    let shellOfMode: [Int]
    let weight: [Double]
    /// Weighted mode count per shell (modes of the full Brillouin zone).
    public let modeCount: [Double]
    /// Mean |k| and mean |k|² per shell.
    public let waveNumber: [Double]
    public let waveNumberSquared: [Double]
    /// The integer shell labels round((|k|/k_f)²) (binned: j² for the bin around |n| = j).
    public let shellLabel: [Int]

    public init(_ lattice: Lattice, binned: Bool = false) {
        self.lattice = lattice
        let labels = binned ? lattice.binnedShellIndices() : lattice.shellIndices()
        // Labels are small non-negative integers: an array indexed by label, not a hash table
        // (a 1024² lattice has half a million modes).
        var position = [Int](repeating: -1, count: (labels.max() ?? 0) + 1)
        for l in labels { position[l] = 0 }
        let distinct = position.indices.filter { position[$0] == 0 }
        for (i, l) in distinct.enumerated() { position[l] = i }
        shellOfMode = labels.map { position[$0] }
        weight = lattice.hermitianWeights()
        let k2 = lattice.waveNumberSquared()
        var count = [Double](repeating: 0, count: distinct.count), kSum = count, k2Sum = count
        for q in 0..<labels.count {
            let s = shellOfMode[q]
            count[s] += weight[q]; kSum[s] += weight[q] * k2[q].squareRoot(); k2Sum[s] += weight[q] * k2[q]
        }
        modeCount = count
        waveNumber = zip(kSum, count).map { $0 / $1 }
        waveNumberSquared = zip(k2Sum, count).map { $0 / $1 }
        shellLabel = distinct
    }

    public var shellCount: Int { shellLabel.count }

    /// Shell averages of (v/N)|φ̂(k)|² for one spectrum.
    public func shellAverages(_ spectrum: SpectralField) -> [Double] {
        var s = [Double](repeating: 0, count: shellCount)
        let v = spectrum.values
        for q in 0..<spectrum.count {
            s[shellOfMode[q]] += weight[q] * (v[2 * q] * v[2 * q] + v[2 * q + 1] * v[2 * q + 1])
        }
        let norm = lattice.cellVolume / Double(lattice.siteCount)
        return (0..<shellCount).map { s[$0] * norm / modeCount[$0] }
    }

    /// The largest per-mode value on each shell (the first mode of a shell to go unstable).
    public func shellMaxima(_ perMode: [Double]) -> [Double] {
        var s = [Double](repeating: -.infinity, count: shellCount)
        for q in perMode.indices { s[shellOfMode[q]] = max(s[shellOfMode[q]], perMode[q]) }
        return s
    }

    /// Shell means of a per-mode quantity (a predicted S(k), say), weighted as S is.
    public func shellMeans(_ perMode: [Double]) -> [Double] {
        var s = [Double](repeating: 0, count: shellCount)
        for q in perMode.indices { s[shellOfMode[q]] += weight[q] * perMode[q] }
        return (0..<shellCount).map { s[$0] / modeCount[$0] }
    }
}
