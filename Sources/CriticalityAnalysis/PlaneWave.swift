import Foundation
import CriticalityLattice

/// A normalised real plane wave on a lattice, e(x) ∝ cos(k·x) or sin(k·x) with ‖e‖ = 1 (sum
/// over sites): the probe direction of the Jacobian probes, docs/theory.md §4.
public struct PlaneWave: Sendable {
    /// Mode integers n (k_i = 2π n_i/L_i).
    public let mode: [Int]
    /// The structure-factor shell label round((|k|/k_f)²).
    public let shell: Int
    public let sine: Bool
    public let values: [Double]

    public init(lattice: Lattice, mode n: [Int], sine: Bool) {
        mode = n
        self.sine = sine
        let kf = lattice.fundamentalWavenumber
        let k2 = zip(n, lattice.boxLength).reduce(0.0) { s, p in s + pow(2 * Double.pi * Double(p.0) / p.1, 2) }
        shell = Int((k2 / (kf * kf)).rounded())
        var v = (0..<lattice.siteCount).map { i -> Double in
            var rest = i, phase = 0.0
            for axis in stride(from: lattice.dimension - 1, through: 0, by: -1) {
                phase += Double(n[axis] * (rest % lattice.shape[axis])) / Double(lattice.shape[axis])
                rest /= lattice.shape[axis]
            }
            return sine ? sin(2 * .pi * phase) : cos(2 * .pi * phase)
        }
        let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        for i in v.indices { v[i] /= norm }
        values = v
    }

    /// The cos and sin waves of k = 0 and of every mode of the lowest `shells` non-zero shells,
    /// one of each ±k pair, plus those of the `extra` r2c modes (the first unstable mode k*,
    /// say); sin is left out where it vanishes (2k ≡ 0).
    public static func lowestShells(_ lattice: Lattice, shells: Int, extra: [Int] = []) -> [PlaneWave] {
        let labels = lattice.shellIndices()
        let kept = Set(Set(labels).sorted().prefix(shells + 1))
        var waves: [PlaneWave] = []
        for q in 0..<lattice.spectralCount where kept.contains(labels[q]) || (extra.contains(q) && !kept.contains(labels[q])) {
            if lattice.hasStoredPartner(spectralIndex: q) && lattice.hermitianPartner(spectralIndex: q) < q { continue }
            let n = lattice.modeIntegers(spectralIndex: q)
            waves.append(PlaneWave(lattice: lattice, mode: n, sine: false))
            let selfConjugate = zip(n, lattice.shape).allSatisfy { (2 * $0.0) % $0.1 == 0 }
            if !selfConjugate { waves.append(PlaneWave(lattice: lattice, mode: n, sine: true)) }
        }
        return waves.sorted { a, b in
            a.shell != b.shell ? a.shell < b.shell : (a.mode != b.mode ? a.mode.lexicographicallyPrecedes(b.mode) : !a.sine && b.sine)
        }
    }
}
