/// A periodic hypercubic lattice in 1, 2 or 3 dimensions.
///
/// Sites sit at x_i = a_i·m_i with spacing a_i = L_i/N_i, m_i = 0…N_i−1, stored row-major
/// (the last axis varies fastest). Wavevectors come from (N, L) only:
/// k_i = 2π n_i / L_i with n_i wrapped to [−N_i/2, N_i/2). The real-to-complex (r2c) layout
/// keeps N_0 × … × (N_{d−1}/2 + 1) modes: the **last** axis is halved.
public struct Lattice: Hashable, Sendable, CustomStringConvertible {
    /// Sites per axis, N_i.
    public let shape: [Int]
    /// Box length per axis, L_i.
    public let boxLength: [Double]

    public enum Error: Swift.Error, Equatable, CustomStringConvertible {
        case dimension(Int)
        case size(axis: Int, value: Int)
        case boxLength(axis: Int, value: Double)
        case mismatch(shape: Int, box: Int)
        case tooManySites(shape: [Int])

        public var description: String {
            switch self {
            case .dimension(let d): "lattice dimension \(d) is not supported (expected 1, 2 or 3)"
            case .size(let a, let v): "lattice size \(v) on axis \(a) must be a positive integer"
            case .boxLength(let a, let v): "box length \(v) on axis \(a) must be positive and finite"
            case .mismatch(let s, let b): "shape has \(s) axes but box has \(b)"
            case .tooManySites(let s): "shape \(s) has more than \(Lattice.maximumSites) sites"
            }
        }
    }

    /// A lattice of the given sizes; the box defaults to unit spacing (L_i = N_i).
    public init(shape: [Int], boxLength: [Double]? = nil) throws {
        guard (1...3).contains(shape.count) else { throw Error.dimension(shape.count) }
        for (i, n) in shape.enumerated() where n < 1 { throw Error.size(axis: i, value: n) }
        guard Lattice.checkedProduct(shape).map({ $0 <= Lattice.maximumSites }) == true else { throw Error.tooManySites(shape: shape) }
        let box = boxLength ?? shape.map(Double.init)
        guard box.count == shape.count else { throw Error.mismatch(shape: shape.count, box: box.count) }
        for (i, l) in box.enumerated() where !(l > 0 && l.isFinite) { throw Error.boxLength(axis: i, value: l) }
        self.shape = shape
        self.boxLength = box
    }

    /// FFTW's plans take `int` sizes: at most 2³¹ − 1 sites.
    public static let maximumSites = Int(Int32.max)

    /// Π values, or nil when the product overflows Int.
    public static func checkedProduct(_ values: [Int]) -> Int? {
        var p = 1
        for v in values {
            let (r, overflow) = p.multipliedReportingOverflow(by: v)
            if overflow { return nil }
            p = r
        }
        return p
    }

    public var dimension: Int { shape.count }
    /// Number of sites, N = Π N_i.
    public var siteCount: Int { shape.reduce(1, *) }
    /// Lattice spacing per axis, a_i = L_i / N_i.
    public var spacing: [Double] { zip(boxLength, shape).map { $0 / Double($1) } }
    /// Volume of one cell, v = Π a_i (the a^d of docs/theory.md).
    public var cellVolume: Double { spacing.reduce(1, *) }
    /// Total volume V = Π L_i.
    public var volume: Double { boxLength.reduce(1, *) }
    /// Shape of the r2c spectral array: the last axis is N/2 + 1.
    public var spectralShape: [Int] { shape.dropLast() + [shape[shape.count - 1] / 2 + 1] }
    /// Number of stored complex modes in the r2c layout.
    public var spectralCount: Int { spectralShape.reduce(1, *) }
    /// The fundamental wavenumber used to define shells, k_f = 2π / max L_i.
    public var fundamentalWavenumber: Double { 2 * Double.pi / boxLength.max()! }

    public var description: String {
        shape.map(String.init).joined(separator: "×") + " sites, box " + boxLength.map { "\($0)" }.joined(separator: "×")
    }

    /// Signed mode integer n ∈ [−N/2, N/2) of index j along an axis of N sites.
    @inlinable public static func modeInteger(_ j: Int, count n: Int) -> Int {
        j < (n + 1) / 2 ? j : j - n
    }

    /// Mode integers (n_0, …, n_{d−1}) of a flat r2c index. The last one is never negative.
    public func modeIntegers(spectralIndex q: Int) -> [Int] {
        let s = spectralShape
        var rest = q
        var n = [Int](repeating: 0, count: dimension)
        for axis in stride(from: dimension - 1, through: 0, by: -1) {
            let j = rest % s[axis]
            rest /= s[axis]
            n[axis] = axis == dimension - 1 ? j : Lattice.modeInteger(j, count: shape[axis])
        }
        return n
    }

