import Foundation
import Testing
import CriticalityDiffusion
import CriticalityLattice
@testable import CriticalityAnalysis

let square80 = try! Lattice(shape: [80, 80])

func binaryPatch(_ l: Lattice, _ p: Int) -> BinaryPatchDenoiser { try! BinaryPatchDenoiser(lattice: l, patch: .fixed(p)) }

func relative(_ a: Double, _ b: Double) -> Double { abs(a - b) / abs(b) }

@Test func binaryPatchDispersionGivesLog26() {
    let d = Dispersion.binaryPatch(lattice: square80, patch: 5)
    #expect(d.peakMode == 0 && d.peak == 25)
    let tc = d.criticalTime(mode: d.peakMode, schedule: .vp)!
    validation("binary patch P = 5 vp analytic t_c − log 26", String(format: "%.2e", tc - log(26.0)))
    #expect(abs(tc - log(26.0)) < 1e-9)
    // Ĉ = D_P(k_x) D_P(k_y) on every mode, D_P(k) = sin(Pk/2)/sin(k/2).
    func dp(_ k: Double) -> Double { abs(k) < 1e-14 ? 5 : sin(2.5 * k) / sin(0.5 * k) }
    let worst = (0..<square80.spectralCount).map { q -> Double in
        let k = square80.waveVector(spectralIndex: q)
        return abs(d.spectrum[q] - dp(k[0]) * dp(k[1]))
    }.max()!
    #expect(worst < 1e-11)
    // ou: half the vp time; ve: σ_c² = Ĉ.
    #expect(abs(d.criticalTime(mode: 0, schedule: .ou)! - 0.5 * log(26.0)) < 1e-12)
    #expect(abs(d.criticalTime(mode: 0, schedule: .ve)! - 5) < 1e-12)
}

@Test func criterionC2ForUnitTwoPointDataUnderDDPM() {
    let schedule = NoiseSchedule.ddpmDefault
    let t2 = Dispersion.criticalTimeC2(1, schedule: schedule)!, t1 = Dispersion.criticalTime(1, schedule: schedule)!
    let theta2 = schedule.level(at: t2).alpha, theta1 = schedule.level(at: t1).alpha
    validation("C2 θ_c for ±1 data, ddpm, − √(√2 − 1)", String(format: "%.2e", theta2 - (2.0.squareRoot() - 1).squareRoot()))
    #expect(abs(theta2 - (2.0.squareRoot() - 1).squareRoot()) < 1e-8)
    #expect(abs(theta1 * theta1 - 0.5) < 1e-8)
}

@Test func idealScoreOnTwoUniformImagesSoftensAtLogOnePlusLSquared() throws {
    for n in [8, 16] {
        let l = try! Lattice(shape: [n, n]), data = try SyntheticData.twoUniform(shape: [n, n])
        let d = Dispersion(data: data, lattice: l, window: nil)
        let expected = log(1 + Double(n * n))
        let tc = d.criticalTime(mode: d.peakMode, schedule: .vp)!
        #expect(d.peakMode == 0 && abs(tc - expected) < 1e-9)
        // The ideal model's own Jacobian at x = 0 crosses zero there too.
        let softening = ModeSoftening(probe: JacobianProbe(denoiser: IdealDenoiser(lattice: l, data: data), shells: 1), schedule: .vp)
        let times = try TimeGrid.logUniform.times(from: 12, to: 1, steps: 60, schedule: .vp)
        let crossing = softening.criticalTime(times: times, scan: softening.scan(times: times))!
        validation("ideal score, two uniform \(n)² images: Jacobian t_c − log(1 + L²)", String(format: "%.2e", crossing.time - expected))
        #expect(crossing.shell == 0 && abs(crossing.time - expected) < 1e-8)
    }
}

@Test func stripedDataSoftenOnTheRingOfTheirWavelength() throws {
    let l = try! Lattice(shape: [32, 32])
    for wavelength in [8, 4] {
        let data = try SyntheticData.stripes(shape: [32, 32], wavelength: wavelength)
        for window in [9, nil] as [Int?] {
            let d = Dispersion(data: data, lattice: l, window: window)
            let k = l.waveVector(spectralIndex: d.peakMode), target = 2 * Double.pi / Double(wavelength)
            let kStar = (k[0] * k[0] + k[1] * k[1]).squareRoot()
            // The shell nearest 2π/λ: label (32/λ)².
            let label = l.shellIndices()[d.peakMode]
            #expect(label == (32 / wavelength) * (32 / wavelength), "λ = \(wavelength), window \(String(describing: window)): k* = \(kStar)")
            #expect(abs(kStar - target) < 1e-12)
            #expect(d.spectrum[d.peakMode] > d.spectrum[0])
            // The marginal-stability curve peaks on that ring: per-shell maxima against a
            // direct scan of the modes with each label.
            let sf = StructureFactor(l), top = sf.shellMaxima(d.spectrum), labels = l.shellIndices()
            for (s, shell) in sf.shellLabel.enumerated() {
                #expect(top[s] == labels.indices.filter { labels[$0] == shell }.map { d.spectrum[$0] }.max()!)
            }
            #expect(sf.shellLabel[top.indices.max { top[$0] < top[$1] }!] == label)
        }
    }
}

