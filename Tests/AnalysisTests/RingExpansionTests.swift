import Foundation
import Testing
import CriticalityDiffusion
import CriticalityLattice
@testable import CriticalityAnalysis

// The Ginzburg–Landau expansion around a ring (docs/theory.md §11.3) on stripes and
// checkerboards: the dispersion's exact r and κ against the probes of a circular ELS machine
// across the ring, and g along e_k* against the fourth joint cumulant of the machine's patch
// dictionary, summed directly.

private let ringCases: [(name: String, data: Dataset)] = [
    ("stripes λ = 4", try! SyntheticData.stripes(shape: [16, 16], wavelength: 4)),
    ("checkerboards λ = 4", try! SyntheticData.checkerboards(shape: [16, 16], wavelength: 4)),
]

@Test func dispersionDerivativesAreThoseOfItsSpectrum() {
    let l = try! Lattice(shape: [16, 16])
    for (name, data) in ringCases {
        for window in [5, nil] as [Int?] {
            let d = Dispersion(data: data, lattice: l, window: window)
            // Order 0 off the FFT: the trigonometric polynomial on every stored mode.
            var worst = 0.0
            for q in 0..<l.spectralCount {
                worst = max(worst, abs(d.derivative(order: 0, at: l.waveVector(spectralIndex: q), along: [1, 0]) - d.spectrum[q]))
            }
            #expect(worst < 1e-12, "\(name), window \(String(describing: window)): \(worst)")
            // Orders 2 and 4 against central differences of order 0 at an off-lattice point, to
            // their truncation (e²f⁽⁴⁾/12, e²f⁽⁶⁾/6, with half again for the next terms) plus the
            // round-off of the differences (4ε|Ĉ|/e², 16ε|Ĉ|/e⁴).
            let k = [0.7, 1.9], u = [0.6, 0.8]
            func c(_ s: Double) -> Double { d.derivative(order: 0, at: [k[0] + s * u[0], k[1] + s * u[1]], along: u) }
            let f = (0...3).map { d.derivative(order: 2 * $0, at: k, along: u) }, eps = Double.ulpOfOne * max(1, abs(f[0]))
            let (e2, e4) = (1e-3, 1e-2)
            let second = (c(e2) + c(-e2) - 2 * c(0)) / (e2 * e2)
            let fourth = (c(2 * e4) - 4 * c(e4) + 6 * c(0) - 4 * c(-e4) + c(-2 * e4)) / pow(e4, 4)
            #expect(abs(second - f[1]) < 1.5 * e2 * e2 * abs(f[2]) / 12 + 4 * eps / (e2 * e2), "\(name)")
            #expect(abs(fourth - f[2]) < 1.5 * e4 * e4 * abs(f[3]) / 6 + 16 * eps / pow(e4, 4), "\(name)")
        }
    }
}

