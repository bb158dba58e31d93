import Foundation
import Testing
@testable import CriticalityLattice

@Test func vectorLogMatchesLibm() {
    var worst = 0.0
    for i in 0..<4000 {
        let xs = Double8((0..<8).map { j in pow(2.0, -53.0 * Double(i * 8 + j) / 32000.0) })
        let y = VectorMath.log(xs)
        for j in 0..<8 { worst = max(worst, abs(y[j] - Foundation.log(xs[j])) / max(1, abs(Foundation.log(xs[j])))) }
    }
    #expect(worst < 4e-16)
}

@Test func vectorCosSinMatchesLibm() {
    var worst = 0.0
    for i in 0..<4000 {
        let u = Double8((0..<8).map { j in Double(i * 8 + j) / 32000.0 })
        let (c, s) = VectorMath.cosSinTwoPi(u)
        for j in 0..<8 {
            worst = max(worst, abs(c[j] - cos(2 * Double.pi * u[j])), abs(s[j] - sin(2 * Double.pi * u[j])))
        }
    }
    #expect(worst < 2e-15)
}

@Test func vectorSquareRootMatchesLibm() {
    var worst = 0.0
    for i in 0..<4000 {
        // the Box–Muller range [0, 2·53·log 2] and beyond
        let x = Double8((0..<8).map { j in 80.0 * Double(i * 8 + j) / 32000.0 })
        let y = VectorMath.squareRoot(x)
        for j in 0..<8 where x[j] > 0 { worst = max(worst, abs(y[j] - x[j].squareRoot()) / x[j].squareRoot()) }
        if i == 0 { #expect(y[0] == 0) }
    }
    #expect(worst < 4.5e-16)  // 2 ulp
}

@Test func deviatesHaveUnitVarianceAndNoMean() {
    let n = 1 << 20
    let z = UnsafeMutablePointer<Double>.allocate(capacity: n)
    defer { z.deallocate() }
    GaussianNoise(seed: 42).fill(z, count: n, member: 3, step: 7)
    var m1 = 0.0, m2 = 0.0, m4 = 0.0, lag = 0.0
    for i in 0..<n { m1 += z[i]; m2 += z[i] * z[i]; m4 += pow(z[i], 4) }
    for i in 0..<n - 1 { lag += z[i] * z[i + 1] }
    m1 /= Double(n); m2 /= Double(n); m4 /= Double(n); lag /= Double(n - 1)
    let se = 1 / Double(n).squareRoot()
    validation("Gaussian moments, 2^20 deviates", "mean \(m1), variance \(m2), fourth moment \(m4), lag-1 correlation \(lag)")
    #expect(abs(m1) < 4 * se)
    #expect(abs(m2 - 1) < 4 * 2.0.squareRoot() * se)  // var(z²) = 2
    #expect(abs(m4 - 3) < 4 * 96.0.squareRoot() * se)  // var(z⁴) = 105 − 9
    #expect(abs(lag) < 4 * se)
}

@Test func streamsArePureFunctionsOfTheirKey() {
    let g = GaussianNoise(seed: 5)
    let a = UnsafeMutablePointer<Double>.allocate(capacity: 100), b = UnsafeMutablePointer<Double>.allocate(capacity: 37)
    defer { a.deallocate(); b.deallocate() }
    g.fill(a, count: 100, member: 2, step: 11)
    g.fill(b, count: 37, member: 2, step: 11)
    #expect((0..<37).allSatisfy { a[$0] == b[$0] })
    g.fill(b, count: 37, member: 2, step: 12)
    #expect((0..<37).filter { a[$0] == b[$0] }.isEmpty)
    GaussianNoise(seed: 6).fill(b, count: 37, member: 2, step: 11)
    #expect((0..<37).filter { a[$0] == b[$0] }.isEmpty)
}

@Test(arguments: [[12, 10], [7, 9], [16], [4, 6, 5]])
func spectralWhiteNoiseIsTheTransformOfARealField(shape: [Int]) throws {
    let l = try Lattice(shape: shape)
    let s = SpectralField(l), back = SpectralField(l), x = RealField(l)
    SpectralWhiteNoise(lattice: l, noise: GaussianNoise(seed: 1)).fill(s, amplitude: 1, member: 0, step: 0)
    let copy = SpectralField(l)
    copy.assign(s)
    let t = FourierTransform.plan(l)
    t.inverse(destroying: copy, into: x)
    t.forward(x, into: back)
    let n = Double(l.siteCount)
    // A Hermitian-consistent spectrum survives c2r → r2c unchanged (times N).
    let err = (0..<2 * s.count).map { abs(back.values[$0] / n - s.values[$0]) }.max()!
    #expect(err < 1e-12)
}

@Test func vectorTanhMatchesLibmInAbsoluteError() {
    var worst = 0.0
    let points = (0..<200_000).map { -25 + 50 * Double($0) / 200_000 } + [0, 1e-300, -1e-20, 1e-8, 0.3, 1e6, -1e300, .infinity, -.infinity]
    for start in stride(from: 0, to: points.count, by: 8) {
        let x = Double8((0..<8).map { start + $0 < points.count ? points[start + $0] : 0 })
        let y = VectorMath.tanh(x)
        for i in 0..<8 { worst = max(worst, abs(y[i] - tanh(x[i]))) }
    }
    validation("vector tanh against libm on [−25, 25] and extremes", String(format: "max absolute error %.1e", worst))
    #expect(worst <= 4e-16)
}

@Test func vectorExpMatchesLibmInRelativeError() {
    var worst = 0.0
    let points = (0..<200_000).map { -708 * Double($0) / 200_000 } + [0, -1e-300, -1e-12, -0.5 * log(2.0), -707.9]
    for start in stride(from: 0, to: points.count, by: 8) {
        let x = Double8((0..<8).map { start + $0 < points.count ? points[start + $0] : 0 })
        let y = VectorMath.exp(nonPositive: x)
        for i in 0..<8 { worst = max(worst, abs(y[i] - exp(x[i])) / exp(x[i])) }
    }
    let beyond = VectorMath.exp(nonPositive: Double8(-708.5, -745, -800, -1e300, -.infinity, -709, -1e6, -708.4))
    validation("vector exp against libm on [−708, 0]", String(format: "max relative error %.1e; exactly 0 below −708", worst))
    #expect(worst <= 1e-15)
    #expect(beyond == Double8(repeating: 0))
}
