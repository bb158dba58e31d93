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
