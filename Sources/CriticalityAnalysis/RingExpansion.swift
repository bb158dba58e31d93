import CriticalityDiffusion
import Foundation
import CriticalityLattice

/// The Ginzburg–Landau expansion around a ring instability, docs/theory.md §11.3
/// [reconstructed]. When the dispersion peaks at |k*| > 0 the stiffness
/// h(k, t) = (σ² − α²Ĉ(k))/σ⁴ is expanded along the radial line through k* (the
/// Swift–Hohenberg form):
///
///     h(k* + s k̂*) ≈ r + κ s²,   r = (σ² − α²Λ*)/σ⁴,   κ = −½ α² ∂²_s Ĉ(k*)/σ⁴,
///
/// and ξ_ring = √(κ/r) is the inverse half width of S ∝ 1/h across the ring. On the lattice the radial line through
/// k* = 2πn*/L holds the modes n* + j·u with u = n*/gcd(n*); the lattice estimators take the
/// second difference over j = −1, 0, 1, whose step is Δ = |k(u)|.
public struct RingExpansion: Sendable {
    public let lattice: Lattice
    /// Mode integers of k* and of the radial step u.
    public let peak: [Int]
    public let step: [Int]

    /// Nil when k* = 0 (the expansion of docs/theory.md §6 applies there).
    public init?(lattice: Lattice, peakMode q: Int) {
        let n = lattice.modeIntegers(spectralIndex: q)
        let divisor = n.reduce(0) { a, b in
            var (x, y) = (a, abs(b))
            while y != 0 { (x, y) = (y, x % y) }
            return x
        }
        guard divisor > 0 else { return nil }
        self.lattice = lattice
        peak = n
        step = n.map { $0 / divisor }
    }

    func waveVector(_ n: [Int]) -> [Double] { zip(n, lattice.boxLength).map { 2 * Double.pi * Double($0) / $1 } }
    func norm(_ k: [Double]) -> Double { k.reduce(0) { $0 + $1 * $1 }.squareRoot() }

    /// |k*|.
    public var peakWaveNumber: Double { norm(waveVector(peak)) }
    /// Δ = |k(u)|, the spacing of the lattice's modes along the radial line.
    public var stepWaveNumber: Double { norm(waveVector(step)) }

    /// The cos and sin waves of n* + j·u for j = −1, 0, 1 (sin left out where it vanishes), each
    /// with its j.
    public var waves: [(offset: Int, wave: PlaneWave)] {
        (-1...1).flatMap { j -> [(offset: Int, wave: PlaneWave)] in
            let n = zip(peak, step).map { $0 + j * $1 }
            let selfConjugate = zip(n, lattice.shape).allSatisfy { (2 * $0.0) % $0.1 == 0 }
            return (selfConjugate ? [false] : [false, true]).map { (j, PlaneWave(lattice: lattice, mode: n, sine: $0)) }
        }
    }

    /// r and κ of a dispersion at k* with the exact radial derivative (g is not given: NaN).
    public func coefficients(_ d: Dispersion, at level: NoiseLevel) -> GinzburgLandauCoefficients {
        let k = waveVector(peak), u = k.map { $0 / peakWaveNumber }, s2 = level.variance * level.variance
        let a2 = level.alpha * level.alpha
        return .init(r: (level.variance - a2 * d.derivative(order: 0, at: k, along: u)) / s2,
                     kappa: -0.5 * a2 * d.derivative(order: 2, at: k, along: u) / s2, g: .nan)
    }

    /// The lattice estimate from h at the radial neighbours: r = h₀, κ = (h₊ + h₋ − 2h₀)/(2Δ²).
    public func latticeCoefficients(minus: Double, centre: Double, plus: Double) -> (r: Double, kappa: Double) {
        (centre, (plus + minus - 2 * centre) / (2 * stepWaveNumber * stepWaveNumber))
    }

    /// ξ_ring = √(κ/r); NaN unless r > 0 and κ > 0 (past the instability, or not a maximum).
    public static func length(r: Double, kappa: Double) -> Double {
        r > 0 && kappa > 0 ? (kappa / r).squareRoot() : .nan
    }

    /// The lattice estimator of ξ_ring on a structure factor at the radial neighbours:
    /// √(½(S₀/S₊ + S₀/S₋) − 1)/Δ = √(κ_Δ/r) of 1/S (at k* = 0 it is ξ_2nd); NaN unless S₀ > 0
    /// and S peaks at k* along the line.
    public func length(structureFactorMinus sm: Double, centre s0: Double, plus sp: Double) -> Double {
        let ratio = 0.5 * (s0 / sp + s0 / sm) - 1
        return s0 > 0 && ratio > 0 ? ratio.squareRoot() / stepWaveNumber : .nan
    }

    /// The r2c indices of n* − u, n*, n* + u: the modes a probe needs for the lattice estimators.
    public var modes: [Int] { (-1...1).map { j in spectralIndex(zip(peak, step).map { $0 + j * $1 }) } }

    /// ξ_ring from per-wave probe stiffnesses (σ²h, any common scale): the waves of
    /// n* + j·u (or of its negative) averaged for each j, then the lattice estimator on the
    /// static susceptibility χ = 1/h.
    public func length(waves: [PlaneWave], stiffness: [Double]) -> Double {
        func h(_ j: Int) -> Double {
            let n = zip(peak, step).map { $0 + j * $1 }
            let v = waves.indices.filter { same(waves[$0].mode, n) }.map { stiffness[$0] }
            return v.reduce(0, +) / Double(v.count)
        }
        return length(structureFactorMinus: 1 / h(-1), centre: 1 / h(0), plus: 1 / h(1))
    }

    /// Whether mode integers m and n are the same mode or partners (±, modulo the lattice).
    func same(_ m: [Int], _ n: [Int]) -> Bool {
        zip(m, zip(n, lattice.shape)).allSatisfy { ($0 - $1.0) % $1.1 == 0 } || zip(m, zip(n, lattice.shape)).allSatisfy { ($0 + $1.0) % $1.1 == 0 }
    }

    /// The r2c index of mode integers n (or of −n when n is not stored).
    func spectralIndex(_ n: [Int]) -> Int {
        (0..<lattice.spectralCount).first { same(lattice.modeIntegers(spectralIndex: $0), n) }!
    }
}
