import Foundation
import Testing
@testable import CriticalityLattice

private let lattices: [Lattice] = [
    try! Lattice(shape: [64]), try! Lattice(shape: [15]),
    try! Lattice(shape: [16, 24], boxLength: [3.0, 7.5]), try! Lattice(shape: [9, 7]),
    try! Lattice(shape: [6, 5, 8], boxLength: [1, 2, 3]),
]

private func randomField(_ lattice: Lattice, seed: UInt64) -> RealField {
    let f = RealField(lattice)
    GaussianNoise(seed: seed).fill(f.values, count: f.count, member: 0, step: 0)
    return f
}

@Test(arguments: lattices)
func roundTripRestoresTheField(lattice: Lattice) {
    let x = randomField(lattice, seed: 1), s = SpectralField(lattice), y = RealField(lattice)
    let t = FourierTransform.plan(lattice)
    t.forward(x, into: s)
    t.inverse(destroying: s, into: y)
    let n = Double(lattice.siteCount)
    let err = (0..<x.count).map { abs(y[$0] / n - x[$0]) }.max()!
    #expect(err < 1e-12)
    validation("FFT round trip \(lattice.shape)", "max error \(err)")
}

@Test(arguments: lattices)
func parsevalHoldsWithHermitianWeights(lattice: Lattice) {
    let x = randomField(lattice, seed: 2), s = SpectralField(lattice)
    FourierTransform.plan(lattice).forward(x, into: s)
    let w = lattice.hermitianWeights()
    let real = (0..<x.count).reduce(0.0) { $0 + x[$1] * x[$1] }
    let spectral = (0..<s.count).reduce(0.0) { $0 + w[$1] * (s[$1].re * s[$1].re + s[$1].im * s[$1].im) } / Double(lattice.siteCount)
    #expect(abs(spectral - real) / real < 1e-12)
    validation("Parseval \(lattice.shape)", "relative error \(abs(spectral - real) / real)")
}

@Test func forwardTransformMatchesTheDirectSum() {
    let lattice = try! Lattice(shape: [5, 6], boxLength: [2.0, 1.0])
    let x = randomField(lattice, seed: 3), s = SpectralField(lattice)
    FourierTransform.plan(lattice).forward(x, into: s)
    for q in 0..<s.count {
        let k = lattice.waveVector(spectralIndex: q), a = lattice.spacing
        var re = 0.0, im = 0.0
        for i in 0..<5 { for j in 0..<6 {
            let phase = k[0] * Double(i) * a[0] + k[1] * Double(j) * a[1]
            re += x[i * 6 + j] * cos(phase); im -= x[i * 6 + j] * sin(phase)
        } }
        #expect(abs(re - s[q].re) < 1e-12 && abs(im - s[q].im) < 1e-12)
    }
}

@Test func measurePlansGiveTheSameTransform() {
    let lattice = try! Lattice(shape: [32, 32])
    let x = randomField(lattice, seed: 4), a = SpectralField(lattice), b = SpectralField(lattice)
    FourierTransform.plan(lattice).forward(x, into: a)
    FourierTransform.plan(lattice, effort: .measure).forward(x, into: b)
    let err = (0..<2 * a.count).map { abs(a.values[$0] - b.values[$0]) }.max()!
    #expect(err < 1e-11)
}
