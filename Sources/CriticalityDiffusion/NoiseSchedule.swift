import Foundation

/// The forward noising process x_t = α_t x₀ + σ_t ε, ε ~ N(0, I), docs/theory.md §1, with
/// signal-to-noise ratio λ_t = α_t²/σ_t². Every schedule is the linear SDE
///
///     dx = f(t) x dt + g(t) dW,   f = d log α/dt,   g² = dσ²/dt − 2 f σ²,
///
/// so samplers and denoisers need only (α, σ, f, g²) and never the schedule's name.
///
/// | schedule | α_t | σ_t² | time |
/// |---|---|---|---|
/// | `vp` (unit rate) | e^{−t/2} | 1 − e^{−t} | t > 0 |
/// | `ou` | e^{−t} | 1 − e^{−2t} | t > 0 (`ou` t is `vp` 2t) |
/// | `ddpm` (linear β) | exp(−¼t²(β_max − β_min) − ½tβ_min) | 1 − α² | 0 < t ≤ 1 |
/// | `cosine` (Kamb–Ganguli) | cos(πt/2.016) | 1 − α² | 0 < t ≤ 1 |
/// | `ve` (EDM: t is σ) | 1 | t² | t > 0 |
public enum NoiseSchedule: Sendable, Equatable {
    case vp
    case ou
    case ddpm(betaMin: Double, betaMax: Double)
    case cosine
    case ve

    /// The `ddpm` defaults β_min = 0.1, β_max = 20.
    public static let ddpmDefault = NoiseSchedule.ddpm(betaMin: 0.1, betaMax: 20)
    /// The cosine schedule's stretch: ᾱ_t = cos²(πt/(2·1.008)).
    static let cosineScale = Double.pi / 2.016

    public var name: String {
        switch self {
        case .vp: "vp"
        case .ou: "ou"
        case .ddpm: "ddpm"
        case .cosine: "cosine"
        case .ve: "ve"
        }
    }

    /// The times the schedule is defined on (σ_t > 0 and α_t > 0).
    public var domain: ClosedRange<Double> {
        switch self {
        case .vp, .ou, .ve: Double.leastNormalMagnitude...Double.greatestFiniteMagnitude
        case .ddpm, .cosine: Double.leastNormalMagnitude...1
        }
    }

    /// (α_t, σ_t) and their time derivatives at t.
    public func level(at t: Double) -> NoiseLevel {
        switch self {
        case .vp: return NoiseSchedule.variancePreserving(t, integratedRate: t, rate: 1)
        case .ou: return NoiseSchedule.variancePreserving(t, integratedRate: 2 * t, rate: 2)
        case .ddpm(let lo, let hi): return NoiseSchedule.variancePreserving(t, integratedRate: lo * t + 0.5 * (hi - lo) * t * t, rate: lo + t * (hi - lo))
        case .cosine:
            let c = NoiseSchedule.cosineScale, alpha = cos(c * t), sigma = sin(c * t)
            return NoiseLevel(time: t, alpha: alpha, sigma: sigma, alphaRate: -c * sigma, sigmaRate: c * alpha)
        case .ve:
            return NoiseLevel(time: t, alpha: 1, sigma: t, alphaRate: 0, sigmaRate: 1)
        }
    }

    /// α = e^{−B/2}, σ² = 1 − e^{−B} for B(t) = ∫₀ᵗ β, β the rate at t (1 for vp, 2 for ou,
    /// linear for ddpm).
    static func variancePreserving(_ t: Double, integratedRate b: Double, rate beta: Double) -> NoiseLevel {
        let alpha = exp(-0.5 * b), sigma = (-expm1(-b)).squareRoot()
        return NoiseLevel(time: t, alpha: alpha, sigma: sigma, alphaRate: -0.5 * beta * alpha, sigmaRate: 0.5 * beta * alpha * alpha / sigma)
    }

    /// The time at which λ_t = λ (the inverse of λ_t, in closed form for every schedule).
    public func time(atSignalToNoise lambda: Double) -> Double {
        let b = log1p(1 / lambda)  // B(t) = −log α² for the variance-preserving schedules
        switch self {
        case .vp: return b
        case .ou: return 0.5 * b
        case .ddpm(let lo, let hi):
            let a = 0.5 * (hi - lo)
            return a == 0 ? b / lo : (-lo + (lo * lo + 4 * a * b).squareRoot()) / (2 * a)
        case .cosine: return atan(1 / lambda.squareRoot()) / NoiseSchedule.cosineScale
        case .ve: return 1 / lambda.squareRoot()
        }
    }

    /// `ou` time t is `vp` time 2t: both have α = e^{−t_ou}.
    public static func vpTime(fromOU t: Double) -> Double { 2 * t }
    public static func ouTime(fromVP t: Double) -> Double { t / 2 }
}

/// The noise level of one time: α_t, σ_t, their rates, and the derived SDE coefficients.
public struct NoiseLevel: Sendable, Equatable {
    public let time: Double
    public let alpha: Double
    public let sigma: Double
    /// dα/dt and dσ/dt.
    public let alphaRate: Double
    public let sigmaRate: Double

    public init(time: Double, alpha: Double, sigma: Double, alphaRate: Double, sigmaRate: Double) {
        self.time = time
        self.alpha = alpha
        self.sigma = sigma
        self.alphaRate = alphaRate
        self.sigmaRate = sigmaRate
    }

    public var variance: Double { sigma * sigma }
    /// Signal-to-noise ratio λ = α²/σ².
    public var signalToNoise: Double { alpha * alpha / (sigma * sigma) }
    public var logSignalToNoise: Double { 2 * (log(alpha) - log(sigma)) }
    /// dλ/dt = 2λ(α'/α − σ'/σ).
    public var signalToNoiseRate: Double { 2 * signalToNoise * (alphaRate / alpha - sigmaRate / sigma) }
    /// Drift rate of the forward SDE, f = d log α/dt.
    public var drift: Double { alphaRate / alpha }
    /// Squared diffusion coefficient of the forward SDE, g² = dσ²/dt − 2fσ².
    public var diffusionSquared: Double { 2 * sigma * sigmaRate - 2 * drift * sigma * sigma }

    /// Tweedie's formula: the score s = (α D − x)/σ² from the denoiser output D.
    @inlinable public func score(x: Double, denoised d: Double) -> Double { (alpha * d - x) / (sigma * sigma) }
}
