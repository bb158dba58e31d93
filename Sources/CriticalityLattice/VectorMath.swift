/// Vector elementary functions: single precision on sixteen lanes for the Gaussian generator,
/// double precision on eight for the patch-model denoiser. Swift's SIMD types have no log or
/// sin; these polynomial versions are accurate to a few ulp on the ranges they are used on.
/// They use only arithmetic and integer bit operations: Swift's generic SIMD select
/// (`replace(with:where:)`), rounding and Int↔Float conversions compile to per-lane loops or
/// libm calls, which made a first version six times slower.
public typealias Double8 = SIMD8<Double>
public typealias Single16 = SIMD16<Float>

public enum VectorMath {
    @usableFromInline static let roundingMagic = 6_755_399_441_055_744.0  // 1.5·2^52

    @usableFromInline static let roundingMagicSingle: Float = 12_582_912  // 1.5·2^23

    /// Natural logarithm of positive normal inputs, in single precision: x = 2^k·m with
    /// m ∈ [√½, √2) found by integer arithmetic on the bits, log m = 2 atanh(s),
    /// s = (m − 1)/(m + 1), |s| ≤ 0.172, series to s⁹ (truncation 2·s¹¹/11 ≤ 7e-10).
    @inlinable @inline(__always)
    public static func log(_ x: Single16) -> Single16 {
        let bits = unsafeBitCast(x, to: SIMD16<Int32>.self)
        let k = (bits &- 0x3f35_04f3) &>> 23  // floor division: m = x/2^k ∈ [√½, √2)
        let m = unsafeBitCast(bits &- (k &<< 23), to: Single16.self)
        let kf = unsafeBitCast(k &+ unsafeBitCast(Single16(repeating: roundingMagicSingle), to: SIMD16<Int32>.self), to: Single16.self) - roundingMagicSingle
        let s = (m - 1) / (m + 1)
        let z = s * s
        var p = Single16(repeating: 1.0 / 9)
        p = p * z + 1.0 / 7; p = p * z + 1.0 / 5; p = p * z + 1.0 / 3; p = p * z + 1
        return kf * 0.693_147_18 + 2 * s * p
    }

    /// √x for finite x ≥ 0 in single precision: an inverse square root from the exponent bits
    /// (3.4 % error), three Newton steps (3e-11 before rounding), times x; 0 at 0. Swift's SIMD
    /// `squareRoot()` calls libm lane by lane.
    @inlinable @inline(__always)
    public static func squareRoot(_ x: Single16) -> Single16 {
        let bits = unsafeBitCast(x, to: SIMD16<UInt32>.self)
        var y = unsafeBitCast(0x5f37_5a86 &- (bits &>> 1), to: Single16.self)
        let h = 0.5 * x
        y = y * (1.5 - h * y * y); y = y * (1.5 - h * y * y); y = y * (1.5 - h * y * y)
        return x * y
    }

    /// (cos 2πu, sin 2πu) for u ∈ [0, 1] in single precision: quadrant j = round(4u) (by adding
    /// 1.5·2^23, whose low mantissa bits are then j), θ = (4u − j)·π/2 ∈ [−π/4, π/4], Taylor
    /// series to θ⁹ (sin) and θ⁸ (cos), then a rotation by jπ/2 done with bit masks.
    @inlinable @inline(__always)
    public static func cosSinTwoPi(_ u: Single16) -> (cos: Single16, sin: Single16) {
        let v = u * 4
        let shifted = v + roundingMagicSingle
        let t = (v - (shifted - roundingMagicSingle)) * (Float.pi / 2)
        let z = t * t
        var s = Single16(repeating: 1.0 / 362_880)
        s = s * z - 1.0 / 5040; s = s * z + 1.0 / 120; s = s * z - 1.0 / 6; s = (s * z + 1) * t
        var c = Single16(repeating: 1.0 / 40320)
        c = c * z - 1.0 / 720; c = c * z + 1.0 / 24; c = c * z - 0.5; c = c * z + 1
        // quadrant q: (cos, sin) = (c, s), (−s, c), (−c, −s), (s, −c) for q = 0, 1, 2, 3
        let q = unsafeBitCast(shifted, to: SIMD16<UInt32>.self) & 3
        let swap = 0 &- (q & 1)  // all ones where q is odd
        let cb = unsafeBitCast(c, to: SIMD16<UInt32>.self), sb = unsafeBitCast(s, to: SIMD16<UInt32>.self)
        let x = (cb & ~swap) | (sb & swap), y = (sb & ~swap) | (cb & swap)
        let cosSign = ((q &+ 1) & 2) &<< 30, sinSign = (q & 2) &<< 30
        return (unsafeBitCast(x ^ cosSign, to: Single16.self), unsafeBitCast(y ^ sinSign, to: Single16.self))
    }

