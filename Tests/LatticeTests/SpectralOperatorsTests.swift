import Foundation
import Testing
@testable import CriticalityLattice

@Test func laplacianAndGradientOfAPlaneWave() throws {
    let l = try Lattice(shape: [16, 12], boxLength: [2.0, 3.0])
    let op = SpectralOperators(l)
    let kx = 2 * Double.pi * 3 / 2.0, ky = 2 * Double.pi * 2 / 3.0
    let a = l.spacing
    let f = RealField(l) { i in cos(kx * Double(i / 12) * a[0] + ky * Double(i % 12) * a[1]) }
    let lap = op.laplacian(f), gx = op.gradient(f, axis: 0)
    for i in 0..<f.count {
        let phase = kx * Double(i / 12) * a[0] + ky * Double(i % 12) * a[1]
        #expect(abs(lap[i] + (kx * kx + ky * ky) * cos(phase)) < 1e-10)
        #expect(abs(gx[i] + kx * sin(phase)) < 1e-11)
    }
}

@Test func convolutionMatchesTheDirectLatticeSum() throws {
    let l = try Lattice(shape: [5, 7])
    let f = RealField(l), g = RealField(l)
    GaussianNoise(seed: 9).fill(f.values, count: f.count, member: 0, step: 0)
    GaussianNoise(seed: 9).fill(g.values, count: g.count, member: 1, step: 0)
    let c = SpectralOperators(l).convolve(f, g)
    for x0 in 0..<5 { for x1 in 0..<7 {
        var s = 0.0
        for y0 in 0..<5 { for y1 in 0..<7 { s += f[y0 * 7 + y1] * g[((x0 - y0 + 5) % 5) * 7 + (x1 - y1 + 7) % 7] } }
        #expect(abs(s - c[x0 * 7 + x1]) < 1e-12)
    } }
}
