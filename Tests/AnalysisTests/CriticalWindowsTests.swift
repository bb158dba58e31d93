import CriticalityDiffusion
import Foundation
import CriticalityLattice
import Testing
@testable import CriticalityAnalysis

/// N(±μ, I) in three dimensions with ‖μ‖ = R, μ off the axes.
func twoGaussians(_ r: Double) -> IsotropicMixture {
    let mu = [2.0, -1, 2].map { $0 * r / 3 }
    return IsotropicMixture(weights: [1, 1], means: [mu, mu.map { -$0 }], variances: [1, 1], labels: [0, 1])
}

@Test func twoGaussianWindowEndpointsEqualTheClosedForms() {
    // docs/theory.md §10: T_after = ln R − ln Φ⁻¹(1 − ε²/2), T_before = ln R − ln Φ⁻¹(½ + ε); the
    // search finds them as crossings of the general TV conditions.
    var worst = 0.0
    for r in [5.0, 10, 30] {
        for eps in [0.05, 0.1, 0.2] {
            let w = CriticalWindows(mixture: twoGaussians(r)).window(after: [0], before: [0, 1], epsilon: eps, range: 1e-3...10)
            let exact = CriticalWindows.twoGaussianWindow(separation: r, epsilon: eps)
            let errors = [w.after! - exact.after!, w.before! - exact.before!]
            worst = max(worst, errors.map(abs).max()!)
            #expect(errors.allSatisfy { abs($0) < 1e-9 }, "R = \(r), ε = \(eps): \(w) vs \(exact)")
        }
    }
    validation("Li–Chen window endpoints of N(±μ, I) vs closed forms (9 cases)", String(format: "max error %.1e (tolerance 1e-9)", worst))
}

@Test func bhattacharyyaBoundsBracketTheExactTotalVariation() {
    // ±μ at several times: the exact TV lies between 1 − BC and √(1 − BC²).
    let w = CriticalWindows(mixture: twoGaussians(3))
    for t in [0.01, 0.5, 1, 2, 4] {
        let tv = w.totalVariation([0], [1], at: t).mean, b = CriticalWindows.totalVariationBounds(bhattacharyya: w.bhattacharyyaCoefficient(0, 1, at: t))
        #expect(b.contains(tv) && b.lowerBound < b.upperBound, "t = \(t): \(tv) ∉ \(b)")
    }
    // Unequal, correlated covariances in 2-D, with TV by quadrature on a fine grid.
    let (mp, cp, mq, cq) = ([0.0, 0], [1.0, 0.6, 0.6, 2], [1.0, -0.5], [0.5, -0.1, -0.1, 0.8])
    func density(_ x: Double, _ y: Double, _ m: [Double], _ c: [Double]) -> Double {
        let det = c[0] * c[3] - c[1] * c[2], (dx, dy) = (x - m[0], y - m[1])
        let q = (c[3] * dx * dx - 2 * c[1] * dx * dy + c[0] * dy * dy) / det
        return exp(-0.5 * q) / (2 * Double.pi * det.squareRoot())
    }
    let h = 0.02
    var tv = 0.0
    for i in -600...600 { for j in -600...600 {
        let (x, y) = (Double(i) * h, Double(j) * h)
        tv += 0.5 * abs(density(x, y, mp, cp) - density(x, y, mq, cq)) * h * h
    } }
    let bc = CriticalWindows.bhattacharyyaCoefficient(meanP: mp, covarianceP: cp, meanQ: mq, covarianceQ: cq)
    let b = CriticalWindows.totalVariationBounds(bhattacharyya: bc)
    validation("Bhattacharyya bounds, correlated 2-D Gaussians", String(format: "%.4f ≤ TV = %.4f ≤ %.4f", b.lowerBound, tv, b.upperBound))
    #expect(b.contains(tv))
}

