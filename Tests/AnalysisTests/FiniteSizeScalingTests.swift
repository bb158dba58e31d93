import Foundation
import Testing
import CriticalityLattice
@testable import CriticalityAnalysis

// Finite-size scaling on synthetic data drawn from a known scaling form with noise: the
// crossing finder and the collapse recover x_c, 1/ν and γ/ν within their bootstrap intervals,
// and a violation of scaling shows in the collapse quality.

/// y = L^ω f((x − x_c)L^{1/ν}) (1 + 1 % noise) + `violation`·L^{-1/2}, on L = 8 … 64, with
/// f(z) = 2 + tanh(z) for a ratio (ω = 0) or exp(−z²/2) for a susceptibility.
private func synthetic(exponent: Double, violation: Double = 0, seed: UInt64 = 3) -> [FiniteSizeScaling.Curve] {
    let (xc, inverseNu) = (0.3, 1.0), x = (0..<161).map { 0.2 + 0.2 * Double($0) / 160 }
    let noise = GaussianNoise(seed: seed)
    return [8.0, 16, 32, 64].enumerated().map { k, size in
        var z = [Double](repeating: 0, count: x.count)
        z.withUnsafeMutableBufferPointer { noise.fill($0.baseAddress!, count: $0.count, member: k, step: 0) }
        let clean = x.map { v -> Double in
            let s = (v - xc) * pow(size, inverseNu)
            return pow(size, exponent) * (exponent == 0 ? 2 + tanh(s) : exp(-s * s / 2)) + violation * pow(size, -0.5) * (exponent == 0 ? 1 : pow(size, exponent))
        }
        let error = clean.map { 0.01 * abs($0) }
        return FiniteSizeScaling.Curve(size: size, x: x, y: zip(clean, zip(error, z)).map { $0 + $1.0 * $1.1 }, error: error)
    }
}

