import Foundation
import Testing
import CriticalityLattice
@testable import CriticalityDiffusion

/// The direct, obviously correct patch machine: for every pixel, every candidate of its
/// dictionary read off docs/theory.md §2 sentence by sentence, and every window offset summed
/// literally. Images are [H, W, C] flattened channels last.
func directPatchDenoise(_ x: [Double], data: [[Double]], shape: [Int], patch p: Int, dictionary: PatchDictionary,
                        alpha: Double, variance: Double) -> [Double] {
    let (hgt, wid, chn) = (shape[0], shape[1], shape.count > 2 ? shape[2] : 1), h = p / 2
    let circular = dictionary.boundary == .circular
    func offsets(_ n: Int) -> [Int] {
        // A circular window of P ≥ n is the whole circle, each pixel once.
        circular && p >= n ? Array(-(n / 2)...(n - 1 - n / 2)) : Array(-h...h)
    }
    func value(_ img: [Double], _ r: Int, _ c: Int, _ ch: Int) -> Double {
        if circular { return img[((((r % hgt) + hgt) % hgt) * wid + (((c % wid) + wid) % wid)) * chn + ch] }
        return (0..<hgt).contains(r) && (0..<wid).contains(c) ? img[(r * wid + c) * chn + ch] : 0
    }
    func positions(_ u: Int, _ n: Int) -> [Int] {
        switch (dictionary.locality, dictionary.boundary, dictionary.candidates) {
        case (.local, _, _): return [u]
        case (.equivariant, .circular, .all): return Array(0..<n)
        case (.equivariant, .circular, .interior): return Array(h...(n - 1 - h))
        case (.equivariant, .zero, _):  // edge pixels: the same distance from the border; interior: any interior position
            return u < h || u > n - 1 - h ? [u] : Array(h...(n - 1 - h))
        }
    }
    let rowsOff = offsets(hgt), colsOff = offsets(wid)
    var out = [Double](repeating: 0, count: x.count)
    for r in 0..<hgt {
        for c in 0..<wid {
            var logits: [Double] = [], centres: [[Double]] = []
            for y in data {
                for vr in positions(r, hgt) {
                    for vc in positions(c, wid) {
                        var d = 0.0
                        for dr in rowsOff { for dc in colsOff { for ch in 0..<chn {
                            let e = value(x, r + dr, c + dc, ch) - alpha * value(y, vr + dr, vc + dc, ch)
                            d += e * e
                        } } }
                        logits.append(-d / (2 * variance))
                        centres.append((0..<chn).map { y[(vr * wid + vc) * chn + $0] })
                    }
                }
            }
            let m = logits.max()!
            let w = logits.map { exp($0 - m) }, z = w.reduce(0, +)
            for ch in 0..<chn { out[(r * wid + c) * chn + ch] = zip(w, centres).reduce(0) { $0 + $1.0 * $1.1[ch] } / z }
        }
    }
    return out
}

func values(_ f: RealField) -> [Double] { (0..<f.count).map { f[$0] } }

func patchTestData(count: Int, shape: [Int], seed: UInt64) throws -> Dataset {
    let l = try! Lattice(shape: [shape.reduce(1, *)])
    return try Dataset(images: (0..<count).map { values(randomField(l, seed: seed, member: $0)) }, shape: shape)
}

let patchMachineKinds: [PatchDictionary] = [
    .init(.local), .init(.local, boundary: .zero), .init(.equivariant),
    .init(.equivariant, candidates: .interior), .init(.equivariant, boundary: .zero),
]

