import Foundation
import Testing
import CriticalityAnalysis
import CriticalityLattice
@testable import CriticalityDiffusion


func spectrumOf(_ x: RealField, _ sf: StructureFactor) -> [Double] {
    let s = SpectralField(x.lattice)
    FourierTransform.plan(x.lattice).forward(x, into: s)
    return sf.shellAverages(s)
}

/// Worst |z| of per-shell ensemble means against a prediction (checked against
/// `StandardNormal.familyBound(comparisons:)` for the number of shells).
func worstZ(_ rows: [[Double]], _ predicted: [Double]) -> Double {
    predicted.indices.reduce(0) { w, s in
        let e = Estimate(samples: rows.map { $0[s] })
        return max(w, abs(e.mean - predicted[s]) / e.standardError)
    }
}

@Test(arguments: SamplerMethod.allCases)
func gaussianDataKeepsTheExactSpectrumAlongTheReversePath(method: SamplerMethod) throws {
    // docs/theory.md §2: along the exact reverse process x_t has spectrum α²P + σ², and the samples
    // have spectrum P.
    let l = try Lattice(shape: [32, 32]), spectrum = PowerSpectrum.ornsteinZernike(amplitude: 2, correlationLength: 2)
    let model = GaussianFieldDenoiser(lattice: l, spectrum: spectrum), sf = StructureFactor(l)
    let times = try TimeGrid.logUniform.times(from: 10, to: 1e-4, steps: 300, schedule: .vp)
    let sampler = try ReverseSampler(schedule: .vp, denoiser: model, method: method, times: times, seed: 7)
    let checks = [1.0, 0.3, 0.1, 0.01].map { t in times.indices.min { abs(times[$0] - t) < abs(times[$1] - t) }! }
    let runs = try Ensemble.map(members: 128, threads: 2) { m -> [[Double]] in
        var rows: [[Double]] = []
        let final = try sampler.run(member: m, from: sampler.initialState(member: m), observing: Set(checks)) { _, _, x, _ in
            rows.append(spectrumOf(x, sf))
        }
        return rows + [spectrumOf(final, sf)]
    }
    let p = model.power, bound = StandardNormal.familyBound(comparisons: sf.shellCount)
    for (j, i) in checks.enumerated() {
        let level = NoiseSchedule.vp.level(at: times[i])
        let z = worstZ(runs.map { $0[j] }, sf.shellMeans(p.map { level.alpha * level.alpha * $0 + level.variance }))
        validation("Gaussian data, \(method.rawValue): S(k, t = \(String(format: "%.3g", times[i]))) vs α²P + σ² over \(sf.shellCount) shells", String(format: "worst |z| = %.2f (bound %.2f)", z, bound))
        #expect(z < bound)
    }
    let z = worstZ(runs.map { $0[checks.count] }, sf.shellMeans(p))
    validation("Gaussian data, \(method.rawValue): final samples' spectrum vs P(k)", String(format: "worst |z| = %.2f (bound %.2f)", z, bound))
    #expect(z < bound)
}

@Test func twoPointDataSplitsEvenlyUnderTheSDEAndExactlyUnderTheODE() throws {
    let l = try Lattice(shape: [16]), model = TwoPointDenoiser(lattice: l, amplitude: 0.5)
    let times = try TimeGrid.logUniform.times(from: 12, to: 1e-3, steps: 200, schedule: .vp)
    let sde = try ReverseSampler(schedule: .vp, denoiser: model, method: .reverseSDEExponential, times: times, seed: 3)
    let signs = try Ensemble.map(members: 2000, threads: 2) { m -> Double in
        let d = try sde.run(member: m, from: sde.initialState(member: m))
        return d[0] > 0 ? 1 : 0
    }
    let up = Estimate(samples: signs)
    validation("two-point data, reverse SDE: fraction ending at +v (2000 samples)", String(format: "%.4f ± %.4f (expected 0.5)", up.mean, up.standardError))
    #expect(abs(up.mean - 0.5) < 4 * 0.5 / 2000.0.squareRoot())

    let ode = try ReverseSampler(schedule: .vp, denoiser: model, method: .probabilityFlowHeun, times: times, seed: 3)
    let distance = try Ensemble.map(members: 200, threads: 2) { m -> Double in
        let d = try ode.run(member: m, from: ode.initialState(member: m))
        return min((0..<16).reduce(0) { max($0, abs(d[$1] - 0.5)) }, (0..<16).reduce(0) { max($0, abs(d[$1] + 0.5)) })
    }
    validation("two-point data, PF-ODE: largest distance of 200 samples from ±v", String(format: "%.1e", distance.max()!))
    #expect(distance.max()! < 1e-3)
}

