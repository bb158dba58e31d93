import Foundation
import Testing
import CriticalityLattice
@testable import CriticalityDiffusion

func randomField(_ l: Lattice, seed: UInt64, member: Int = 0, scale: Double = 1) -> RealField {
    let x = RealField(l)
    GaussianNoise(seed: seed).fill(x.values, count: x.count, scale: scale, member: member, step: 0)
    return x
}

func maxDifference(_ a: RealField, _ b: RealField) -> Double {
    (0..<a.count).reduce(0) { max($0, abs(a[$1] - b[$1])) }
}

func evaluate(_ d: any Denoiser, _ x: RealField, _ level: NoiseLevel) -> RealField {
    let out = RealField(d.lattice)
    d.denoise(x, at: level, into: out, workspace: DenoiserWorkspace(d.lattice))
    return out
}

/// The stationary covariance C_ij = (1/N) Σ_k P(k) e^{ik(x_i − x_j)} of a spectrum, as a dense matrix.
func stationaryCovariance(_ l: Lattice, _ p: PowerSpectrum) -> [Double] {
    let n = l.siteCount, spectrum = p.values(on: l), w = l.hermitianWeights()
    var c = [Double](repeating: 0, count: n * n)
    for i in 0..<n { for j in 0..<n {
        let d = (i - j + n) % n
        var s = 0.0
        for q in 0..<l.spectralCount { s += w[q] * spectrum[q] * cos(2 * Double.pi * Double(q * d) / Double(n)) }
        c[i * n + j] = s / Double(n)
    } }
    return c
}

@Test func jacobiEigenDecompositionReconstructsTheMatrix() {
    let n = 6, r = (0..<(n * n)).map { sin(Double($0) * 1.7) }
    var a = [Double](repeating: 0, count: n * n)
    for i in 0..<n { for j in 0..<n { for k in 0..<n { a[i * n + j] += r[i * n + k] * r[j * n + k] } } }
    let e = SymmetricEigen(a, size: n)
    var worst = 0.0
    for i in 0..<n { for j in 0..<n {
        let back = (0..<n).reduce(0.0) { $0 + e.vectors[i * n + $1] * e.values[$1] * e.vectors[j * n + $1] }
        worst = max(worst, abs(back - a[i * n + j]))
    } }
    #expect(worst < 1e-12)
}

@Test(arguments: [NoiseSchedule.vp, .ve])
func gaussianFieldDenoiserEqualsTheFullCovarianceMixture(schedule: NoiseSchedule) throws {
    // Fourier-diagonal Wiener filter against dense linear algebra on the same covariance.
    let l = try Lattice(shape: [12])
    let spectrum = PowerSpectrum.ornsteinZernike(amplitude: 3, correlationLength: 2)
    let fast = GaussianFieldDenoiser(lattice: l, spectrum: spectrum)
    let dense = try GaussianMixtureDenoiser(lattice: l, components: [
        .init(weight: 1, mean: [Double](repeating: 0, count: 12), covariance: .full(stationaryCovariance(l, spectrum)))])
    var worst = 0.0
    for (k, t) in [0.05, 0.7, 3.0].enumerated() {
        let x = randomField(l, seed: 3, member: k, scale: 2), level = schedule.level(at: t)
        worst = max(worst, maxDifference(evaluate(fast, x, level), evaluate(dense, x, level)))
    }
    validation("Gaussian-field denoiser (FFT) vs full-covariance mixture (\(schedule.name))", String(format: "max |ΔD| = %.1e", worst))
    #expect(worst < 1e-10)
}

@Test func isotropicAndFullCovarianceComponentsAgree() throws {
    let l = try Lattice(shape: [5])
    let mu: [[Double]] = [[1, 0, -1, 2, 0.5], [-0.5, 1, 1, 0, -2], [0, 0, 3, 0, 0]]
    let variances = [0.3, 1.2, 0.05], weights = [0.2, 0.5, 0.3]
    let iso = try GaussianMixtureDenoiser(lattice: l, components: (0..<3).map {
        .init(weight: weights[$0], mean: mu[$0], covariance: .isotropic(variance: variances[$0])) })
    let full = try GaussianMixtureDenoiser(lattice: l, components: (0..<3).map { c in
        .init(weight: weights[c], mean: mu[c], covariance: .full((0..<25).map { $0 % 6 == 0 ? variances[c] : 0 })) })
    for t in [0.1, 1.0, 4.0] {
        let x = randomField(l, seed: 5, scale: 1.5), level = NoiseSchedule.vp.level(at: t)
        #expect(maxDifference(evaluate(iso, x, level), evaluate(full, x, level)) < 1e-12)
        let p = iso.posterior(x, at: level)!, q = full.posterior(x, at: level)!
        #expect(zip(p, q).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(abs(p.reduce(0, +) - 1) < 1e-14)
    }
}

