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

/// τ_int of an AR(1) series x_{i+1} = φ x_i + √(1 − φ²) z is (1 + φ)/(2(1 − φ)); the pooled
/// estimate over independent series with Sokal's window recovers it within 4 of its errors
/// (the window truncates a tail of relative size φ^W ≈ 1e-3 here).
@Test func autocorrelationTimeOfAnAutoregressiveSeries() {
    let noise = GaussianNoise(seed: 11)
    for phi in [0.0, 0.5, 0.9] {
        let series = (0..<16).map { member -> [Double] in
            var z = [Double](repeating: 0, count: 20000)
            z.withUnsafeMutableBufferPointer { noise.fill($0.baseAddress!, count: $0.count, member: member, step: 0) }
            var x = z[0], out: [Double] = []
            for i in 1..<z.count { x = phi * x + (1 - phi * phi).squareRoot() * z[i]; out.append(x) }
            return out
        }
        let tau = AutocorrelationTime(series: series)!, exact = (1 + phi) / (2 * (1 - phi))
        print(String(format: "validation: τ_int of AR(1) φ = %.1f: %.4f ± %.4f (exact %.4f), window %d", phi, tau.tau, tau.standardError, exact, tau.window))
        #expect(abs(tau.tau - exact) < 4 * tau.standardError)
    }
    // A series too short for its correlation: no estimate rather than a wrong one.
    #expect(AutocorrelationTime(series: [(0..<40).map { Double($0) }]) == nil)
}

/// Pooled equilibrium moments equal the direct sums over every sample, and their jackknife
/// error over members agrees with the scatter of member means (each member one block).
@Test func equilibriumAveragesPoolMembersAndSamples() {
    let noise = GaussianNoise(seed: 12)
    let series = (0..<8).map { member -> [EquilibriumAverage.Sample] in
        var z = [Double](repeating: 0, count: 300)
        z.withUnsafeMutableBufferPointer { noise.fill($0.baseAddress!, count: $0.count, member: member, step: 0) }
        return z.map { EquilibriumAverage.Sample(m: $0, s0: 2 + $0 * $0, s1: 1) }
    }
    let e = EquilibriumAverage(series: series, sites: 100, k1: 0.5, boxLength: 10)
    let all = series.flatMap { $0 }, n = Double(all.count)
    let m2 = all.reduce(0) { $0 + $1.m * $1.m } / n, m4 = all.reduce(0) { $0 + pow($1.m, 4) } / n, am = all.reduce(0) { $0 + abs($1.m) } / n
    let s0 = all.reduce(0) { $0 + $1.s0 } / n
    #expect(abs(e.m2.mean - m2) < 1e-13 && abs(e.m4.mean - m4) < 1e-13 && abs(e.absM.mean - am) < 1e-13)
    #expect(abs(e.binder.mean - (1 - m4 / (3 * m2 * m2))) < 1e-13)
    #expect(abs(e.susceptibility.mean - 100 * (m2 - am * am)) < 1e-11)
    #expect(abs(e.xiSecondMomentOverL.mean - ((s0 - 1) / 0.25).squareRoot() / 10) < 1e-13)
    // The mean's jackknife error is the standard error of the 8 member means.
    let means = series.map { s in s.reduce(0) { $0 + $1.m } / Double(s.count) }
    #expect(abs(e.m.standardError - Estimate(samples: means).standardError) < 1e-13)
    #expect(e.samplesPerMember == 300)
}

/// The delete-a-block jackknife over ``MemberBlocks``: with one member per block it is the
/// ordinary jackknife bit for bit; with 80 members in 32 unequal blocks (2 or 3 members) its
/// squared error of a mean is unbiased for σ²/n. Null model: 4 000 ensembles of 80 standard
/// normal deviates, E[SE²] = 1/80, tolerance 4 standard errors of the mean of SE².
@Test func blockJackknifeErrorOfAMeanIsCalibrated() {
    let noise = GaussianNoise(seed: 13), key = noise.key(member: 0, step: 0)
    let rows = (0..<20).map { [GaussianNoise.uniform(key: key, index: $0), GaussianNoise.uniform(key: key, index: $0 + 100)] }
    let f = { (m: [Double]) in m[0] * m[0] + m[1] }
    #expect(Estimate.jackknife(rows, f) == Estimate.jackknife(sums: rows, counts: [Int](repeating: 1, count: 20), f))
    let blocks = MemberBlocks(members: 80)
    #expect(blocks.count == 32 && (0..<32).map { blocks.members(ofBlock: $0).count }.reduce(0, +) == 80)
    #expect(Set((0..<32).map { blocks.members(ofBlock: $0).count }) == [2, 3])
    let squared = Ensemble.map(members: 4000, threads: 2) { r -> Double in
        var z = [Double](repeating: 0, count: 80)
        z.withUnsafeMutableBufferPointer { noise.fill($0.baseAddress!, count: 80, member: r, step: 1) }
        let sums = (0..<32).map { b in [blocks.members(ofBlock: b).reduce(0) { $0 + z[$1] }] }
        let e = Estimate.jackknife(sums: sums, counts: (0..<32).map { blocks.members(ofBlock: $0).count }) { $0[0] }
        return e.standardError * e.standardError
    }
    let mean = Estimate(samples: squared)
    validation("block jackknife, 80 members in 32 blocks: mean SE² of a mean of N(0, 1)", "\(mean.mean) ± \(mean.standardError) (expected 1/80 = 0.0125)")
    #expect(abs(mean.mean - 1.0 / 80) < 4 * mean.standardError)
}

/// The family-wise bound of a worst-of-n check: the largest of n independent |Z| exceeds it with
/// probability 1 − (1 − erfc(b/√2))^n, which Bonferroni keeps between α − α²/2 and α.
@Test func familyBoundHoldsTheFamilyWiseFalseAlarm() {
    #expect(abs(StandardNormal.familyBound(comparisons: 1) - 4) < 1e-4)
    for n in [1, 32, 135, 323, 10_000] {
        let b = StandardNormal.familyBound(comparisons: n), alpha = 6.334e-5
        let exceed = 1 - pow(1 - erfc(b / 2.0.squareRoot()), Double(n))
        #expect(exceed <= alpha * (1 + 1e-6) && exceed >= alpha - alpha * alpha / 2 - 1e-12, "n = \(n): bound \(b), P = \(exceed)")
    }
}