/// E_z[σ(2a² + 2az)], z ~ N(0, 1), by the trapezoidal rule on [−12, 12].
func keepProbability(_ a: Double) -> Double {
    let n = 4800, h = 24.0 / Double(n)
    var s = 0.0
    for i in 0...n {
        let z = -12 + Double(i) * h, f = exp(-0.5 * z * z) / (2 * Double.pi).squareRoot() / (1 + exp(-(2 * a * a + 2 * a * z)))
        s += (i == 0 || i == n ? 0.5 : 1) * f
    }
    return s * h
}

@Test func forwardReverseKeepsItsComponentWithTheExactPosteriorProbability() throws {
    // docs/theory.md §10: draw from N(+μ, I), noise to T̂ under `ou`, reverse with the full mixture
    // score. The exact reverse returns a posterior draw, so the probability of ending in the
    // component + is E_z[σ(2a² + 2az)], a = e^{−T̂}R. Measured as the mean of the final
    // posterior weight p(+ | x), whose expectation is that probability (a martingale of the
    // exact reverse process).
    let n = 4, radius = 3.0, l = try Lattice(shape: [n])
    let mu = [Double](repeating: radius / Double(n).squareRoot(), count: n)
    let mix = try GaussianMixtureDenoiser(lattice: l, components: [
        .init(weight: 0.5, mean: mu, covariance: .isotropic(variance: 1)),
        .init(weight: 0.5, mean: mu.map { -$0 }, covariance: .isotropic(variance: 1))])
    for tHat in [0.4, 1.1, 2.0] {
        let times = try TimeGrid.logUniform.times(from: tHat, to: 1e-3, steps: 400, schedule: .ou)
        let sampler = try ReverseSampler(schedule: .ou, denoiser: mix, method: .reverseSDEExponential, times: times, seed: 17)
        let kept = try Ensemble.map(members: 8000, threads: 2) { m -> Double in
            let x0 = RealField(l)
            sampler.noise.fill(x0.values, count: n, member: m, step: 0, stream: 9)
            for i in 0..<n { x0[i] += mu[i] }
            let x = ForwardNoising.noised(x0, at: NoiseSchedule.ou.level(at: tHat), noise: sampler.noise, member: m)
            var final = 0.0
            _ = try sampler.run(member: m, from: x, observing: [times.count - 1]) { _, level, x, _ in final = mix.posterior(x, at: level)![0] }
            return final
        }
        let e = Estimate(samples: kept), expected = keepProbability(exp(-tHat) * radius)
        validation(String(format: "mixture N(±μ, I), R = 3, forward–reverse from T̂ = %.1f: keep probability", tHat),
                   String(format: "%.4f ± %.4f (exact %.4f)", e.mean, e.standardError, expected))
        #expect(abs(e.mean - expected) < 4 * e.standardError)
    }
}

