import Foundation
import Testing
import CriticalityDiffusion
import CriticalityLattice
@testable import CriticalityAnalysis

// MARK: eigenvalues

func sortedEigen(_ e: [Eigenvalue]) -> [Eigenvalue] { e.sorted { ($0.re, $0.im) < ($1.re, $1.im) } }

@Test func francisQRFindsTheRootsOfACompanionMatrix() {
    // Roots 1, −2, 0.5, 3 ± 2i, −1 ± 0.25i: the companion matrix of Π(z − r).
    let roots: [(Double, Double)] = [(1, 0), (-2, 0), (0.5, 0), (3, 2), (3, -2), (-1, 0.25), (-1, -0.25)]
    var poly: [(Double, Double)] = [(1, 0)]  // coefficients, highest first, complex arithmetic
    for (a, b) in roots {
        var next = poly + [(0, 0)]
        for i in 0..<poly.count { next[i + 1].0 -= a * poly[i].0 - b * poly[i].1; next[i + 1].1 -= a * poly[i].1 + b * poly[i].0 }
        poly = next
    }
    let n = roots.count
    var c = [Double](repeating: 0, count: n * n)
    for j in 0..<n { c[j] = -poly[j + 1].0 }
    for i in 1..<n { c[i * n + i - 1] = 1 }
    let got = sortedEigen(realEigenvalues(c, size: n)), want = sortedEigen(roots.map { Eigenvalue(re: $0.0, im: $0.1) })
    let worst = zip(got, want).map { max(abs($0.re - $1.re), abs($0.im - $1.im)) }.max()!
    #expect(worst < 1e-9)
}

@Test func francisQRAgreesWithJacobiOnSymmetricAndWithTraceAndDeterminantOnGeneralMatrices() {
    var state: UInt64 = 12345
    func uniform() -> Double { state = state &* 6364136223846793005 &+ 1442695040888963407; return Double(state >> 11) / Double(1 << 53) - 0.5 }
    for n in [1, 2, 3, 5, 8, 13] {
        var a = (0..<(n * n)).map { _ in uniform() }
        for i in 0..<n { for j in 0..<i { a[i * n + j] = a[j * n + i] } }
        let qr = realEigenvalues(a, size: n).map(\.re).sorted(), jacobi = SymmetricEigen(a, size: n).values.sorted()
        #expect(zip(qr, jacobi).allSatisfy { abs($0 - $1) < 1e-12 })
        let g = (0..<(n * n)).map { _ in uniform() }, e = realEigenvalues(g, size: n)
        let trace = (0..<n).reduce(0.0) { $0 + g[$1 * n + $1] }
        var product = (1.0, 0.0)
        for x in e { product = (product.0 * x.re - product.1 * x.im, product.0 * x.im + product.1 * x.re) }
        let det = LUFactorisation(g, size: n).determinant
        #expect(abs(e.reduce(0) { $0 + $1.re } - trace) < 1e-12 && abs(e.reduce(0) { $0 + $1.im }) < 1e-12)
        #expect(abs(product.0 - det) < 1e-12 && abs(product.1) < 1e-12)
    }
}

// MARK: Curie–Weiss

@Test func curieWeissPitchforkAtKEqualsOneWithStabilityExchange() throws {
    let problem = CurieWeiss().problem(in: .coupling)
    let d = try PseudoArclength(range: 0.5...2).diagram(problem, from: [0.1], at: 0.5)
    let bps = d.specialPoints.filter { $0.kind == .branchPoint }
    try #require(bps.count == 1)
    validation("Curie–Weiss branch point K − 1", String(format: "%.1e", bps[0].parameter - 1))
    #expect(abs(bps[0].parameter - 1) < 1e-8 && abs(bps[0].state[0]) < 1e-12)
    #expect(d.specialPoints.count == 1)
    // Trivial branch: stable for K < 1, unstable for K > 1 (multiplier K).
    let trivial = d.branches[0].points
    #expect(trivial.allSatisfy { abs($0.state[0]) < 1e-12 })
    #expect(trivial.allSatisfy { $0.stable == ($0.parameter < 1) || abs($0.parameter - 1) < 1e-9 })
    // Two switched branches ±u*, stable, following √(3(K − 1)) to leading order.
    let switched = d.branches.filter { $0.parent == 0 }
    try #require(switched.count == 2)
    let signs = switched.map { $0.points.last!.state[0] > 0 }
    #expect(Set(signs) == [true, false])
    var worst = 0.0
    for b in switched {
        for p in b.points.dropFirst() {
            let k = p.parameter, u = abs(p.state[0])
            #expect(abs(tanh(k * p.state[0]) - p.state[0]) < 1e-12)
            #expect(p.stable)
            // u² = 3(K − 1)/K³ + O((K − 1)²), so u/√(3(K − 1)) − 1 = −(3/2)(K − 1) + O((K − 1)²).
            if k - 1 < 0.05 { worst = max(worst, abs(u / (3 * (k - 1)).squareRoot() - 1) / (k - 1)) }
        }
    }
    #expect(worst > 0 && worst < 2)
    #expect(switched.allSatisfy { b in b.points.contains { $0.parameter - 1 < 0.01 && $0.parameter > 1 } })
}