@Test func ringCoefficientsOfStripesAndCheckerboards() throws {
    let l = try! Lattice(shape: [16, 16]), p = 5
    for (name, data) in ringCases {
        let d = Dispersion(data: data, lattice: l, window: p)
        let ring = try #require(RingExpansion(lattice: l, peakMode: d.peakMode), "\(name): k* = 0")
        #expect(abs(ring.peakWaveNumber - (name.hasPrefix("stripes") ? 1 : 2.squareRoot()) * Double.pi / 2) < 1e-12)
        let machine = try PatchScoreMachine(lattice: l, data: data, dictionary: .init(.equivariant), patch: .fixed(p))
        let softening = ModeSoftening(probe: JacobianProbe(denoiser: machine, shells: 1), schedule: .vp)
        let w = JacobianProbe.Workspace(l), delta = ring.stepWaveNumber
        let k = ring.waveVector(ring.peak), u = k.map { $0 / ring.peakWaveNumber }
        let (f4, f6) = (d.derivative(order: 4, at: k, along: u), d.derivative(order: 6, at: k, along: u))
        let tc = try #require(d.criticalTime(mode: d.peakMode, schedule: .vp))
        for t in [tc + 0.5, tc + 0.1, tc - 0.3] {
            let level = NoiseSchedule.vp.level(at: t), s4 = level.variance * level.variance, a2 = level.alpha * level.alpha
            let exact = ring.coefficients(d, at: level)
            // The lattice stencil on the analytic h at the three modes across the ring.
            func h(_ j: Int) -> Double {
                (level.variance - a2 * d.derivative(order: 0, at: ring.waveVector(zip(ring.peak, ring.step).map { $0 + j * $1 }), along: u)) / s4
            }
            let lattice = ring.latticeCoefficients(minus: h(-1), centre: h(0), plus: h(1))
            let measured = GinzburgLandauCoefficients.measure(softening, ring: ring, at: t, workspace: w)
            // Probes against the analytic stencil: the finite-difference probe's accuracy.
            #expect(relative(measured.r, lattice.r) < 1e-7, "\(name) t = \(t)")
            #expect(relative(measured.kappa, lattice.kappa) < 1e-6, "\(name) t = \(t)")
            #expect(exact.r == lattice.r)
            // The stencil against the exact curvature: κ_Δ − κ = Δ²h⁽⁴⁾/24 + Δ⁴h⁽⁶⁾/720 + …,
            // h⁽ᵐ⁾ = −α²Ĉ⁽ᵐ⁾/σ⁴; the remainder after the Δ² term is held to twice the Δ⁴ term.
            let leading = -delta * delta * a2 * f4 / (24 * s4), next = -pow(delta, 4) * a2 * f6 / (720 * s4)
            #expect(abs(lattice.kappa - exact.kappa - leading) <= 2 * abs(next), "\(name) t = \(t)")
            // The ring correlation length: the lattice estimator on the analytic S = 1/h.
            let xiLattice = ring.length(structureFactorMinus: 1 / h(-1), centre: 1 / h(0), plus: 1 / h(1))
            let xiExact = RingExpansion.length(r: exact.r, kappa: exact.kappa)
            if t > tc {
                #expect(abs(xiLattice / xiExact - (lattice.kappa / exact.kappa).squareRoot()) < 1e-12)
                #expect(relative(RingExpansion.length(r: measured.r, kappa: measured.kappa), xiLattice) < 1e-6)
            } else {
                #expect(xiLattice.isNaN && xiExact.isNaN)
            }
            let g = cumulantQuartic(data: data, lattice: l, patch: p, level: level, wave: ring.waves.first { $0.offset == 0 }!.wave)
            // The interpolation in a² leaves the next term of the series, ~1e-6 as for the binary patch model.
            #expect(relative(measured.g, g) < 1e-5, "\(name) t = \(t): g \(measured.g) against \(g)")
            if t == tc + 0.1 {
                validation("ring GL at t = t_c + 0.1, \(name), P = 5, 16²: r, κ probe/stencil − 1; κ stencil − exact (predicted Δ²h⁽⁴⁾/24); ξ_ring lattice/exact − 1; g probe/cumulant − 1",
                           String(format: "%.1e, %.1e; %.4g (%.4g); %.3g; %.1e", measured.r / lattice.r - 1, measured.kappa / lattice.kappa - 1,
                                  lattice.kappa - exact.kappa, leading, xiLattice / xiExact - 1, measured.g / g - 1))
            }
        }
    }
}

/// g along a normalised wave e at the homogeneous state x = 0 of a circular ELS machine whose
/// patches all have the same norm, summed over the dictionary: with β = α/σ² and
/// ℓ_p(u) = ⟨e_Ω(u), y_p⟩, D(u) = Σ_n (βa)ⁿ/n! κ_{n+1}(c, ℓ, …, ℓ) over the uniform law of the
/// patches p (c_p their centres), so the a³ term of −⟨e, s⟩ is −(α/σ²)(β³/6) Σ_u e(u) κ₄(u),
/// κ₄ = E[c̃ℓ̃³] − 3E[c̃ℓ̃]E[ℓ̃²] for centred c̃, ℓ̃; g is that over Σe⁴.
private func cumulantQuartic(data: Dataset, lattice l: Lattice, patch p: Int, level: NoiseLevel, wave: PlaneWave) -> Double {
    let (h, w) = (l.shape[0], l.shape[1]), r = p / 2, e = wave.values
    var patches: [(centre: Double, values: [Double])] = []
    for y in data.images {
        for i in 0..<h { for j in 0..<w {
            var v: [Double] = []
            for a in -r...r { for b in -r...r { v.append(y[((i + a + h) % h) * w + (j + b + w) % w]) } }
            patches.append((y[i * w + j], v))
        } }
    }
    let beta = level.alpha / level.variance, n = Double(patches.count)
    var sum = 0.0
    for i in 0..<h { for j in 0..<w {
        var window: [Double] = []
        for a in -r...r { for b in -r...r { window.append(e[((i + a + h) % h) * w + (j + b + w) % w]) } }
        let ell = patches.map { pt in zip(window, pt.values).reduce(0) { $0 + $1.0 * $1.1 } }
        let mc = patches.reduce(0) { $0 + $1.centre } / n, ml = ell.reduce(0, +) / n
        var (cl, cl3, l2) = (0.0, 0.0, 0.0)
        for (pt, x) in zip(patches, ell) {
            let (c, d) = (pt.centre - mc, x - ml)
            cl += c * d / n; cl3 += c * d * d * d / n; l2 += d * d / n
        }
        sum += e[i * w + j] * (cl3 - 3 * cl * l2)
    } }
    let cubic = -(level.alpha / level.variance) * pow(beta, 3) / 6 * sum
    return cubic / e.reduce(0) { $0 + $1 * $1 * $1 * $1 }
}
