import Foundation
import CriticalityLattice

/// Kamb & Ganguli's local-consistency test, docs/theory.md §2: as t → 0 every output pixel of a
/// patch machine equals the centre of the L2-closest patch of its window's dictionary (a
/// "locally consistent patch mosaic"). For an image x the check finds, for every pixel u, the
/// candidate patch y_{n,Ω_v} of u's dictionary nearest to x_{Ω_u} (ties: the first in scan
/// order) and passes u when every channel of x(u) lies within `tolerance` of that patch's centre.
/// Any image can be checked: a sample of this package's machines or of a trained network.
public struct MosaicCheck: Sendable {
    public let data: Dataset
    public let dictionary: PatchDictionary
    public let patch: Int
    public let tolerance: Double
    let geometry: PatchGeometry
    let padded: [Double]

    public init(data: Dataset, dictionary: PatchDictionary, patch: Int, tolerance: Double) throws {
        self.data = data
        self.dictionary = dictionary
        self.patch = patch
        self.tolerance = tolerance
        let g = try PatchGeometry(shape: data.latticeShape, patch: patch, dictionary: dictionary)
        geometry = g
        padded = g.trainingLayout.padded(data.images, geometry: g)
    }

    /// The centre of the nearest dictionary patch for every pixel (flattened like the images).
    public func nearestCentres(_ x: [Double]) -> [Double] {
        precondition(x.count == data.images[0].count)
        let g = geometry, scan = PatchScan(geometry: g)
        defer { scan.deallocate() }
        let input = UnsafeMutablePointer<Double>.allocate(capacity: scan.input.count)
        defer { input.deallocate() }
        x.withUnsafeBufferPointer { scan.input.fill(input, from: $0.baseAddress!, geometry: g) }
        var nearest = NearestPatch(height: g.height, width: g.width, channels: g.channels)
        padded.withUnsafeBufferPointer { y in
            for n in 0..<data.count { scan.run(x: input, y: y.baseAddress! + n * scan.training.count, alpha: 1, gain: 1, into: &nearest) }
        }
        var out = [Double](repeating: 0, count: x.count)
        for r in 0..<g.height { for c in 0..<g.width { for ch in 0..<g.channels {
            out[(r * g.width + c) * g.channels + ch] = nearest.centres[ch * nearest.planeStride + r * nearest.stride + c]
        } } }
        return out
    }

    /// Per pixel (channels folded): whether x(u) is the centre of its nearest dictionary patch.
    public func passes(_ x: [Double]) -> [Bool] {
        let centres = nearestCentres(x), c = geometry.channels
        return (0..<(x.count / c)).map { u in (0..<c).allSatisfy { abs(x[u * c + $0] - centres[u * c + $0]) <= tolerance } }
    }

    /// The fraction of pixels that pass.
    public func passFraction(_ x: [Double]) -> Double {
        let p = passes(x)
        return Double(p.filter { $0 }.count) / Double(p.count)
    }
}