    /// |k|² for every stored r2c mode, k_i = 2π n_i / L_i.
    public func waveNumberSquared() -> [Double] {
        // The per-axis k_i² tables, summed in axis order as |waveVector|² would be, without an
        // array per mode (half a million modes at 1024²).
        let s = spectralShape
        let axes = (0..<dimension).map { axis in
            (0..<s[axis]).map { j -> Double in
                let n = axis == dimension - 1 ? j : Lattice.modeInteger(j, count: shape[axis])
                let k = 2 * Double.pi * Double(n) / boxLength[axis]
                return k * k
            }
        }
        var out = [Double](repeating: 0, count: spectralCount), index = [Int](repeating: 0, count: dimension)
        for q in 0..<spectralCount {
            var sum = 0.0
            for axis in 0..<dimension { sum += axes[axis][index[axis]] }
            out[q] = sum
            // The next r2c index, last axis fastest.
            var axis = dimension - 1
            index[axis] += 1
            while axis > 0 && index[axis] == s[axis] { index[axis] = 0; axis -= 1; index[axis] += 1 }
        }
        return out
    }

    /// The wavevector k of a flat r2c index.
    public func waveVector(spectralIndex q: Int) -> [Double] {
        zip(modeIntegers(spectralIndex: q), boxLength).map { 2 * Double.pi * Double($0) / $1 }
    }

    /// Weight of a stored mode in sums over the full Brillouin zone: 1 where the last mode
    /// integer is 0 or N/2 (its partner is stored too, or it is its own), 2 otherwise.
    public func hermitianWeights() -> [Double] {
        (0..<spectralCount).map { hasStoredPartner(spectralIndex: $0) ? 1 : 2 }
    }

    /// Whether the Hermitian partner −k of a stored mode is stored too: its last mode integer
    /// is 0 or N/2.
    public func hasStoredPartner(spectralIndex q: Int) -> Bool {
        let j = q % spectralShape[dimension - 1], nLast = shape[dimension - 1]
        return j == 0 || (nLast % 2 == 0 && j == nLast / 2)
    }

    /// Integer shell index of every stored mode: round((|k|/k_f)²). For a cubic box this is
    /// exactly |n|²; for unequal boxes it groups modes of nearly equal |k|.
    public func shellIndices() -> [Int] {
        let kf2 = fundamentalWavenumber * fundamentalWavenumber
        return waveNumberSquared().map { Int(($0 / kf2).rounded()) }
    }

    /// `shellIndices()` up to `exactShellLimit`, and beyond it unit-width bins of |k|/k_f:
    /// label j² for the shells round(|k|²/k_f²) whose square root rounds to j (j ≥ 17; the first
    /// bin starts just above 16). Bins are unions of exact shells. A 320² lattice has 9 040 exact
    /// shells but 308 binned ones; the low shells, which the correlation lengths and fits use,
    /// stay exact.
    public func binnedShellIndices() -> [Int] { shellIndices().map(Lattice.binnedLabel) }

    /// Exact integer shells |n|² ≤ 256 (|n| ≤ 16); beyond, bins of unit width in |n|.
    public static let exactShellLimit = 256

    /// The bin of an exact label L = round(|n|²) (of a shell, or of a squared distance in units of
    /// the spacing): L up to `exactShellLimit`, else j² with j = max(17, round(√L)).
    public static func binnedLabel(_ exact: Int) -> Int {
        guard exact > exactShellLimit else { return exact }
        let j = max(Int(Double(exactShellLimit).squareRoot()) + 1, Int(Double(exact).squareRoot().rounded()))
        return j * j
    }

    /// Flat r2c index of the Hermitian partner −k of a mode whose last index is 0 or N/2
    /// (the modes whose partner is stored in the same array). Equal to q for self-conjugate modes.
    public func hermitianPartner(spectralIndex q: Int) -> Int {
        let s = spectralShape
        var rest = q, idx = [Int](repeating: 0, count: dimension)
        for axis in stride(from: dimension - 1, through: 0, by: -1) { idx[axis] = rest % s[axis]; rest /= s[axis] }
        var p = 0
        for axis in 0..<dimension {
            let j = axis == dimension - 1 ? idx[axis] : (shape[axis] - idx[axis]) % shape[axis]
            p = p * s[axis] + j
        }
        return p
    }

    /// Minimum-image displacement of a flat site index from the origin, in units of length.
    public func minimumImageDistance(siteIndex i: Int) -> Double {
        var rest = i, d2 = 0.0
        let a = spacing
        for axis in stride(from: dimension - 1, through: 0, by: -1) {
            let m = Lattice.modeInteger(rest % shape[axis], count: shape[axis])
            rest /= shape[axis]
            d2 += (Double(m) * a[axis]) * (Double(m) * a[axis])
        }
        return d2.squareRoot()
    }
}
