/// Eight-lane elementary functions for the Gaussian generator and the patch-model denoiser. Swift's SIMD types have no
/// log or sin; these polynomial versions are accurate to a few ulp on the ranges the
/// Box–Muller transform uses. They use only arithmetic and integer bit operations: Swift's
/// generic SIMD select (`replace(with:where:)`), rounding and Int↔Double conversions compile
/// to per-lane loops or libm calls, which made a first version six times slower.
public typealias Double8 = SIMD8<Double>

public enum VectorMath {
    @usableFromInline static let roundingMagic = 6_755_399_441_055_744.0  // 1.5·2^52

    /// Natural logarithm of positive normal inputs: x = 2^k·m with m ∈ [√½, √2) found by
    /// integer arithmetic on the bits, log m = 2 atanh(s), s = (m − 1)/(m + 1), |s| ≤ 0.172,
    /// series to s²³.
    @inlinable @inline(__always)
    public static func log(_ x: Double8) -> Double8 {
        let bits = unsafeBitCast(x, to: SIMD8<Int64>.self)
        let k = (bits &- 0x3fe6_a09e_667f_3bcd) &>> 52  // floor division: m = x/2^k ∈ [√½, √2)
        let m = unsafeBitCast(bits &- (k &<< 52), to: Double8.self)
        let kd = unsafeBitCast(k &+ unsafeBitCast(Double8(repeating: roundingMagic), to: SIMD8<Int64>.self), to: Double8.self) - roundingMagic
        let s = (m - 1) / (m + 1)
        let z = s * s
        var p = Double8(repeating: 1.0 / 23)
        p = p * z + 1.0 / 21; p = p * z + 1.0 / 19; p = p * z + 1.0 / 17; p = p * z + 1.0 / 15
        p = p * z + 1.0 / 13; p = p * z + 1.0 / 11; p = p * z + 1.0 / 9; p = p * z + 1.0 / 7
        p = p * z + 1.0 / 5; p = p * z + 1.0 / 3; p = p * z + 1
        return kd * 0.6931471805599453 + 2 * s * p
    }

    /// √x for finite x ≥ 0: an inverse square root from the exponent bits (3.4 % error), four
    /// Newton steps (error below 1e-20 before rounding), times x; within 2 ulp of the correctly
    /// rounded root, and 0 at 0. Swift's SIMD `squareRoot()` runs lane by lane with an errno
    /// branch per lane.
    @inlinable @inline(__always)
    public static func squareRoot(_ x: Double8) -> Double8 {
        let bits = unsafeBitCast(x, to: SIMD8<UInt64>.self)
        var y = unsafeBitCast(0x5fe6_eb50_c7b5_37a9 &- (bits &>> 1), to: Double8.self)
        let h = 0.5 * x
        y = y * (1.5 - h * y * y); y = y * (1.5 - h * y * y)
        y = y * (1.5 - h * y * y); y = y * (1.5 - h * y * y)
        return x * y
    }

    /// (cos 2πu, sin 2πu) for u ∈ [0, 1]: quadrant j = round(4u) (by adding 1.5·2^52, whose low
    /// mantissa bits are then j), θ = (4u − j)·π/2 ∈ [−π/4, π/4], Taylor series to θ¹⁷ (sin) and
    /// θ¹⁸ (cos), then a rotation by jπ/2 done with bit masks.
    @inlinable @inline(__always)
    public static func cosSinTwoPi(_ u: Double8) -> (cos: Double8, sin: Double8) {
        let v = u * 4
        let shifted = v + roundingMagic
        let t = (v - (shifted - roundingMagic)) * (Double.pi / 2)
        let z = t * t
        var s = Double8(repeating: 1.0 / 355_687_428_096_000)
        s = s * z - 1.0 / 1_307_674_368_000; s = s * z + 1.0 / 6_227_020_800; s = s * z - 1.0 / 39_916_800
        s = s * z + 1.0 / 362_880; s = s * z - 1.0 / 5040; s = s * z + 1.0 / 120; s = s * z - 1.0 / 6
        s = (s * z + 1) * t
        var c = Double8(repeating: -1.0 / 6_402_373_705_728_000)
        c = c * z + 1.0 / 20_922_789_888_000; c = c * z - 1.0 / 87_178_291_200; c = c * z + 1.0 / 479_001_600
        c = c * z - 1.0 / 3_628_800; c = c * z + 1.0 / 40320; c = c * z - 1.0 / 720; c = c * z + 1.0 / 24
        c = c * z - 0.5; c = c * z + 1
        // quadrant q: (cos, sin) = (c, s), (−s, c), (−c, −s), (s, −c) for q = 0, 1, 2, 3
        let q = unsafeBitCast(shifted, to: SIMD8<UInt64>.self) & 3
        let swap = 0 &- (q & 1)  // all ones where q is odd
        let cb = unsafeBitCast(c, to: SIMD8<UInt64>.self), sb = unsafeBitCast(s, to: SIMD8<UInt64>.self)
        let x = (cb & ~swap) | (sb & swap), y = (sb & ~swap) | (cb & swap)
        let cosSign = ((q &+ 1) & 2) &<< 62, sinSign = (q & 2) &<< 62
        return (unsafeBitCast(x ^ cosSign, to: Double8.self), unsafeBitCast(y ^ sinSign, to: Double8.self))
    }

