import Foundation
import CriticalityLattice

/// The image geometry of a patch machine for one patch size: H×W pixels of C channels (a
/// 1-D line is a single row) and the dictionary rule along rows and columns.
struct PatchGeometry: Sendable, Equatable {
    let height: Int, width: Int, channels: Int
    let rows: PatchAxis, cols: PatchAxis

    init(shape: [Int], patch p: Int, dictionary: PatchDictionary) throws {
        switch shape.count {
        case 1: (height, width, channels) = (1, shape[0], 1)
        case 2: (height, width, channels) = (shape[0], shape[1], 1)
        default: (height, width, channels) = (shape[0], shape[1], shape[2])
        }
        rows = try dictionary.axis(size: height, patch: shape.count == 1 ? 1 : p)
        cols = try dictionary.axis(size: width, patch: p)
    }

    /// The padded input: every index a window can touch.
    var inputLayout: PaddedPlanes { PaddedPlanes(rows: rows.inputExtent, cols: cols.inputExtent, channels: channels) }
    /// The padded training image: every index a candidate window or centre can touch.
    var trainingLayout: PaddedPlanes { PaddedPlanes(rows: rows.trainingExtent, cols: cols.trainingExtent, channels: channels) }

    /// Candidates per pixel summed over the image: the work of one evaluation per training image.
    var candidatePairs: Int {
        rows.shifts.reduce(0) { $0 + $1.pixels.count } * cols.shifts.reduce(0) { $0 + $1.pixels.count }
    }
}

/// C planes of a padded image, row-major, over `rows` × `cols` plus `slack` zero columns at
/// the right of every row, so that eight-lane loads may run past a range's last pixel.
struct PaddedPlanes: Sendable {
    static let slack = 8
    let rows: ClosedRange<Int>, cols: ClosedRange<Int>, channels: Int
    var rowStride: Int { cols.count + PaddedPlanes.slack }
    var planeStride: Int { rows.count * rowStride }
    var count: Int { channels * planeStride }

    init(rows: ClosedRange<Int>, cols: ClosedRange<Int>, channels: Int) {
        (self.rows, self.cols, self.channels) = (rows, cols, channels)
    }

    func offset(channel: Int, row: Int, col: Int) -> Int {
        channel * planeStride + (row - rows.lowerBound) * rowStride + (col - cols.lowerBound)
    }

    /// The images (each flattened [H, W, C], channels last) padded one after another.
    func padded<S: Sequence>(_ images: S, geometry g: PatchGeometry) -> [Double] where S.Element == [Double] {
        let list = Array(images)
        var out = [Double](repeating: 0, count: list.count * count)
        out.withUnsafeMutableBufferPointer { o in
            for (k, y) in list.enumerated() { y.withUnsafeBufferPointer { fill(o.baseAddress! + k * count, from: $0.baseAddress!, geometry: g) } }
        }
        return out
    }

    /// Writes the image (flattened [H, W, C], channels last) padded by the geometry's boundary rule.
    func fill(_ out: UnsafeMutablePointer<Double>, from image: UnsafePointer<Double>, geometry g: PatchGeometry) {
        out.initialize(repeating: 0, count: count)
        for ch in 0..<channels {
            for r in rows {
                for c in cols {
                    out[offset(channel: ch, row: r, col: c)] = g.rows.padded(r) { rr in
                        g.cols.padded(c) { cc in image[(rr * g.width + cc) * g.channels + ch] }
                    }
                }
            }
        }
    }
}

/// What a scan does with the scores of eight neighbouring pixels of one row against one
/// candidate: score = 2α⟨x_Ω, y_Ω⟩ − α²‖y_Ω‖² (that is, ‖x_Ω‖² − ‖x_Ω − αy_Ω‖²), lanes past
/// the admissible range carry −∞, and `centre` points at the candidate centre's first channel.
protocol PatchReducer {
    mutating func absorb(row: Int, col: Int, score: Double8, centre: UnsafePointer<Double>, planeStride: Int)
}

/// Eight doubles from p on, at any alignment (the scans' lane blocks).
@inline(__always) func load(_ p: UnsafePointer<Double>) -> Double8 { UnsafeRawPointer(p).loadUnaligned(as: Double8.self) }
@inline(__always) func store(_ v: Double8, _ p: UnsafeMutablePointer<Double>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: Double8.self) }