@Test func monteCarloTotalVariationOfSubMixturesMatchesTheirExactMarginal() {
    // Components ±a e₁ ± b e₂: the sub-mixtures {+·} and {−·} share their e₂ structure, so
    // their TV is that of the e₁ marginals, 2Φ(α a/s_t) − 1, exactly. The posterior estimator
    // must find it within 4 standard errors.
    let (a, b) = (3.0, 0.7)
    let means = [[a, b], [a, -b], [-a, b], [-a, -b]]
    let w = CriticalWindows(mixture: IsotropicMixture(weights: [1, 1, 1, 1], means: means, variances: [1, 1, 1, 1], labels: [0, 1, 2, 3]), samples: 8000, seed: 3)
    for t in [0.05, 0.5, 1.5] {
        let e = w.totalVariation([0, 1], [2, 3], at: t), exact = 2 * StandardNormal.cdf(exp(-t) * a) - 1
        #expect(abs(e.mean - exact) < 4 * e.standardError, "t = \(t): \(e) vs \(exact)")
    }
    // Unequal variances (no symmetry between the sides): N(0, 1) vs N(1.5, 4) at t = 0.3,
    // against the TV by quadrature.
    let uneven = CriticalWindows(mixture: IsotropicMixture(weights: [1, 1], means: [[0], [1.5]], variances: [1, 4], labels: [0, 1]), samples: 8000, seed: 4)
    let level = NoiseSchedule.ou.level(at: 0.3)
    let (v0, v1) = (level.alpha * level.alpha + level.variance, 4 * level.alpha * level.alpha + level.variance)
    let gauss = { (x: Double, m: Double, v: Double) in exp(-0.5 * (x - m) * (x - m) / v) / (2 * Double.pi * v).squareRoot() }
    let quadrature = stride(from: -30.0, through: 30, by: 1e-3).reduce(0) { $0 + 0.5 * abs(gauss($1, 0, v0) - gauss($1, 1.5 * level.alpha, v1)) * 1e-3 }
    let estimated = uneven.totalVariation([0], [1], at: 0.3)
    #expect(abs(estimated.mean - quadrature) < 4 * estimated.standardError, "\(estimated) vs \(quadrature)")
    // Nested sets: TV(p^{S}, p^{S ∪ R}) = w_R TV(p^S, p^R).
    let nested = w.totalVariation([0], [0, 1], at: 0.5).mean, direct = w.totalVariation([0], [1], at: 0.5).mean
    #expect(abs(nested - 0.5 * direct) < 1e-15)
    // The mixture tree: the coarse feature (sign of e₁) is decided before (at larger t than) the fine one.
    let coarse = w.window(after: [0, 1], before: [0, 1, 2, 3], epsilon: 0.2, range: 1e-3...6, points: 60)
    let fine = w.window(after: [0], before: [0, 1], epsilon: 0.2, range: 1e-3...6, points: 60)
    // Closed forms of this tree (TV(p^S, p^Θ) = ½ TV of the halves): coarse T_before = ln(3/Φ⁻¹(0.7)),
    // fine T_before = ln(0.7/Φ⁻¹(0.7)); the fine feature is never separated to 1 − ε² (no T_after).
    let q = StandardNormal.quantile(0.7)
    #expect(fine.after == nil && abs(fine.before! - log(b / q)) < 1e-9)
    #expect(coarse.after == nil || coarse.after! < coarse.before!)
    #expect(abs(coarse.before! - log(a / q)) < 0.02 && coarse.before! > fine.before!)
}

@Test func solverKeepProbabilityEqualsTheExactPosteriorDraw() throws {
    // Start from N(+μ, I), R = 3, noise to T̂ under ou, reverse with the full mixture's score:
    // the kept fraction is E_z[σ(2a² + 2az)], a = e^{−T̂}R (docs/theory.md §10), within 4 SE.
    let lattice = try! Lattice(shape: [4])
    let mu = [Double](repeating: 1.5, count: 4), mixture = IsotropicMixture(weights: [1, 1], means: [mu, mu.map { -$0 }], variances: [1, 1], labels: [0, 1])
    let denoiser = try GaussianMixtureDenoiser(lattice: lattice, components: [.init(weight: 0.5, mean: mu, covariance: .isotropic(variance: 1), label: 0),
                                                                          .init(weight: 0.5, mean: mu.map { -$0 }, covariance: .isotropic(variance: 1), label: 1)])
    var rows: [String] = []
    for that in [0.5, 1.0, 1.5, 2.5] {
        let times = try TimeGrid.logUniform.times(from: that, to: 1e-3, steps: 200, schedule: .ou)
        let sampler = try ReverseSampler(schedule: .ou, denoiser: denoiser, method: .reverseSDEExponential, times: times, seed: 4)
        let e = try CriticalWindows.solverKeepProbability(sampler: sampler, mixture: mixture, start: [0], members: 3000, threads: 2)
        let exact = CriticalWindows.twoGaussianKeepProbability(exp(-that) * 3)
        // The exact-reverse prediction by quadrature on the line agrees with the closed form.
        #expect(abs(CriticalWindows(mixture: mixture).keepProbability([0], at: that).mean - exact) < 1e-10)
        #expect(abs(e.mean - exact) < 4 * e.standardError, "T̂ = \(that): \(e) vs \(exact)")
        rows.append(String(format: "T̂ = %.1f: %.4f vs %.4f (SE %.4f)", that, e.mean, exact, e.standardError))
    }
    validation("keep probability from the solver vs E_z[σ(2a²+2az)]", rows.joined(separator: "; "))
}
