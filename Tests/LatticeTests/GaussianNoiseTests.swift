import Foundation
import Testing
@testable import CriticalityLattice

@Test func vectorLogMatchesLibm() {
    // The Box–Muller range [2^−32, 1] and beyond, against the double-precision log of the same floats
    var worst = 0.0
    for i in 0..<4000 {
        let xs = Single16((0..<16).map { j in Float(pow(2.0, -40.0 * Double(i * 16 + j) / 64000.0 + 1)) })
        let y = VectorMath.log(xs)
        for j in 0..<16 {
            let exact = Foundation.log(Double(xs[j]))
            worst = max(worst, abs(Double(y[j]) - exact) / max(1, abs(exact)))
        }
    }
    validation("single-precision vector log on [2^−39, 2]", String(format: "max error %.1e relative to max(1, |log x|)", worst))
    #expect(worst < 3.6e-7)  // 3 ulp of a float
}

@Test func vectorCosSinMatchesLibm() {
    var worst = 0.0
    for i in 0..<4000 {
        let u = Single16((0..<16).map { j in Float(i * 16 + j) / 64000 })
        let (c, s) = VectorMath.cosSinTwoPi(u)
        for j in 0..<16 {
            let a = 2 * Double.pi * Double(u[j])
            worst = max(worst, abs(Double(c[j]) - cos(a)), abs(Double(s[j]) - sin(a)))
        }
    }
    validation("single-precision vector cos 2πu, sin 2πu on [0, 1]", String(format: "max absolute error %.1e", worst))
    #expect(worst < 3e-7)
}

