import Foundation
import Testing
import CriticalityAnalysis
import CriticalityLattice
@testable import CriticalityDiffusion

@Test func stripesCheckerboardsAndBinaryPatterns() throws {
    let stripes = try SyntheticData.stripes(shape: [8, 6], wavelength: 4)
    #expect(stripes.count == 8 && stripes.labels == [0, 0, 0, 0, 1, 1, 1, 1])
    for (n, y) in stripes.images.enumerated() {
        let axis = stripes.labels![n]
        for i in 0..<48 {
            let (r, c) = (i / 6, i % 6)
            let x: Int = axis == 0 ? r + n % 4 : c + n % 4
            #expect(y[i] == SyntheticData.square(x, 4))
        }
    }
    // Period 4 on 8×8: 4 × 4 phases, of which 8 are distinct (a shift by half a period in both
    // axes gives the same board).
    let boards = try SyntheticData.checkerboards(shape: [8, 8], wavelength: 4)
    #expect(boards.count == 8 && boards.images.allSatisfy { $0.reduce(0, +) == 0 })
    let binary = try SyntheticData.randomBinary(count: 20, shape: [16, 16], seed: 3)
    let all = binary.images.flatMap { $0 }
    #expect(all.allSatisfy { $0 == 1 || $0 == -1 })
    let mean: Double = all.reduce(0, +) / Double(all.count), se: Double = 1 / Double(all.count).squareRoot()
    #expect(abs(mean) < 4 * se)
    #expect(try SyntheticData.twoUniform(shape: [3, 3]).images == [[Double](repeating: 1, count: 9), [Double](repeating: -1, count: 9)])
}

@Test func gaussianRandomFieldsHaveTheirSpectrum() throws {
    let l = try Lattice(shape: [32, 32]), spectrum = PowerSpectrum.powerLaw(amplitude: 2, exponent: 1.5)
    let data = try SyntheticData.gaussianFields(count: 200, lattice: l, spectrum: spectrum, seed: 6)
    let sf = StructureFactor(l), t = FourierTransform.plan(l), s = SpectralField(l)
    let rows = data.images.map { y -> [Double] in
        t.forward(RealField(l) { y[$0] }, into: s)
        return sf.shellAverages(s)
    }
    let z = worstZ(rows, sf.shellMeans(spectrum.values(on: l)))
    let bound = StandardNormal.familyBound(comparisons: sf.shellCount)
    validation("Gaussian random fields (power law γ = 1.5), 200 on 32²: S(k) against P(k)", String(format: "worst |z| = %.2f over %d shells (bound %.2f)", z, sf.shellCount, bound))
    #expect(z < bound)
}

@Test func batchDenoisingEqualsSingleCallsForAnyThreadCount() throws {
    let l = try Lattice(shape: [12, 12]), model = try BinaryPatchDenoiser(lattice: l, patch: .fixed(3))
    let batch = (0..<5).map { randomField(l, seed: 31, member: $0) }, level = NoiseSchedule.vp.level(at: 0.7)
    let one = model.denoise(batch: batch, at: level, threads: 1), two = model.denoise(batch: batch, at: level, threads: 2)
    for i in 0..<5 {
        #expect(one[i].array == two[i].array)
        #expect(one[i].array == evaluate(model, batch[i], level).array)
    }
}