@Test func probeStiffnessEqualsTheAnalyticDispersion() {
    let model = binaryPatch(square80, 5), d = Dispersion.binaryPatch(lattice: square80, patch: 5)
    let probe = JacobianProbe(denoiser: model, shells: 3, method: .finiteDifference)
    let w = JacobianProbe.Workspace(square80), x = RealField(square80)
    let labels = square80.shellIndices()
    var worst = 0.0
    for t in [8.0, 4.0, 3.4, 3.0, 1.0] {
        let level = NoiseSchedule.vp.level(at: t)
        let measured = probe.stiffness(at: x, level: level, workspace: w)
        for (i, wave) in probe.waves.enumerated() {
            let q = (0..<square80.spectralCount).first { square80.modeIntegers(spectralIndex: $0) == wave.mode }!
            #expect(labels[q] == wave.shell)
            let expected = d.stiffness(mode: q, at: level) * level.variance
            worst = max(worst, relative(measured[i], expected))
        }
    }
    validation("binary patch probe σ²h vs analytic dispersion, worst relative error (13 waves, 5 times)", String(format: "%.2e", worst))
    #expect(worst < 1e-6)
}

@Test func jacobianCrossesZeroAtLog26WithinTheGrid() throws {
    let softening = ModeSoftening(probe: JacobianProbe(denoiser: binaryPatch(square80, 5), shells: 2, method: .finiteDifference), schedule: .vp)
    let times = try TimeGrid.logUniform.times(from: 12, to: 1e-3, steps: 200, schedule: .vp)
    let scan = softening.scan(times: times, threads: 2)
    // The grid interval that brackets the crossing contains log 26.
    let i = times.indices.first { scan[$0][0] <= 0 }!
    #expect(times[i] < log(26.0) && times[i - 1] > log(26.0))
    let crossing = softening.criticalTime(times: times, scan: scan)!
    validation("binary patch P = 5: Jacobian zero crossing − log 26 (grid step \(String(format: "%.3f", times[i - 1] - times[i])))", String(format: "%.2e", crossing.time - log(26.0)))
    #expect(crossing.shell == 0 && abs(crossing.time - log(26.0)) < 1e-7)
    // Scans are bitwise independent of the thread count.
    #expect(softening.scan(times: Array(times.prefix(9)), threads: 1) == Array(scan.prefix(9)))
}

@Test func equilibriumLengthFromProbesMatchesTheDispersionAndTheSmallKForm() {
    let p = 5, model = binaryPatch(square80, p), d = Dispersion.binaryPatch(lattice: square80, patch: p)
    let softening = ModeSoftening(probe: JacobianProbe(denoiser: model, shells: 1, method: .finiteDifference), schedule: .vp)
    let w = JacobianProbe.Workspace(square80), tc = log(26.0)
    let q1 = (0..<square80.spectralCount).first { square80.shellIndices()[$0] == 1 }!
    for t in [tc + 0.05, tc + 0.3, tc + 1.5] {
        let level = NoiseSchedule.vp.level(at: t)
        let probe = softening.equilibriumLength(at: t, workspace: w)
        let lattice = JacobianProbe.equilibriumLength(shellStiffness: [d.stiffness(mode: 0, at: level), d.stiffness(mode: q1, at: level)], lattice: square80)
        let (a2, s2, p2) = (level.alpha * level.alpha, level.variance, Double(p * p))
        let closed = (a2 * p2 * (p2 - 1) / (24 * (s2 - a2 * p2))).squareRoot()
        validation(String(format: "ξ_eq at t = t_c + %.2f: probe / lattice estimator − 1, / small-k form − 1", t - tc),
                   String(format: "%.2e, %.2e (ξ = %.3f)", probe / lattice - 1, probe / closed - 1, probe))
        #expect(relative(probe, lattice) < 1e-6)
        // The lattice estimator keeps h's k⁴ term: ξ/ξ_closed − 1 = −(3P⁴ − 10P² + 7)k₁²/(480(P² − 1))
        // + O(k₁⁴) along an axis of D_P(k_x)D_P(k_y); the O(k₁⁴) rest is ~(8.7e-4)²/2.
        let k1 = square80.fundamentalWavenumber, predicted = -(3 * p2 * p2 - 10 * p2 + 7) * k1 * k1 / (480 * (p2 - 1))
        #expect(abs(probe / closed - 1 - predicted) < 1e-5, "predicted \(predicted)")
    }
    let (nu, gamma) = softening.exponents(criticalTime: tc)
    validation("binary patch fitted ν (12 points, t − t_c = 1e-3…3e-2 t_c)", String(format: "%.4f ± %.4f", nu.exponent, nu.standardError))
    validation("binary patch fitted γ", String(format: "%.4f ± %.4f", gamma.exponent, gamma.standardError))
    #expect(abs(nu.exponent - 0.5) < 0.05)
    #expect(abs(gamma.exponent - 1) < 0.1)
    #expect(nu.interval.contains(nu.exponent) && nu.points == 12)
}

