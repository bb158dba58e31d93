import Foundation

/// NumPy `.npy` (format 1.0): little-endian float64, C order. `numpy.load` reads it directly.
public enum NPY {
    public static func encode(_ values: [Double], shape: [Int]) -> Data {
        precondition(shape.reduce(1, *) == values.count, "npy shape does not match the data")
        let dims = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<f8', 'fortran_order': False, 'shape': \(dims), }"
        // magic (6) + version (2) + length (2) + header, padded with spaces to a multiple of 64, ending in \n
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xff), UInt8(length >> 8)])
        data.append(contentsOf: Array(header.utf8))
        values.withUnsafeBufferPointer { data.append(UnsafeBufferPointer(start: UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: UInt8.self), count: 8 * $0.count)) }
        return data
    }

    /// A 2-D array from rows of equal length.
    public static func encode(rows: [[Double]]) -> Data {
        encode(rows.flatMap { $0 }, shape: [rows.count, rows.first?.count ?? 0])
    }
}
