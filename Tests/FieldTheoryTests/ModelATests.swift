import Foundation
import Testing
import CriticalityAnalysis
import CriticalityLattice
@testable import CriticalityFieldTheory

/// Shell means of a prediction P(|k|²), weighted as the measured S(k) is.
func shellPrediction(_ sf: StructureFactor, _ p: (Double) -> Double) -> [Double] {
    sf.shellMeans(sf.lattice.waveNumberSquared().map(p))
}

@Test(arguments: [([256], [128.0]), ([32, 48], [16.0, 24.0])])
func stationaryLinearModelAHasTheOrnsteinZernikeStructureFactor(shape: [Int], box: [Double]) throws {
    let l = try Lattice(shape: shape, boxLength: box)
    let (r, kappa, T) = (1.0, 1.0, 0.5)
    let model = ModelA(lattice: l, r: .constant(r), u: 0, kappa: kappa, temperature: T)
    let stepper = ExponentialEulerMaruyama(SpectralContext(model: model, dt: 1, seed: 11))
    let sf = StructureFactor(l)
    // 8 members × 25 samples, 5 relaxation times (of the slowest mode, 1/r) apart: independent.
    let perMember = Ensemble.map(members: 8, threads: 2) { member -> [[Double]] in
        let state = FieldState(initial: RealField(l), member: member, stepper: stepper)
        var samples: [[Double]] = []
        for _ in 0..<26 {
            for _ in 0..<5 { stepper.step(state) }
            samples.append(sf.shellAverages(state.spectrum))
        }
        return Array(samples.dropFirst())
    }
    let samples = perMember.flatMap { $0 }
    let predicted = shellPrediction(sf) { T / (r + kappa * $0) }
    // The worst shell against the family-wise bound, and the mean z² (E = (n − 1)/(n − 3) for
    // Student's t with n samples) against its own 4 SE: one finds a bad shell, the other a small
    // bias spread over all of them.
    let z = (0..<sf.shellCount).map { s in let e = Estimate(samples: samples.map { $0[s] }); return (e.mean - predicted[s]) / e.standardError }
    let bound = StandardNormal.familyBound(comparisons: sf.shellCount)
    for s in 0..<sf.shellCount { #expect(abs(z[s]) < bound, "shell \(sf.shellLabel[s]): z = \(z[s])") }
    let n = Double(samples.count), meanZ2 = z.map { $0 * $0 }.reduce(0, +) / Double(z.count)
    #expect(abs(meanZ2 - (n - 1) / (n - 3)) < 4 * (2 / Double(z.count)).squareRoot())
    validation("Ornstein–Zernike S(k) = T/(r + κk²), \(shape)", String(format: "%d shells, worst |z| = %.2f (bound %.2f), mean z² = %.3f", sf.shellCount, z.map(abs).max()!, bound, meanZ2))
    // Fluctuation–dissipation: χ = V(⟨m²⟩ − ⟨m⟩²)/T = 1/r.
    let m = samples.map { ($0[0] / l.volume).squareRoot() }  // |m| from S(0) = V m²
    let chi = OrderParameter(magnetisations: m.enumerated().map { $0.offset % 2 == 0 ? $0.element : -$0.element },
                             volume: l.volume, sites: l.siteCount, temperature: T)
    #expect(abs(chi.m2.mean * l.volume / T - 1 / r) < 4 * chi.m2.standardError * l.volume / T)
    validation("χ = V⟨m²⟩/T = 1/r, \(shape)", "\(chi.m2.mean * l.volume / T) ± \(chi.m2.standardError * l.volume / T) (expected \(1 / r))")
}

@Test func oneExponentialStepHasTheExactOrnsteinUhlenbeckVariance() throws {
    let l = try Lattice(shape: [16, 16], boxLength: [8, 8])
    let (r, kappa, T, dt) = (0.3, 1.0, 0.8, 0.7)
    let model = ModelA(lattice: l, r: .constant(r), u: 0, kappa: kappa, temperature: T)
    let stepper = ExponentialEulerMaruyama(SpectralContext(model: model, dt: dt, seed: 3))
    let modes = [1, 9, 9 * 3 + 2]  // n = (0,1), (1,0), (3,2)
    let power = Ensemble.map(members: 2000, threads: 2) { member -> [Double] in
        let state = FieldState(initial: RealField(l), member: member, stepper: stepper)
        stepper.step(state)
        return modes.map { state.spectrum[$0].re * state.spectrum[$0].re + state.spectrum[$0].im * state.spectrum[$0].im }
    }
    let k2 = l.waveNumberSquared()
    for (j, q) in modes.enumerated() {
        let L = -(r + kappa * k2[q])
        let expected = Double(l.siteCount) * 2 * T / l.cellVolume * expm1(2 * L * dt) / (2 * L)
        let e = Estimate(samples: power.map { $0[j] })
        #expect(abs(e.mean - expected) < 4 * e.standardError, "mode \(q): \(e.mean) vs \(expected)")
        validation("one-step OU variance, mode \(l.modeIntegers(spectralIndex: q))", "\(e.mean / expected) ± \(e.standardError / expected) of N(2T/v)(e^{2Ldt} − 1)/(2L)")
    }
}

/// Early-time growth rate of each low shell from an infinitesimal random start (S₀ = 10⁻¹²).
/// The noise perturbs a mode's amplitude by a relative √(T/(γS₀)), so T must be ≪ γS₀.
func measuredGrowthRates(model: some FieldModel, shells: Int, t1: Double, t2: Double, dt: Double) -> (StructureFactor, [Double]) {
    let l = model.lattice, stepper = ExponentialEulerMaruyama(SpectralContext(model: model, dt: dt, seed: 5))
    let start = RealField(l)
    GaussianNoise(seed: 99).fill(start.values, count: start.count, scale: 1e-6, member: 0, step: 0)
    let state = FieldState(initial: start, member: 0, stepper: stepper)
    let sf = StructureFactor(l)
    while state.time(dt: dt) < t1 - dt / 2 { stepper.step(state) }
    let s1 = sf.shellAverages(state.spectrum)
    while state.time(dt: dt) < t2 - dt / 2 { stepper.step(state) }
    let s2 = sf.shellAverages(state.spectrum)
    return (sf, (0..<shells).map { log(s2[$0] / s1[$0]) / (2 * (t2 - t1)) })
}

@Test func unstableModelAModesGrowAtTheLinearRate() throws {
    let l = try Lattice(shape: [64, 64])
    let (r, kappa) = (-1.0, 1.0)
    let model = ModelA(lattice: l, r: .constant(r), u: 1, kappa: kappa, temperature: 1e-20)
    let (sf, rates) = measuredGrowthRates(model: model, shells: 12, t1: 1, t2: 3, dt: 0.01)
    validation("model-A growth rate −(r + κk²), 12 shells", "worst relative error \((0..<12).map { abs(rates[$0] + r + kappa * sf.waveNumberSquared[$0]) / abs(r + kappa * sf.waveNumberSquared[$0]) }.max()!)")
    for s in 0..<12 {
        let expected = -(r + kappa * sf.waveNumberSquared[s])
        #expect(abs(rates[s] - expected) < 0.02 * abs(expected), "shell \(sf.shellLabel[s]): \(rates[s]) vs \(expected)")
    }
}

@Test func swiftHohenbergRingGrowsAtTheLinearRate() throws {
    let l = try Lattice(shape: [64, 64], boxLength: [64, 64])
    let (r, k0) = (0.2, 0.5)
    let model = SwiftHohenberg(lattice: l, r: r, wavenumber: k0, temperature: 1e-20)
    let (sf, rates) = measuredGrowthRates(model: model, shells: 40, t1: 1, t2: 3, dt: 0.01)
    var checked = 0
    for s in 0..<40 {
        let k2 = sf.waveNumberSquared[s], expected = r - (k0 * k0 - k2) * (k0 * k0 - k2)
        guard expected > 0.05 else { continue }
        checked += 1
        #expect(abs(rates[s] - expected) < 0.02 * expected, "shell \(sf.shellLabel[s]): \(rates[s]) vs \(expected)")
    }
    #expect(checked >= 10)
    validation("Swift–Hohenberg growth rate r − (k*² − k²)², \(checked) shells", "worst relative error \((0..<40).filter { r - pow(k0 * k0 - sf.waveNumberSquared[$0], 2) > 0.05 }.map { abs(rates[$0] - (r - pow(k0 * k0 - sf.waveNumberSquared[$0], 2))) / (r - pow(k0 * k0 - sf.waveNumberSquared[$0], 2)) }.max()!)")
}

@Test func etdrk4ConvergesAtFourthOrder() throws {
    let l = try Lattice(shape: [64], boxLength: [2 * Double.pi])
    let model = ModelA(lattice: l, r: .constant(-1), u: 1, kappa: 0.1, temperature: 0)
    let start = RealField(l) { i in let x = 2 * Double.pi * Double(i) / 64; return 0.5 * cos(x) + 0.3 * sin(2 * x) }
    func solve(_ dt: Double) throws -> RealField {
        let stepper = try ETDRK4(SpectralContext(model: model, dt: dt, seed: 0))
        let state = FieldState(initial: start, member: 0, stepper: stepper)
        for _ in 0..<Int((2 / dt).rounded()) { stepper.step(state) }
        return state.field
    }
    let reference = try solve(0.2 / 64)
    let errors = try [0.2, 0.1, 0.05].map { dt in
        let f = try solve(dt)
        return (0..<f.count).map { abs(f[$0] - reference[$0]) }.max()!
    }
    validation("ETDRK4 observed order", "\(log2(errors[0] / errors[1])), \(log2(errors[1] / errors[2])) from max errors \(errors)")
    for i in 0..<2 {
        let order = log2(errors[i] / errors[i + 1])
        #expect(order > 3.5 && order < 4.5, "observed order \(order) from errors \(errors)")
    }
}

@Test func etdrk4RefusesNoiseAndRamps() throws {
    let l = try Lattice(shape: [8])
    let noisy = ModelA(lattice: l, r: .constant(1), temperature: 0.1)
    #expect(throws: StepperError.noiseNotSupported(stepper: "etdrk4")) { try ETDRK4(SpectralContext(model: noisy, dt: 0.1, seed: 0)) }
    let ramp = ModelA(lattice: l, r: .ramp(criticalTime: 1, quenchTime: 2), temperature: 0)
    #expect(throws: StepperError.timeDependentLinearPart(stepper: "etdrk4")) { try ETDRK4(SpectralContext(model: ramp, dt: 0.1, seed: 0)) }
}

@Test func ensemblesAreBitwiseReproducibleAcrossThreadCounts() throws {
    let l = try Lattice(shape: [32, 32])
    let model = ModelA(lattice: l, r: .ramp(criticalTime: 1, quenchTime: 4), u: 1, temperature: 0.05)
    func run(threads: Int, seed: UInt64) -> [[Double]] {
        let stepper = ExponentialEulerMaruyama(SpectralContext(model: model, dt: 0.05, seed: seed))
        return Ensemble.map(members: 5, threads: threads) { m in
            let state = FieldState(initial: RealField(l), member: m, stepper: stepper)
            for _ in 0..<60 { stepper.step(state) }
            return state.field.array
        }
    }
    let one = run(threads: 1, seed: 7), two = run(threads: 2, seed: 7), other = run(threads: 2, seed: 8)
    #expect(one == two)
    #expect(one != other)
    #expect(one[0] != one[1])
}

@Test func semiImplicitEulerHasItsKnownStationaryBias() throws {
    // φ̂ ← (φ̂ + √(2T dt/v) ξ̂)/(1 − L dt) is stationary at T/(|L|(1 + |L|dt/2)) per mode.
    let l = try Lattice(shape: [64])
    let (r, T, dt) = (1.0, 1.0, 0.5)
    let model = ModelA(lattice: l, r: .constant(r), u: 0, kappa: 1, temperature: T)
    let stepper = SemiImplicitEuler(SpectralContext(model: model, dt: dt, seed: 2))
    let sf = StructureFactor(l)
    let samples = Ensemble.map(members: 16, threads: 2) { m -> [[Double]] in
        let state = FieldState(initial: RealField(l), member: m, stepper: stepper)
        return (0..<31).map { _ in for _ in 0..<20 { stepper.step(state) }; return sf.shellAverages(state.spectrum) }.dropFirst().map { $0 }
    }.flatMap { $0 }
    let predicted = shellPrediction(sf) { k2 in let a = r + k2; return T / (a * (1 + a * dt / 2)) }
    validation("semi-implicit stationary S = T/(a(1 + a dt/2))", "worst |z| = \((0..<sf.shellCount).map { s in let e = Estimate(samples: samples.map { $0[s] }); return abs(e.mean - predicted[s]) / e.standardError }.max()!)")
    let bound = StandardNormal.familyBound(comparisons: sf.shellCount)
    for s in 0..<sf.shellCount {
        let e = Estimate(samples: samples.map { $0[s] })
        #expect(abs(e.mean - predicted[s]) < bound * e.standardError, "shell \(sf.shellLabel[s]): \(e.mean) vs \(predicted[s])")
    }
}

@Test func linearModelAUnderAKibbleZurekRampFollowsTheExactModeVariance() throws {
    // u = 0: the exponential stepper is exact for r frozen at each step's midpoint, so the
    // variance of every mode obeys S ← E²S + (2T/v)(E² − 1)/(2L) step by step.
    let l = try Lattice(shape: [16, 16])
    let (tauQ, tc, T, dt) = (16.0, 16.0, 0.01, 0.1)
    let model = ModelA(lattice: l, r: .ramp(criticalTime: tc, quenchTime: tauQ), u: 0, kappa: 1, temperature: T)
    let stepper = ExponentialEulerMaruyama(SpectralContext(model: model, dt: dt, seed: 17))
    let steps = Int(((tc + 2 * tauQ.squareRoot()) / dt).rounded())
    let sf = StructureFactor(l)
    let samples = Ensemble.map(members: 100, threads: 2) { m -> [Double] in
        let state = FieldState(initial: RealField(l), member: m, stepper: stepper)
        for _ in 0..<steps { stepper.step(state) }
        return sf.shellAverages(state.spectrum)
    }
    var s = [Double](repeating: 0, count: l.spectralCount)
    let k2 = l.waveNumberSquared()
    for n in 0..<steps {
        let r = model.r.value(at: (Double(n) + 0.5) * dt)
        for q in s.indices {
            let L = -(r + k2[q]), e2 = exp(2 * L * dt)
            s[q] = e2 * s[q] + 2 * T / l.cellVolume * expm1(2 * L * dt) / (2 * L)
        }
    }
    let predicted = sf.shellMeans(s)
    validation("ramped linear model A, exact mode variance", "worst |z| = \((0..<sf.shellCount).map { k in let e = Estimate(samples: samples.map { $0[k] }); return abs(e.mean - predicted[k]) / e.standardError }.max()!) over \(sf.shellCount) shells")
    let bound = StandardNormal.familyBound(comparisons: sf.shellCount)
    for k in 0..<sf.shellCount {
        let e = Estimate(samples: samples.map { $0[k] })
        #expect(abs(e.mean - predicted[k]) < bound * e.standardError, "shell \(sf.shellLabel[k]): \(e.mean) vs \(predicted[k])")
    }
    #expect(predicted[0] > 20 * predicted[sf.shellCount - 1])  // the k = 0 mode has grown: the test is past t_c
}

@Test(arguments: ["exponential", "semi-implicit", "etdrk4"])
func spectralStateStaysTheTransformOfTheFieldInAnUnstableRun(stepperName: String) throws {
    // r < 0 makes the low modes grow as e^{t}: any anti-Hermitian rounding residue in the stored
    // spectrum would grow with them, unseen by c2r (it reached 10⁴¹ before the projection).
    // 48² because FFTW's r2c is exactly Hermitian at powers of two up to 128 (not at 48, 96, 256).
    let l = try Lattice(shape: [48, 48])
    let model = ModelA(lattice: l, r: .constant(-1), u: 1, kappa: 1, temperature: stepperName == "etdrk4" ? 0 : 0.01)
    let context = SpectralContext(model: model, dt: 0.1, seed: 1)
    let stepper: any Stepper = switch stepperName {
    case "exponential": ExponentialEulerMaruyama(context)
    case "semi-implicit": SemiImplicitEuler(context)
    default: try ETDRK4(context)
    }
    let start = RealField(l)
    GaussianNoise(seed: 2).fill(start.values, count: start.count, scale: 0.1, member: 0, step: 0)
    let state = FieldState(initial: start, member: 0, stepper: stepper)
    for _ in 0..<400 { stepper.step(state) }
    let fresh = SpectralField(l)
    context.transform.forward(state.field, into: fresh)
    let scale = (0..<2 * fresh.count).map { abs(fresh.values[$0]) }.max()!
    let err = (0..<2 * fresh.count).map { abs(fresh.values[$0] - state.spectrum.values[$0]) }.max()!
    #expect(err < 1e-12 * scale, "state spectrum drifted from DFT(field) by \(err / scale)")
    validation("state spectrum = DFT(field) after 400 unstable steps, \(stepperName)", "relative deviation \(err / scale)")
}

@Test func aRampedModeEvolvesByTheExactIntegratedRate() throws {
    // u = 0, T = 0: one Fourier mode evolves as exp(−∫(r(t) + κk²) dt). Freezing r at each step's
    // midpoint makes the exponential stepper exact for a linear ramp; at the step's start it
    // would be off by O(dt).
    let l = try Lattice(shape: [32])
    let (tc, tauQ, kappa, dt, steps) = (1.0, 4.0, 0.5, 0.25, 40)
    let model = ModelA(lattice: l, r: .ramp(criticalTime: tc, quenchTime: tauQ), u: 0, kappa: kappa, temperature: 0)
    let s = ExponentialEulerMaruyama(SpectralContext(model: model, dt: dt, seed: 0))
    let k = 2 * Double.pi * 3 / 32
    let state = FieldState(initial: RealField(l) { cos(k * Double($0)) }, member: 0, stepper: s)
    for _ in 0..<steps { s.step(state) }
    let t = Double(steps) * dt
    // ∫₀ᵗ −(r + κk²) = (t² / 2 − t_c t)/τ_Q − κk² t
    let expected = exp((t * t / 2 - tc * t) / tauQ - kappa * k * k * t)
    let measured = state.spectrum[3].re / 16  // φ̂(3) = N/2 for cos(kx)
    #expect(abs(measured / expected - 1) < 1e-12, "\(measured) vs \(expected)")
    validation("ramped mode amplitude, exact integrated rate", "relative error \(abs(measured / expected - 1))")
}
