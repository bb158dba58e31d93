import Foundation

/// Eigen-decomposition of a real symmetric matrix by cyclic Jacobi rotations:
/// A = U diag(values) Uᵀ, eigenvectors in the columns of the row-major `vectors`.
/// Accurate to rounding; O(n³) per sweep, meant for small covariances (mixture models, the
/// speciation eigenvalue).
public struct SymmetricEigen: Sendable {
    let size: Int
    public let values: [Double]
    let vectors: [Double]

    public init(_ matrix: [Double], size n: Int) {
        precondition(matrix.count == n * n)
        var a = matrix, u = [Double](repeating: 0, count: n * n)
        for i in 0..<n { u[i * n + i] = 1 }
        for _ in 0..<100 {
            var off = 0.0, total = 0.0
            for i in 0..<n { for j in 0..<n { total += a[i * n + j] * a[i * n + j]; if i != j { off += a[i * n + j] * a[i * n + j] } } }
            if off <= 1e-30 * total || off == 0 { break }
            for p in 0..<n { for q in (p + 1)..<n where a[p * n + q] != 0 {
                let theta = (a[q * n + q] - a[p * n + p]) / (2 * a[p * n + q])
                let t = (theta >= 0 ? 1 : -1) / (abs(theta) + (theta * theta + 1).squareRoot())
                let c = 1 / (t * t + 1).squareRoot(), s = t * c
                for k in 0..<n {  // A ← A J (columns p, q)
                    let akp = a[k * n + p], akq = a[k * n + q]
                    a[k * n + p] = c * akp - s * akq
                    a[k * n + q] = s * akp + c * akq
                }
                for k in 0..<n {  // A ← Jᵀ A (rows p, q)
                    let apk = a[p * n + k], aqk = a[q * n + k]
                    a[p * n + k] = c * apk - s * aqk
                    a[q * n + k] = s * apk + c * aqk
                }
                for k in 0..<n {
                    let ukp = u[k * n + p], ukq = u[k * n + q]
                    u[k * n + p] = c * ukp - s * ukq
                    u[k * n + q] = s * ukp + c * ukq
                }
            } }
        }
        size = n
        values = (0..<n).map { a[$0 * n + $0] }
        vectors = u
    }

    /// The unit eigenvector of values[k].
    public func vector(_ k: Int) -> [Double] { (0..<size).map { vectors[$0 * size + k] } }

    /// The k-th coordinate of r in the eigenbasis, (Uᵀ r)_k.
    public func project(_ r: [Double], onto k: Int) -> Double {
        var y = 0.0
        for j in 0..<size { y += vectors[j * size + k] * r[j] }
        return y
    }
}