@Test func finiteDifferenceProbesAgreeWithAnalyticJacobians() throws {
    let l = try! Lattice(shape: [16, 12])
    var x = RealField(l)
    GaussianNoise(seed: 5).fill(x.values, count: x.count, scale: 0.7, member: 0, step: 0)
    let data = try SyntheticData.randomBinary(count: 5, shape: [16, 12], seed: 3)
    let models: [(String, any Denoiser)] = [
        ("binary patch P = 3", binaryPatch(l, 3)),
        ("Gaussian field", GaussianFieldDenoiser(lattice: l, spectrum: .ornsteinZernike(amplitude: 2, correlationLength: 3))),
        ("two-point", TwoPointDenoiser(lattice: l, amplitude: 0.3)),
        ("ideal", IdealDenoiser(lattice: l, data: data)),
    ]
    for (name, model) in models {
        let fd = JacobianProbe(denoiser: model, shells: 2, method: .finiteDifference), exact = JacobianProbe(denoiser: model, shells: 2)
        #expect(exact.method == .analytic)
        let w = JacobianProbe.Workspace(l)
        var worst = 0.0
        for t in [6.0, 2.0, 0.7, 0.2] {
            let level = NoiseSchedule.vp.level(at: t)
            if name == "ideal" { x = RealField(l) { level.alpha * data.images[1][$0] + 0.8 * level.sigma * sin(Double($0)) } }
            let a = fd.stiffness(at: x, level: level, workspace: w), b = exact.stiffness(at: x, level: level, workspace: w)
            // Relative to the curvature term α⟨e, J e⟩ = 1 − σ²h, the part the probe measures.
            worst = max(worst, zip(a, b).map { abs($0 - $1) / max(abs(1 - $1), 1e-3) }.max()!)
        }
        validation("finite-difference vs analytic Jacobian probe, \(name), worst relative error", String(format: "%.2e", worst))
        #expect(worst < 1e-6, "\(name)")
    }
}

@Test func ginzburgLandauCoefficientsOfTheBinaryPatchModel() {
    let p = 5, softening = ModeSoftening(probe: JacobianProbe(denoiser: binaryPatch(square80, p), shells: 3), schedule: .vp)
    let w = JacobianProbe.Workspace(square80)
    for t in [4.5, log(26.0) + 0.1, 2.5] {
        let m = GinzburgLandauCoefficients.measure(softening, at: t, workspace: w)
        let a = GinzburgLandauCoefficients.binaryPatch(NoiseSchedule.vp.level(at: t), patch: p)
        validation(String(format: "GL coefficients at t = %.3f: r, κ, g relative to analytic − 1", t),
                   String(format: "%.1e, %.1e, %.1e", m.r / a.r - 1, m.kappa / a.kappa - 1, m.g / a.g - 1))
        #expect(relative(m.r, a.r) < 1e-9)
        // The three-point interpolation leaves the tanh series' next term: 49c⁴ × (17/105)β⁴
        // relative, 1.3e-6 at βc = 0.02 (β = αP²/σ²).
        #expect(relative(m.g, a.g) < 2e-6)
        // The fit keeps k² and k⁴; the anisotropic k⁴ remainder of D_P(k_x)D_P(k_y) is O(k₁²P²/40).
        #expect(relative(m.kappa, a.kappa) < 0.01)
    }
}