@Test(arguments: [[7, 6], [6, 9, 3], [10, 11]])
func fastPatchMachinesEqualTheDirectReference(shape: [Int]) throws {
    let l = try Lattice(shape: shape), data = try patchTestData(count: 3, shape: shape, seed: 41)
    var worst = 0.0
    for dictionary in patchMachineKinds {
        for p in [1, 3, 5, 9] where !(dictionary.candidates == .interior && p > shape.prefix(2).min()!) {
            let machine = try PatchScoreMachine(lattice: l, data: data, dictionary: dictionary, patch: .fixed(p), threads: 2)
            for (k, t) in [0.3, 1.5, 0.002].enumerated() {
                let level = NoiseSchedule.vp.level(at: t), x = randomField(l, seed: 5, member: k)
                let fast = evaluate(machine, x, level)
                let slow = directPatchDenoise(values(x), data: data.images, shape: shape, patch: p, dictionary: dictionary,
                                              alpha: level.alpha, variance: level.variance)
                let diff = (0..<x.count).map { abs(fast[$0] - slow[$0]) }.max()!
                #expect(diff < 1e-10, "\(dictionary) P = \(p) t = \(t): \(diff)")
                worst = max(worst, diff)
            }
        }
    }
    validation("LS, ELS (circular, interior) and boundary-broken ELS vs direct sums, shape \(shape), P = 1, 3, 5, 9", String(format: "max |ΔD| %.1e", worst))
}

@Test func patchSizeOneGivesPerPixelMixtures() throws {
    // P = 1: LS is the mixture over the co-located training values, ELS over all training values.
    let shape = [5, 6], l = try Lattice(shape: shape), data = try patchTestData(count: 4, shape: shape, seed: 9)
    let level = NoiseSchedule.vp.level(at: 0.8), x = randomField(l, seed: 2)
    func mixture(_ value: Double, _ centres: [Double]) -> Double {
        let logits = centres.map { -pow(value - level.alpha * $0, 2) / (2 * level.variance) }, m = logits.max()!
        let w = logits.map { exp($0 - m) }
        return zip(w, centres).reduce(0) { $0 + $1.0 * $1.1 } / w.reduce(0, +)
    }
    let ls = evaluate(try PatchScoreMachine(lattice: l, data: data, dictionary: .init(.local), patch: .fixed(1)), x, level)
    let els = evaluate(try PatchScoreMachine(lattice: l, data: data, dictionary: .init(.equivariant), patch: .fixed(1)), x, level)
    let everyValue = data.images.flatMap { $0 }
    var worst = 0.0
    for u in 0..<x.count {
        worst = max(worst, abs(ls[u] - mixture(x[u], data.images.map { $0[u] })), abs(els[u] - mixture(x[u], everyValue)))
    }
    validation("P = 1: LS = co-located per-pixel mixture, ELS = mixture over all training values", String(format: "max |ΔD| %.1e", worst))
    #expect(worst < 1e-12)
}

@Test(arguments: [[6, 6], [5, 7]])
func wholeImageWindowsGiveTheIdealAndESMachines(shape: [Int]) throws {
    // P ≥ the image size: circular LS is the ideal denoiser, circular ELS the ES denoiser;
    // zero-padded LS is the ideal one once every window covers the image (P ≥ 2n − 1).
    let l = try Lattice(shape: shape), data = try patchTestData(count: 3, shape: shape, seed: 17)
    let big = 2 * shape.max()! + 1
    var worst = 0.0
    for (k, t) in [0.1, 0.9, 4.0].enumerated() {
        let x = randomField(l, seed: 8, member: k), level = NoiseSchedule.vp.level(at: t)
        let ideal = evaluate(IdealDenoiser(lattice: l, data: data), x, level), es = evaluate(EquivariantIdealDenoiser(lattice: l, data: data), x, level)
        for p in [shape.max()! | 1, big] {
            let ls = try PatchScoreMachine(lattice: l, data: data, dictionary: .init(.local), patch: .fixed(p))
            let els = try PatchScoreMachine(lattice: l, data: data, dictionary: .init(.equivariant), patch: .fixed(p))
            worst = max(worst, maxDifference(evaluate(ls, x, level), ideal), maxDifference(evaluate(els, x, level), es))
        }
        let zeroLS = try PatchScoreMachine(lattice: l, data: data, dictionary: .init(.local, boundary: .zero), patch: .fixed(big))
        worst = max(worst, maxDifference(evaluate(zeroLS, x, level), ideal))
    }
    validation("whole-image windows, shape \(shape): LS = ideal, ELS = ES", String(format: "max |ΔD| %.1e", worst))
    #expect(worst < 1e-10)
}

