import CriticalityDiffusion
import Foundation

/// A point of a continued branch of fixed points.
public struct BranchPoint: Sendable {
    public var parameter: Double
    public var state: [Double]
    public var orderParameter: Double
    /// Eigenvalues of ∂F/∂u (flow) or multipliers of ∂G/∂u (map).
    public var eigenvalues: [Eigenvalue]
    public var stable: Bool
}

/// A codimension-one point located on a branch.
public struct SpecialPoint: Sendable {
    public enum Kind: String, Sendable {
        /// Two branches cross (a pitchfork or transcritical point): det [∂R/∂u ∂R/∂p; Tᵀ] = 0.
        case branchPoint = "branch-point"
        /// Saddle-node: the branch turns back in p, T_p = 0.
        case fold
        /// A complex pair crosses Re λ = 0 (flow) or |μ| = 1 (map: Neimark–Sacker).
        case hopf
        /// A real multiplier crosses −1 (maps only: period doubling).
        case flip
    }
    public var kind: Kind
    public var parameter: Double
    public var state: [Double]
    public var orderParameter: Double
    /// Index of the branch in ``BifurcationDiagram/branches``.
    public var branch: Int
}

public struct Branch: Sendable {
    public var points: [BranchPoint]
    /// The branch this one was switched from at a branch point (nil: the starting branch).
    public var parent: Int?
}

public struct BifurcationDiagram: Sendable {
    public var branches: [Branch]
    public var specialPoints: [SpecialPoint]
}

public struct ContinuationError: Error, CustomStringConvertible {
    public let description: String
}

/// Pseudo-arclength continuation (Keller) of R(u; p) = 0 with detection of branch points,
/// folds, Hopf and flip points, and switching onto the bifurcating branches.
///
/// A point X = (u, p) and unit tangent T step to the predictor X + Δs T, which Newton corrects on
/// the hyperplane Tᵀ(X − X_pred) = 0. Test functions between neighbouring points: the bordered
/// determinant det [∂R/∂u ∂R/∂p; Tᵀ] (changes sign at a branch point, not at a fold), T_p
/// (fold), the real part (flow) or |μ| − 1 (map) of the complex pair nearest the stability
/// boundary (Hopf), and μ + 1 of the real multiplier nearest −1 (flip). A sign change is
/// located by Illinois regula falsi along the step, to ~10⁻¹³ in arclength. At a branch point
/// the kernel of [∂R/∂u ∂R/∂p] is two-dimensional; the new branch leaves along the kernel
/// direction orthogonal to the old tangent (exact for pitchforks; for a transcritical point the
/// corrector lands on the other branch because the old one is tangent to the hyperplane).
public struct PseudoArclength: Sendable {
    /// Continuation stops when p leaves this interval.
    public var range: ClosedRange<Double>
    public var step: Double
    public var maxStep: Double
    public var minStep = 1e-9
    /// Points per branch at most.
    public var maxPoints = 4000
    /// Newton stops when the update is below tolerance × (1 + ‖X‖∞).
    public var tolerance = 1e-13
    /// Continuation stops when ‖u‖∞ exceeds this.
    public var stateBound = 1e6
    /// Levels of branch switching (0: follow the starting branch only).
    public var switchDepth = 1

    public init(range: ClosedRange<Double>, step: Double? = nil, maxStep: Double? = nil) {
        self.range = range
        let width = range.upperBound - range.lowerBound
        self.step = step ?? width / 200
        self.maxStep = maxStep ?? width / 50
    }

    /// Newton at fixed p from u0, then the branch through it in the direction of increasing
    /// (direction > 0) or decreasing p, then every branch switched onto at its branch points.
    public func diagram(_ problem: FixedPointProblem, from u0: [Double], at p0: Double, direction: Double = 1) throws -> BifurcationDiagram {
        precondition(u0.count == problem.dimension)
        let n = problem.dimension
        // Newton at fixed p: the corrector with the hyperplane p = p0.
        var reference = [Double](repeating: 0, count: n + 1)
        reference[n] = direction >= 0 ? 1 : -1
        guard let (x, _) = correct(problem, u0 + [p0], normal: reference) else {
            throw ContinuationError(description: "Newton found no regular fixed point near the starting state at \(problem.parameterName) = \(p0) (start away from a bifurcation)")
        }
        let start = evaluate(problem, x, reference: reference)

        var diagram = BifurcationDiagram(branches: [], specialPoints: [])
        var queue: [(start: Evaluated, parent: Int?, depth: Int)] = [(start, nil, 0)]
        while !queue.isEmpty {
            let job = queue.removeFirst()
            let index = diagram.branches.count
            let (points, specials) = follow(problem, from: job.start, skipFirst: job.parent != nil)
            diagram.branches.append(Branch(points: points.map { branchPoint(problem, $0) }, parent: job.parent))
            for s in specials {
                diagram.specialPoints.append(SpecialPoint(kind: s.kind, parameter: s.point.x[n], state: Array(s.point.x[0..<n]),
                                                          orderParameter: problem.orderParameter(Array(s.point.x[0..<n])), branch: index))
                if s.kind == .branchPoint, job.depth < switchDepth, let d = switchDirection(problem, at: s.point) {
                    for sign in [1.0, -1.0] {
                        var e = s.point
                        e.tangent = d.map { sign * $0 }
                        queue.append((e, index, job.depth + 1))
                    }
                }
            }
        }
        return diagram
    }

