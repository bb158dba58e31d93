import Foundation
import CriticalityLattice

/// The local (LS) and equivariant local (ELS) patch-score machines of Kamb & Ganguli, docs/theory.md
/// §2: for every pixel u a softmax over the candidate patches of its dictionary
/// (``PatchDictionary``),
///
///     D(u) = Σ_{n, v} W_{n,v}(u) y_n(v),   W(u) = softmax_{n,v}(−‖x_{Ω_u} − α y_{n,Ω_v}‖² / (2σ²)),
///
/// with Ω the P×P window (P from a fixed size or a schedule P(t)) and the sum over every
/// channel of a multi-channel image. ‖x_{Ω_u}‖² is the same for every candidate and cancels,
/// so a logit is (2α⟨x_Ω, y_Ω⟩ − α²‖y_Ω‖²)/(2σ²), the cross term for all pixels of one
/// relative shift a box sum (`PatchScan`) for the local machine; the equivariant machines read
/// the cross terms of all column shifts at once off the diagonals of one matrix (`DiagonalScan`),
/// so that their cost per candidate does not depend on P. The softmax is an online
/// log-sum-exp per pixel.
///
/// The training images are split into fixed chunks (independent of the thread count); each
/// chunk is scanned into its own accumulator and the accumulators are merged in chunk order,
/// so results are bitwise the same on any number of threads. A class-conditional machine is
/// the machine on `Dataset.restricted(toLabel:)`. Working memory is one padded
/// copy of the training set per patch size and O(chunks · H · W) per evaluation.
public struct PatchScoreMachine: Denoiser {
    public let lattice: Lattice
    public let data: Dataset
    public let dictionary: PatchDictionary
    public let patch: PatchSchedule
    /// Threads over training chunks inside one evaluation (ensembles parallelise over members instead).
    public var threads: Int
    let geometries: [Int: PatchGeometry]
    /// The training images padded for each patch size's scan, one array per chunk.
    let padded: [Int: [[Double]]]
    let diagonalScans: [Int: DiagonalScan]
    let chunks: [Int: [Range<Int>]]

    /// Up to 16 chunks of at least 2¹⁸ candidate comparisons each: merging two chunks costs
    /// two exponentials per pixel, as much as a few LS images. A rule of the data and the
    /// geometry alone, never of the thread count.
    static func chunks(count n: Int, pairsPerImage: Int) -> [Range<Int>] {
        let count = min(16, n, max(1, (n * pairsPerImage) >> 18))
        let size = (n + count - 1) / count
        return stride(from: 0, to: n, by: size).map { $0..<min(n, $0 + size) }
    }

    public init(lattice: Lattice, data: Dataset, dictionary: PatchDictionary, patch: PatchSchedule, threads: Int = 1) throws {
        precondition(data.images[0].count == lattice.siteCount, "training images must fill the lattice")
        self.lattice = lattice
        self.data = data
        self.dictionary = dictionary
        self.patch = patch
        self.threads = threads
        var geometries: [Int: PatchGeometry] = [:], padded: [Int: [[Double]]] = [:], chunks: [Int: [Range<Int>]] = [:]
        var diagonalScans: [Int: DiagonalScan] = [:]
        for p in patch.sizes {
            let g = try PatchGeometry(shape: lattice.shape, patch: p, dictionary: dictionary)
            geometries[p] = g
            chunks[p] = PatchScoreMachine.chunks(count: data.count, pairsPerImage: g.candidatePairs)
            if dictionary.locality == .equivariant {
                let scan = DiagonalScan(geometry: g)
                diagonalScans[p] = scan
                padded[p] = chunks[p]!.map { scan.prepare(data.images[$0]) }
            } else {
                padded[p] = chunks[p]!.map { g.trainingLayout.padded(data.images[$0], geometry: g) }
            }
        }
        self.geometries = geometries
        self.padded = padded
        self.chunks = chunks
        self.diagonalScans = diagonalScans
    }

    /// Candidates compared per evaluation at time t, summed over pixels: N·Σ_u |dictionary(u)|.
    public func candidatePairs(at t: Double) -> Int {
        geometries[patch.size(at: t)]!.candidatePairs * data.count
    }

    public func denoise(_ x: RealField, at level: NoiseLevel, into d: RealField, workspace: DenoiserWorkspace) {
        let p = patch.size(at: level.time), g = geometries[p]!, images = padded[p]!, chunks = self.chunks[p]!
        let (alpha, gain) = (level.alpha, 1 / (2 * level.variance))
        let layout = g.inputLayout
        let xp = UnsafeMutablePointer<Double>.allocate(capacity: layout.count)
        defer { xp.deallocate() }
        layout.fill(xp, from: x.values, geometry: g)
        if let scan = diagonalScans[p] {
            for i in 0..<layout.count { xp[i] *= 2 * alpha * gain }
            nonisolated(unsafe) let input = UnsafePointer(xp)
            let parts = Ensemble.map(members: chunks.count, threads: threads) { c -> LaneSoftmax in
                let work = DiagonalScan.allocate(scan.workCount)
                defer { work.deallocate() }
                let acc = LaneSoftmax(height: g.height, width: g.width, channels: g.channels)
                images[c].withUnsafeBufferPointer { y in
                    for k in 0..<chunks[c].count {
                        scan.run(x: input, y: y.baseAddress! + k * scan.imageStride, energyWeight: alpha * alpha * gain, into: acc, work: work)
                    }
                }
                return acc
            }
            for part in parts.dropFirst() { parts[0].merge(part); part.deallocate() }
            parts[0].finish(into: d)
            parts[0].deallocate()
            return
        }
        nonisolated(unsafe) let input = UnsafePointer(xp)
        let parts = Ensemble.map(members: chunks.count, threads: threads) { c -> SoftmaxAccumulator in
            let scan = PatchScan(geometry: g)
            defer { scan.deallocate() }
            var acc = SoftmaxAccumulator(height: g.height, width: g.width, channels: g.channels)
            images[c].withUnsafeBufferPointer { y in
                for k in 0..<chunks[c].count { scan.run(x: input, y: y.baseAddress! + k * scan.training.count, alpha: alpha, gain: gain, into: &acc) }
            }
            return acc
        }
        let total = parts[0]
        for part in parts.dropFirst() { total.merge(part); part.deallocate() }
        for r in 0..<g.height {
            for c in 0..<g.width {
                let j = r * total.stride + c
                for ch in 0..<g.channels { d[(r * g.width + c) * g.channels + ch] = total.a[ch * total.planeStride + j] / total.z[j] }
            }
        }
        total.deallocate()
    }
}
