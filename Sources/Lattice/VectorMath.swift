/// Eight-lane elementary functions for the Gaussian generator. Swift's SIMD types have no
/// log or sin; these polynomial versions are accurate to a few ulp on the ranges the
/// Box–Muller transform uses and compile to straight-line vector code.
public typealias Double8 = SIMD8<Double>

public enum VectorMath {
    /// Natural logarithm of positive normal inputs: x = 2^e·m with m ∈ [√½, √2),
    /// log m = 2 atanh(s), s = (m − 1)/(m + 1), |s| ≤ 0.172, series to s²³.
    @inlinable @inline(__always)
    public static func log(_ x: Double8) -> Double8 {
        let bits = unsafeBitCast(x, to: SIMD8<UInt64>.self)
        let biased = SIMD8<Int64>(truncatingIfNeeded: (bits &>> 52) & 0x7ff)
        var m = unsafeBitCast((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000, to: Double8.self)
        let big = m .> Double8(repeating: 1.4142135623730951)
        m.replace(with: m * 0.5, where: big)
        var e = Double8(biased &- 1023)
        e.replace(with: e + 1, where: big)
        let s = (m - 1) / (m + 1)
        let z = s * s
        var p = Double8(repeating: 1.0 / 23)
        p = p * z + 1.0 / 21; p = p * z + 1.0 / 19; p = p * z + 1.0 / 17; p = p * z + 1.0 / 15
        p = p * z + 1.0 / 13; p = p * z + 1.0 / 11; p = p * z + 1.0 / 9; p = p * z + 1.0 / 7
        p = p * z + 1.0 / 5; p = p * z + 1.0 / 3; p = p * z + 1
        return e * 0.6931471805599453 + 2 * s * p
    }

    /// (cos 2πu, sin 2πu) for u ∈ [0, 1]: quadrant j = round(4u), θ = (4u − j)·π/2 ∈ [−π/4, π/4],
    /// Taylor series to θ¹⁷ (sin) and θ¹⁸ (cos), then a rotation by jπ/2.
    @inlinable @inline(__always)
    public static func cosSinTwoPi(_ u: Double8) -> (cos: Double8, sin: Double8) {
        let v = u * 4
        let j = v.rounded(.toNearestOrEven)
        let t = (v - j) * (Double.pi / 2)
        let z = t * t
        var s = Double8(repeating: 1.0 / 355_687_428_096_000)
        s = s * z - 1.0 / 1_307_674_368_000; s = s * z + 1.0 / 6_227_020_800; s = s * z - 1.0 / 39_916_800
        s = s * z + 1.0 / 362_880; s = s * z - 1.0 / 5040; s = s * z + 1.0 / 120; s = s * z - 1.0 / 6
        s = (s * z + 1) * t
        var c = Double8(repeating: -1.0 / 6_402_373_705_728_000)
        c = c * z + 1.0 / 20_922_789_888_000; c = c * z - 1.0 / 87_178_291_200; c = c * z + 1.0 / 479_001_600
        c = c * z - 1.0 / 3_628_800; c = c * z + 1.0 / 40320; c = c * z - 1.0 / 720; c = c * z + 1.0 / 24
        c = c * z - 0.5; c = c * z + 1
        let q = SIMD8<Int64>(j) & 3
        let swap = (q & 1) .!= 0
        var x = c, y = s
        x.replace(with: s, where: swap)
        y.replace(with: c, where: swap)
        x.replace(with: -x, where: (q .== 1) .| (q .== 2))
        y.replace(with: -y, where: q .>= 2)
        return (x, y)
    }
}
