import Foundation
import CriticalityLattice

/// The scan of an equivariant dictionary by diagonals. For one training image y, one row shift
/// s_r and one pixel row u_r, the cross terms of every column shift s_c at every pixel column u_c
/// are column sums of one matrix,
///
///     C(u_c, s_c) = Σ_{δ_c} M(u_c + δ_c, s_c),   M(c, s_c) = Σ_{δ_r} Σ_ch x(u_r + δ_r, c) y(u_r + s_r + δ_r, c + s_c),
///
/// M being the outer product x ⊗ y read along its diagonals. The next pixel row adds one row pair
/// to M and removes another; the next pixel column adds one row of M to C and removes another.
/// Both are vector operations over the column shifts (eight per lane block), so a logit costs the
/// same whatever the window size P, and a pixel's softmax sums stay in registers while they
/// absorb all column shifts of one (image, row shift) at once.
///
/// The logit is ℓ = 2αβ⟨x_Ω, y_Ω⟩ − α²β‖y_Ω‖², β = 1/(2σ²) (‖x_Ω‖² cancels): the input is
/// scaled by 2αβ once, and the window energy ‖y_Ω(v)‖², independent of the input, is stored
/// beside each training image. Lanes whose column shift is not in a pixel's dictionary carry −∞.
struct DiagonalScan: Sendable {
    let geometry: PatchGeometry
    let input: PaddedPlanes
    /// The training layout: rows as the box scan's, columns every c + s_c a lane can read.
    let training: PaddedPlanes
    /// The smallest column shift: lane j of block b is the shift `firstShift + 8b + j`.
    let firstShift: Int
    let blocks: Int
    /// −∞ on the lanes of no column shift (past the last, or missing), 0 on the others: it
    /// starts every row's running column sums, which then stay −∞ there.
    let padding: [Double]
    /// Per pixel column u_c and lane: 0 where the shift is in u_c's dictionary, −∞ where not;
    /// `masked[u_c]` is false where that row is 0 on every shift (all of them for the circular
    /// dictionary), and the mask is not added there.
    let mask: [Double]
    let masked: [Bool]

    init(geometry g: PatchGeometry) {
        geometry = g
        input = g.inputLayout
        let offsets = g.cols.shifts.map(\.offset)
        firstShift = offsets.min()!
        blocks = (offsets.max()! - firstShift + 8) / 8
        let cols = g.cols.inputExtent
        training = PaddedPlanes(rows: g.rows.trainingExtent,
                                cols: (cols.lowerBound + firstShift)...(cols.upperBound + firstShift + 8 * blocks - 1), channels: g.channels)
        let lanes = 8 * blocks
        var padding = [Double](repeating: -.infinity, count: lanes)
        for s in g.cols.shifts { padding[s.offset - firstShift] = 0 }
        var mask = [Double](repeating: -.infinity, count: g.width * lanes)
        for s in g.cols.shifts { for u in s.pixels { mask[u * lanes + s.offset - firstShift] = 0 } }
        self.padding = padding
        self.mask = mask
        masked = (0..<g.width).map { u in g.cols.shifts.contains { !$0.pixels.contains(u) } }
    }

    /// Doubles per prepared training image: its padded planes, then its window-energy plane.
    var imageStride: Int { training.count + training.planeStride }

    /// The images (each flattened [H, W, C]) padded, each followed by ‖y_Ω(v)‖² at every position
    /// whose window lies in the padded extent (0 elsewhere: only masked lanes read those).
    func prepare<S: Sequence>(_ images: S) -> [Double] where S.Element == [Double] {
        let list = Array(images), g = geometry
        var out = [Double](repeating: 0, count: list.count * imageStride)
        let rw = g.rows.window, cw = g.cols.window
        out.withUnsafeMutableBufferPointer { o in
            for (k, y) in list.enumerated() {
                let base = o.baseAddress! + k * imageStride
                y.withUnsafeBufferPointer { training.fill(base, from: $0.baseAddress!, geometry: g) }
                let energy = base + training.count
                for r in (training.rows.lowerBound - rw.lowerBound)...(training.rows.upperBound - rw.upperBound) {
                    for c in (training.cols.lowerBound - cw.lowerBound)...(training.cols.upperBound - cw.upperBound) {
                        var e = 0.0
                        for ch in 0..<g.channels {
                            for dr in rw { for dc in cw { let v = base[training.offset(channel: ch, row: r + dr, col: c + dc)]; e += v * v } }
                        }
                        energy[training.offset(channel: 0, row: r, col: c)] = e
                    }
                }
            }
        }
        return out
    }