@Test func twoPointIdealAndPointMixtureAgree() throws {
    // Data ±v three ways: the tanh formula, the ideal denoiser on {v, −v}, and a mixture of two
    // zero-variance components.
    let l = try Lattice(shape: [6])
    let v: [Double] = [0.5, -1, 0.25, 1, 0, 0.75]
    let two = TwoPointDenoiser(lattice: l, v: v)
    let ideal = IdealDenoiser(lattice: l, data: try Dataset(images: [v, v.map { -$0 }], shape: [6]))
    let mix = try GaussianMixtureDenoiser(lattice: l, components: [
        .init(weight: 1, mean: v, covariance: .isotropic(variance: 0)), .init(weight: 1, mean: v.map { -$0 }, covariance: .isotropic(variance: 0))])
    for t in [0.01, 0.5, 2.0, 8.0] {
        let x = randomField(l, seed: 9, scale: 0.7), level = NoiseSchedule.vp.level(at: t), d = evaluate(two, x, level)
        #expect(maxDifference(d, evaluate(ideal, x, level)) < 1e-12)
        #expect(maxDifference(d, evaluate(mix, x, level)) < 1e-12)
        #expect(zip(two.posterior(x, at: level)!, mix.posterior(x, at: level)!).allSatisfy { abs($0 - $1) < 1e-12 })
    }
}

/// ES by brute force: the ideal denoiser on the explicit list of all circular shifts.
func explicitShifts(_ data: Dataset, _ l: Lattice) throws -> Dataset {
    let (h, w) = (l.shape[0], l.shape[1])
    var images: [[Double]] = []
    for y in data.images { for dy in 0..<h { for dx in 0..<w {
        images.append((0..<(h * w)).map { i in y[((i / w - dy + h) % h) * w + (i % w - dx + w) % w] })
    } } }
    return try Dataset(images: images, shape: data.shape)
}

