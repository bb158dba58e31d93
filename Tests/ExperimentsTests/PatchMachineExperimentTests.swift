import Foundation
import Testing
import CriticalityDiffusion
import CriticalityLattice
@testable import CriticalityExperiments

/// The repository's parameters/ folder (the built-in data live in parameters/data).
let parametersFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("parameters")

/// The digits mapped to [−1, 1], as the runs see them.
func digits() throws -> Dataset {
    let images = try NPY.decode(Data(contentsOf: parametersFolder.appendingPathComponent("data/digits_images_f32.npy")), file: "digits")
    let labels = try NPY.decode(Data(contentsOf: parametersFolder.appendingPathComponent("data/digits_labels_u8.npy")), file: "labels")
    let n = images.shape[0]
    let set = try Dataset(images: (0..<n).map { Array(images.values[($0 * 64)..<(($0 + 1) * 64)]) }, shape: [8, 8], labels: labels.values.map { Int($0) })
    return set.mapped(by: set.unitIntervalMap)
}

@Test func elsDigitSamplesApproachTheMosaicLimitAsTheFinalTimeFalls() throws {
    // Boundary-broken ELS, P = 3, on the 178 zeros. One reverse-SDE trajectory per seed on a log
    // grid from t = 12 to 1e-6 (400 steps); the sample at final time t_f is D(x_{t_f}), read off
    // the same trajectory at t_f = 1e-3, 1e-4, 1e-5, 1e-6 (a run stopped at t_f on its own grid is
    // the same process, discretised a little more coarsely).
    let zeros = try digits().restricted(toLabel: 0)!, l = try Lattice(shape: [8, 8])
    let dictionary = PatchDictionary(.equivariant, boundary: .zero)
    let machine = try PatchScoreMachine(lattice: l, data: zeros, dictionary: dictionary, patch: .fixed(3))
    let check = try MosaicCheck(data: zeros, dictionary: dictionary, patch: 3, tolerance: 0.02)  // 1 % of the range [−1, 1]
    let times = try TimeGrid.logUniform.times(from: 12, to: 1e-6, steps: 400, schedule: .vp)
    let finals = [1e-3, 1e-4, 1e-5, 1e-6], at = finals.map { t in times.indices.min { abs(log(times[$0] / t)) < abs(log(times[$1] / t)) }! }
    struct Outcome: Sendable { var fractions: [Double]; var distance: Double }
    let outcomes = try Ensemble.map(members: 8, threads: 2) { seed -> Outcome in
        let sampler = try ReverseSampler(schedule: .vp, denoiser: machine, method: .reverseSDEExponential, times: times, seed: UInt64(100 + seed))
        var fractions: [Double] = []
        let d = try sampler.run(member: 0, from: sampler.initialState(member: 0), observing: Set(at)) { _, _, _, d in
            fractions.append(check.passFraction(d.array))
        }
        let x = d.array
        let distance = zeros.images.map { y in (zip(x, y).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / 64).squareRoot() }.min()!
        return Outcome(fractions: fractions, distance: distance)
    }
    func median(_ v: [Double]) -> Double { let s = v.sorted(); return 0.5 * (s[3] + s[4]) }
    let medians = finals.indices.map { k in median(outcomes.map { $0.fractions[k] }) }
    // Copies: a sample within half the smallest distance between two distinct training zeros
    // of one of them would be that image (up to the digits' 1/16 quantisation, 0.125 here).
    var closest = Double.infinity
    for i in 0..<zeros.count { for j in 0..<i where zeros.images[i] != zeros.images[j] {
        closest = min(closest, (zip(zeros.images[i], zeros.images[j]).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / 64).squareRoot())
    } }
    let nearest = outcomes.map(\.distance)
    validation("boundary-broken ELS on the digit 0 (178 images, P = 3): median mosaic pass fraction of 8 seeds at t_f = 1e-3, 1e-4, 1e-5, 1e-6",
               medians.map { String(format: "%.4f", $0) }.joined(separator: ", ")
               + String(format: "; RMS distance to the nearest training image ≥ %.3f (copy threshold %.3f)", nearest.min()!, closest / 2))
    #expect(medians.last! > 0.9)
    #expect(medians.last! > medians.first!)
    #expect(zip(medians, medians.dropFirst()).allSatisfy { $0 <= $1 })
    #expect(nearest.min()! > closest / 2)
}