    /// e^y for y ≤ 0: y = k ln 2 + r with k = round(y/ln 2) by the rounding magic and
    /// |r| ≤ ln 2/2 (Cody–Waite split of ln 2), the Taylor series to r¹³ (truncation below 2e-16
    /// relative) summed by Estrin's scheme, times 2^k built in the exponent bits. Exactly 0 below
    /// −708 (and at −∞), where 2^k would leave the normal range; the softmax of a patch machine
    /// relies on that. Estrin rather than Horner because Swift never fuses a multiply-add: a
    /// Horner chain of 13 dependent multiply-then-add pairs made the patch softmax latency-bound.
    @inlinable @inline(__always)
    public static func exp(nonPositive y: Double8) -> Double8 {
        let bits = unsafeBitCast(y, to: SIMD8<Int64>.self) & Int64.max
        let limit = Int64(bitPattern: (708.0).bitPattern)
        let keep = ~((limit &- bits) &>> 63)  // all ones where |y| ≤ 708
        let a = unsafeBitCast(bits & keep, to: Double8.self)  // |y|, or 0 where it is out of range
        let t = a * -1.4426950408889634 + roundingMagic
        let kd = t - roundingMagic
        let r = (-a - kd * 0.6931471803691238) - kd * 1.9082149292705877e-10
        let r2 = r * r, r4 = r2 * r2, r8 = r4 * r4
        let a0 = 1 + r, a1 = 1.0 / 2 + r * (1.0 / 6), a2 = 1.0 / 24 + r * (1.0 / 120), a3 = 1.0 / 720 + r * (1.0 / 5040)
        let a4 = 1.0 / 40320 + r * (1.0 / 362_880), a5 = 1.0 / 3_628_800 + r * (1.0 / 39_916_800)
        let a6 = 1.0 / 479_001_600 + r * (1.0 / 6_227_020_800)
        let b0 = a0 + r2 * a1, b1 = a2 + r2 * a3, b2 = a4 + r2 * a5
        let p = (b0 + r4 * b1) + r8 * (b2 + r4 * a6)
        let k = unsafeBitCast(t, to: SIMD8<Int64>.self) &- unsafeBitCast(Double8(repeating: roundingMagic), to: SIMD8<Int64>.self)
        let e = p * unsafeBitCast((k &+ 1023) &<< 52, to: Double8.self)
        return unsafeBitCast(unsafeBitCast(e, to: SIMD8<Int64>.self) & keep, to: Double8.self)
    }

    /// tanh x = sign(x)·(1 − e)/(1 + e), e = exp(−2|x|) by ``exp(nonPositive:)``, |x| clamped to
    /// 20 (tanh 20 rounds to 1). The absolute error is a few 1e-16 everywhere (the relative error
    /// near 0 is larger, where 1 − e cancels); libm's tanh costs as much as the FFTs of a
    /// patch-model step.
    @inlinable @inline(__always)
    public static func tanh(_ x: Double8) -> Double8 {
        let bits = unsafeBitCast(x, to: SIMD8<Int64>.self)
        let sign = bits & Int64.min
        let abs = bits & Int64.max
        let limit = Int64(bitPattern: (20.0).bitPattern)
        let over = (limit &- abs) &>> 63  // all ones where |x| > 20 (positive doubles order as integers)
        let a = unsafeBitCast((abs & ~over) | (limit & over), to: Double8.self)
        let e = exp(nonPositive: -2 * a)
        let magnitude = unsafeBitCast((1 - e) / (1 + e), to: SIMD8<Int64>.self)
        return unsafeBitCast(magnitude | sign, to: Double8.self)
    }
}
