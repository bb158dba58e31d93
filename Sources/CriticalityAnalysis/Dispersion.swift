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
    /// The windowed autocovariance C·𝟙_Ω on the lattice's sites, whose transform is ``spectrum``.
    public let kernel: [Double]

    /// From an autocovariance C(δ) on the lattice's sites and a window of side `window` per
    /// axis (nil: the whole lattice).
    public init(autocovariance c: [Double], lattice: Lattice, window: Int?) {
        precondition(c.count == lattice.siteCount)
        self.lattice = lattice
        let mask = window.map { BinaryPatchDenoiser.boxKernel(lattice, size: $0) }
        let kernel = (0..<c.count).map { c[$0] * (mask?[$0] ?? 1) }
        self.kernel = kernel
        let field = RealField(lattice) { kernel[$0] }, s = SpectralField(lattice)
        FourierTransform.plan(lattice).forward(field, into: s)
        let spectrum = (0..<s.count).map { s[$0].re }
        self.spectrum = spectrum
        // Stored: the critical-time tables compare every mode with the peak.
        peakMode = spectrum.indices.max { spectrum[$0] < spectrum[$1] || (spectrum[$0] == spectrum[$1] && $0 > $1) }!
    }

    /// The m-th derivative of Ĉ along the unit vector û at the wavevector k, exact:
    /// Ĉ(k) = Σ_δ K(δ) cos(k·δ) is a trigonometric polynomial of the kernel K = C·𝟙_Ω over
    /// minimum-image displacements δ (a displacement of exactly half an even side is split
    /// equally between ±L/2, so that Ĉ stays even off the lattice's wavevectors), and
    /// d^m/ds^m cos(k·δ + s û·δ) at s = 0 is (û·δ)^m cos^{(m)}(k·δ).
    public func derivative(order m: Int, at k: [Double], along u: [Double]) -> Double {
        let shape = lattice.shape, a = lattice.spacing
        var sum = 0.0
        for i in 0..<kernel.count where kernel[i] != 0 {
            var rest = i, images: [(weight: Double, kd: Double, ud: Double)] = [(1, 0, 0)]
            for axis in stride(from: lattice.dimension - 1, through: 0, by: -1) {
                let j = rest % shape[axis], n = shape[axis]
                rest /= n
                let d = Lattice.modeInteger(j, count: n)
                let offsets = 2 * j == n ? [d, -d] : [d]
                images = images.flatMap { im in offsets.map { o in
                    (im.weight / Double(offsets.count), im.kd + k[axis] * Double(o) * a[axis], im.ud + u[axis] * Double(o) * a[axis])
                } }
            }
            for im in images {
                let phase = m % 4 == 0 ? cos(im.kd) : m % 4 == 1 ? -sin(im.kd) : m % 4 == 2 ? -cos(im.kd) : sin(im.kd)
                sum += kernel[i] * im.weight * pow(im.ud, Double(m)) * phase
            }
        }
        return sum
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
    public let peakMode: Int
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
