import Foundation

/// Fixed points of a flow du/dt = F(u; p) or of a map u ↦ G(u; p), u ∈ ℝⁿ, in one parameter p:
/// the objects that pseudo-arclength continuation (``PseudoArclength``) follows.
///
/// Stability: a flow's fixed point is stable when every eigenvalue of ∂F/∂u has Re λ < 0; a
/// map's when every multiplier of ∂G/∂u has |μ| < 1. A map's fixed points solve G(u) − u = 0.
public struct FixedPointProblem: Sendable {
    public enum Kind: String, Sendable { case flow, map }

    public let kind: Kind
    public let dimension: Int
    /// The parameter's name in tables and plots ("K", "t", "guidance.weight", …).
    public let parameterName: String
    /// F (a flow) or G (a map) at (u, p).
    public let function: @Sendable ([Double], Double) -> [Double]
    /// Row-major n × (n + 1) matrix [∂/∂u | ∂/∂p] of `function`; nil: central differences.
    public let derivative: (@Sendable ([Double], Double) -> [Double])?
    /// The scalar a bifurcation diagram plots against p.
    public let orderParameter: @Sendable ([Double]) -> Double

    public init(kind: Kind, dimension: Int, parameterName: String,
                function: @escaping @Sendable ([Double], Double) -> [Double],
                derivative: (@Sendable ([Double], Double) -> [Double])? = nil,
                orderParameter: @escaping @Sendable ([Double]) -> Double = { $0[0] }) {
        self.kind = kind
        self.dimension = dimension
        self.parameterName = parameterName
        self.function = function
        self.derivative = derivative
        self.orderParameter = orderParameter
    }

    /// R(u; p) = F, or G − u for a map: the equation R = 0 that continuation solves.
    func residual(_ u: [Double], _ p: Double) -> [Double] {
        var r = function(u, p)
        if kind == .map { for i in 0..<dimension { r[i] -= u[i] } }
        return r
    }

    /// [∂R/∂u | ∂R/∂p], row-major n × (n + 1).
    func jacobian(_ u: [Double], _ p: Double) -> [Double] {
        let n = dimension
        var j = derivative?(u, p) ?? centralDifference(u, p)
        if kind == .map { for i in 0..<n { j[i * (n + 1) + i] -= 1 } }
        return j
    }

    /// Central differences of `function`, step 10⁻⁶ relative (truncation and rounding both ~10⁻¹²).
    private func centralDifference(_ u: [Double], _ p: Double) -> [Double] {
        let n = dimension
        var j = [Double](repeating: 0, count: n * (n + 1))
        for c in 0...n {
            let x = c < n ? u[c] : p, h = 1e-6 * max(1, abs(x))
            var up = u, down = u, pUp = p, pDown = p
            if c < n { up[c] += h; down[c] -= h } else { pUp += h; pDown -= h }
            let fUp = function(up, pUp), fDown = function(down, pDown)
            for i in 0..<n { j[i * (n + 1) + c] = (fUp[i] - fDown[i]) / (2 * h) }
        }
        return j
    }

    /// Eigenvalues of ∂F/∂u (flow) or multipliers of ∂G/∂u (map), from a residual Jacobian.
    func eigenvalues(ofJacobian j: [Double]) -> [Eigenvalue] {
        let n = dimension
        var a = [Double](repeating: 0, count: n * n)
        for r in 0..<n { for c in 0..<n { a[r * n + c] = j[r * (n + 1) + c] } }
        if kind == .map { for i in 0..<n { a[i * n + i] += 1 } }
        return realEigenvalues(a, size: n)
    }

    /// How far an eigenvalue is past the stability boundary (> 0: unstable direction).
    func instability(_ e: Eigenvalue) -> Double { kind == .flow ? e.re : e.modulus - 1 }
}
