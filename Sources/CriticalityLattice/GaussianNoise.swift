/// Counter-based standard Gaussian deviates.
///
/// The deviate at position `index` of the stream keyed by (seed, member, step, stream) is a pure
/// function of those five integers: no generator state is carried between calls, so results do
/// not depend on how ensemble members or lattice sites are distributed over threads.
///
/// Construction: a SplitMix64 key is derived from (seed, member, step, stream); uniform 52-bit
/// numbers are SplitMix64 outputs at counter positions of that key; pairs of uniforms become
/// pairs of N(0, 1) deviates by the Box–Muller transform (vectorised in blocks of 16 values:
/// within block b, values 0–7 are r·cos θ and 8–15 are r·sin θ of pairs 8b…8b+7).
public struct GaussianNoise: Hashable, Sendable {
    public let seed: UInt64

    public init(seed: UInt64) { self.seed = seed }

    @usableFromInline static let gamma: UInt64 = 0x9e37_79b9_7f4a_7c15

    @inlinable @inline(__always)
    public static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    @inlinable @inline(__always)
    public static func mix(_ x: SIMD8<UInt64>) -> SIMD8<UInt64> {
        var z = x
        z = (z ^ (z &>> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z &>> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z &>> 31)
    }

    /// The stream key of (seed, member, step, stream).
    public func key(member: Int, step: Int, stream: UInt64 = 0) -> UInt64 {
        var k = GaussianNoise.mix(seed &+ GaussianNoise.gamma)
        k = GaussianNoise.mix(k ^ (UInt64(truncatingIfNeeded: member) &* 0xd1b5_4a32_d192_ed03))
        k = GaussianNoise.mix(k ^ (UInt64(truncatingIfNeeded: step) &* 0x8cb9_2ba7_2f3d_8dd7))
        return GaussianNoise.mix(k ^ (stream &* 0xabc9_8388_fb8f_ac03))
    }

    /// A uniform number in [0, 1) at position `index` of the stream with key `key` (53 bits;
    /// for draws that are not Gaussian: bootstrap indices, random pulse times).
    public static func uniform(key: UInt64, index: Int) -> Double {
        Double(mix(key &+ (UInt64(truncatingIfNeeded: index) &+ 1) &* gamma) >> 11) * 0x1p-53
    }

    /// Sixteen deviates of block `block` of the stream with key `key`.
    @inlinable @inline(__always)
    public static func block(key: UInt64, block: Int) -> (Double8, Double8) {
        let lanes = SIMD8<UInt64>(0, 1, 2, 3, 4, 5, 6, 7)
        let pair = SIMD8<UInt64>(repeating: UInt64(truncatingIfNeeded: block) &* 8) &+ lanes
        let base = SIMD8<UInt64>(repeating: key)
        let h1 = mix(base &+ (pair &* 2 &+ 1) &* gamma)
        let h2 = mix(base &+ (pair &* 2 &+ 2) &* gamma)
        // 52 random bits as the mantissa of a number in [1, 2): integer-to-double conversion has
        // no SIMD instruction before AVX-512, this has.
        let one = SIMD8<UInt64>(repeating: 0x3ff0_0000_0000_0000)
        let u1 = 2 - unsafeBitCast((h1 &>> 12) | one, to: Double8.self)  // (0, 1]: log stays finite
        let u2 = unsafeBitCast((h2 &>> 12) | one, to: Double8.self) - 1  // [0, 1)
        let r = VectorMath.squareRoot(-2 * VectorMath.log(u1))
        let (c, s) = VectorMath.cosSinTwoPi(u2)
        return (r * c, r * s)
    }

    /// Writes `count` deviates, positions 0…count−1 of the stream, scaled by `scale`.
    public func fill(_ out: UnsafeMutablePointer<Double>, count: Int, scale: Double = 1,
                     member: Int, step: Int, stream: UInt64 = 0) {
        let k = key(member: member, step: step, stream: stream)
        let full = count / 16
        let raw = UnsafeMutableRawPointer(out)
        for b in 0..<full {
            let (a, c) = GaussianNoise.block(key: k, block: b)
            raw.storeBytes(of: a * scale, toByteOffset: b * 128, as: Double8.self)
            raw.storeBytes(of: c * scale, toByteOffset: b * 128 + 64, as: Double8.self)
        }
        let rest = count - 16 * full
        if rest > 0 {
            let (a, c) = GaussianNoise.block(key: k, block: full)
            for i in 0..<rest { out[16 * full + i] = (i < 8 ? a[i] : c[i - 8]) * scale }
        }
    }
}