@Test func equivariantIdealDenoiserMatchesExplicitShifts() throws {
    let l = try Lattice(shape: [6, 5])
    let data = try SyntheticData.gaussianFields(count: 3, lattice: l, spectrum: .ornsteinZernike(amplitude: 1, correlationLength: 1.5), seed: 4)
    let fast = EquivariantIdealDenoiser(lattice: l, data: data), slow = IdealDenoiser(lattice: l, data: try explicitShifts(data, l))
    var worst = 0.0
    for (k, t) in [0.02, 0.4, 3.0].enumerated() {
        let x = randomField(l, seed: 12, member: k), level = NoiseSchedule.vp.level(at: t)
        worst = max(worst, maxDifference(evaluate(fast, x, level), evaluate(slow, x, level)))
        let p = fast.posterior(x, at: level)!, q = slow.posterior(x, at: level)!
        for n in 0..<3 { #expect(abs(p[n] - q[(n * 30)..<((n + 1) * 30)].reduce(0, +)) < 1e-10) }
    }
    validation("ES denoiser (FFT) vs ideal denoiser on all explicit shifts", String(format: "max |ΔD| = %.1e", worst))
    #expect(worst < 1e-10)
}

@Test(arguments: [([12, 10], 3), ([12, 10], 5), ([9, 9], 9), ([20], 7)])
func binaryPatchConvolutionMatchesTheDirectSum(shape: [Int], patch: Int) throws {
    let l = try Lattice(shape: shape), model = try BinaryPatchDenoiser(lattice: l, patch: .fixed(patch))
    let x = randomField(l, seed: 21), h = RealField(l)
    model.localField(x, time: 1, into: h, workspace: DenoiserWorkspace(l))
    var worst = 0.0
    let r = patch / 2
    for i in 0..<x.count {
        var direct = 0.0
        if shape.count == 1 {
            for d in -r...r { direct += x[(i + d + shape[0]) % shape[0]] }
        } else {
            let (ny, nx) = (shape[0], shape[1]), (y, c) = (i / nx, i % nx)
            for dy in -r...r { for dx in -r...r { direct += x[((y + dy + ny) % ny) * nx + (c + dx + nx) % nx] } }
        }
        worst = max(worst, abs(direct - h[i]))
    }
    validation("binary patch FFT convolution vs direct window sum, \(shape) P = \(patch)", String(format: "max error %.1e", worst))
    #expect(worst < 1e-12)
    let level = NoiseSchedule.vp.level(at: 0.5), d = evaluate(model, x, level)
    for i in 0..<x.count { #expect(abs(d[i] - tanh(level.alpha * h[i] / level.variance)) < 1e-15) }
}

@Test func binaryPatchRejectsBadPatchSizes() throws {
    let l = try Lattice(shape: [8, 8])
    for p in [0, 4, 9] { #expect(throws: BinaryPatchDenoiser.Error.self) { try BinaryPatchDenoiser(lattice: l, patch: .fixed(p)) } }
}

/// A P(t) table keyed at the points of the matching uniform grid, t_i = 1 − 0.01 i = k/100:
/// every step uses the entry of its own key, although the grid's 1 + (0.01 − 1)·i/99 falls an
/// ulp below k/100 at 18 of the 100 steps (a strict `time ≤ t` takes the previous entry there).
@Test func aPatchTableKeyedAtTheGridPointsIsReadAtEveryStep() throws {
    let times = try TimeGrid.uniform.times(from: 1, to: 0.01, steps: 99, schedule: .vp)
    let keys = (1...100).map { Double($0) / 100 }
    let table = PatchSchedule.table(keys.enumerated().map { (time: $1, size: 2 * $0 + 1) })
    let below = zip(times, keys.reversed()).filter { $0 < $1 }.count
    let wrong = zip(times, keys.reversed()).filter { t, key in table.size(at: t) != 2 * keys.firstIndex(of: key)! + 1 }.count
    print("validation: P(t) keyed at k/100 on the 99-step uniform grid: \(below) of 100 grid times lie an ulp below their key; \(wrong) steps use another entry")
    #expect(below > 0)
    #expect(wrong == 0)
}

@Test func schedulesOfPatchSizeAndGuidance() throws {
    let p = PatchSchedule.table([(time: 1, size: 7), (time: 0.1, size: 3), (time: 0.3, size: 5)])
    #expect([0.01, 0.1, 0.2, 0.3, 0.99, 1, 12].map(p.size(at:)) == [3, 3, 3, 5, 5, 7, 7])
    #expect(p.sizes == [3, 5, 7])
    let pulse = GuidanceSchedule.pulse(center: 1, width: log(4), strength: 3, base: 0.5)
    #expect([0.49, 0.5, 1, 2, 2.01].map(pulse.weight(at:)) == [0.5, 3, 3, 3, 0.5])
    let table = GuidanceSchedule.table([.init(time: 0.1, weight: 0), .init(time: 10, weight: 2)])
    #expect(table.weight(at: 0.01) == 0 && table.weight(at: 100) == 2 && abs(table.weight(at: 1) - 1) < 1e-15)

    // D_w = D_u + w(D_c − D_u) with a class-restricted mixture as the conditional model.
    let l = try Lattice(shape: [3])
    let mix = try GaussianMixtureDenoiser(lattice: l, components: [
        .init(weight: 1, mean: [1, 1, 1], covariance: .isotropic(variance: 0.5), label: 0),
        .init(weight: 1, mean: [-1, -1, -1], covariance: .isotropic(variance: 0.5), label: 1)])
    let cond = try mix.restricted(toLabel: 0)
    #expect(cond.components.count == 1)
    let x = randomField(l, seed: 2), level = NoiseSchedule.vp.level(at: 1)
    let du = evaluate(mix, x, level), dc = evaluate(cond, x, level)
    for w in [0.0, 1.0, 2.5] {
        let dw = evaluate(GuidedDenoiser(unconditional: mix, conditional: cond, weight: .constant(w)), x, level)
        for i in 0..<3 { #expect(abs(dw[i] - (du[i] + w * (dc[i] - du[i]))) < 1e-15) }
    }
}