@Test func idealScoreMemorisesAndESReturnsShiftsOfTrainingImages() throws {
    let l = try Lattice(shape: [8, 8]), data = try SyntheticData.randomBinary(count: 16, shape: [8, 8], seed: 5)
    let times = try TimeGrid.logUniform.times(from: 12, to: 1e-3, steps: 200, schedule: .vp)
    /// Largest distance of `members` ODE samples from their nearest image of `set`.
    func largestDistance(_ model: any Denoiser, members: Int, from set: Dataset) throws -> Double {
        let sampler = try ReverseSampler(schedule: .vp, denoiser: model, method: .probabilityFlowHeun, times: times, seed: 1)
        return try Ensemble.map(members: members, threads: 2) { m -> Double in
            let d = try sampler.run(member: m, from: sampler.initialState(member: m))
            return set.images.map { y in (0..<64).reduce(0) { max($0, abs(d[$1] - y[$1])) } }.min()!
        }.max()!
    }
    let ideal = try largestDistance(IdealDenoiser(lattice: l, data: data), members: 32, from: data)
    validation("ideal score, 16 random 8×8 images: largest distance of 32 ODE samples from the nearest training image", String(format: "%.1e", ideal))
    #expect(ideal < 1e-3)
    let es = try largestDistance(EquivariantIdealDenoiser(lattice: l, data: data), members: 16, from: explicitShifts(data, l))
    validation("ES score: largest distance of 16 ODE samples from the nearest circular shift of a training image", String(format: "%.1e", es))
    #expect(es < 1e-3)
}

/// Fraction of sites whose value equals the majority sign of its P×P window (P odd, ±1 field).
func locallyConsistentFraction(_ d: RealField, patch p: Int) -> Double {
    let (ny, nx) = (d.lattice.shape[0], d.lattice.shape[1]), r = p / 2
    var good = 0
    for y in 0..<ny { for x in 0..<nx {
        var s = 0.0
        for dy in -r...r { for dx in -r...r { s += d[((y + dy + ny) % ny) * nx + (x + dx + nx) % nx] } }
        if (s > 0) == (d[y * nx + x] > 0) { good += 1 }
    } }
    return Double(good) / Double(ny * nx)
}

@Test(arguments: [3, 5])
func binaryPatchModelConvergesToALocallyConsistentMosaic(patch: Int) throws {
    let l = try Lattice(shape: [32, 32]), model = try BinaryPatchDenoiser(lattice: l, patch: .fixed(patch))
    // To t = 1e-4: at 1e-3 a site whose window is otherwise tied can still be deciding (one
    // site in 8192 had |D| = 0.91 there).
    let times = try TimeGrid.logUniform.times(from: 12, to: 1e-4, steps: 256, schedule: .vp)
    for method in [SamplerMethod.reverseSDEExponential, .probabilityFlowHeun] {
        let sampler = try ReverseSampler(schedule: .vp, denoiser: model, method: method, times: times, seed: 11)
        let out = try Ensemble.map(members: 8, threads: 2) { m -> (Double, Double) in
            let d = try sampler.run(member: m, from: sampler.initialState(member: m))
            return ((0..<d.count).reduce(1) { min($0, abs(d[$1])) }, locallyConsistentFraction(d, patch: patch))
        }
        let smallest = out.map(\.0).min()!, consistent = out.map(\.1).min()!
        validation("binary patch P = \(patch), 32×32, \(method.rawValue): min |D| and worst locally consistent fraction of 8 samples",
                   String(format: "%.6f, %.4f", smallest, consistent))
        if method.isStochastic {
            #expect(smallest > 1 - 1e-9)
            #expect(consistent >= 0.97)
        }
    }
}

