import Foundation
import Lattice

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

/// The scan over a dictionary: for every training image and every relative shift s = (s_r, s_c)
/// of the dictionary, the scores of all admissible pixels at once. The cross term of a shift is
/// a box sum of the product field q(w) = Σ_c y(w + s)(2α x(w) − α² y(w + s)): a running sum
/// down the rows (vectorised along them) and a P-tap sum along each row in eight lanes, so the
/// cost per (pixel × candidate) is constant in P but for that short sum.
struct PatchScan {
    let geometry: PatchGeometry
    let input: PaddedPlanes, training: PaddedPlanes
    let q: UnsafeMutablePointer<Double>, v: UnsafeMutablePointer<Double>
    let qStride: Int

    init(geometry g: PatchGeometry) {
        geometry = g
        input = PaddedPlanes(rows: g.rows.inputExtent, cols: g.cols.inputExtent, channels: g.channels)
        training = PaddedPlanes(rows: g.rows.trainingExtent, cols: g.cols.trainingExtent, channels: g.channels)
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

    /// Lane biases for a block of eight with k admissible lanes: 0 for the first k, −∞ after.
    static let tailBias: [Double8] = (0...8).map { k in Double8((0..<8).map { $0 < k ? 0 : -Double.infinity }) }

    @inline(__always)
    func run<R: PatchReducer>(x: UnsafePointer<Double>, y: UnsafePointer<Double>, alpha: Double, into reducer: inout R) {
        let g = geometry, (a2, aa) = (2 * alpha, alpha * alpha)
        let pr = g.rows.window.count, pc = g.cols.window.count
        for sr in g.rows.shifts {
            let firstRow = sr.pixels.lowerBound + g.rows.window.lowerBound
            let qRows = sr.pixels.count + pr - 1
            for sc in g.cols.shifts {
                let firstCol = sc.pixels.lowerBound + g.cols.window.lowerBound
                let wq = sc.pixels.count + pc - 1
                for i in 0..<qRows {
                    let w = firstRow + i, qi = q + i * qStride
                    for ch in 0..<g.channels {
                        let xp = x + input.offset(channel: ch, row: w, col: firstCol)
                        let yp = y + training.offset(channel: ch, row: w + sr.offset, col: firstCol + sc.offset)
                        if ch == 0 {
                            for j in 0..<wq { qi[j] = yp[j] * (a2 * xp[j] - aa * yp[j]) }
                        } else {
                            for j in 0..<wq { qi[j] += yp[j] * (a2 * xp[j] - aa * yp[j]) }
                        }
                    }
                }
                for j in 0..<wq { v[j] = q[j] }
                for i in 1..<pr {
                    let qi = q + i * qStride
                    for j in 0..<wq { v[j] += qi[j] }
                }
                let raw = UnsafeRawPointer(v)
                for (k, u) in sr.pixels.enumerated() {
                    if k > 0 {
                        let add = q + (k + pr - 1) * qStride, sub = q + (k - 1) * qStride
                        for j in 0..<wq { v[j] += add[j] - sub[j] }
                    }
                    var c = sc.pixels.lowerBound
                    while c <= sc.pixels.upperBound {
                        let j0 = 8 * (c - sc.pixels.lowerBound)
                        var s = raw.loadUnaligned(fromByteOffset: j0, as: Double8.self)
                        for t in 1..<pc { s += raw.loadUnaligned(fromByteOffset: j0 + 8 * t, as: Double8.self) }
                        s += PatchScan.tailBias[min(8, sc.pixels.upperBound - c + 1)]
                        reducer.absorb(row: u, col: c, score: s, centre: y + training.offset(channel: 0, row: u + sr.offset, col: c + sc.offset),
                                       planeStride: training.planeStride)
                        c += 8
                    }
                }
            }
        }
    }
}

/// The online log-sum-exp softmax over candidates, per pixel: running maximum m, Z = Σ e^{ℓ−m}
/// and A_c = Σ e^{ℓ−m} y_c, all in Double. A block whose logits all stay below the running
/// maxima costs one vector exp; a new maximum rescales the sums lane by lane (rare after the
/// first candidates).
struct SoftmaxAccumulator: PatchReducer, @unchecked Sendable {
    let stride: Int, planeStride: Int, channels: Int
    /// 1/(2σ²): logits are score/(2σ²).
    var gain: Double
    let m: UnsafeMutablePointer<Double>, z: UnsafeMutablePointer<Double>, a: UnsafeMutablePointer<Double>

    init(height: Int, width: Int, channels: Int) {
        stride = width + PaddedPlanes.slack
        planeStride = height * stride
        self.channels = channels
        gain = 1
        m = .allocate(capacity: planeStride)
        z = .allocate(capacity: planeStride)
        a = .allocate(capacity: channels * planeStride)
        reset()
    }

    func reset() {
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
    mutating func absorb(row: Int, col: Int, score: Double8, centre: UnsafePointer<Double>, planeStride yPlane: Int) {
        let i = row * stride + col
        let l = score * gain
        let mRaw = UnsafeMutableRawPointer(m + i)
        let mv = mRaw.loadUnaligned(as: Double8.self)
        let d = l - mv
        let top = d.max()
        if top <= 0 {
            if top < -708 { return }  // every term underflows to exactly 0
            let e = VectorMath.exp(nonPositive: d)
            let zRaw = UnsafeMutableRawPointer(z + i)
            zRaw.storeBytes(of: zRaw.loadUnaligned(as: Double8.self) + e, as: Double8.self)
            for ch in 0..<channels {
                let aRaw = UnsafeMutableRawPointer(a + ch * planeStride + i)
                let y = UnsafeRawPointer(centre + ch * yPlane).loadUnaligned(as: Double8.self)
                aRaw.storeBytes(of: aRaw.loadUnaligned(as: Double8.self) + e * y, as: Double8.self)
            }
            return
        }
        for lane in 0..<8 where l[lane] > -Double.infinity {
            let j = i + lane
            if l[lane] > m[j] {
                let r = Foundation.exp(m[j] - l[lane])
                z[j] = z[j] * r + 1
                for ch in 0..<channels { a[ch * planeStride + j] = a[ch * planeStride + j] * r + centre[ch * yPlane + lane] }
                m[j] = l[lane]
            } else {
                let e = Foundation.exp(l[lane] - m[j])
                z[j] += e
                for ch in 0..<channels { a[ch * planeStride + j] += e * centre[ch * yPlane + lane] }
            }
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
        best = [Double](repeating: -.infinity, count: planeStride + PaddedPlanes.slack)
        centres = [Double](repeating: 0, count: channels * planeStride + PaddedPlanes.slack)
    }

    mutating func absorb(row: Int, col: Int, score: Double8, centre: UnsafePointer<Double>, planeStride yPlane: Int) {
        let i = row * stride + col
        for lane in 0..<8 where score[lane] > best[i + lane] {
            best[i + lane] = score[lane]
            for ch in 0..<channels { centres[ch * planeStride + i + lane] = centre[ch * yPlane + lane] }
        }
    }
}
