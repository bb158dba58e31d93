import CriticalityDiffusion
import Foundation
import CriticalityLattice

/// The mode-softening dispersion of a local score model at its symmetric homogeneous state,
/// docs/theory.md §4 [reconstructed]. The Jacobian of D there is the convolution (α/σ²) C·𝟙_Ω, with
///
///     C(δ) = (1/(nN)) Σ_n Σ_x y_n(x) y_n(x + δ) − ȳ²
///
/// the training set's periodic autocovariance (uniform weights over images and positions) and
/// Ω the P×P window (the whole lattice for memorising models). Its transform
/// Ĉ(k) = Σ_{δ∈Ω} C(δ) e^{−ik·δ} gives the score-Jacobian eigenvalue λ_s = (α²Ĉ − σ²)/σ⁴ and
/// the stiffness h(k, t) = −λ_s; mode k softens when λ_t Ĉ(k) = 1 (criterion C1).
public struct Dispersion: Sendable {
    public let lattice: Lattice
    /// Ĉ(k) on every stored r2c mode (real: C is even).
    public let spectrum: [Double]

    /// From an autocovariance C(δ) on the lattice's sites and a window of side `window` per
    /// axis (nil: the whole lattice).
    public init(autocovariance c: [Double], lattice: Lattice, window: Int?) {
        precondition(c.count == lattice.siteCount)
        self.lattice = lattice
        let mask = window.map { BinaryPatchDenoiser.boxKernel(lattice, size: $0) }
        let field = RealField(lattice) { c[$0] * (mask?[$0] ?? 1) }, s = SpectralField(lattice)
        FourierTransform.plan(lattice).forward(field, into: s)
        spectrum = (0..<s.count).map { s[$0].re }
    }

    /// The dispersion of a training set (single-channel images on `lattice`).
    public init(data: Dataset, lattice: Lattice, window: Int?) {
        self.init(autocovariance: Dispersion.autocovariance(data, lattice: lattice), lattice: lattice, window: window)
    }

    /// The binary patch model: C ≡ 1 (the two uniform images ±1), so Ĉ = D_P(k_x) D_P(k_y).
    public static func binaryPatch(lattice: Lattice, patch: Int) -> Dispersion {
        Dispersion(autocovariance: [Double](repeating: 1, count: lattice.siteCount), lattice: lattice, window: patch)
    }

    /// C(δ) = IDFT(mean_n |ŷ_n|²)/N² − ȳ², by FFT.
    public static func autocovariance(_ data: Dataset, lattice: Lattice) -> [Double] {
        precondition(data.images[0].count == lattice.siteCount)
        let n = Double(lattice.siteCount), t = FourierTransform.plan(lattice)
        let power = SpectralField(lattice), s = SpectralField(lattice)
        var mean = 0.0
        for y in data.images {
            t.forward(RealField(lattice) { y[$0] }, into: s)
            for q in 0..<s.count { power.values[2 * q] += (s.values[2 * q] * s.values[2 * q] + s.values[2 * q + 1] * s.values[2 * q + 1]) / Double(data.count) }
            mean += y.reduce(0, +) / (n * Double(data.count))
        }
        let c = RealField(lattice)
        t.inverse(destroying: power, into: c)
        return c.array.map { $0 / (n * n) - mean * mean }
    }

    /// The first mode to soften, k* = argmax Ĉ (the lowest such r2c index on ties).
    public var peakMode: Int { spectrum.indices.max { spectrum[$0] < spectrum[$1] || (spectrum[$0] == spectrum[$1] && $0 > $1) }! }
    /// Λ* = Ĉ(k*).
    public var peak: Double { spectrum[peakMode] }

    /// h(k, t) = (σ² − α²Ĉ(k))/σ⁴ for one mode.
    public func stiffness(mode q: Int, at level: NoiseLevel) -> Double {
        (level.variance - level.alpha * level.alpha * spectrum[q]) / (level.variance * level.variance)
    }

    /// The time at which mode q softens under criterion C1, λ_t Ĉ(k) = 1; nil when Ĉ(k) ≤ 0
    /// (to round-off).
    public func criticalTime(mode q: Int, schedule: NoiseSchedule) -> Double? {
        criticalTime(value: spectrum[q], schedule: schedule)
    }

    /// Ĉ within this fraction of the peak is zero to round-off (a float64 transform of the
    /// autocovariance leaves ~1e-16 where the data have no power): such modes never soften.
    public static let roundOff = 1e-12

    /// The C1 time of a value of this dispersion (a mode's, or a shell's mean or maximum); nil
    /// when it is negative or zero to round-off.
    public func criticalTime(value lambda: Double, schedule: NoiseSchedule) -> Double? {
        guard lambda > Dispersion.roundOff * abs(peak) else { return nil }
        return Dispersion.criticalTime(lambda, schedule: schedule)
    }

    /// C1: λ_t Λ = 1.
    public static func criticalTime(_ lambda: Double, schedule: NoiseSchedule) -> Double? {
        guard lambda > 0 else { return nil }
        let t = schedule.time(atSignalToNoise: 1 / lambda)
        return schedule.domain.contains(t) ? t : nil
    }

    /// Criterion C2 (Raya–Ambrogioni): the linearised reverse-SDE drift −f x + g² s of the
    /// mode with Ĉ = Λ changes sign, h = −f/g². For the variance-preserving schedules (vp, ou,
    /// ddpm, cosine) −f/g² = ½, so σ² − α²Λ = σ⁴/2 and α² = √(Λ² + 1) − Λ; for `ve` (f = 0) C2
    /// coincides with C1.
    public static func criticalTimeC2(_ lambda: Double, schedule: NoiseSchedule) -> Double? {
        guard lambda > 0 else { return nil }
        if schedule == .ve { return criticalTime(lambda, schedule: schedule) }
        let a2 = 1 / ((lambda * lambda + 1).squareRoot() + lambda)  // √(Λ² + 1) − Λ without cancellation
        let t = schedule.time(atSignalToNoise: a2 / (1 - a2))
        return schedule.domain.contains(t) ? t : nil
    }
}