@Test func guidanceTowardsOneClassOfAMixture() throws {
    // w = 0: the unconditional mixture (half the samples in each class); w = 1: the mixture
    // restricted to class 0, N(+μ, I), whose samples have μᵀx > 0 with probability Φ(R).
    let n = 4, radius = 3.0, l = try Lattice(shape: [n])
    let mu = [Double](repeating: radius / Double(n).squareRoot(), count: n)
    let mix = try GaussianMixtureDenoiser(lattice: l, components: [
        .init(weight: 0.5, mean: mu, covariance: .isotropic(variance: 1), label: 0),
        .init(weight: 0.5, mean: mu.map { -$0 }, covariance: .isotropic(variance: 1), label: 1)])
    let times = try TimeGrid.logUniform.times(from: 12, to: 1e-3, steps: 200, schedule: .vp)
    let phi = 0.5 * erfc(-radius / 2.0.squareRoot())
    for (w, expected) in [(0.0, 0.5), (1.0, phi)] {
        let guided = GuidedDenoiser(unconditional: mix, conditional: try mix.restricted(toLabel: 0), weight: .constant(w))
        let sampler = try ReverseSampler(schedule: .vp, denoiser: guided, method: .reverseSDEExponential, times: times, seed: 23)
        let inClass = try Ensemble.map(members: 2000, threads: 2) { m -> Double in
            let d = try sampler.run(member: m, from: sampler.initialState(member: m))
            return (0..<n).reduce(0) { $0 + d[$1] } > 0 ? 1 : 0
        }
        let e = Estimate(samples: inClass), se = (expected * (1 - expected) / 2000).squareRoot()
        validation("guidance w = \(w) towards class 0 of N(±μ, I): fraction with μᵀx > 0", String(format: "%.4f (expected %.4f ± %.4f)", e.mean, expected, se))
        #expect(abs(e.mean - expected) < 4 * se)
    }
}

@Test func samplesAreBitwiseIndependentOfTheThreadCount() throws {
    let l = try Lattice(shape: [16, 16]), model = try BinaryPatchDenoiser(lattice: l, patch: .fixed(3))
    let times = try TimeGrid.logUniform.times(from: 12, to: 1e-2, steps: 40, schedule: .vp)
    for method in SamplerMethod.allCases {
        let sampler = try ReverseSampler(schedule: .vp, denoiser: model, method: method, times: times, seed: 4)
        let runs = try [1, 2].map { threads in
            try Ensemble.map(members: 5, threads: threads) { m in try sampler.run(member: m, from: sampler.initialState(member: m)).array }
        }
        #expect(runs[0] == runs[1])
        let other = try ReverseSampler(schedule: .vp, denoiser: model, method: method, times: times, seed: 5)
        #expect(try other.run(member: 0, from: other.initialState(member: 0)).array != runs[0][0])
    }
}

@Test func deterministicSamplersConvergeAtTheirOrderOnTheExactGaussianFlow() throws {
    // For Gaussian data the probability flow is exact per mode: x̂_t = x̂_T √((α_t²P + σ_t²)/(α_T²P + σ_T²)).
    let l = try Lattice(shape: [16]), model = GaussianFieldDenoiser(lattice: l, spectrum: .ornsteinZernike(amplitude: 3, correlationLength: 2))
    let (t0, t1) = (4.0, 0.05), start = NoiseSchedule.vp.level(at: t0), end = NoiseSchedule.vp.level(at: t1)
    let x0 = randomField(l, seed: 8), transform = FourierTransform.plan(l)
    let s = SpectralField(l), exact = RealField(l)
    transform.forward(x0, into: s)
    for q in 0..<s.count {
        let p = model.power[q], g = ((end.alpha * end.alpha * p + end.variance) / (start.alpha * start.alpha * p + start.variance)).squareRoot() / 16
        s[q] = (s[q].re * g, s[q].im * g)
    }
    transform.inverse(destroying: s, into: exact)
    for (method, order) in [(SamplerMethod.probabilityFlowHeun, 2.0), (.ddim, 1.0)] {
        let errors = try [25, 50, 100].map { n -> Double in
            let sampler = try ReverseSampler(schedule: .vp, denoiser: model, method: method, times: try TimeGrid.logUniform.times(from: t0, to: t1, steps: n, schedule: .vp), seed: 1)
            var last = 0.0
            _ = try sampler.run(member: 0, from: x0.copy(), observing: [n]) { _, _, x, _ in last = maxDifference(x, exact) }
            return last
        }
        let observed = [log2(errors[0] / errors[1]), log2(errors[1] / errors[2])]
        validation("\(method.rawValue) on the exact Gaussian flow: errors at 25, 50, 100 steps and observed order",
                   String(format: "%.1e, %.1e, %.1e; %.2f, %.2f (expected %.0f)", errors[0], errors[1], errors[2], observed[0], observed[1], order))
        #expect(abs(observed[1] - order) < 0.25)
    }
}