@Test func crossingsOfARatioConvergeToTheCriticalPoint() {
    let curves = synthetic(exponent: 0)
    let crossings = zip(curves, curves.dropFirst()).compactMap { FiniteSizeScaling.crossing($0, $1) }
    #expect(crossings.count == 3)
    // Scaling without corrections: every pair crosses at x_c, up to the noise: d = y_a − y_b has
    // slope (L_b − L_a) there and an error √2·1 %·2, so x moves by ≲ 0.03/(L_b − L_a) ≤ 0.004.
    for c in crossings { #expect(abs(c - 0.3) < 0.004, "\(crossings)") }
    // Exact on noiseless straight lines: y = 1 + (x − 0.25)·L.
    let x = [0.0, 0.5, 1.0]
    let a = FiniteSizeScaling.Curve(size: 2, x: x, y: x.map { 1 + ($0 - 0.25) * 2 }, error: [1, 1, 1])
    let b = FiniteSizeScaling.Curve(size: 4, x: x, y: x.map { 1 + ($0 - 0.25) * 4 }, error: [1, 1, 1])
    #expect(abs(FiniteSizeScaling.crossing(a, b)! - 0.25) < 1e-15)
}

@Test func collapseRecoversTheExponentsWithinItsBootstrapIntervals() {
    for (exponent, fixed) in [(0.0, 0.0 as Double?), (1.75, nil)] {
        let curves = synthetic(exponent: exponent)
        let start = FiniteSizeScaling.Parameters(criticalPoint: 0.32, inverseNu: 0.8, exponent: fixed ?? 1.5)
        let fit = FiniteSizeScaling.collapse(curves, start: start, fixedExponent: fixed)
        let ci = FiniteSizeScaling.bootstrap(curves, fit: fit, fixedExponent: fixed, resamples: 60, seed: 9, threads: 2)
        let p = fit.parameters
        print(String(format: "validation: collapse of synthetic %@ (x_c = 0.3, 1/ν = 1, ω = %.2f): x_c %.5f [%.5f, %.5f], 1/ν %.4f [%.4f, %.4f], ω %.4f [%.4f, %.4f], S = %.3f",
                     exponent == 0 ? "U₄" : "χ", exponent, p.criticalPoint, ci.criticalPoint.lower, ci.criticalPoint.upper,
                     p.inverseNu, ci.inverseNu.lower, ci.inverseNu.upper, p.exponent, ci.exponent.lower, ci.exponent.upper, fit.quality))
        // Within 4 bootstrap standard errors (the 95 % interval's half width is 1.96 of them).
        func within(_ c: ConfidenceInterval, _ truth: Double) -> Bool { abs(c.estimate - truth) <= 4 / 1.96 * (c.upper - c.lower) / 2 }
        #expect(within(ci.criticalPoint, 0.3) && within(ci.inverseNu, 1) && (fixed != nil || within(ci.exponent, 1.75)))
        // Data that collapse within their errors: S is a mean of ~600 terms of mean 1 and
        // variance 2, so 1 within 4√(2/600) = 0.23.
        #expect(abs(fit.quality - 1) < 0.23, "S = \(fit.quality)")
    }
}

@Test func aViolationOfScalingShowsInTheCollapseQuality() {
    // An additive correction 0.5 L^{−1/2} (0.18 at L = 8, 0.06 at 64): no (x_c, ν) collapses
    // it within 1 % errors.
    let curves = synthetic(exponent: 0, violation: 0.5)
    let fit = FiniteSizeScaling.collapse(curves, start: .init(criticalPoint: 0.3, inverseNu: 1, exponent: 0), fixedExponent: 0)
    print(String(format: "validation: collapse of U₄ with an L^{-1/2} correction: S = %.2f", fit.quality))
    // Against the null of data that do collapse (S = 1 ± √(2/600) = 1 ± 0.058): beyond 8 of them.
    #expect(fit.quality > 1.46, "S = \(fit.quality)")
}

/// The Curie–Weiss model of N Ising spins (the mean-field reduction of theory.md §7), exactly:
/// P(M) ∝ C(N, (N + M)/2) exp(K M²/2N) over M = −N, −N + 2, …, N. Returns U₄ = 1 − ⟨m⁴⟩/3⟨m²⟩²
/// and χ = N(⟨m²⟩ − ⟨|m|⟩²) at coupling K.
private func curieWeiss(spins n: Int, coupling k: Double) -> (binder: Double, chi: Double) {
    let logWeights = (0...n).map { j -> Double in
        let m = Double(2 * j - n)
        return lgamma(Double(n) + 1) - lgamma(Double(j) + 1) - lgamma(Double(n - j) + 1) + k * m * m / (2 * Double(n))
    }
    let top = logWeights.max()!, w = logWeights.map { exp($0 - top) }, z = w.reduce(0, +)
    var (a1, a2, a4) = (0.0, 0.0, 0.0)
    for j in 0...n {
        let m = Double(2 * j - n) / Double(n), p = w[j] / z
        a1 += p * abs(m); a2 += p * m * m; a4 += p * m * m * m * m
    }
    return (1 - a4 / (3 * a2 * a2), Double(n) * (a2 - a1 * a1))
}

/// Mean field through the same code: the Curie–Weiss model's finite-N rounding collapses in the
/// variable (K − 1)N^{1/2} (ν d = 2 at the upper critical dimension, so the "size" N enters as
/// N^{1/2} = N^{1/(νd)}) with χ ∝ N^{1/2} (γ/(νd) = ½), and its Binder curves cross at K = 1 at
/// U* = 1 − Γ(¼)⁴/(24π²) = 0.27052.
@Test func curieWeissRoundingGivesTheMeanFieldExponents() {
    let sizes = [1024, 2048, 4096, 8192, 16384], x = (0..<81).map { 0.95 + 0.1 * Double($0) / 80 }
    // Exact values; a nominal 0.1 % error sets the quality's scale.
    func curves(_ value: @escaping (Int, Double) -> Double) -> [FiniteSizeScaling.Curve] {
        sizes.map { n in
            let y = x.map { value(n, $0) }
            return .init(size: Double(n), x: x, y: y, error: y.map { 1e-3 * abs($0) })
        }
    }
    let binder = curves { curieWeiss(spins: $0, coupling: $1).binder }, chi = curves { curieWeiss(spins: $0, coupling: $1).chi }
    let crossings = zip(binder, binder.dropFirst()).compactMap { FiniteSizeScaling.crossing($0, $1) }
    let uStar = 1 - pow(tgamma(0.25), 4) / (24 * .pi * .pi)
    let atCrossing = curieWeiss(spins: 16384, coupling: crossings.last!).binder
    // U(K = 1, N) = U* + a N^{−1/2} + …: Richardson from N and 4N.
    let extrapolated = 2 * curieWeiss(spins: 16384, coupling: 1).binder - curieWeiss(spins: 4096, coupling: 1).binder
    let u = FiniteSizeScaling.collapse(binder, start: .init(criticalPoint: 1.02, inverseNu: 0.4, exponent: 0), fixedExponent: 0)
    let c = FiniteSizeScaling.collapse(chi, start: .init(criticalPoint: 1.02, inverseNu: 0.4, exponent: 0.4))
    print(String(format: "validation: Curie–Weiss N = 1024…16384: crossings %@; U at the last %.5f, extrapolated to N → ∞ %.5f (U* = %.5f); collapse of U: K_c %.5f, exponent of N %.4f, S %.2f; of χ: K_c %.5f, %.4f, γ/(νd) %.4f, S %.2f",
                 crossings.map { String(format: "%.5f", $0) }.joined(separator: ", "), atCrossing, extrapolated, uStar,
                 u.parameters.criticalPoint, u.parameters.inverseNu, u.quality, c.parameters.criticalPoint, c.parameters.inverseNu, c.parameters.exponent, c.quality))
    // The crossings approach K = 1 as 1/N (halving per doubling), and U there as N^{−1/2}:
    // Richardson from N and 4N leaves O(1/N).
    // (measured 1.5/N for the pair N, 2N; held to twice that.)
    for (k, n) in zip(crossings, sizes) { #expect(abs(k - 1) < 3 / Double(n), "\(crossings)") }
    #expect(abs(extrapolated - uStar) < 5e-4)
    // The collapses on exact data carry the O(N^{−1/2}) corrections (3 % at N = 1024): the
    // mean-field exponents ½ within 0.03, K_c within 0.002. (S ≫ 1: the 0.1 % nominal errors are
    // far below the corrections.)
    for fit in [u, c] {
        #expect(abs(fit.parameters.criticalPoint - 1) < 0.002 && abs(fit.parameters.inverseNu - 0.5) < 0.03)
    }
    #expect(abs(c.parameters.exponent - 0.5) < 0.03)
}

/// The L → ∞ extrapolation with e held recovers v∞ from v = v∞ + a L^{−e} with noise, within 4
/// standard deviations of its redraws; with e fitted, it recovers both from exact values.
@Test func extrapolationToInfiniteSizeRecoversTheLimit() {
    let sizes = [9.8, 13.9, 19.6, 27.7, 39.2, 55.4], (limit, amplitude, exponent) = (0.6107, -0.4, 1.75)
    let errors = sizes.map { 0.002 * pow($0 / 10, 0.5) }
    let noise = GaussianNoise(seed: 4)
    func draw(_ r: Int) -> [Double] {
        var z = [Double](repeating: 0, count: sizes.count)
        z.withUnsafeMutableBufferPointer { noise.fill($0.baseAddress!, count: $0.count, member: r, step: 0) }
        return sizes.indices.map { limit + amplitude * pow(sizes[$0], -exponent) + errors[$0] * z[$0] }
    }
    let values = draw(0)
    let fit = FiniteSizeScaling.Extrapolation(sizes: sizes, values: values, errors: errors, exponent: exponent)!
    let limits = (1...200).compactMap { FiniteSizeScaling.Extrapolation(sizes: sizes, values: draw($0), errors: errors, exponent: exponent)?.limit }
    let sd = Estimate(samples: limits).standardError * Double(limits.count).squareRoot()
    print(String(format: "validation: extrapolation of v∞ + a L^{-e} (v∞ = 0.6107, e = 1.75 held): v∞ %.5f ± %.5f, e %.3f, χ² %.2f on 4 degrees of freedom",
                 fit.limit, sd, fit.exponent, fit.chiSquared))
    #expect(abs(fit.limit - limit) < 4 * sd)
    // χ² on 4 degrees of freedom: below 23 with probability 1 − 1e-4.
    #expect(fit.chiSquared < 23)
    // Exact values, e fitted: exact recovery on the grid of exponents.
    let exact = FiniteSizeScaling.Extrapolation(sizes: sizes, values: sizes.map { limit + amplitude * pow($0, -exponent) }, errors: errors, exponent: nil)!
    #expect(abs(exact.limit - limit) < 1e-10 && abs(exact.exponent - exponent) < 1e-12)
    // Three values: e can only be held.
    #expect(FiniteSizeScaling.Extrapolation(sizes: Array(sizes.prefix(3)), values: Array(values.prefix(3)), errors: errors, exponent: nil) == nil)
    #expect(FiniteSizeScaling.Extrapolation(sizes: Array(sizes.prefix(3)), values: Array(values.prefix(3)), errors: errors, exponent: 1.25)!.exponent == 1.25)
    // The value at a crossing: exact on straight lines.
    let x = [0.0, 1.0]
    let a = FiniteSizeScaling.Curve(size: 2, x: x, y: [0, 2], error: [1, 1]), b = FiniteSizeScaling.Curve(size: 4, x: x, y: [0.5, 1.5], error: [1, 1])
    #expect(FiniteSizeScaling.value(a, b, at: 0.5) == 1)
}

/// The crossing's significance separates real crossings from noise: every pair of the synthetic
/// scaling curves has z ≫ 2, while of 200 pairs of curves equal up to their errors (the null of
/// no crossing) fewer than 5 % reach z ≥ 2 (measured: see the printed fraction).
@Test func crossingSignificanceRejectsCrossingsByNoise() {
    let curves = synthetic(exponent: 0)
    let real = zip(curves, curves.dropFirst()).compactMap { FiniteSizeScaling.crossingWithSignificance($0, $1)?.z }
    #expect(real.count == 3 && real.allSatisfy { $0 > 10 }, "\(real)")
    let noise = GaussianNoise(seed: 8), x = (0..<60).map(Double.init)
    func flat(_ k: Int) -> FiniteSizeScaling.Curve {
        var z = [Double](repeating: 0, count: x.count)
        z.withUnsafeMutableBufferPointer { noise.fill($0.baseAddress!, count: $0.count, member: k, step: 0) }
        return .init(size: Double(k), x: x, y: z.map { 0.5 + 0.01 * $0 }, error: x.map { _ in 0.01 })
    }
    let null = (0..<200).compactMap { FiniteSizeScaling.crossingWithSignificance(flat(2 * $0), flat(2 * $0 + 1))?.z }
    let fraction = Double(null.filter { $0 >= 2 }.count) / Double(null.count)
    print(String(format: "validation: crossing significance: synthetic pairs z = %@; null pairs with z ≥ 2: %.3f of %d", real.map { String(format: "%.0f", $0) }.joined(separator: ", "), fraction, null.count))
    #expect(null.count == 200 && fraction < 0.05)
}
