import Foundation
import CriticalityLattice

/// NumPy `.npy` (format 1.0): little-endian float64, C order. `numpy.load` reads it directly.
public enum NPY {
    public static func encode(_ values: [Double], shape: [Int]) -> Data {
        precondition(shape.reduce(1, *) == values.count, "npy shape does not match the data")
        var data = header(shape: shape)
        values.withUnsafeBufferPointer { data.append(UnsafeBufferPointer(start: UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: UInt8.self), count: 8 * $0.count)) }
        return data
    }

    /// The magic string and header of a float64 array of this shape; the values follow in C order.
    static func header(shape: [Int]) -> Data {
        let dims = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<f8', 'fortran_order': False, 'shape': \(dims), }"
        // magic (6) + version (2) + length (2) + header, padded with spaces to a multiple of 64, ending in \n
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xff), UInt8(length >> 8)])
        data.append(contentsOf: Array(header.utf8))
        return data
    }
}

extension NPY {
    /// A decoded `.npy` array: shape and values converted to Double.
    public struct Decoded: Sendable, Equatable {
        public var shape: [Int]
        public var values: [Double]
        /// The file's element type, e.g. "<f8" or "<i8".
        public var dtype: String = "<f8"

        /// Whether the file held integers (converted exactly to Double when below 2⁵³).
        public var isInteger: Bool { !dtype.hasPrefix("<f") }
    }

    /// The element types `decode` reads: little-endian floats and integers, and bytes.
    static let readable: [String: Int] = ["<f8": 8, "<f4": 4, "|u1": 1, "<u1": 1, "|i1": 1, "<i4": 4, "<i8": 8, "<u2": 2, "<i2": 2]

    /// Reads NumPy format 1.0–3.0 in C order. Errors name the file and what was wrong.
    public static func decode(_ data: Data, file: String) throws -> Decoded {
        func fail(_ m: String) -> ParameterError { ParameterError(file: file, message: "not a readable .npy array: \(m)") }
        let bytes = [UInt8](data)
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1..<6]) == Array("NUMPY".utf8) else { throw fail("missing the \\x93NUMPY magic") }
        let major = bytes[6]
        let headerLength = major == 1 ? Int(bytes[8]) | Int(bytes[9]) << 8
            : bytes.count >= 12 ? Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24 : -1
        let start = major == 1 ? 10 : 12
        guard (1...3).contains(major), headerLength > 0, start + headerLength <= bytes.count else { throw fail("bad header (format version \(major))") }
        let header = String(decoding: bytes[start..<(start + headerLength)], as: UTF8.self)
        func field(_ key: String) -> String? {
            guard let r = header.range(of: "'\(key)':") else { return nil }
            return String(header[r.upperBound...]).trimmingCharacters(in: .whitespaces)
        }
        guard let d = field("descr"), d.hasPrefix("'"), let end = d.dropFirst().firstIndex(of: "'") else { throw fail("no descr in the header") }
        let descr = String(d[d.index(after: d.startIndex)..<end])
        guard let width = readable[descr] else {
            throw fail("dtype '\(descr)' (expected one of \(readable.keys.sorted().joined(separator: ", ")))")
        }
        guard let f = field("fortran_order"), f.hasPrefix("False") else { throw fail("Fortran order (save it with C order)") }
        guard let s = field("shape"), s.hasPrefix("("), let close = s.firstIndex(of: ")") else { throw fail("no shape in the header") }
        let dims = s[s.index(after: s.startIndex)..<close].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let shape = dims.compactMap { Int($0) }
        guard shape.count == dims.count, shape.allSatisfy({ $0 >= 0 }) else { throw fail("shape \(s[...close])") }
        let offset = start + headerLength
        guard let total = Lattice.checkedProduct(shape + [width]) else { throw fail("the header's shape \(shape) is larger than any file") }
        let count = total / width
        guard bytes.count - offset == total else {
            throw fail("the header promises \(count) × \(width) bytes of data, the file has \(bytes.count - offset)")
        }
        let values: [Double] = bytes.withUnsafeBytes { raw in
            let p = raw.baseAddress! + offset
            return (0..<count).map { i in
                switch descr {
                case "<f8": p.loadUnaligned(fromByteOffset: 8 * i, as: Double.self)
                case "<f4": Double(p.loadUnaligned(fromByteOffset: 4 * i, as: Float.self))
                case "|u1", "<u1": Double(p.load(fromByteOffset: i, as: UInt8.self))
                case "|i1": Double(p.load(fromByteOffset: i, as: Int8.self))
                case "<u2": Double(p.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                case "<i2": Double(p.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self))
                case "<i4": Double(p.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self))
                default: Double(p.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self))
                }
            }
        }
        return Decoded(shape: shape, values: values, dtype: descr)
    }
}