    /// The sixteen floats as doubles, exactly: (lanes 0, 2, …, 14; lanes 1, 3, …, 15). The bits
    /// of a float moved into a double's sign, exponent and mantissa fields give f·2^−896 exactly
    /// (zero and subnormal floats included), and the product by 2^896 is exact. Taking the halves
    /// with `lowHalf` and converting made LLVM split the whole generator into 128-bit registers.
    @inlinable @inline(__always)
    public static func widen(_ f: Single16) -> (even: Double8, odd: Double8) {
        let v = unsafeBitCast(f, to: SIMD8<UInt64>.self)
        let sign: UInt64 = 0x8000_0000_0000_0000
        let even = ((v & 0x7fff_ffff) &<< 29) | ((v &<< 32) & sign)
        let odd = ((v &>> 3) & 0x0fff_ffff_e000_0000) | (v & sign)
        return (unsafeBitCast(even, to: Double8.self) * 0x1p896, unsafeBitCast(odd, to: Double8.self) * 0x1p896)
    }

    /// e^y for y ≤ 0: y = k ln 2 + r with k = round(y/ln 2) by the rounding magic and
    /// |r| ≤ ln 2/2 (Cody–Waite split of ln 2), then the degree-11 Chebyshev interpolant of e^r
    /// on that interval (relative error 1.7e-17 with its coefficients rounded to double, from
    /// mpmath's `chebyfit`), evaluated as pairs c₂ᵢ + c₂ᵢ₊₁r combined by Horner's rule in r² with
    /// fused multiply-adds, times 2^k built in the exponent bits. Exactly 0 below −708 (and at
    /// −∞), where 2^k would leave the normal range; the softmax of a patch machine relies on that.
    /// The pairs halve the dependency chain of plain Horner, which made the patch softmax
    /// latency-bound. The clamp and the zeroing are lane loops between two vectors, which LLVM
    /// turns into one vector max and one masked move (with a scalar constant, or as a select on
    /// a comparison mask, it builds them lane by lane).
    @inlinable @inline(__always)
    public static func exp(nonPositive y: Double8) -> Double8 {
        let floor = Double8(repeating: -708), zero = Double8()
        var x = y
        for i in 0..<8 { x[i] = floor[i] > y[i] ? floor[i] : y[i] }
        let t = Double8(repeating: roundingMagic).addingProduct(x, Double8(repeating: 1.4426950408889634))
        let kd = t - roundingMagic
        let r = x.addingProduct(kd, Double8(repeating: -0.6931471803691238)).addingProduct(kd, Double8(repeating: -1.9082149292705877e-10))
        let r2 = r * r
        @inline(__always) func pair(_ c: Double, _ d: Double) -> Double8 { Double8(repeating: c).addingProduct(r, Double8(repeating: d)) }
        let a0 = 1 + r, a1 = pair(0.5000000000000019, 0.1666666666666668), a2 = pair(0.0416666666664881, 0.008333333333319601)
        let a3 = pair(0.0013888888952314775, 0.00019841269890047113), a4 = pair(2.4801485482328494e-05, 2.755724091857897e-06)
        let a5 = pair(2.763263963904103e-07, 2.5110037605963777e-08)
        let p = a0.addingProduct(r2, a1.addingProduct(r2, a2.addingProduct(r2, a3.addingProduct(r2, a4.addingProduct(r2, a5)))))
        let k = unsafeBitCast(t, to: SIMD8<Int64>.self) &- unsafeBitCast(Double8(repeating: roundingMagic), to: SIMD8<Int64>.self)
        let e = p * unsafeBitCast((k &+ 1023) &<< 52, to: Double8.self)
        var out = e
        for i in 0..<8 { out[i] = floor[i] > y[i] ? zero[i] : e[i] }
        return out
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