    /// Scans one prepared training image `y` against the padded input `x` (already scaled by
    /// 2αβ), with energy weight α²β, into the softmax sums. `work` holds `workCount` doubles.
    func run(x: UnsafePointer<Double>, y: UnsafePointer<Double>, energyWeight: Double, into acc: LaneSoftmax,
             work: UnsafeMutablePointer<Double>) {
        let g = geometry, lanes = 8 * blocks, inCols = input.cols.count
        let rw = g.rows.window, p = g.cols.window.count
        let m = work, d = work + inCols * lanes, logits = d + lanes
        let energy = y + training.count, weight = Double8(repeating: -energyWeight)
        mask.withUnsafeBufferPointer { maskBuffer in padding.withUnsafeBufferPointer { paddingBuffer in
            let mask = maskBuffer.baseAddress!, padding = paddingBuffer.baseAddress!
            for sr in g.rows.shifts {
                for (k, ur) in sr.pixels.enumerated() {
                    if k == 0 {
                        m.update(repeating: 0, count: inCols * lanes)
                        for dr in rw { addRow(x: x, xRow: ur + dr, y: y, yRow: ur + sr.offset + dr, into: m) }
                    } else {
                        addRows(x: x, xRow: ur + rw.upperBound, minus: ur - 1 + rw.lowerBound, y: y, shift: sr.offset, into: m)
                    }
                    let yRow = ur + sr.offset
                    let centre = y + training.offset(channel: 0, row: yRow, col: firstShift)
                    let energyRow = energy + training.offset(channel: 0, row: yRow, col: firstShift)
                    for uc in 0..<g.width {
                        if uc == 0 {
                            for b in 0..<blocks {
                                var s = load(padding + 8 * b) + load(m + 8 * b)
                                for i in 1..<p { s += load(m + i * lanes + 8 * b) }
                                store(s, d + 8 * b)
                            }
                        } else {
                            let add = m + (uc &+ p &- 1) &* lanes, sub = m + (uc &- 1) &* lanes
                            for b in 0..<blocks {
                                let o = 8 &* b
                                store(load(d + o) + (load(add + o) - load(sub + o)), d + o)
                            }
                        }
                        acc.absorb(row: ur, col: uc, cross: d, logits: logits, energy: energyRow + uc, weight: weight,
                                   mask: masked[uc] ? mask + uc &* lanes : nil,
                                   centre: centre + uc, planeStride: training.planeStride, blocks: blocks)
                    }
                }
            }
        } }
    }

    /// Doubles of working memory a scan needs: M, the running column sums and the logits.
    var workCount: Int { (input.cols.count + 2) * 8 * blocks }

    /// Memory on 64-byte boundaries: every lane block then sits in one cache line (malloc's
    /// 16-byte alignment split most eight-lane loads and stores in two).
    static func allocate(_ count: Int) -> UnsafeMutablePointer<Double> {
        UnsafeMutableRawPointer.allocate(byteCount: 8 * count, alignment: 64).bindMemory(to: Double.self, capacity: count)
    }

    /// M(c, ·) += x(xRow, c) y(yRow, c + s_c + ·) over the input columns c, summed over channels.
    @inline(__always)
    func addRow(x: UnsafePointer<Double>, xRow: Int, y: UnsafePointer<Double>, yRow: Int, into m: UnsafeMutablePointer<Double>) {
        let lanes = 8 * blocks, c0 = input.cols.lowerBound
        for ch in 0..<geometry.channels {
            let xp = x + input.offset(channel: ch, row: xRow, col: c0)
            let yp = y + training.offset(channel: ch, row: yRow, col: c0 + firstShift)
            for c in 0..<input.cols.count {
                let xv = Double8(repeating: xp[c]), mr = m + c * lanes
                for b in 0..<blocks { store(load(mr + 8 * b).addingProduct(xv, load(yp + c + 8 * b)), mr + 8 * b) }
            }
        }
    }

    /// The step to the next pixel row: M += x(xRow) ⊗ y(xRow + shift) − x(minus) ⊗ y(minus + shift).
    @inline(__always)
    func addRows(x: UnsafePointer<Double>, xRow: Int, minus: Int, y: UnsafePointer<Double>, shift: Int, into m: UnsafeMutablePointer<Double>) {
        let lanes = 8 * blocks, c0 = input.cols.lowerBound
        for ch in 0..<geometry.channels {
            let xa = x + input.offset(channel: ch, row: xRow, col: c0), xs = x + input.offset(channel: ch, row: minus, col: c0)
            let ya = y + training.offset(channel: ch, row: xRow + shift, col: c0 + firstShift)
            let ys = y + training.offset(channel: ch, row: minus + shift, col: c0 + firstShift)
            for c in 0..<input.cols.count {
                let va = Double8(repeating: xa[c]), vs = Double8(repeating: xs[c]), mr = m + c * lanes
                for b in 0..<blocks {
                    store(load(mr + 8 * b).addingProduct(va, load(ya + c + 8 * b)).addingProduct(-vs, load(ys + c + 8 * b)), mr + 8 * b)
                }
            }
        }
    }
}