@Test func elsOnTwoUniformImagesIsTheBinaryPatchModel() throws {
    let l = try Lattice(shape: [12, 10]), data = try SyntheticData.twoUniform(shape: [12, 10])
    let els = try PatchScoreMachine(lattice: l, data: data, dictionary: .init(.equivariant), patch: .fixed(3))
    let binary = try BinaryPatchDenoiser(lattice: l, patch: .fixed(3))
    var worst = 0.0
    for (k, t) in [0.05, 0.5, 2.0, 3.5, 8.0].enumerated() {
        let x = randomField(l, seed: 21, member: k), level = NoiseSchedule.vp.level(at: t)
        worst = max(worst, maxDifference(evaluate(els, x, level), evaluate(binary, x, level)))
    }
    validation("ELS on the two uniform ±1 images, 3×3 windows, vs the binary patch model tanh(α K∗x/σ²)", String(format: "max |ΔD| %.1e at 5 times", worst))
    #expect(worst < 1e-12)
}

@Test func patchScheduleSwitchesWindowsAtItsChangePoint() throws {
    // P(t) = 5 for t ≥ 1, 3 below: each side equals the direct reference at its own P.
    let shape = [7, 8], l = try Lattice(shape: shape), data = try patchTestData(count: 3, shape: shape, seed: 5)
    let schedule = PatchSchedule.table([(time: 1e-3, size: 3), (time: 1, size: 5)])
    var worst = 0.0
    for dictionary in patchMachineKinds {
        let machine = try PatchScoreMachine(lattice: l, data: data, dictionary: dictionary, patch: schedule)
        for (t, p) in [(0.999, 3), (1.0, 5), (0.5, 3), (1.5, 5)] {
            let level = NoiseSchedule.vp.level(at: t), x = randomField(l, seed: 6)
            let slow = directPatchDenoise(values(x), data: data.images, shape: shape, patch: p, dictionary: dictionary, alpha: level.alpha, variance: level.variance)
            let fast = evaluate(machine, x, level)
            worst = max(worst, (0..<x.count).map { abs(fast[$0] - slow[$0]) }.max()!)
        }
    }
    validation("patch schedule P = 3 → 5 at t = 1, every dictionary, either side of the change point", String(format: "max |ΔD| %.1e", worst))
    #expect(worst < 1e-10)
}

@Test func chunkedPatchMachinesAreBitwiseIndependentOfTheThreadCount() throws {
    // Enough candidates for several chunks: merged chunks equal the direct reference, and one
    // and two threads give the same bits.
    let shape = [14, 14], l = try Lattice(shape: shape), data = try patchTestData(count: 100, shape: shape, seed: 13)
    let level = NoiseSchedule.vp.level(at: 0.4), x = randomField(l, seed: 14)
    var worst = 0.0
    for dictionary in patchMachineKinds {
        var machine = try PatchScoreMachine(lattice: l, data: data, dictionary: dictionary, patch: .fixed(5), threads: 1)
        #expect(machine.chunks[5]!.count > 1 || dictionary.locality == .local)
        let one = evaluate(machine, x, level)
        machine.threads = 2
        let two = evaluate(machine, x, level)
        #expect((0..<x.count).allSatisfy { one[$0].bitPattern == two[$0].bitPattern }, "\(dictionary)")
        let slow = directPatchDenoise(values(x), data: data.images, shape: shape, patch: 5, dictionary: dictionary, alpha: level.alpha, variance: level.variance)
        worst = max(worst, (0..<x.count).map { abs(one[$0] - slow[$0]) }.max()!)
    }
    validation("chunked machines (100 images, up to 16 chunks merged) vs direct sums", String(format: "max |ΔD| %.1e; 1 and 2 threads bitwise equal", worst))
    #expect(worst < 1e-10)
}