/// Public initialisers refuse bad arguments with a typed error naming the argument, instead of
/// trapping.
@Test func publicInitialisersThrowInsteadOfTrapping() throws {
    let lattice = try Lattice(shape: [4])
    let model = TwoPointDenoiser(lattice: lattice, amplitude: 1)
    func argument(_ body: () throws -> Void) -> String? {
        do { try body(); return nil } catch let e as InvalidArgument { return e.argument } catch { return "another error: \(error)" }
    }
    #expect(argument { _ = try TimeGrid.logUniform.times(from: 1, to: 2, steps: 10, schedule: .vp) } == "start")
    #expect(argument { _ = try TimeGrid.uniform.times(from: 1, to: 0, steps: 10, schedule: .vp) } == "end")
    #expect(argument { _ = try TimeGrid.uniform.times(from: 1, to: 0.1, steps: 0, schedule: .vp) } == "steps")
    #expect(argument { _ = try ReverseSampler(schedule: .vp, denoiser: model, method: .ddim, times: [1, 2], seed: 1) } == "times")
    #expect(argument { _ = try ReverseSampler(schedule: .vp, denoiser: model, method: .ddim, times: [1], seed: 1) } == "times")
    #expect(argument { _ = try ReverseSampler(schedule: .vp, denoiser: model, method: .ddim, times: [1, 0], seed: 1) } == "times")
    #expect(argument { _ = try Dataset(images: [], shape: [2]) } == "images")
    #expect(argument { _ = try Dataset(images: [[1, 2], [1]], shape: [2]) } == "images[1].count")
    #expect(argument { _ = try Dataset(images: [[1, 2]], shape: [2], labels: [0, 1]) } == "labels.count")
    #expect(argument { _ = try GaussianMixtureDenoiser(lattice: lattice, components: []) } == "components")
    #expect(argument { _ = try GaussianMixtureDenoiser(lattice: lattice, components: [.init(weight: 1, mean: [0, 0], covariance: .isotropic(variance: 1))]) }
            == "components[0].mean.count")
    #expect(argument { _ = try GaussianMixtureDenoiser(lattice: lattice, components: [.init(weight: 0, mean: [0, 0, 0, 0], covariance: .isotropic(variance: 1))]) }
            == "components[0].weight")
    let mixture = try GaussianMixtureDenoiser(lattice: lattice, components: [.init(weight: 1, mean: [0, 0, 0, 0], covariance: .isotropic(variance: 1), label: 0)])
    #expect(argument { _ = try mixture.restricted(toLabel: 3) } == "labels")
    #expect(argument { _ = try RandomHierarchyModel(vocabulary: 1, synonyms: 1, branching: 2, depth: 1, seed: 1) } == "vocabulary")
    #expect(argument { _ = try RandomHierarchyModel(vocabulary: 4, synonyms: 5, branching: 2, depth: 1, seed: 1) } == "synonyms")
    #expect(argument { _ = try RandomHierarchyModel(vocabulary: 64, synonyms: 1, branching: 4, depth: 1, seed: 1) } == "vocabulary^branching")
    // Valid arguments still build.
    #expect(argument { _ = try ReverseSampler(schedule: .vp, denoiser: model, method: .ddim, times: [2, 1], seed: 1) } == nil)
}

