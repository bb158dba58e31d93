import Foundation
import Testing
import Lattice
@testable import Diffusion

/// The direct, obviously correct patch machine: for every pixel, every candidate of its
/// dictionary read off THEORY.md §2 sentence by sentence, and every window offset summed
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

func patchTestData(count: Int, shape: [Int], seed: UInt64) -> Dataset {
    let l = try! Lattice(shape: [shape.reduce(1, *)])
    return Dataset(images: (0..<count).map { values(randomField(l, seed: seed, member: $0)) }, shape: shape)
}

let patchMachineKinds: [PatchDictionary] = [
    .init(.local), .init(.local, boundary: .zero), .init(.equivariant),
    .init(.equivariant, candidates: .interior), .init(.equivariant, boundary: .zero),
]

@Test(arguments: [[7, 6], [6, 9, 3], [10, 11]])
func fastPatchMachinesEqualTheDirectReference(shape: [Int]) throws {
    let l = try Lattice(shape: shape), data = patchTestData(count: 3, shape: shape, seed: 41)
    var worst = 0.0
    for dictionary in patchMachineKinds {
        for p in [1, 3, 5, 9] where !(dictionary.candidates == .interior && p > shape.prefix(2).min()!) {
            let machine = try PatchScoreMachine(lattice: l, data: data, dictionary: dictionary, patch: .fixed(p), threads: 2)
            for (k, t) in [0.3, 1.5].enumerated() {
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
