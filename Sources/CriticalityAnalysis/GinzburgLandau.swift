import CriticalityDiffusion
import Foundation
import CriticalityLattice

/// The Ginzburg–Landau coefficients of the score at the homogeneous state, docs/theory.md §6
/// [reconstructed]: s ≈ −δF/δφ with F = ∫ ½rφ² + ½κ|∇φ|² + ¼gφ⁴, φ the per-site deviation from
/// the homogeneous state. r and κ come from a small-k fit of h(k, t) = r + κk² (+ μk⁴ when
/// three or more shells are probed), g from the cubic response of the score to a uniform shift;
/// around a ring |k*| > 0 (§11.3) from the probes across the ring and the response along k*.
public struct GinzburgLandauCoefficients: Sendable, Equatable {
    public var r: Double
    public var kappa: Double
    public var g: Double

    public init(r: Double, kappa: Double, g: Double) {
        self.r = r
        self.kappa = kappa
        self.g = g
    }

    /// The binary patch model (P = window side): r = (σ² − α²P²)/σ⁴,
    /// κ = α²P²(P² − 1)/(24σ⁴), g = α⁴P⁶/(3σ⁸) (the cubic Taylor coefficient of
    /// (α tanh(αP²φ/σ²) − φ)/σ², exact).
    public static func binaryPatch(_ l: NoiseLevel, patch p: Int) -> GinzburgLandauCoefficients {
        let (a2, s2, p2) = (l.alpha * l.alpha, l.variance, Double(p * p))
        return .init(r: (s2 - a2 * p2) / (s2 * s2), kappa: a2 * p2 * (p2 - 1) / (24 * s2 * s2), g: a2 * a2 * p2 * p2 * p2 / (3 * s2 * s2 * s2 * s2))
    }

    /// Measured on a model at time t. The uniform shifts are c, 2c, 3c with c = 0.02·min(σ, 1/|J₀|),
    /// J₀ = ⟨e₀, J_D e₀⟩ (so that the tanh-like response is probed in its cubic regime); the
    /// odd part of the mean score, −s(jc)/(jc) = r + g(jc)² + O(c⁴), is interpolated in (jc)².
    /// `waveStiffness`: the probe's σ²h per wave at this time and state, when already measured.
    public static func measure(_ softening: ModeSoftening, at t: Double, waveStiffness: [Double]? = nil, workspace w: JacobianProbe.Workspace) -> GinzburgLandauCoefficients {
        let probe = softening.probe, level = softening.schedule.level(at: t)
        let x0 = softening.homogeneousState(level)
        let sh = waveStiffness ?? probe.stiffness(at: x0, level: level, workspace: w)
        let h = probe.shellMeans(sh).map { $0 / level.variance }
        let k2 = probe.shellWaveNumberSquared
        let kappa: Double
        if h.count >= 3 {
            // h − h(0) = κk² + μk⁴ by least squares through the origin.
            var (a, b, c, y1, y2) = (0.0, 0.0, 0.0, 0.0, 0.0)
            for s in 1..<h.count {
                let (u, v, y) = (k2[s], k2[s] * k2[s], h[s] - h[0])
                a += u * u; b += u * v; c += v * v; y1 += u * y; y2 += v * y
            }
            kappa = (y1 * c - y2 * b) / (a * c - b * b)
        } else {
            kappa = h.count == 2 ? (h[1] - h[0]) / k2[1] : .nan
        }
        let e = [Double](repeating: 1 / Double(x0.count).squareRoot(), count: x0.count)
        return .init(r: h[0], kappa: kappa, g: quartic(probe.denoiser, along: e, around: x0, level: level, stiffness: sh[0], workspace: w))
    }

    /// Around a ring |k*| > 0 (docs/theory.md §11.3): r and κ from the probes at k* and its two
    /// radial neighbours (``RingExpansion/latticeCoefficients(minus:centre:plus:)``), g from the
    /// cubic response along the cos wave of k*.
    public static func measure(_ softening: ModeSoftening, ring: RingExpansion, at t: Double, workspace w: JacobianProbe.Workspace) -> GinzburgLandauCoefficients {
        let level = softening.schedule.level(at: t), x0 = softening.homogeneousState(level), waves = ring.waves
        let probe = JacobianProbe(denoiser: softening.probe.denoiser, waves: waves.map(\.wave), method: softening.probe.method, relativeStep: softening.probe.relativeStep)
        let sh = probe.stiffness(at: x0, level: level, workspace: w)
        func h(_ j: Int) -> Double {
            let v = waves.indices.filter { waves[$0].offset == j }.map { sh[$0] }
            return v.reduce(0, +) / (Double(v.count) * level.variance)
        }
        let (r, kappa) = ring.latticeCoefficients(minus: h(-1), centre: h(0), plus: h(1))
        let centre = waves.firstIndex { $0.offset == 0 }!
        return .init(r: r, kappa: kappa, g: quartic(probe.denoiser, along: waves[centre].wave.values, around: x0, level: level, stiffness: sh[centre], workspace: w))
    }

    /// g of F's ¼gφ⁴ from the odd part of the score's projection on a normalised direction e:
    /// −⟨e, s(x₀ + ae)⟩/a = h_e + g Σe⁴ a² + O(a⁴). The amplitudes are a_j = j c/max|e|
    /// (j = 1, 2, 3; a per-site amplitude up to jc) with c = 0.02·min(σ, 1/|J_e|),
    /// J_e = ⟨e, J_D e⟩ = (1 − σ²h_e)/α, so that a tanh-like response is probed in its cubic
    /// regime; the a² coefficient is interpolated through the three values in a².
    static func quartic(_ denoiser: any Denoiser, along e: [Double], around x0: RealField, level: NoiseLevel, stiffness: Double, workspace w: JacobianProbe.Workspace) -> Double {
        let j0 = (1 - stiffness) / level.alpha
        let c = 0.02 * min(level.sigma, 1 / max(abs(j0), 1e-300)) / e.reduce(0) { max($0, abs($1)) }
        // The six amplitudes ±a_j in one call (one batch for a model in another program).
        let shifts = (1...3).flatMap { j in [Double(j) * c, -Double(j) * c] }
        w.reserve(shifts.count)
        let (shifted, denoised) = (Array(w.shifted.prefix(shifts.count)), Array(w.denoised.prefix(shifts.count)))
        for (f, a) in zip(shifted, shifts) { for i in 0..<f.count { f[i] = x0[i] + a * e[i] } }
        denoiser.denoise(shifted, at: level, into: denoised, workspace: w.denoiser)
        let projection = zip(shifted, denoised).map { x, d in
            var s = 0.0
            for i in 0..<d.count { s += e[i] * level.score(x: x[i], denoised: d[i]) }
            return s
        }
        let z = (1...3).map { Double($0 * $0) * c * c }
        let u = (0..<3).map { j -> Double in -0.5 * (projection[2 * j] - projection[2 * j + 1]) / shifts[2 * j] }
        let d1 = (u[1] - u[0]) / (z[1] - z[0]), d2 = (u[2] - u[1]) / (z[2] - z[1]), dd = (d2 - d1) / (z[2] - z[0])
        return (d1 - dd * (z[0] + z[1])) / e.reduce(0) { $0 + $1 * $1 * $1 * $1 }
    }
}
