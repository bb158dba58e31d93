/// Counter-based standard Gaussian deviates.
///
/// The deviate at position `index` of the stream keyed by (seed, member, step, stream) is a pure
/// function of those five integers: no generator state is carried between calls, so results do
/// not depend on how ensemble members or lattice sites are distributed over threads.
///
/// Construction: a SplitMix64 key is derived from (seed, member, step, stream); SplitMix64
/// outputs at counter positions of that key give 32-bit uniforms (each output two of them);
/// pairs of uniforms become pairs of N(0, 1) deviates by the Box–Muller transform, evaluated in
/// single precision on sixteen lanes and returned as doubles. Block b holds positions
/// 32b … 32b + 31: sixteen pairs (r_p cos θ_p, r_p sin θ_p), p = 0 … 15, with r_p from the
/// 32-bit half p mod 2 of output 16b + 1 + ⌊p/2⌋ and θ_p from that of output 16b + 9 + ⌊p/2⌋;
/// positions 0–7 are r cos θ of the even pairs, 8–15 of the odd ones, 16–31 the same with sin.
///
/// Accuracy: each deviate is within 1e-6 (1 + |z|) of the exact Box–Muller value of its
/// uniforms; r² = −2 log u₁ with u₁ ∈ [2^−32, 1] on a 31-bit grid, so |z| ≤ 6.66 (the exact
/// distribution exceeds that radius with probability 2^−32). The angle has 23 bits.
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

    /// The 32 deviates of block `block` of the stream with key `key`, as four eight-lane vectors
    /// (positions 0–7, 8–15, 16–23, 24–31 of the block).
    @inlinable @inline(__always)
    public static func block(key: UInt64, block: Int) -> (Double8, Double8, Double8, Double8) {
        let lanes = SIMD8<UInt64>(1, 2, 3, 4, 5, 6, 7, 8) &* gamma
        let base = SIMD8<UInt64>(repeating: key &+ UInt64(truncatingIfNeeded: block) &* (16 &* gamma))
        let h1 = unsafeBitCast(mix(base &+ lanes), to: SIMD16<UInt32>.self)
        let h2 = unsafeBitCast(mix(base &+ lanes &+ 8 &* gamma), to: SIMD16<UInt32>.self)
        // Integers below 2^23 become floats exactly through the mantissa of 1.5·2^23 (Swift's
        // vector Int→Float conversion is a function call). u₁ = (h >> 1 + ½)·2^−31 ∈ (0, 1].
        let exponent: UInt32 = 0x4b00_0000, offset: Float = 8_388_608
        let high = unsafeBitCast(h1 &>> 17 | exponent, to: Single16.self) - offset
        let low = unsafeBitCast(h1 &>> 1 & 0xffff | exponent, to: Single16.self) - offset
        let u1 = (high * 65536 + (low + 0.5)) * 0x1p-31
        let u2 = unsafeBitCast(h2 &>> 9 | 0x3f80_0000, to: Single16.self) - 1  // [0, 1)
        let r = VectorMath.squareRoot(-2 * VectorMath.log(u1))
        let (c, s) = VectorMath.cosSinTwoPi(u2)
        let x = VectorMath.widen(r * c), y = VectorMath.widen(r * s)
        return (x.even, x.odd, y.even, y.odd)
    }

    /// Deviate `j` (0 … 31) of a block.
    @inlinable @inline(__always)
    public static func element(_ b: (Double8, Double8, Double8, Double8), _ j: Int) -> Double {
        switch j >> 3 {
        case 0: b.0[j & 7]
        case 1: b.1[j & 7]
        case 2: b.2[j & 7]
        default: b.3[j & 7]
        }
    }

    /// Writes `count` deviates, positions 0…count−1 of the stream, scaled by `scale`.
    public func fill(_ out: UnsafeMutablePointer<Double>, count: Int, scale: Double = 1,
                     member: Int, step: Int, stream: UInt64 = 0) {
        let k = key(member: member, step: step, stream: stream)
        let full = count / 32
        let raw = UnsafeMutableRawPointer(out)
        for b in 0..<full {
            let z = GaussianNoise.block(key: k, block: b)
            raw.storeBytes(of: z.0 * scale, toByteOffset: b * 256, as: Double8.self)
            raw.storeBytes(of: z.1 * scale, toByteOffset: b * 256 + 64, as: Double8.self)
            raw.storeBytes(of: z.2 * scale, toByteOffset: b * 256 + 128, as: Double8.self)
            raw.storeBytes(of: z.3 * scale, toByteOffset: b * 256 + 192, as: Double8.self)
        }
        let rest = count - 32 * full
        if rest > 0 {
            let z = GaussianNoise.block(key: k, block: full)
            for i in 0..<rest { out[32 * full + i] = GaussianNoise.element(z, i) * scale }
        }
    }
}
