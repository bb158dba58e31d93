import Foundation

/// A minimal PNG encoder (8-bit indexed colour, zlib stream of stored deflate blocks, so no
/// compression library is needed). Fields are drawn with a 256-entry diverging blue–white–red
/// palette centred on 0.
public enum PNGImage {
    /// Encodes `width × height` palette indices, row-major from the top, with a palette of
    /// (r, g, b) entries.
    public static func encode(width: Int, height: Int, indices: [UInt8], palette: [(UInt8, UInt8, UInt8)]) -> Data {
        precondition(indices.count == width * height && palette.count <= 256)
        var raw = [UInt8]()
        raw.reserveCapacity((width + 1) * height)
        for y in 0..<height {
            raw.append(0)  // filter: none
            raw.append(contentsOf: indices[(width * y)..<(width * (y + 1))])
        }
        var z: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let n = min(65535, raw.count - offset)
            let final: UInt8 = offset + n == raw.count ? 1 : 0
            z += [final, UInt8(n & 0xff), UInt8(n >> 8), UInt8(~n & 0xff), UInt8((~n >> 8) & 0xff)]
            z += raw[offset..<(offset + n)]
            offset += n
        } while offset < raw.count
        z += bigEndian(adler32(raw))
        var png = Data([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
        png += chunk("IHDR", bigEndian(UInt32(width)) + bigEndian(UInt32(height)) + [8, 3, 0, 0, 0])
        png += chunk("PLTE", palette.flatMap { [$0.0, $0.1, $0.2] })
        png += chunk("IDAT", z)
        png += chunk("IEND", [])
        return png
    }

    /// A 2-D field (rows × columns, row-major) drawn symmetric about 0, each site `scale` pixels.
    /// Non-finite sites (which a finished run never holds) are drawn white.
    public static func field(_ values: [Double], rows: Int, columns: Int, scale: Int) -> Data {
        let limit = max(values.lazy.filter(\.isFinite).map(abs).max() ?? 1, 1e-300)
        var indices = [UInt8](repeating: 0, count: rows * columns * scale * scale)
        let w = columns * scale
        for i in 0..<rows { for j in 0..<columns {
            let v = values[i * columns + j], c = v.isFinite ? UInt8((127.5 + 127.5 * v / limit).rounded()) : 128
            for a in 0..<scale { for b in 0..<scale { indices[(i * scale + a) * w + j * scale + b] = c } }
        } }
        return encode(width: w, height: rows * scale, indices: indices, palette: (0..<256).map { diverging((Double($0) - 127.5) / 127.5) })
    }

    /// A 2-D field of positive values on a log scale, pale yellow (smallest) to dark red
    /// (largest); non-finite sites grey. Each site `scale` pixels.
    public static func heat(_ values: [Double], rows: Int, columns: Int, scale: Int) -> Data {
        let logs = values.filter { $0.isFinite && $0 > 0 }.map { log($0) }
        let (lo, hi) = (logs.min() ?? 0, logs.max() ?? 1)
        var indices = [UInt8](repeating: 0, count: rows * columns * scale * scale)
        let w = columns * scale
        for i in 0..<rows { for j in 0..<columns {
            let v = values[i * columns + j]
            let c: UInt8 = v.isFinite && v > 0 ? UInt8(1 + (254 * (hi > lo ? (log(v) - lo) / (hi - lo) : 1)).rounded()) : 0
            for a in 0..<scale { for b in 0..<scale { indices[(i * scale + a) * w + j * scale + b] = c } }
        } }
        let palette: [(UInt8, UInt8, UInt8)] = [(200, 200, 200)] + (1..<256).map { k in
            let u = Double(k - 1) / 254
            func mix(_ a: Double, _ b: Double) -> UInt8 { UInt8((a + (b - a) * u).rounded()) }
            return (mix(255, 128), mix(247, 0), mix(188, 38))
        }
        return encode(width: w, height: rows * scale, indices: indices, palette: palette)
    }

    /// −1 → blue (33, 102, 172), 0 → white, +1 → red (178, 24, 43).
    static func diverging(_ x: Double) -> (UInt8, UInt8, UInt8) {
        let t = min(1, abs(x))
        let end: (Double, Double, Double) = x < 0 ? (33, 102, 172) : (178, 24, 43)
        func mix(_ e: Double) -> UInt8 { UInt8((255 + (e - 255) * t).rounded()) }
        return (mix(end.0), mix(end.1), mix(end.2))
    }

    static func chunk(_ type: String, _ body: [UInt8]) -> Data {
        let t = Array(type.utf8)
        return Data(bigEndian(UInt32(body.count)) + t + body + bigEndian(crc32(t + body)))
    }

    static func bigEndian(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xff), UInt8((v >> 8) & 0xff), UInt8(v & 0xff)] }

    static func adler32(_ d: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        for x in d { a = (a + UInt32(x)) % 65521; b = (b + a) % 65521 }
        return b << 16 | a
    }

    static let crcTable: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xedb8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func crc32(_ d: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xffff_ffff
        for x in d { c = crcTable[Int((c ^ UInt32(x)) & 0xff)] ^ (c >> 8) }
        return c ^ 0xffff_ffff
    }
}
