import Foundation
import Testing
@testable import CriticalityExperiments

@Test func npyHeaderIsAlignedAndDescribesTheData() {
    let d = NPY.encode([1, 2, 3, 4, 5, 6], shape: [2, 3])
    #expect(Array(d.prefix(8)) == [0x93] + Array("NUMPY".utf8) + [1, 0])
    let headerLength = Int(d[8]) | Int(d[9]) << 8
    #expect((10 + headerLength) % 64 == 0)
    let header = String(decoding: d[10..<(10 + headerLength)], as: UTF8.self)
    #expect(header.hasPrefix("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }") && header.hasSuffix("\n"))
    let values = d[(10 + headerLength)...].withUnsafeBytes { Array($0.bindMemory(to: Double.self)) }
    #expect(values == [1, 2, 3, 4, 5, 6])
    #expect(String(decoding: NPY.encode([7], shape: [1])[10..<64], as: UTF8.self).contains("'shape': (1,)"))
}

@Test func pngChunksCarryValidChecksums() {
    let png = [UInt8](PNGImage.field([-1, 0, 1, 0.5], rows: 2, columns: 2, scale: 3))
    #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
    var i = 8, types: [String] = []
    while i < png.count {
        let n = Int(png[i]) << 24 | Int(png[i + 1]) << 16 | Int(png[i + 2]) << 8 | Int(png[i + 3])
        let body = Array(png[(i + 4)..<(i + 8 + n)])
        let crc = png[(i + 8 + n)..<(i + 12 + n)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        #expect(PNGImage.crc32(body) == crc)
        types.append(String(decoding: body.prefix(4), as: UTF8.self))
        if types.last == "IHDR" { #expect(Array(body[4..<14]) == [0, 0, 0, 6, 0, 0, 0, 6, 8, 3]) }
        i += 12 + n
    }
    #expect(types == ["IHDR", "PLTE", "IDAT", "IEND"])
    #expect(PNGImage.crc32(Array("123456789".utf8)) == 0xcbf4_3926)  // the standard check value
    #expect(PNGImage.adler32(Array("Wikipedia".utf8)) == 0x11e6_0398)
}

/// The Python loader (Sources/Python/criticality_results) opens a results folder of every
/// experiment kind as an xarray Dataset: every array bit for bit, every dimension named.
@Test func thePythonLoaderRoundTripsEveryKindsArrays() throws {
    let dir = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: dir) }
    let folders = try runShrunkExamples(into: dir)
    let script = repositoryRoot.appendingPathComponent("Tests/python/check_results.py").path
    let (code, output) = try runProcess(["python3", script] + folders.map(\.path))
    #expect(code == 0, "\(output)")
    #expect(output.contains("all arrays round-trip"), "\(output)")
}