/// The Langevin corrector on data at one point (D = 0): each step is the AR(1) map
/// x ← (1 − δ)x + σ√(2δ) z, whose stationary variance is σ²/(1 − δ/2); 400 steps of δ = 0.2 from
/// the predictor's state reach it (the start is forgotten as 0.8⁴⁰⁰). Checked within 4 standard
/// errors of the variance over 4 × 4096 sites; no steps, or a window elsewhere, leave the sampler
/// bitwise unchanged; τ counts the grid times inside the window.
@Test func langevinCorrectorSamplesTheNoisedDistribution() throws {
    let lattice = try Lattice(shape: [64, 64])
    let model = PointMassDenoiser(lattice: lattice, image: [Double](repeating: 0, count: lattice.siteCount))
    let base = try ReverseSampler(schedule: .vp, denoiser: model, method: .reverseSDEExponential, times: [2.0, 1.0], seed: 5)
    func finalStates(_ s: ReverseSampler) throws -> [[Double]] {
        try (0..<4).map { m in
            var last: [Double] = []
            _ = try s.run(member: m, from: s.initialState(member: m), observing: [1]) { _, _, x, _ in last = x.array }
            return last
        }
    }
    let corrected = base.correcting(LangevinCorrector(steps: 400, stepSize: 0.2, window: 0.5...1.5))
    let x = try finalStates(corrected).flatMap { $0 }, level = NoiseSchedule.vp.level(at: 1.0)
    let variance = x.reduce(0) { $0 + $1 * $1 } / Double(x.count), expected = level.variance / (1 - 0.1)
    // Var of a sample variance of n Gaussians: 2σ⁴/n.
    let se = expected * (2 / Double(x.count)).squareRoot()
    print(String(format: "validation: Langevin corrector, δ = 0.2: variance %.5f, stationary σ²/(1 − δ/2) = %.5f ± %.5f (σ² = %.5f)", variance, expected, se, level.variance))
    #expect(abs(variance - expected) < 4 * se)
    let plain = try finalStates(base)
    #expect(try finalStates(base.correcting(LangevinCorrector(steps: 0, stepSize: 0.2, window: 0.5...1.5))) == plain)
    #expect(try finalStates(base.correcting(LangevinCorrector(steps: 5, stepSize: 0.2, window: 1.5...1.9))) == plain)
    #expect(abs(LangevinCorrector(steps: 3, stepSize: 0.1, window: 1...3).annealingTime(times: [4, 3, 2, 1, 0.5]) - 0.9) < 1e-15)
}

/// The exponential step draws its noise into the update 32 deviates at a time: the same bits as
/// filling a noise field first and updating site by site, including a partial last block.
@Test func exponentialUpdateMatchesFillingTheNoiseFirst() throws {
    let l = try Lattice(shape: [12, 10])  // 120 sites: three blocks of 32 and 24 more
    let now = NoiseLevel(time: 0.4, alpha: 0.8, sigma: 0.6, alphaRate: 0, sigmaRate: 0)
    let next = NoiseLevel(time: 0.3, alpha: 0.85, sigma: 0.52, alphaRate: 0, sigmaRate: 0)
    let (c, v) = ReverseSampler.exponentialStep(now, next)
    let x = RealField(l), d = RealField(l), noise = GaussianNoise(seed: 11)
    noise.fill(x.values, count: x.count, member: 0, step: 0, stream: 7)
    noise.fill(d.values, count: d.count, scale: 0.5, member: 0, step: 1, stream: 7)
    let expected = x.copy(), xi = RealField(l)
    noise.fill(xi.values, count: xi.count, scale: v.squareRoot(), member: 3, step: 5, stream: 2)
    for j in 0..<x.count { expected[j] = next.alpha * d[j] + c * (expected[j] - now.alpha * d[j]) + xi[j] }
    ReverseSampler.exponentialUpdate(x, d, contraction: c, noiseScale: v.squareRoot(), now: now, next: next,
                                     key: noise.key(member: 3, step: 5, stream: 2))
    #expect((0..<x.count).allSatisfy { x[$0].bitPattern == expected[$0].bitPattern })
}
