import Foundation

/// One eigenvalue of a real matrix, re + i·im (complex ones come in conjugate pairs).
public struct Eigenvalue: Sendable, Equatable {
    public var re: Double
    public var im: Double
    public init(re: Double, im: Double = 0) { self.re = re; self.im = im }
    public var modulus: Double { (re * re + im * im).squareRoot() }
}

/// The eigenvalues of a small dense real matrix (row-major n×n): Householder reduction to upper
/// Hessenberg form, then Francis double-shift QR with deflation on small subdiagonals. Meant for
/// the Jacobians of fixed-point branches (n ≲ 100); eigenvalues are returned in the order they
/// deflate, not sorted. Accurate to rounding relative to ‖A‖.
public func realEigenvalues(_ matrix: [Double], size n: Int) -> [Eigenvalue] {
    precondition(matrix.count == n * n)
    var h = matrix
    hessenberg(&h, n)
    var out: [Eigenvalue] = []
    out.reserveCapacity(n)
    var hi = n - 1, iterations = 0
    let eps = Double.ulpOfOne
    while hi >= 0 {
        if hi == 0 { out.append(Eigenvalue(re: h[0])); break }
        var l = hi
        while l > 0 {
            let scale = abs(h[(l - 1) * n + l - 1]) + abs(h[l * n + l])
            if abs(h[l * n + l - 1]) <= eps * (scale == 0 ? 1 : scale) { h[l * n + l - 1] = 0; break }
            l -= 1
        }
        if l == hi {
            out.append(Eigenvalue(re: h[hi * n + hi])); hi -= 1; iterations = 0; continue
        }
        if l == hi - 1 {
            out += eigenvalues2x2(h[(hi - 1) * n + hi - 1], h[(hi - 1) * n + hi], h[hi * n + hi - 1], h[hi * n + hi])
            hi -= 2; iterations = 0; continue
        }
        iterations += 1
        precondition(iterations < 100 * n, "Francis QR did not converge")
        francisStep(&h, n, l, hi, exceptional: iterations % 11 == 10)
    }
    return out
}

/// (a b; c d): real pair or a complex-conjugate pair, computed without cancellation.
private func eigenvalues2x2(_ a: Double, _ b: Double, _ c: Double, _ d: Double) -> [Eigenvalue] {
    let p = 0.5 * (a - d), disc = p * p + b * c, mid = 0.5 * (a + d)
    if disc >= 0 {
        // λ₁ = mid ± r with the sign of p avoids cancellation; λ₂ = det/λ₁.
        let r = disc.squareRoot(), l1 = p >= 0 ? mid + r : mid - r
        let l2 = l1 != 0 ? (a * d - b * c) / l1 : mid - (l1 - mid)
        return [Eigenvalue(re: l1), Eigenvalue(re: l2)]
    }
    let im = (-disc).squareRoot()
    return [Eigenvalue(re: mid, im: im), Eigenvalue(re: mid, im: -im)]
}

/// In place: A ← Qᵀ A Q upper Hessenberg, Q a product of Householder reflections.
private func hessenberg(_ a: inout [Double], _ n: Int) {
    guard n > 2 else { return }
    var v = [Double](repeating: 0, count: n)
    for k in 0..<(n - 2) {
        var norm = 0.0
        for i in (k + 1)..<n { norm += a[i * n + k] * a[i * n + k] }
        norm = norm.squareRoot()
        if norm == 0 { continue }
        let alpha = a[(k + 1) * n + k] > 0 ? -norm : norm
        for i in (k + 1)..<n { v[i] = a[i * n + k] }
        v[k + 1] -= alpha
        var vv = 0.0
        for i in (k + 1)..<n { vv += v[i] * v[i] }
        if vv == 0 { continue }
        let beta = 2 / vv
        for j in 0..<n {  // A ← (I − β v vᵀ) A
            var s = 0.0
            for i in (k + 1)..<n { s += v[i] * a[i * n + j] }
            s *= beta
            for i in (k + 1)..<n { a[i * n + j] -= s * v[i] }
        }
        for i in 0..<n {  // A ← A (I − β v vᵀ)
            var s = 0.0
            for j in (k + 1)..<n { s += a[i * n + j] * v[j] }
            s *= beta
            for j in (k + 1)..<n { a[i * n + j] -= s * v[j] }
        }
    }
}

/// One implicit double-shift (Francis) QR sweep on the active block l…hi of a Hessenberg matrix.
/// The shifts are the eigenvalues of the trailing 2×2 block; an exceptional shift every 11th
/// iteration breaks the rare cycles of the plain strategy.
private func francisStep(_ h: inout [Double], _ n: Int, _ l: Int, _ hi: Int, exceptional: Bool) {
    var s = h[(hi - 1) * n + hi - 1] + h[hi * n + hi]
    var t = h[(hi - 1) * n + hi - 1] * h[hi * n + hi] - h[(hi - 1) * n + hi] * h[hi * n + hi - 1]
    if exceptional {
        let w = abs(h[hi * n + hi - 1]) + abs(h[(hi - 1) * n + hi - 2])
        s = 1.5 * w
        t = w * w
    }
    var x = h[l * n + l] * h[l * n + l] + h[l * n + l + 1] * h[(l + 1) * n + l] - s * h[l * n + l] + t
    var y = h[(l + 1) * n + l] * (h[l * n + l] + h[(l + 1) * n + l + 1] - s)
    var z = h[(l + 1) * n + l] * h[(l + 2) * n + l + 1]
    for k in l..<(hi - 1) {
        reflect(&h, n, rows: k, count: 3, x, y, z, l: l, hi: hi)
        x = h[(k + 1) * n + k]
        y = h[(k + 2) * n + k]
        if k < hi - 2 { z = h[(k + 3) * n + k] }
    }
    reflect(&h, n, rows: hi - 1, count: 2, x, y, 0, l: l, hi: hi)
}

/// Applies the reflection P = I − β v vᵀ that maps (x, y[, z]) onto a multiple of e₁, as
/// H ← P H P on rows/columns r…r+count−1 of the active block.
private func reflect(_ h: inout [Double], _ n: Int, rows r: Int, count: Int, _ x: Double, _ y: Double, _ z: Double, l: Int, hi: Int) {
    let norm = (x * x + y * y + z * z).squareRoot()
    guard norm > 0, y != 0 || z != 0 else { return }
    let alpha = x > 0 ? -norm : norm
    let v = [x - alpha, y, z]
    var vv = 0.0
    for i in 0..<count { vv += v[i] * v[i] }
    let beta = 2 / vv
    for j in max(l, r - 1)...hi {
        var s = 0.0
        for i in 0..<count { s += v[i] * h[(r + i) * n + j] }
        s *= beta
        for i in 0..<count { h[(r + i) * n + j] -= s * v[i] }
    }
    for i in l...min(r + count, hi) {
        var s = 0.0
        for j in 0..<count { s += h[i * n + r + j] * v[j] }
        s *= beta
        for j in 0..<count { h[i * n + r + j] -= s * v[j] }
    }
}
