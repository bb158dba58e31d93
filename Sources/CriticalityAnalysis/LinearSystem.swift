import Foundation

/// LU factorisation with partial pivoting of a small dense matrix (row-major n×n), for the
/// Newton and tangent systems of continuation: P A = L U.
struct LUFactorisation {
    let n: Int
    var lu: [Double]
    var pivot: [Int]
    /// det A (the sign includes the row swaps); 0 when a pivot vanishes exactly.
    let determinant: Double

    init(_ a: [Double], size n: Int) {
        self.n = n
        lu = a
        pivot = Array(0..<n)
        var det = 1.0
        for k in 0..<n {
            var p = k
            for i in (k + 1)..<n where abs(lu[i * n + k]) > abs(lu[p * n + k]) { p = i }
            if p != k {
                for j in 0..<n { lu.swapAt(k * n + j, p * n + j) }
                pivot.swapAt(k, p)
                det = -det
            }
            let d = lu[k * n + k]
            det *= d
            if d == 0 { continue }
            for i in (k + 1)..<n {
                let f = lu[i * n + k] / d
                lu[i * n + k] = f
                if f != 0 { for j in (k + 1)..<n { lu[i * n + j] -= f * lu[k * n + j] } }
            }
        }
        determinant = det
    }

    /// x with A x = b.
    func solve(_ b: [Double]) -> [Double] {
        var x = pivot.map { b[$0] }
        for i in 0..<n { for j in 0..<i { x[i] -= lu[i * n + j] * x[j] } }
        for i in stride(from: n - 1, through: 0, by: -1) {
            for j in (i + 1)..<n { x[i] -= lu[i * n + j] * x[j] }
            x[i] /= lu[i * n + i]
        }
        return x
    }
}
