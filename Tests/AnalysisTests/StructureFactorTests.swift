import Foundation
import Testing
import CriticalityLattice
import CriticalityDiffusion
@testable import CriticalityAnalysis

@Test(arguments: [([128], nil), ([32, 32], nil), ([8, 8, 8], nil), ([24, 40], nil), ([24, 40], [12.0, 30.0])] as [([Int], [Double]?)])
func whiteNoiseHasAFlatStructureFactor(shape: [Int], box: [Double]?) throws {
    let l = try Lattice(shape: shape, boxLength: box)
    let sf = StructureFactor(l), t = FourierTransform.plan(l), noise = GaussianNoise(seed: 21)
    let x = RealField(l), s = SpectralField(l)
    let samples = (0..<200).map { i -> [Double] in
        noise.fill(x.values, count: x.count, member: i, step: 0)
        t.forward(x, into: s)
        return sf.shellAverages(s)
    }
    // unit per-site variance: S = v on every shell
    validation("white noise S(k) = v, \(shape) box \(l.boxLength)", "worst |z| = \((0..<sf.shellCount).map { k in let e = Estimate(samples: samples.map { $0[k] }); return abs(e.mean - l.cellVolume) / e.standardError }.max()!) over \(sf.shellCount) shells")
    let bound = StandardNormal.familyBound(comparisons: sf.shellCount)
    for k in 0..<sf.shellCount {
        let e = Estimate(samples: samples.map { $0[k] })
        #expect(abs(e.mean - l.cellVolume) < bound * e.standardError, "shell \(sf.shellLabel[k]): \(e.mean)")
    }
    #expect(abs(sf.modeCount.reduce(0, +) - Double(l.siteCount)) < 1e-9)
}