    /// A point with its tangent, Jacobian and test functions.
    struct Evaluated {
        var x: [Double]
        var tangent: [Double]
        var jacobian: [Double]
        /// det [∂R/∂u ∂R/∂p; Tᵀ].
        var bordered: Double
        var eigenvalues: [Eigenvalue]
        var unstable: Int
    }

    func evaluate(_ problem: FixedPointProblem, _ x: [Double], reference: [Double]) -> Evaluated {
        let n = problem.dimension, j = problem.jacobian(Array(x[0..<n]), x[n])
        let lu = LUFactorisation(j + reference, size: n + 1)
        let eigen = problem.eigenvalues(ofJacobian: j), unstable = eigen.filter { problem.instability($0) > 0 }.count
        guard lu.determinant != 0 else {  // exactly on a branch point: keep the reference direction
            return Evaluated(x: x, tangent: reference, jacobian: j, bordered: 0, eigenvalues: eigen, unstable: unstable)
        }
        var e = [Double](repeating: 0, count: n + 1)
        e[n] = 1
        let z = lu.solve(e)
        let norm = z.reduce(0) { $0 + $1 * $1 }.squareRoot()
        // [J; Tᵀ] differs from [J; T_refᵀ] in the last row only: det = det_ref · (Tᵀz) = det_ref ‖z‖.
        return Evaluated(x: x, tangent: z.map { $0 / norm }, jacobian: j, bordered: lu.determinant * norm,
                         eigenvalues: eigen, unstable: unstable)
    }

    /// Newton on [R(X); Tᵀ(X − X_pred)] = 0; nil when it does not converge in 12 iterations.
    func correct(_ problem: FixedPointProblem, _ predicted: [Double], normal: [Double]) -> (x: [Double], iterations: Int)? {
        let n = problem.dimension
        var x = predicted
        for iteration in 1...12 {
            let j = problem.jacobian(Array(x[0..<n]), x[n])
            var rhs = problem.residual(Array(x[0..<n]), x[n])
            var plane = 0.0
            for i in 0...n { plane += normal[i] * (x[i] - predicted[i]) }
            rhs.append(plane)
            if !rhs.contains(where: { $0 != 0 }) { return (x, iteration) }  // exact (also on a singular point)
            let lu = LUFactorisation(j + normal, size: n + 1)
            guard lu.determinant != 0 else { return nil }
            let dx = lu.solve(rhs)
            var size = 0.0, scale = 0.0
            for i in 0...n { x[i] -= dx[i]; size = max(size, abs(dx[i])); scale = max(scale, abs(x[i])) }
            guard size.isFinite else { return nil }
            if size <= tolerance * (1 + scale) { return (x, iteration) }
        }
        return nil
    }

    struct Found {
        var kind: SpecialPoint.Kind
        var point: Evaluated
    }

    /// Follows one branch until p leaves the range, ‖u‖ the bound, or the step underflows.
    func follow(_ problem: FixedPointProblem, from start: Evaluated, skipFirst: Bool) -> ([Evaluated], [Found]) {
        let n = problem.dimension
        var points = [start], found: [Found] = []
        var current = start, ds = step, first = true
        while points.count < maxPoints {
            let predicted = (0...n).map { current.x[$0] + ds * current.tangent[$0] }
            guard let (x, iterations) = correct(problem, predicted, normal: current.tangent) else {
                ds /= 2
                if ds < minStep { break }
                continue
            }
            let next = evaluate(problem, x, reference: current.tangent)
            let turn = zip(next.tangent, current.tangent).reduce(0) { $0 + $1.0 * $1.1 }
            if turn < 0.98 && ds > 16 * minStep {  // too coarse for the curvature: refine
                ds /= 2
                continue
            }
            if !(first && skipFirst) { found += detect(problem, current, next, ds) }
            first = false
            points.append(next)
            current = next
            if !range.contains(x[n]) || x[0..<n].contains(where: { !(abs($0) <= stateBound) }) { break }
            if iterations <= 3 { ds = min(1.5 * ds, maxStep) }
        }
        return (points, found)
    }

