import Foundation
import CriticalityLattice
import Testing
@testable import CriticalityAnalysis

@Test func bootstrapIntervalOfABernoulliFractionCoversAtItsNominalRate() {
    // 1000 samples of n = 100 Bernoulli(0.3); each gets a 90 % percentile interval from 500
    // resamples. The coverage must equal 0.9 within 4 binomial standard errors.
    let (n, repetitions, p, level) = (100, 1000, 0.3, 0.9)
    let covered = Ensemble.map(members: repetitions, threads: 2) { r -> Bool in
        let key = GaussianNoise(seed: 11).key(member: r, step: 0, stream: 7)
        let x = (0..<n).map { GaussianNoise.uniform(key: key, index: $0) < p ? 1.0 : 0.0 }
        return Bootstrap(resamples: 500, level: level, seed: UInt64(r)).intervalOfMean(x).contains(p)
    }
    let rate = Double(covered.filter { $0 }.count) / Double(repetitions), se = (level * (1 - level) / Double(repetitions)).squareRoot()
    validation("bootstrap 90 % interval of a Bernoulli(0.3) mean, n = 100: coverage", String(format: "%.3f (nominal 0.900 ± %.3f)", rate, 4 * se))
    #expect(abs(rate - level) < 4 * se)
}

@Test func bootstrapIsReproducibleAndPaired() {
    let b = Bootstrap(resamples: 50, seed: 4)
    #expect(b.indices(replicate: 3, count: 20) == b.indices(replicate: 3, count: 20))
    #expect(b.indices(replicate: 3, count: 20) != b.indices(replicate: 4, count: 20))
    // Identical conditions: zero difference, p = 1, a degenerate interval.
    let x = (0..<30).map { sin(Double($0)) }
    let same = PairedComparison(x, x, bootstrap: b)
    #expect(same.difference.lower == 0 && same.difference.upper == 0 && same.pValue == 1)
}

@Test func studentTailsMatchTabulatedValues() {
    // Two-sided P(|T| > t): t = 2.228 at ν = 10 and t = 1.96 at ν = ∞ (≈ 10⁶) give 0.05;
    // ν = 1 is Cauchy, P(|T| > 1) = ½; t = 3.169 at ν = 10 gives 0.01.
    let cases: [(t: Double, nu: Double, p: Double, tol: Double)] = [(2.228, 10, 0.05, 2e-4), (1.959964, 1e6, 0.05, 1e-5), (1, 1, 0.5, 1e-12), (3.169, 10, 0.01, 1e-4)]
    for c in cases {
        let p = StudentT.twoSidedPValue(c.t, degreesOfFreedom: c.nu)
        #expect(abs(p - c.p) < c.tol, "t = \(c.t), ν = \(c.nu): \(p)")
    }
}