@Test func correlationFunctionMatchesTheDirectSum() throws {
    let l = try Lattice(shape: [6, 5])
    let x = RealField(l), s = SpectralField(l)
    GaussianNoise(seed: 4).fill(x.values, count: x.count, member: 0, step: 0)
    let t = FourierTransform.plan(l)
    t.forward(x, into: s)
    let cf = CorrelationFunction(l)
    let g = cf.radialProfile(spectrum: s, transform: t, scratch: SpectralField(l), work: RealField(l))
    let mean = x.mean
    var direct = [Double](repeating: 0, count: cf.binCount), count = direct
    for d0 in 0..<6 { for d1 in 0..<5 {
        var c = 0.0
        for i in 0..<6 { for j in 0..<5 { c += (x[i * 5 + j] - mean) * (x[((i + d0) % 6) * 5 + (j + d1) % 5] - mean) } }
        let b = cf.binOfSite[d0 * 5 + d1]
        direct[b] += c / 30; count[b] += 1
    } }
    for b in 0..<cf.binCount { #expect(abs(direct[b] / count[b] - g[b]) < 1e-12) }
    #expect(cf.distance[0] == 0 && abs(cf.distance[1] - 1) < 1e-15)
}

@Test func correlationLengthEstimatorsRecoverTheirDefiningForms() {
    // ξ_{1/e}: piecewise-linear G, where interpolation is exact.
    #expect(abs(CorrelationLength.oneOverE(distance: [0, 1, 2], correlation: [1, 0.5, 0.2]) - (1 + (0.5 - exp(-1.0)) / 0.3)) < 1e-12)
    #expect(CorrelationLength.oneOverE(distance: [0, 1], correlation: [1, 0.9]).isNaN)
    // ξ_int: the trapezoid of G/G(0) to its first zero, exact for piecewise-linear G.
    #expect(abs(CorrelationLength.integrated(distance: [0, 1, 2, 3], correlation: [2, 1, 0.5, -0.5]) - (0.75 + 0.375 + 0.0625)) < 1e-12)
    let r = (0...400).map { Double($0) * 0.05 }
    #expect(abs(CorrelationLength.integrated(distance: r, correlation: r.map { exp(-$0 / 2) }) - 2 * (1 - exp(-10.0))) < 1e-3)
    // ξ_2nd is exact for the OZ form of the spectral Laplacian, S = A/(1 + ξ²k²), and undefined
    // without a peak at k = 0.
    let (xi, k1) = (3.7, 2 * Double.pi / 40)
    #expect(abs(CorrelationLength.secondMoment(s0: 2, s1: 2 / (1 + xi * xi * k1 * k1), k1: k1) - xi) < 1e-12)
    #expect(CorrelationLength.secondMoment(s0: 1, s1: 1.2, k1: k1).isNaN && CorrelationLength.secondMomentSquared(s0: 1, s1: 1.2, k1: k1) < 0)
    // OZ fit is exact on OZ data.
    let k2 = (1...8).map { pow(2 * Double.pi * Double($0) / 64, 2) }
    let fit = CorrelationLength.ornsteinZernike(waveNumberSquared: k2, structureFactor: k2.map { 3 / (1 + xi * xi * $0) })
    #expect(abs(fit.xi - xi) < 1e-10 && abs(fit.amplitude - 3) < 1e-10)
}

@Test func jackknifeOfTheMeanIsTheStandardError() {
    let x = (0..<50).map { sin(Double($0) * 1.3) + 0.1 * Double($0 % 7) }
    let plain = Estimate(samples: x), jack = Estimate.jackknife(x.map { [$0] }) { $0[0] }
    #expect(abs(plain.mean - jack.mean) < 1e-14 && abs(plain.standardError - jack.standardError) < 1e-14)
}

@Test func binderCumulantOfGaussianMagnetisationsVanishes() {
    let n = 4000
    let z = UnsafeMutablePointer<Double>.allocate(capacity: n)
    defer { z.deallocate() }
    GaussianNoise(seed: 8).fill(z, count: n, member: 0, step: 0)
    let op = OrderParameter(magnetisations: Array(UnsafeBufferPointer(start: z, count: n)), volume: 2, sites: 10, temperature: 0.5)
    #expect(abs(op.binder.mean) < 4 * op.binder.standardError)
    #expect(abs(op.susceptibility.mean - 4) < 4 * op.susceptibility.standardError)  // V·var/T = 2·1/0.5
    // m ~ N(0, 1): ⟨m⁴⟩ = 3, and χ_N = N(1 − 2/π) (⟨|m|⟩ = √(2/π)).
    #expect(abs(op.m4.mean - 3) < 4 * op.m4.standardError)
    #expect(abs(op.finiteSizeSusceptibility.mean - 10 * (1 - 2 / Double.pi)) < 4 * op.finiteSizeSusceptibility.standardError)
    validation("χ_N of 4000 standard normal magnetisations, N = 10", String(format: "%@ (expected %.4f)", op.finiteSizeSusceptibility.formatted, 10 * (1 - 2 / Double.pi)))
}

@Test func secondMomentErrorsReflectTheScatterOfOrnsteinZernikeFields() throws {
    // R independent ensembles of M Gaussian fields with S = A/(1 + ξ²k²), ξ = 6 on 32²: the
    // jackknife (on ξ², then the delta method) must give the scatter of ξ_2nd between
    // ensembles, and ξ_2nd must be unbiased within the ratio estimator's O(1/M).
    let l = try Lattice(shape: [32, 32]), xi = 6.0, members = 64, ensembles = 200
    let fields = try SyntheticData.gaussianFields(count: members * ensembles, lattice: l, spectrum: .ornsteinZernike(amplitude: 1, correlationLength: xi), seed: 11)
    let obs = FieldObservables(l, transform: FourierTransform.plan(l))
    let (spectrum, scratch, work) = (SpectralField(l), SpectralField(l), RealField(l))
    var estimates: [Estimate] = []
    for e in 0..<ensembles {
        let samples = (0..<members).map { i in obs.measure(RealField(l) { fields.images[e * members + i][$0] }, spectrum: spectrum, scratch: scratch, work: work) }
        estimates.append(obs.summarize(samples, temperature: 0).xiSecondMoment)
    }
    let defined = estimates.filter { $0.mean.isFinite }
    #expect(defined.count == ensembles)
    let spread = Estimate(samples: defined.map(\.mean))
    let meanError = defined.map(\.standardError).reduce(0, +) / Double(defined.count)
    let ratio = spread.standardError * Double(defined.count).squareRoot() / meanError
    validation("ξ_2nd of OZ fields (ξ = 6, 32², 64 members, 200 ensembles): mean ± SE; scatter / mean jackknife error",
               String(format: "%.3f ± %.3f; %.3f", spread.mean, spread.standardError, ratio))
    // The scatter's own relative error is 1/√(2R) = 0.05: 4 of them.
    #expect(abs(ratio - 1) < 4 / (2 * Double(ensembles)).squareRoot())
    #expect(abs(spread.mean - xi) < 4 * spread.standardError + xi / Double(members))
}

/// The order parameters of theory.md §12.1 on exact fields: the shell amplitude of a·cos(k·x)
/// is its rms a/√2 (and 0 on another shell); the projection on w = 1 is the mean, on the
/// pattern itself the amplitude a.
@Test func orderParameterFieldsOnExactPatterns() {
    let l = try! Lattice(shape: [16, 16], boxLength: [16, 16]), a = 0.7
    let pattern = (0..<256).map { cos(2 * Double.pi * (3 * Double($0 % 16) + 4 * Double($0 / 16)) / 16) }
    let field = RealField(l) { 0.2 + a * pattern[$0] }, spectrum = SpectralField(l)
    FourierTransform.plan(l).forward(field, into: spectrum)
    let sf = StructureFactor(l)
    #expect(abs(OrderParameterField.shell(label: 25).value(field, spectrum: spectrum, structureFactor: sf) - a / 2.squareRoot()) < 1e-12)
    #expect(abs(OrderParameterField.shell(label: 9).value(field, spectrum: spectrum, structureFactor: sf)) < 1e-12)
    #expect(abs(OrderParameterField.uniform.value(field, spectrum: spectrum, structureFactor: sf) - 0.2) < 1e-12)
    #expect(abs(OrderParameterField.projection([Double](repeating: 1, count: 256)).value(field, spectrum: spectrum, structureFactor: sf) - 0.2) < 1e-12)
    #expect(abs(OrderParameterField.projection(pattern).value(field, spectrum: spectrum, structureFactor: sf) - a) < 1e-12)
}

/// Binned shells are unions of exact shells: S on a bin is the mode-weighted mean of S on the
/// exact shells it holds, and the labels follow the rule (|n|² up to 256, then j² for the unit
/// bin of |n| around j). Likewise for the radial bins of G.
@Test(arguments: [[80, 80], [48, 40], [20, 20, 20]])
func binnedShellsAreModeWeightedUnionsOfExactShells(shape: [Int]) throws {
    let l = try Lattice(shape: shape)
    let exact = StructureFactor(l), binned = StructureFactor(l, binned: true)
    let x = RealField(l), s = SpectralField(l), t = FourierTransform.plan(l)
    GaussianNoise(seed: 5).fill(x.values, count: x.count, member: 0, step: 0)
    t.forward(x, into: s)
    let se = exact.shellAverages(s), sb = binned.shellAverages(s)
    var sum = [Double](repeating: 0, count: binned.shellCount), modes = sum
    for (k, label) in exact.shellLabel.enumerated() {
        let b = label <= 256 ? label : { let j = max(17, Int(Double(label).squareRoot().rounded())); return j * j }()
        let position = try #require(binned.shellLabel.firstIndex(of: b), "label \(label) → \(b)")
        sum[position] += se[k] * exact.modeCount[k]; modes[position] += exact.modeCount[k]
    }
    for b in 0..<binned.shellCount {
        #expect(abs(sum[b] / modes[b] - sb[b]) <= 1e-12 * abs(sb[b]), "bin \(binned.shellLabel[b])")
        #expect(modes[b] == binned.modeCount[b])
    }
    #expect(Array(binned.shellLabel.prefix { $0 <= 256 }) == Array(exact.shellLabel.prefix { $0 <= 256 }))
    #expect(zip(binned.waveNumber, binned.waveNumber.dropFirst()).allSatisfy { $0 < $1 })
    let ge = CorrelationFunction(l), gb = CorrelationFunction(l, binned: true)
    let pe = ge.radialProfile(spectrum: s, transform: t, scratch: SpectralField(l), work: RealField(l))
    let pb = gb.radialProfile(spectrum: s, transform: t, scratch: SpectralField(l), work: RealField(l))
    var gSum = [Double](repeating: 0, count: gb.binCount), sites = gSum
    for i in 0..<l.siteCount { gSum[gb.binOfSite[i]] += pe[ge.binOfSite[i]]; sites[gb.binOfSite[i]] += 1 }
    for b in 0..<gb.binCount { #expect(abs(gSum[b] / sites[b] - pb[b]) <= 1e-12 * max(abs(pb[b]), 1e-3)) }
    #expect(gb.binCount < ge.binCount && binned.shellCount < exact.shellCount)
}
