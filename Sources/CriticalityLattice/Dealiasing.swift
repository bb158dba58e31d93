/// A dealiasing mask for pseudo-spectral nonlinear terms: keeps modes with |n_i| ≤ f·N_i/2 on
/// every axis and zeroes the rest. f = ½ removes all aliasing of a cubic term (φ³ spreads a
/// band of half-width K to 3K); f = ⅔ is the quadratic rule.
public struct Dealiasing: Sendable, Equatable {
    /// The retained fraction f ∈ (0, 1) of each axis' Nyquist mode integer.
    public let fraction: Double
    /// 1 for kept modes, 0 for removed ones, per stored r2c mode.
    public let mask: [Double]

    public static let cubicFraction = 0.5

    public init(_ lattice: Lattice, fraction: Double = Dealiasing.cubicFraction) {
        precondition(fraction > 0 && fraction < 1, "dealiasing fraction must lie in (0, 1)")
        self.fraction = fraction
        mask = (0..<lattice.spectralCount).map { q in
            let n = lattice.modeIntegers(spectralIndex: q)
            for axis in 0..<lattice.dimension where Double(abs(n[axis])) > fraction * Double(lattice.shape[axis]) / 2 {
                return 0
            }
            return 1
        }
    }
}