/// The scan over a dictionary by box sums, used by the local machine and the nearest-patch
/// check (the equivariant machines use `DiagonalScan`): for every training image and every
/// relative shift s = (s_r, s_c) of the dictionary, the scores of all admissible pixels at
/// once. The cross term of a shift is a box sum of the product field
/// q(w) = Σ_c y(w + s)(2α x(w) − α² y(w + s)): a running sum down the rows and a P-tap sum along
/// each row, both vectorised along the row, so the cost per (pixel × candidate) is constant in P
/// but for that short sum.
struct PatchScan {
    let geometry: PatchGeometry
    let input: PaddedPlanes, training: PaddedPlanes
    let q: UnsafeMutablePointer<Double>, v: UnsafeMutablePointer<Double>
    let qStride: Int

    init(geometry g: PatchGeometry) {
        geometry = g
        input = g.inputLayout
        training = g.trainingLayout
        qStride = g.width + g.cols.window.count + PaddedPlanes.slack
        let qRows = g.height + g.rows.window.count
        q = .allocate(capacity: qRows * qStride)
        q.initialize(repeating: 0, count: qRows * qStride)
        v = .allocate(capacity: qStride)
        v.initialize(repeating: 0, count: qStride)
    }

    func deallocate() {
        q.deallocate()
        v.deallocate()
    }

    @inline(__always)
    func run<R: PatchReducer>(x: UnsafePointer<Double>, y: UnsafePointer<Double>, alpha: Double, gain: Double, into reducer: inout R) {
        let g = geometry, (a2, aa) = (2 * alpha * gain, alpha * alpha * gain)
        let pr = g.rows.window.count, pc = g.cols.window.count
        let lane = Double8(0, 1, 2, 3, 4, 5, 6, 7)
        for sr in g.rows.shifts {
            let firstRow = sr.pixels.lowerBound + g.rows.window.lowerBound
            let qRows = sr.pixels.count + pr - 1
            for sc in g.cols.shifts {
                let firstCol = sc.pixels.lowerBound + g.cols.window.lowerBound
                // Lengths rounded up to whole eight-lane blocks: the buffers and padded planes have
                // the slack for it, and the extra lanes are never read as scores.
                let wq = (sc.pixels.count + pc - 1 + 7) / 8, blocks = (sc.pixels.count + 7) / 8
                let (a2v, aav) = (Double8(repeating: a2), Double8(repeating: aa))
                for i in 0..<qRows {
                    let w = firstRow + i, qi = q + i * qStride
                    for ch in 0..<g.channels {
                        let xp = x + input.offset(channel: ch, row: w, col: firstCol)
                        let yp = y + training.offset(channel: ch, row: w + sr.offset, col: firstCol + sc.offset)
                        for b in 0..<wq {
                            let yb = load(yp + 8 * b)
                            let term = yb * (a2v * load(xp + 8 * b) - aav * yb)
                            store(ch == 0 ? term : load(qi + 8 * b) + term, qi + 8 * b)
                        }
                    }
                }
                for b in 0..<wq {
                    var sum = load(q + 8 * b)
                    for i in 1..<pr { sum += load(q + i * qStride + 8 * b) }
                    store(sum, v + 8 * b)
                }
                for (k, u) in sr.pixels.enumerated() {
                    if k > 0 {
                        let add = q + (k + pr - 1) * qStride, sub = q + (k - 1) * qStride
                        for b in 0..<wq { store(load(v + 8 * b) + (load(add + 8 * b) - load(sub + 8 * b)), v + 8 * b) }
                    }
                    // The P-tap sums along the row, in two interleaved partial sums (a short
                    // dependency chain); blocks are independent, so their chains overlap.
                    for b in 0..<blocks {
                        let vb = v + 8 * b
                        var even = load(vb), odd = Double8()
                        var t = 1
                        while t + 1 < pc { odd += load(vb + t); even += load(vb + t + 1); t += 2 }
                        if t < pc { odd += load(vb + t) }
                        var s = even + odd
                        let c = sc.pixels.lowerBound + 8 * b, left = sc.pixels.upperBound - c + 1
                        if left < 8 { s.replace(with: -.infinity, where: lane .>= Double8(repeating: Double(left))) }
                        reducer.absorb(row: u, col: c, score: s, centre: y + training.offset(channel: 0, row: u + sr.offset, col: c + sc.offset),
                                       planeStride: training.planeStride)
                    }
                }
            }
        }
    }
}

/// The online log-sum-exp softmax over candidates, per pixel: running maximum m, Z = Σ e^{ℓ−m}
/// and A_c = Σ e^{ℓ−m} y_c, all in Double, the scores being the logits ℓ. A block whose logits
/// all stay below the running maxima costs one vector exp; a new maximum in any lane costs a
/// second one, to rescale the sums (rare after the first candidates).
struct SoftmaxAccumulator: PatchReducer, @unchecked Sendable {
    let stride: Int, planeStride: Int, channels: Int
    let m: UnsafeMutablePointer<Double>, z: UnsafeMutablePointer<Double>, a: UnsafeMutablePointer<Double>