    /// Special points between two neighbours, each located along the step.
    func detect(_ problem: FixedPointProblem, _ a: Evaluated, _ b: Evaluated, _ ds: Double) -> [Found] {
        let n = problem.dimension
        var found: [Found] = []
        let bp: (Evaluated) -> Double = { $0.bordered }
        let fold: (Evaluated) -> Double = { $0.tangent[n] }
        if bp(a) * bp(b) < 0, let p = locate(problem, a, ds, bp(a), bp(b), bp) { found.append(Found(kind: .branchPoint, point: p)) }
        if fold(a) * fold(b) < 0, let p = locate(problem, a, ds, fold(a), fold(b), fold) { found.append(Found(kind: .fold, point: p)) }
        guard found.isEmpty, a.unstable != b.unstable else { return found }
        let hopf: (Evaluated) -> Double? = { e in
            e.eigenvalues.filter { abs($0.im) > 1e-9 * (1 + abs($0.re)) }
                .map { problem.instability($0) }.min { abs($0) < abs($1) }
        }
        if let ha = hopf(a), let hb = hopf(b), ha * hb < 0,
           let p = locate(problem, a, ds, ha, hb, { hopf($0) ?? .nan }) {
            found.append(Found(kind: .hopf, point: p))
        } else if problem.kind == .map {
            let flip: (Evaluated) -> Double? = { e in
                e.eigenvalues.filter { $0.im == 0 }.map { $0.re + 1 }.min { abs($0) < abs($1) }
            }
            if let fa = flip(a), let fb = flip(b), fa * fb < 0,
               let p = locate(problem, a, ds, fa, fb, { flip($0) ?? .nan }) {
                found.append(Found(kind: .flip, point: p))
            }
        }
        return found
    }

    /// The zero of a test function g along the step from a (arclength s ∈ [0, ds]), by Illinois
    /// regula falsi on corrected points.
    func locate(_ problem: FixedPointProblem, _ a: Evaluated, _ ds: Double, _ g0: Double, _ g1: Double,
                _ g: (Evaluated) -> Double) -> Evaluated? {
        let n = problem.dimension
        var (lo, flo, hi, fhi) = (0.0, g0, ds, g1)
        var best: Evaluated?
        for _ in 0..<100 {
            let s = hi - fhi * (hi - lo) / (fhi - flo)
            let predicted = (0...n).map { a.x[$0] + s * a.tangent[$0] }
            guard let (x, _) = correct(problem, predicted, normal: a.tangent) else { break }
            let e = evaluate(problem, x, reference: a.tangent), fs = g(e)
            best = e
            guard fs.isFinite, fs != 0, abs(hi - lo) > 1e-14 * ds else { break }
            if fs * fhi < 0 { (lo, flo) = (hi, fhi) } else { flo /= 2 }
            (hi, fhi) = (s, fs)
            if abs(hi - lo) <= 1e-13 * ds { break }
        }
        return best
    }

    /// The kernel direction of [∂R/∂u ∂R/∂p] at a branch point orthogonal to the old tangent.
    func switchDirection(_ problem: FixedPointProblem, at e: Evaluated) -> [Double]? {
        let n = problem.dimension, m = n + 1
        var gram = [Double](repeating: 0, count: m * m)
        for r in 0..<m { for c in 0..<m {
            var s = 0.0
            for i in 0..<n { s += e.jacobian[i * m + r] * e.jacobian[i * m + c] }
            gram[r * m + c] = s
        } }
        let eigen = SymmetricEigen(gram, size: m)
        let order = eigen.values.indices.sorted { eigen.values[$0] < eigen.values[$1] }
        let phi1 = eigen.vector(order[0]), phi2 = eigen.vector(order[1])
        let c1 = zip(phi1, e.tangent).reduce(0) { $0 + $1.0 * $1.1 }, c2 = zip(phi2, e.tangent).reduce(0) { $0 + $1.0 * $1.1 }
        var d = (0..<m).map { c2 * phi1[$0] - c1 * phi2[$0] }
        let norm = d.reduce(0) { $0 + $1 * $1 }.squareRoot()
        guard norm > 1e-8 else { return nil }
        for i in 0..<m { d[i] /= norm }
        return d
    }

    func branchPoint(_ problem: FixedPointProblem, _ e: Evaluated) -> BranchPoint {
        let u = Array(e.x[0..<problem.dimension])
        return BranchPoint(parameter: e.x[problem.dimension], state: u, orderParameter: problem.orderParameter(u),
                           eigenvalues: e.eigenvalues, stable: e.unstable == 0)
    }
}
