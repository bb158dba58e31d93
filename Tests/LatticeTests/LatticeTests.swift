import Foundation
import Testing
@testable import CriticalityLattice

@Test func wavevectorsComeFromSizeAndBoxLength() throws {
    let l = try Lattice(shape: [8, 6], boxLength: [4.0, 3.0])
    // stored index (row 5, column 2) is n = (−3, 2)
    #expect(l.modeIntegers(spectralIndex: 5 * 4 + 2) == [-3, 2])
    let k = l.waveVector(spectralIndex: 5 * 4 + 2)
    #expect(abs(k[0] - 2 * Double.pi * -3 / 4) < 1e-15 && abs(k[1] - 2 * Double.pi * 2 / 3) < 1e-15)
    #expect(l.spacing == [0.5, 0.5] && l.cellVolume == 0.25 && l.spectralShape == [8, 4])
}

@Test func shellsOfASquareBoxAreIntegerModeNorms() throws {
    let l = try Lattice(shape: [10, 10], boxLength: [3.0, 3.0])
    let shells = l.shellIndices()
    for q in 0..<l.spectralCount {
        let n = l.modeIntegers(spectralIndex: q)
        #expect(shells[q] == n[0] * n[0] + n[1] * n[1])
    }
}

@Test func hermitianPartnerIsAnInvolutionOnTheSharedColumns() throws {
    for l in [try Lattice(shape: [6, 8]), try Lattice(shape: [5, 4, 6]), try Lattice(shape: [7])] {
        let h = l.spectralShape.last!, nLast = l.shape.last!
        for q in 0..<l.spectralCount where q % h == 0 || (nLast % 2 == 0 && q % h == nLast / 2) {
            let p = l.hermitianPartner(spectralIndex: q)
            #expect(l.hermitianPartner(spectralIndex: p) == q)
            let nq = l.modeIntegers(spectralIndex: q), np = l.modeIntegers(spectralIndex: p)
            for a in 0..<l.dimension - 1 { #expect((nq[a] + np[a]) % l.shape[a] == 0) }
        }
    }
}

@Test func invalidLatticesAreRejected() {
    #expect(throws: Lattice.Error.size(axis: 1, value: 0)) { try Lattice(shape: [4, 0]) }
    #expect(throws: Lattice.Error.dimension(4)) { try Lattice(shape: [2, 2, 2, 2]) }
    #expect(throws: Lattice.Error.boxLength(axis: 0, value: -1)) { try Lattice(shape: [4], boxLength: [-1]) }
}

@Test func dealiasingKeepsTheLowerFractionOfEachAxis() throws {
    let l = try Lattice(shape: [16, 16])
    let m = Dealiasing(l, fraction: 0.5).mask
    for q in 0..<l.spectralCount {
        let n = l.modeIntegers(spectralIndex: q)
        #expect(m[q] == ((abs(n[0]) <= 4 && abs(n[1]) <= 4) ? 1 : 0))
    }
}

@Test func byteStreamsKeepExactBitPatterns() {
    // Member records cross MPI ranks as bytes: every bit must survive (signed zeros, NaN
    // payloads, subnormals, infinities), and a block split must reassemble member order.
    let values: [Double] = [0, -0.0, .nan, Double(bitPattern: 0x7ff8_0000_dead_beef), .leastNonzeroMagnitude, -.infinity, .pi, 1e308]
    var w = ByteWriter()
    w.append(values)
    w.append([[1.5], [], values])
    w.append(-7)
    w.append(2.5)
    var r = ByteReader(w.bytes)
    #expect(r.doubles().map(\.bitPattern) == values.map(\.bitPattern))
    #expect(r.doubleArrays().map { $0.map(\.bitPattern) } == [[1.5], [], values].map { $0.map(\.bitPattern) })
    #expect(r.int() == -7 && r.double() == 2.5 && r.atEnd)
    // One process: distributedMap is map.
    let a = Ensemble.distributedMap(members: 10, threads: 2, encode: { (x: Double, w: inout ByteWriter) in w.append(x) }, decode: { $0.double() }) { Double($0) * 0.1 }
    #expect(a == (0..<10).map { Double($0) * 0.1 })
    // Contiguous blocks cover the members once, in order, for any rank count.
    for members in [0, 1, 7, 64] {
        for ranks in 1...5 {
            #expect((0..<ranks).flatMap { Array(Cluster.block($0, of: members, ranks: ranks)) } == Array(0..<members))
        }
    }
}

/// The table-built |k|² of every stored mode equals the sum of squares of its wavevector, bit
/// for bit, on 1-, 2- and 3-D lattices with unequal boxes.
@Test func waveNumberSquaredEqualsTheWaveVectorsSumOfSquares() throws {
    for (shape, box) in [([12], [3.0]), ([6, 10], [2.0, 7.5]), ([5, 4, 6], [1.0, 2.0, 3.5])] {
        let l = try Lattice(shape: shape, boxLength: box), k2 = l.waveNumberSquared()
        for q in 0..<l.spectralCount {
            #expect(k2[q].bitPattern == l.waveVector(spectralIndex: q).reduce(0) { $0 + $1 * $1 }.bitPattern, "\(shape) mode \(q)")
        }
    }
}