@Test func patchMachinesRejectBadConfigurations() throws {
    let l = try! Lattice(shape: [6, 6]), data = try patchTestData(count: 2, shape: [6, 6], seed: 1)
    #expect(throws: PatchDictionary.Error.patchSize(4)) { try PatchScoreMachine(lattice: l, data: data, dictionary: .init(.local), patch: .fixed(4)) }
    #expect(throws: PatchDictionary.Error.interiorNeedsCircularELS) {
        try PatchScoreMachine(lattice: l, data: data, dictionary: .init(.local, candidates: .interior), patch: .fixed(3))
    }
    #expect(throws: PatchDictionary.Error.noInteriorWindow(patch: 7, size: 6)) {
        try PatchScoreMachine(lattice: l, data: data, dictionary: .init(.equivariant, candidates: .interior), patch: .fixed(7))
    }
}

/// The nearest-patch centre by literal search over every pixel's dictionary (the machines'
/// candidate rule of `directPatchDenoise`, with α = 1 and σ → 0: the arg-max of the logits).
func directNearestCentres(_ x: [Double], data: [[Double]], shape: [Int], patch p: Int, dictionary: PatchDictionary) -> [Double] {
    // As σ → 0 the softmax puts all weight on the nearest candidate: a tiny variance makes the
    // direct machine that arg-max (ties are measure-zero for random data).
    directPatchDenoise(x, data: data, shape: shape, patch: p, dictionary: dictionary, alpha: 1, variance: 1e-9)
}

@Test func mosaicCheckFindsTheNearestDictionaryPatch() throws {
    let shape = [7, 9], data = try patchTestData(count: 3, shape: shape, seed: 31), l = try Lattice(shape: shape)
    var worst = 0.0
    for dictionary in patchMachineKinds {
        for p in [3, 5] {
            let check = try MosaicCheck(data: data, dictionary: dictionary, patch: p, tolerance: 0)
            let x = values(randomField(l, seed: 32))
            let fast = check.nearestCentres(x), slow = directNearestCentres(x, data: data.images, shape: shape, patch: p, dictionary: dictionary)
            worst = max(worst, zip(fast, slow).map { abs($0 - $1) }.max()!)
        }
    }
    validation("mosaic check: nearest dictionary patch centre vs literal search, every dictionary, P = 3, 5", String(format: "max |Δ| %.1e", worst))
    #expect(worst < 1e-12)
    // A training image is its own mosaic: every pixel passes.
    let check = try MosaicCheck(data: data, dictionary: .init(.equivariant, boundary: .zero), patch: 3, tolerance: 1e-12)
    #expect(check.passFraction(data.images[1]) == 1)
}

@Test func elsSamplesOfTheTwoUniformImagesAreLocallyConsistentMosaics() throws {
    // Kamb–Ganguli's convergence theorem on ±1 data with 3×3 windows: every output pixel is ±1
    // and equals the majority sign of its window (the centre of the nearest candidate patch).
    let l = try Lattice(shape: [16, 16]), data = try SyntheticData.twoUniform(shape: [16, 16])
    let machine = try PatchScoreMachine(lattice: l, data: data, dictionary: .init(.equivariant), patch: .fixed(3))
    let check = try MosaicCheck(data: data, dictionary: .init(.equivariant), patch: 3, tolerance: 1e-6)
    let times = try TimeGrid.logUniform.times(from: 12, to: 1e-4, steps: 256, schedule: .vp)
    let sampler = try ReverseSampler(schedule: .vp, denoiser: machine, method: .reverseSDEExponential, times: times, seed: 3)
    let fractions = try Ensemble.map(members: 8, threads: 2) { m -> Double in
        let d = try sampler.run(member: m, from: sampler.initialState(member: m))
        return check.passFraction(values(d))
    }
    let majority = try Ensemble.map(members: 8, threads: 2) { m in
        try locallyConsistentFraction(sampler.run(member: m, from: sampler.initialState(member: m)), patch: 3)
    }
    validation("ELS on the two uniform ±1 images, 16×16, P = 3, 256 SDE steps to t = 1e-4: mosaic pass fraction of 8 samples",
               String(format: "worst %.4f, mean %.4f (majority-sign test: worst %.4f)", fractions.min()!, fractions.reduce(0, +) / 8, majority.min()!))
    #expect(fractions.min()! >= 0.97)
    #expect(majority == fractions)
}
