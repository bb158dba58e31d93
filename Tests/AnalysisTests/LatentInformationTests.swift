import CriticalityDiffusion
import Foundation
import CriticalityLattice
import Testing
@testable import CriticalityAnalysis

@Test func latentInformationOfTwoGaussiansMatchesTheory() {
    // N(±3, 1) under ou: I = 0.6893, 0.3823, 0.0763 nats at t = 0, 1, 2 (docs/theory.md §10), and the
    // score-gap integral equals the entropy form.
    let m = IsotropicMixture(weights: [1, 1], means: [[3], [-3]], variances: [1, 1], labels: [0, 1])
    let info = LatentInformation(mixture: m, group: [0, 1], schedule: .ou)
    var rows: [String] = []
    for (t, expected) in [(0.0, 0.6893), (1, 0.3823), (2, 0.0763)] {
        let i = info.mutualInformation(at: t).mean, gap = info.scoreGapIntegral(from: max(t, 1e-9))
        #expect(abs(i - expected) < 1e-4, "t = \(t): \(i)")
        #expect(abs(gap - i) < 1e-4, "t = \(t): score gap \(gap) vs \(i)")
        rows.append(String(format: "t = %.0f: I = %.5f, score gap %.5f", t, i, gap))
    }
    validation("I(V; x_t), N(±3, 1) under ou", rows.joined(separator: "; "))
}

@Test func monteCarloInformationAgreesWithTheLineQuadrature() {
    // Collinear means in 3-D (a line), equal variances: both estimators apply.
    let mixture = IsotropicMixture(weights: [1, 2, 1], means: [[1, 2, 0], [0, 0, 0], [-1, -2, 0]], variances: [0.5, 0.5, 0.5], labels: [0, 1, 2])
    for group in [[0, 1, 2], [0, 1, 1]] {
        let exact = LatentInformation(mixture: mixture, group: group, schedule: .vp)
        let mc = LatentInformation(mixture: mixture, group: group, schedule: .vp, samples: 20000, seed: 2, monteCarlo: true)
        for t in [0.3, 1.5] {
            for (a, b) in [(exact.mutualInformation(at: t), mc.mutualInformation(at: t)), (exact.productionRate(at: t), mc.productionRate(at: t)),
                           (exact.collisionProbability(at: t), mc.collisionProbability(at: t))] {
                #expect(abs(a.mean - b.mean) < 4 * b.standardError, "groups \(group), t = \(t): \(a.mean) vs \(b)")
            }
        }
    }
}

@Test func perFactorInformationOfAProductMixtureIsThatOfItsMarginal() {
    // Components ±a e₁ ± b e₂ with factors (sign along e₁, sign along e₂): each factor carries
    // the information of a two-Gaussian line with its own separation.
    let (a, b) = (3.0, 1.0)
    let mixture = IsotropicMixture(weights: [1, 1, 1, 1], means: [[a, b], [a, -b], [-a, b], [-a, -b]], variances: [1, 1, 1, 1], labels: [0, 1, 2, 3])
    for (group, r) in [([0, 0, 1, 1], a), ([0, 1, 0, 1], b)] {
        let factor = LatentInformation(mixture: mixture, group: group, schedule: .ou, samples: 20000, seed: 5)
        let line = LatentInformation(mixture: IsotropicMixture(weights: [1, 1], means: [[r], [-r]], variances: [1, 1], labels: [0, 1]), group: [0, 1], schedule: .ou)
        for t in [0.2, 1.0] {
            let e = factor.mutualInformation(at: t), exact = line.mutualInformation(at: t).mean
            #expect(abs(e.mean - exact) < 4 * e.standardError, "separation \(r), t = \(t): \(e) vs \(exact)")
            let rate = factor.productionRate(at: t), lineRate = line.productionRate(at: t).mean
            #expect(abs(rate.mean - lineRate) < 4 * rate.standardError, "separation \(r), t = \(t): rate \(rate) vs \(lineRate)")
        }
    }
}