@Test func vectorSquareRootMatchesLibm() {
    var worst = 0.0
    for i in 0..<4000 {
        // the Box–Muller range [0, 2·32·log 2] and beyond
        let x = Single16((0..<16).map { j in 80 * Float(i * 16 + j) / 64000 })
        let y = VectorMath.squareRoot(x)
        for j in 0..<16 where x[j] > 0 { worst = max(worst, abs(Double(y[j]) - Double(x[j]).squareRoot()) / Double(x[j]).squareRoot()) }
        if i == 0 { #expect(y[0] == 0) }
    }
    #expect(worst < 2.4e-7)  // 2 ulp
}

@Test func widenIsExactConversion() {
    let specials: [Float] = [0, -0.0, 1, -1, .leastNonzeroMagnitude, -.leastNormalMagnitude, .greatestFiniteMagnitude, 6.66, -3.1e-20, 1e30]
    var values = specials
    var state: UInt64 = 1
    while values.count < 16 * 64 {
        state = GaussianNoise.mix(state)
        let f = Float(bitPattern: UInt32(truncatingIfNeeded: state))
        if f.isFinite { values.append(f) }
    }
    for start in stride(from: 0, to: values.count, by: 16) {
        let f = Single16(values[start..<start + 16])
        let (even, odd) = VectorMath.widen(f)
        for j in 0..<8 {
            #expect(even[j].bitPattern == Double(f[2 * j]).bitPattern)
            #expect(odd[j].bitPattern == Double(f[2 * j + 1]).bitPattern)
        }
    }
}

/// The reference: each deviate of a block from its own two uniforms, rebuilt from the SplitMix64
/// outputs one at a time and transformed in double precision with libm.
@Test func deviatesAreTheBoxMullerTransformOfTheirUniforms() {
    let key = GaussianNoise(seed: 9).key(member: 4, step: 17)
    var worst = 0.0
    for b in [0, 1, 2, 1000, 123_456] {
        let z = GaussianNoise.block(key: key, block: b)
        for p in 0..<16 {
            let h1 = GaussianNoise.mix(key &+ UInt64(16 * b + 1 + p / 2) &* GaussianNoise.gamma)
            let h2 = GaussianNoise.mix(key &+ UInt64(16 * b + 9 + p / 2) &* GaussianNoise.gamma)
            let w1 = UInt32(truncatingIfNeeded: p % 2 == 0 ? h1 : h1 >> 32), w2 = UInt32(truncatingIfNeeded: p % 2 == 0 ? h2 : h2 >> 32)
            let u1 = (Double(w1 >> 1) + 0.5) * 0x1p-31, u2 = Double(w2 >> 9) * 0x1p-23
            let r = (-2 * Foundation.log(u1)).squareRoot()
            let position = (p % 2) * 8 + p / 2
            let x = GaussianNoise.element(z, position), y = GaussianNoise.element(z, position + 16)
            worst = max(worst, abs(x - r * cos(2 * .pi * u2)) / (1 + abs(x)), abs(y - r * sin(2 * .pi * u2)) / (1 + abs(y)))
        }
    }
    validation("Gaussian deviates against the double-precision Box–Muller of their uniforms", String(format: "max error %.1e × (1 + |z|)", worst))
    #expect(worst < 1e-6)
}

/// z-scores of a battery of tests that `z` is an i.i.d. N(0, 1) sequence; each is N(0, 1) under
/// that null. Moments; tail counts beyond 1…5; a χ² of 256 equiprobable bins; Pearson
/// correlations at lags 1–32 and 64 (within and across blocks, and 16: the two deviates of one
/// Box–Muller pair); χ² of 8×8 cells of disjoint pairs (z_i, z_{i+d}) for d = 1, 8, 16, 32; the
/// correlation of z² within Box–Muller pairs.
func gaussianBattery(_ z: [Double]) -> [(test: String, z: Double)] {
    let n = Double(z.count)
    var out: [(String, Double)] = []
    var m1 = 0.0, m2 = 0.0, m4 = 0.0
    for x in z { m1 += x; m2 += x * x; m4 += x * x * x * x }
    out.append(("mean", m1 / n * n.squareRoot()))
    out.append(("variance", (m2 / n - 1) / (2 / n).squareRoot()))
    out.append(("fourth moment", (m4 / n - 3) / (96 / n).squareRoot()))
    for t in 1...5 {
        let p = erfc(Double(t) / 2.0.squareRoot())
        let count = Double(z.lazy.filter { abs($0) > Double(t) }.count)
        out.append(("P(|z| > \(t))", (count - n * p) / (n * p * (1 - p)).squareRoot()))
    }
    let cells = z.map { min(255, Int(0.5 * erfc(-$0 / 2.0.squareRoot()) * 256)) }
    var hist = [Double](repeating: 0, count: 256)
    for c in cells { hist[c] += 1 }
    let chi = hist.reduce(0) { $0 + ($1 - n / 256) * ($1 - n / 256) / (n / 256) }
    out.append(("χ² of 256 bins", (chi - 255) / 510.0.squareRoot()))
    for d in Array(1...32) + [64] {
        var c = 0.0
        for i in 0..<(z.count - d) { c += z[i] * z[i + d] }
        out.append(("correlation at lag \(d)", c / (n - Double(d)).squareRoot()))
    }
    for d in [1, 8, 16, 32] {
        var pairs = [Double](repeating: 0, count: 64), count = 0.0
        for i in 0..<(z.count - d) where (i / d) % 2 == 0 {
            pairs[(cells[i] >> 5) * 8 + (cells[i + d] >> 5)] += 1
            count += 1
        }
        let chi = pairs.reduce(0) { $0 + ($1 - count / 64) * ($1 - count / 64) / (count / 64) }
        out.append(("χ² of 8×8 pairs at lag \(d)", (chi - 63) / 126.0.squareRoot()))
    }
    var c = 0.0, pairs = 0.0
    for i in 0..<(z.count - 16) where i % 32 < 16 {
        c += (z[i] * z[i] - 1) * (z[i + 16] * z[i + 16] - 1)
        pairs += 1
    }
    out.append(("correlation of z² within pairs", c / 2 / pairs.squareRoot()))  // var((z² − 1)(z'² − 1)) = 4
    return out
}

@Test func deviatesPassTheBatteryAndAFlawedStreamFailsIt() {
    let n = 1 << 22
    var z = [Double](repeating: 0, count: n)
    z.withUnsafeMutableBufferPointer { GaussianNoise(seed: 42).fill($0.baseAddress!, count: n, member: 3, step: 7) }
    let scores = gaussianBattery(z)
    let worst = scores.max { abs($0.z) < abs($1.z) }!
    validation("Gaussian stream, 2^22 deviates, \(scores.count) tests", String(format: "largest |z-score| %.2f (%@)", abs(worst.z), worst.test))
    for s in scores { #expect(abs(s.z) < 4, "\(s.test): z = \(s.z)") }
    // Negative control: the same deviates with a lag-1 correlation of 0.01 fail.
    var flawed = z
    for i in 1..<n { flawed[i] = (z[i] + 0.01 * z[i - 1]) / (1 + 0.0001).squareRoot() }
    #expect(gaussianBattery(flawed).contains { abs($0.z) > 4 })
}

@Test func neighbouringStreamsAreUncorrelated() {
    let n = 1 << 20
    func stream(_ seed: UInt64, member: Int, step: Int, stream: UInt64 = 0) -> [Double] {
        var z = [Double](repeating: 0, count: n)
        z.withUnsafeMutableBufferPointer { GaussianNoise(seed: seed).fill($0.baseAddress!, count: n, member: member, step: step, stream: stream) }
        return z
    }
    let a = stream(42, member: 3, step: 7)
    var worst = 0.0
    for b in [stream(43, member: 3, step: 7), stream(42, member: 4, step: 7), stream(42, member: 3, step: 8), stream(42, member: 3, step: 7, stream: 1)] {
        var c = 0.0, c2 = 0.0
        for i in 0..<n { c += a[i] * b[i]; c2 += (a[i] * a[i] - 1) * (b[i] * b[i] - 1) }
        let zc = c / Double(n).squareRoot(), z2 = c2 / 2 / Double(n).squareRoot()
        worst = max(worst, abs(zc), abs(z2))
        #expect(abs(zc) < 4)
        #expect(abs(z2) < 4)
    }
    validation("Gaussian streams of neighbouring seeds, members, steps, streams (2^20 each)", String(format: "largest |z-score| of z·z′ and z²·z′² %.2f", worst))
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