@Test func curieWeissWithAFieldIsAnImperfectBifurcation() throws {
    let problem = CurieWeiss(field: 0.01).problem(in: .coupling)
    let d = try PseudoArclength(range: 0.5...2).diagram(problem, from: [0.02], at: 0.5)
    #expect(d.specialPoints.isEmpty && d.branches.count == 1)
    let pts = d.branches[0].points
    // Smooth: u grows monotonically with K.
    #expect(zip(pts, pts.dropFirst()).allSatisfy { $1.state[0] > $0.state[0] && $1.parameter > $0.parameter })
    #expect(pts.allSatisfy { $0.stable })
    #expect(pts.last!.parameter >= 2)
}

@Test func curieWeissFoldsAsTheFieldVariesAtStrongCoupling() throws {
    // K = 2: the folds sit where K(1 − u²) = 1, u_f = ∓1/√2, h_f = ±(K u_f − atanh u_f) magnitude.
    let k = 2.0, uf = (1 - 1 / k).squareRoot(), hf = k * uf - atanh(uf)
    let problem = CurieWeiss(coupling: k).problem(in: .field)
    let d = try PseudoArclength(range: -1...1, step: 0.01).diagram(problem, from: [-0.99], at: -1)
    let folds = d.specialPoints.filter { $0.kind == .fold }.map(\.parameter).sorted()
    try #require(folds.count == 2)
    validation("Curie–Weiss K = 2 fold h_f error", String(format: "%.1e", max(abs(folds[0] + hf), abs(folds[1] - hf))))
    #expect(abs(folds[0] + hf) < 1e-8 && abs(folds[1] - hf) < 1e-8)
    #expect(!d.specialPoints.contains { $0.kind == .branchPoint })
    // The middle (unstable) part of the S lies between the folds.
    let middle = d.branches[0].points.filter { abs($0.state[0]) < 0.5 }
    #expect(!middle.isEmpty && middle.allSatisfy { !$0.stable })
}

@Test func curieWeissInTimeBranchesAtTheTwoPointCriticalTime() throws {
    let lambda = 16.0
    let d = try PseudoArclength(range: 0.2...8).diagram(CurieWeiss().problem(in: .time(.vp, squaredNorm: lambda)), from: [0], at: 8, direction: -1)
    let bp = try #require(d.specialPoints.first { $0.kind == .branchPoint })
    #expect(abs(bp.parameter - log(1 + lambda)) < 1e-8)
}

// MARK: potential criteria, model A, Hopf, flip, mixtures

@Test func potentialCriteriaForUnitTwoPointDataUnderDDPM() throws {
    let schedule = NoiseSchedule.ddpmDefault
    for (criterion, target) in [(PotentialCriterion.c1, 0.5.squareRoot()), (.c2, (2.0.squareRoot() - 1).squareRoot())] {
        let d = try PseudoArclength(range: 0.05...0.95).diagram(criterion.problem(schedule: schedule, squaredNorm: 1), from: [0], at: 0.95, direction: -1)
        let bp = try #require(d.specialPoints.first { $0.kind == .branchPoint })
        let theta = schedule.level(at: bp.parameter).alpha
        validation("continued \(criterion.rawValue) θ_c for ±1 data, ddpm, error", String(format: "%.1e", theta - target))
        #expect(abs(theta - target) < 1e-8)
        // The origin is stable before (high noise) and unstable after; the new branches stable.
        let trivial = d.branches[0].points
        #expect(trivial.allSatisfy { $0.stable == ($0.parameter > bp.parameter) || abs($0.parameter - bp.parameter) < 1e-9 })
        #expect(d.branches.filter { $0.parent == 0 }.allSatisfy { $0.points.dropFirst().allSatisfy { $0.stable } })
    }
}