@Test func speciationTimeFromAKnownCovariance() throws {
    // ±v₁ and ±v₂ with orthogonal v's: covariance ½(v₁v₁ᵀ + v₂v₂ᵀ), Λ_max = ‖v₁‖²/2.
    let n = 64, v1 = (0..<n).map { 3 * cos(2 * Double.pi * Double($0) / 64) }, v2 = (0..<n).map { sin(2 * Double.pi * Double($0) / 64) }
    let data = try Dataset(images: [v1, v1.map { -$0 }, v2, v2.map { -$0 }], shape: [n])
    let lambda = Speciation.topCovarianceEigenvalue(data), expected = v1.reduce(0) { $0 + $1 * $1 } / 2
    #expect(relative(lambda, expected) < 1e-12)
    #expect(abs(Speciation.time(topEigenvalue: lambda, schedule: .ou)! - 0.5 * log(expected)) < 1e-12)
    #expect(abs(Speciation.time(topEigenvalue: lambda, schedule: .vp)! - log(expected)) < 1e-12)
    #expect(Speciation.time(topEigenvalue: lambda, schedule: .ve) == nil)
}

@Test func dynamicResponseOfTheGaussianFieldEqualsTheLinearPropagator() throws {
    let l = try! Lattice(shape: [16, 16]), spectrum = PowerSpectrum.ornsteinZernike(amplitude: 3, correlationLength: 2)
    let model = GaussianFieldDenoiser(lattice: l, spectrum: spectrum)
    let times = try TimeGrid.logUniform.times(from: 6, to: 1e-2, steps: 40, schedule: .vp)
    let wave = PlaneWave(lattice: l, mode: [1, 0], sine: false)
    let p = spectrum(waveNumberSquared: pow(2 * Double.pi / 16, 2), fundamental: l.fundamentalWavenumber)
    for method in [SamplerMethod.reverseSDEExponential, .ddim] {
        let sampler = try ReverseSampler(schedule: .vp, denoiser: model, method: method, times: times, seed: 4)
        let i = 10
        var xi = RealField(l)
        _ = try sampler.run(member: 0, from: sampler.initialState(member: 0), observing: [i], observe: { _, _, xt, _ in xi = xt.copy() })
        let measured = try DynamicResponse(wave: wave).measure(sampler: sampler, member: 0, state: xi, index: i)
        // Per step the mode's amplitude is multiplied by α_s m_t + c(1 − α_t m_t), m = αP/(α²P + σ²).
        var expected = 1.0
        for j in i..<(times.count - 1) {
            let now = NoiseSchedule.vp.level(at: times[j]), next = NoiseSchedule.vp.level(at: times[j + 1])
            let m = now.alpha * p / (now.alpha * now.alpha * p + now.variance)
            let c = method == .ddim ? next.sigma / now.sigma : now.alpha / next.alpha * next.variance / now.variance
            expected *= next.alpha * m + c * (1 - now.alpha * m)
        }
        let last = NoiseSchedule.vp.level(at: times.last!)
        expected *= last.alpha * p / (last.alpha * last.alpha * p + last.variance)
        validation("dynamic response of a Gaussian-field mode (\(method.rawValue)) vs the linear propagator", String(format: "%.2e relative", relative(measured, expected)))
        #expect(relative(measured, expected) < 1e-8)
    }
}

/// One cosine image, y = cos(2π·2x/16) on 16²: its autocovariance's transform Ĉ is ¼·N/… on the
/// two modes (±2, 0) and zero elsewhere, where float64 leaves round-off of ~1e-17. Only the
/// modes with power soften; the others never do (no C1 time of ~1e-16 from round-off).
@Test func modesWithoutPowerNeverSoften() throws {
    let lattice = try Lattice(shape: [16, 16])
    let image = (0..<256).map { cos(2 * Double.pi * 2 * Double($0 / 16) / 16) }
    let c = Dispersion.autocovariance(try Dataset(images: [image], shape: [16, 16]), lattice: lattice)
    let d = Dispersion(autocovariance: c, lattice: lattice, window: nil)
    let softening = d.spectrum.indices.filter { d.criticalTime(mode: $0, schedule: .vp) != nil }
    let roundOff = d.spectrum.indices.filter { !softening.contains($0) && d.spectrum[$0] != 0 }
    print("validation: cosine image, \(softening.count) softening r2c modes (Ĉ = \(d.peak)); \(roundOff.count) others with |Ĉ| ≤ \(roundOff.map { abs(d.spectrum[$0]) }.max() ?? 0)")
    #expect(!roundOff.isEmpty)  // the case exists: round-off is not exactly zero
    #expect(softening.allSatisfy { lattice.modeIntegers(spectralIndex: $0).map(abs) == [2, 0] })
    #expect(softening.count >= 1 && softening.count <= 2)
    #expect(abs(d.criticalTime(mode: softening[0], schedule: .vp)! - log(1 + d.peak)) < 1e-12)
}