@Test func covarianceSpectrumAndSpeciationTimeOfAKnownDataSet() throws {
    // Images ±a e₁ ± b e₂ on 2×2 sites: covariance diag(a², b², 0, 0), Λ_max = a², t_S = ½ log a².
    let (a, b) = (5.0, 2.0)
    let images = [[a, b, 0, 0], [a, -b, 0, 0], [-a, b, 0, 0], [-a, -b, 0, 0]]
    let data = try Dataset(images: images, shape: [2, 2])
    #expect(abs(Speciation.topCovarianceEigenvalue(data) - a * a) < 1e-12)
    let t = Speciation.time(topEigenvalue: Speciation.topCovarianceEigenvalue(data), schedule: .ou)!
    #expect(abs(t - 0.5 * log(a * a)) < 1e-12)
    validation("speciation time, Λ_max = 25 under ou", String(format: "%.15f vs ½ log 25 = %.15f", t, 0.5 * log(25.0)))
    #expect(zip(Speciation.covarianceEigenvalues(data).sorted(), [0, 0, b * b, a * a]).allSatisfy { abs($0 - $1) < 1e-12 })
}

@Test func collapseTimeOfIsotropicDataHasItsClosedForm() {
    // f(t) = log n/d + ½ log(Δ_t/(Δ_t + σ_d² e^{−2t})) = 0 ⇔ t_C = ½ log(1 + q σ_d²/(1 − q)), q = n^{−2/d}.
    for (n, d, v) in [(100, 10, 1.0), (1797, 64, 0.3), (50_000, 3072, 2.0)] {
        let t = Collapse.time(trainingSize: n, dimension: d, eigenvalues: [Double](repeating: v, count: d), schedule: .ou, range: 1e-6...20)!
        #expect(abs(t - Collapse.isotropicTime(trainingSize: n, dimension: d, variance: v)) < 1e-10)
    }
}

@Test func cloningProbabilityDropsFromOneToAHalfAcrossTheSpeciationTime() throws {
    // Two-point data ±v, Λ = 16, under ou: t_S = ½ log 16. Clones from the solver agree with
    // the exact E Σ_v π_v(x_t)² within 4 SE, near 1 well before t_S and near ½ after it.
    let lattice = try! Lattice(shape: [4])
    let denoiser = TwoPointDenoiser(lattice: lattice, amplitude: 2)
    let info = LatentInformation(mixture: IsotropicMixture(denoiser), group: [0, 1], schedule: .ou)
    let times = try TimeGrid.logUniform.times(from: 6, to: 1e-3, steps: 200, schedule: .ou)
    let sampler = try ReverseSampler(schedule: .ou, denoiser: denoiser, method: .reverseSDEExponential, times: times, seed: 4)
    let tS = 0.5 * log(16.0)
    let branches = [0.3, 1, tS, 2, 3.5].map { t in times.indices.min { abs(times[$0] - t) < abs(times[$1] - t) }! }
    let forking = try Forking(sampler: sampler, branches: branches, continuations: 2, members: 2000, classes: 2, threads: 2) { x, _ in x[0] > 0 ? 0 : 1 }
    var rows: [String] = []
    for (k, b) in branches.enumerated() {
        let phi = forking.collision[k], exact = info.collisionProbability(at: times[b]).mean
        // Binomial SE of the exact value (the sample SE is 0 when every pair agrees).
        #expect(abs(phi.mean - exact) < 4 * (exact * (1 - exact) / 2000).squareRoot(), "t_b = \(times[b]): \(phi) vs \(exact)")
        rows.append(String(format: "t_b = %.2f: %.3f vs %.3f", times[b], phi.mean, exact))
    }
    #expect(forking.collision[0].mean > 0.99 && abs(forking.collision[4].mean - 0.5) < 4 * forking.collision[4].standardError)
    validation("cloning φ(t_b), two-point Λ = 16 (t_S = 1.386), 2000 pairs", rows.joined(separator: "; "))
}