@Test func modelAUniformSectorPitchfork() throws {
    let d = try PseudoArclength(range: -1...1).diagram(ModelAUniformSector(u: 2).problem(in: .r), from: [0], at: 1, direction: -1)
    let bp = try #require(d.specialPoints.first { $0.kind == .branchPoint })
    #expect(abs(bp.parameter) < 1e-10)
    for b in d.branches where b.parent == 0 {
        for p in b.points.dropFirst() { #expect(abs(abs(p.state[0]) - (-p.parameter / 2).squareRoot()) < 1e-10 && p.stable) }
    }
}

@Test func hopfPointOfTheNormalForm() throws {
    // dx = μx − y − x(x² + y²), dy = x + μy − y(x² + y²): eigenvalues μ ± i at the origin.
    let problem = FixedPointProblem(kind: .flow, dimension: 2, parameterName: "μ") { u, mu in
        let r2 = u[0] * u[0] + u[1] * u[1]
        return [mu * u[0] - u[1] - u[0] * r2, u[0] + mu * u[1] - u[1] * r2]
    }
    let d = try PseudoArclength(range: -1...1).diagram(problem, from: [0, 0], at: -1)
    #expect(d.specialPoints.count == 1)
    let h = try #require(d.specialPoints.first { $0.kind == .hopf })
    #expect(abs(h.parameter) < 1e-8)
}

@Test func flipOfTheLogisticMap() throws {
    // x ↦ r x (1 − x): the branch x* = 1 − 1/r has multiplier 2 − r, a flip at r = 3.
    let problem = FixedPointProblem(kind: .map, dimension: 1, parameterName: "r") { x, r in [r * x[0] * (1 - x[0])] }
    let d = try PseudoArclength(range: 2...3.5).diagram(problem, from: [0.5], at: 2)
    let f = try #require(d.specialPoints.first { $0.kind == .flip })
    #expect(abs(f.parameter - 3) < 1e-8 && d.specialPoints.count == 1)
}

@Test func gaussianMixtureDenoiserMapBranchesWhereThePosteriorCovarianceReachesOne() throws {
    // N(±μ, s²I) in 2-D, vp. At x = 0 the map's Jacobian is (α²/σ²) Cov[x₀ | x = 0]; along μ it
    // is α²(s²a + R²σ²)/a² with a = α²s² + σ², R = ‖μ‖: the branch point solves that = 1.
    let lattice = try Lattice(shape: [2])
    let mu = [1.5, -0.8], s2 = 0.3, r2 = mu.reduce(0) { $0 + $1 * $1 }
    let mixture = try GaussianMixtureDenoiser(lattice: lattice, components: [
        .init(weight: 0.5, mean: mu, covariance: .isotropic(variance: s2)),
        .init(weight: 0.5, mean: mu.map { -$0 }, covariance: .isotropic(variance: s2)),
    ])
    func excess(_ t: Double) -> Double {
        let l = NoiseSchedule.vp.level(at: t), a2 = l.alpha * l.alpha, v = l.variance, a = a2 * s2 + v
        return a2 * (s2 * a + r2 * v) / (a * a) - 1
    }
    var (lo, hi) = (0.01, 10.0)
    for _ in 0..<200 { let m = 0.5 * (lo + hi); if excess(m) > 0 { lo = m } else { hi = m } }
    let d = try PseudoArclength(range: 0.05...6).diagram(DenoiserMap(denoiser: mixture, schedule: .vp).problem, from: [0, 0], at: 6, direction: -1)
    let bp = try #require(d.specialPoints.first { $0.kind == .branchPoint })
    validation("Gaussian-mixture denoiser-map branch point t − analytic", String(format: "%.1e", bp.parameter - lo))
    #expect(abs(bp.parameter - lo) < 1e-8)
    // The switched branches lie along ±μ and are fixed points of the map.
    for b in d.branches where b.parent == 0 {
        let y = b.points.last!.state, cosine = (y[0] * mu[0] + y[1] * mu[1]) / ((y[0] * y[0] + y[1] * y[1]).squareRoot() * r2.squareRoot())
        #expect(abs(abs(cosine) - 1) < 1e-10)
    }
}