    init(height: Int, width: Int, channels: Int) {
        stride = width + PaddedPlanes.slack
        planeStride = height * stride
        self.channels = channels
        m = .allocate(capacity: planeStride)
        z = .allocate(capacity: planeStride)
        a = .allocate(capacity: channels * planeStride)
        // A finite floor rather than −∞, so that ℓ − m is never ∞ − ∞ for masked lanes.
        m.initialize(repeating: -1e300, count: planeStride)
        z.initialize(repeating: 0, count: planeStride)
        a.initialize(repeating: 0, count: channels * planeStride)
    }

    func deallocate() {
        m.deallocate()
        z.deallocate()
        a.deallocate()
    }

    @inline(__always)
    mutating func absorb(row: Int, col: Int, score l: Double8, centre: UnsafePointer<Double>, planeStride yPlane: Int) {
        let i = row &* stride &+ col
        let mRaw = UnsafeMutableRawPointer(m + i), zRaw = UnsafeMutableRawPointer(z + i)
        let mv = mRaw.loadUnaligned(as: Double8.self)
        let d = l - mv
        if !any(d .> 0) {
            if all(d .< -708) { return }  // every term underflows to exactly 0
            let e = VectorMath.exp(nonPositive: d)
            zRaw.storeBytes(of: zRaw.loadUnaligned(as: Double8.self) + e, as: Double8.self)
            for ch in 0..<channels {
                let aRaw = UnsafeMutableRawPointer(a + (ch &* planeStride &+ i))
                let y = UnsafeRawPointer(centre + (ch &* yPlane)).loadUnaligned(as: Double8.self)
                aRaw.storeBytes(of: aRaw.loadUnaligned(as: Double8.self) + e * y, as: Double8.self)
            }
            return
        }
        // A new maximum in some lane: m' = max(m, ℓ), sums rescaled by e^{m − m'}. Masked lanes
        // (ℓ = −∞) get the factors 1 and 0 and stay exactly as they were.
        let top = mv.replacing(with: l, where: l .> mv)
        let r = VectorMath.exp(nonPositive: mv - top), e = VectorMath.exp(nonPositive: l - top)
        mRaw.storeBytes(of: top, as: Double8.self)
        zRaw.storeBytes(of: zRaw.loadUnaligned(as: Double8.self) * r + e, as: Double8.self)
        for ch in 0..<channels {
            let aRaw = UnsafeMutableRawPointer(a + (ch &* planeStride &+ i))
            let y = UnsafeRawPointer(centre + (ch &* yPlane)).loadUnaligned(as: Double8.self)
            aRaw.storeBytes(of: aRaw.loadUnaligned(as: Double8.self) * r + e * y, as: Double8.self)
        }
    }

    /// Folds another accumulator's sums into this one (log-sum-exp merge of two candidate sets).
    func merge(_ other: SoftmaxAccumulator) {
        for row in 0..<(planeStride / stride) {
            for col in 0..<(stride - PaddedPlanes.slack) {
                let j = row * stride + col
                let top = max(m[j], other.m[j])
                let r1 = Foundation.exp(m[j] - top), r2 = Foundation.exp(other.m[j] - top)
                z[j] = z[j] * r1 + other.z[j] * r2
                for ch in 0..<channels {
                    let k = ch * planeStride + j
                    a[k] = a[k] * r1 + other.a[k] * r2
                }
                m[j] = top
            }
        }
    }
}

/// The nearest candidate per pixel: the largest score (α = 1: the L2-closest patch) and its
/// centre value per channel; ties keep the first candidate in scan order.
struct NearestPatch: PatchReducer {
    let stride: Int, planeStride: Int, channels: Int
    var best: [Double]
    var centres: [Double]

    init(height: Int, width: Int, channels: Int) {
        stride = width + PaddedPlanes.slack
        planeStride = height * stride
        self.channels = channels
        best = [Double](repeating: -.infinity, count: planeStride)
        centres = [Double](repeating: 0, count: channels * planeStride)
    }

    mutating func absorb(row: Int, col: Int, score: Double8, centre: UnsafePointer<Double>, planeStride yPlane: Int) {
        let i = row * stride + col
        let current = best.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress! + i).loadUnaligned(as: Double8.self) }
        guard any(score .> current) else { return }
        for lane in 0..<8 where score[lane] > best[i + lane] {
            best[i + lane] = score[lane]
            for ch in 0..<channels { centres[ch * planeStride + i + lane] = centre[ch * yPlane + lane] }
        }
    }
}