/// The online log-sum-exp softmax of a diagonal scan, per pixel and lane: lane j of a pixel
/// holds the running maximum m, Z = Σ e^{ℓ−m} and A_c = Σ e^{ℓ−m} y_c over the candidates whose
/// column shift is j modulo 8. The lanes are merged only at the end (``finish(into:)``), so a
/// pixel's candidates of one (image, row shift) cost one load and store of its sums.
struct LaneSoftmax: @unchecked Sendable {
    let pixels: Int, width: Int, channels: Int
    /// Per pixel, 2 + channels eight-lane vectors: m, Z, A_0 … A_{C−1}.
    let sums: UnsafeMutablePointer<Double>
    var pixelStride: Int { 8 * (2 + channels) }

    init(height: Int, width: Int, channels: Int) {
        (pixels, self.width, self.channels) = (height * width, width, channels)
        sums = DiagonalScan.allocate(pixels * 8 * (2 + channels))
        for i in 0..<pixels {
            let s = sums + i * 8 * (2 + channels)
            // A finite floor rather than −∞, so that ℓ − m is never ∞ − ∞ for masked lanes.
            s.initialize(repeating: -1e300, count: 8)
            (s + 8).initialize(repeating: 0, count: 8 * (1 + channels))
        }
    }

    func deallocate() { sums.deallocate() }

    /// The larger of a and b per lane. Written as a lane loop, which LLVM turns into one vector
    /// max; a select on the mask of `b .> a` is built lane by lane in mask registers.
    @inline(__always) static func maximum(_ a: Double8, _ b: Double8) -> Double8 {
        var r = a
        for i in 0..<8 { r[i] = b[i] > a[i] ? b[i] : a[i] }
        return r
    }

    /// Absorbs the logits ℓ = C − w‖y_Ω‖² (+ mask) of `blocks` lane blocks at one pixel: a new
    /// maximum in any lane first rescales that pixel's sums by e^{m − m'}.
    @inline(__always)
    func absorb(row: Int, col: Int, cross c: UnsafePointer<Double>, logits: UnsafeMutablePointer<Double>, energy: UnsafePointer<Double>,
                weight: Double8, mask: UnsafePointer<Double>?, centre: UnsafePointer<Double>, planeStride: Int, blocks: Int) {
        let s = sums + (row &* width &+ col) &* pixelStride
        let m = load(s)
        var high = Double8(repeating: -.infinity)
        for b in 0..<blocks {
            let o = 8 &* b
            var l = load(c + o).addingProduct(weight, load(energy + o))
            if let mask { l += load(mask + o) }
            store(l, logits + o)
            high = LaneSoftmax.maximum(high, l)
        }
        if all(high - m .< -708) { return }  // every term is exactly 0: the exp flushes below −708
        let top = LaneSoftmax.maximum(m, high)
        var z = load(s + 8)
        if any(high .> m) {
            let r = VectorMath.exp(nonPositive: m - top)
            store(top, s)
            z *= r
            for ch in 0..<channels { store(load(s + (16 &+ 8 &* ch)) * r, s + (16 &+ 8 &* ch)) }
        }
        // The exponentials first, all independent, then the sums.
        for b in 0..<blocks {
            let o = 8 &* b, e = VectorMath.exp(nonPositive: load(logits + o) - top)
            store(e, logits + o)
            z += e
        }
        store(z, s + 8)
        for ch in 0..<channels {
            let a = s + (16 &+ 8 &* ch), y = centre + ch &* planeStride
            var sum = load(a)
            for b in 0..<blocks { sum = sum.addingProduct(load(logits + 8 &* b), load(y + 8 &* b)) }
            store(sum, a)
        }
    }

    /// Folds another accumulator's sums into this one, lane by lane (log-sum-exp merge of two
    /// candidate sets).
    func merge(_ other: LaneSoftmax) {
        for i in 0..<pixels {
            let s = sums + i * pixelStride, o = other.sums + i * pixelStride
            let (m1, m2) = (load(s), load(o))
            let top = LaneSoftmax.maximum(m1, m2)
            let r1 = VectorMath.exp(nonPositive: m1 - top), r2 = VectorMath.exp(nonPositive: m2 - top)
            store(top, s)
            for v in 1..<(2 + channels) { store(load(s + 8 * v) * r1 + load(o + 8 * v) * r2, s + 8 * v) }
        }
    }

    /// D = A/Z per pixel and channel after merging the eight lanes, into an image [H, W, C].
    func finish(into d: RealField) {
        for i in 0..<pixels {
            let s = sums + i * pixelStride
            let m = load(s)
            var top = m[0]
            for j in 1..<8 { top = max(top, m[j]) }
            let r = VectorMath.exp(nonPositive: m - top), z = load(s + 8) * r
            var total = z[0]
            for j in 1..<8 { total += z[j] }
            for ch in 0..<channels {
                let a = load(s + 16 + 8 * ch) * r
                var sum = a[0]
                for j in 1..<8 { sum += a[j] }
                d[i * channels + ch] = sum / total
            }
        }
    }
}
