import Foundation
import CriticalityLattice

/// Finite-size scaling of an observable measured on lattices of several sizes L against a
/// control parameter x (docs/theory.md §12). Near a critical point x_c,
///
///     y(x, L) = L^{ω} f((x − x_c) L^{1/ν}),
///
/// with ω = 0 for dimensionless ratios (the Binder cumulant U₄, ξ/L) and ω = γ/ν for the
/// susceptibility. Curves of successive sizes cross where ω = 0; all sizes collapse onto the
/// one function f with the right (x_c, ν, ω).
public enum FiniteSizeScaling {
    /// One size's curve: y and its standard error at the control values x (ascending).
    public struct Curve: Sendable {
        public var size: Double
        public var x: [Double]
        public var y: [Double]
        public var error: [Double]
        public init(size: Double, x: [Double], y: [Double], error: [Double]) {
            precondition(x.count == y.count && y.count == error.count && x.count >= 2)
            self.size = size; self.x = x; self.y = y; self.error = error
        }

        /// A parametric redraw: every y from N(y, error²), the normals keyed by (noise's seed,
        /// replicate, index, stream) so that redraws are reproducible and thread-independent.
        public func redrawn(_ noise: GaussianNoise, replicate: Int, index: Int, stream: UInt64) -> Curve {
            var z = [Double](repeating: 0, count: y.count)
            z.withUnsafeMutableBufferPointer { noise.fill($0.baseAddress!, count: $0.count, member: replicate, step: index, stream: stream) }
            return Curve(size: size, x: x, y: zip(y, zip(error, z)).map { $0 + $1.0 * $1.1 }, error: error)
        }
    }

    /// Where two curves cross: among the sign changes of d = y_a − y_b on their common grid,
    /// the one where d turns most (the largest change of its mean over the `window` points on
    /// either side, so that noise where both curves saturate does not count), by linear
    /// interpolation; nil without a sign change. The curves must share their x.
    public static func crossing(_ a: Curve, _ b: Curve, window: Int = 3) -> Double? { crossingWithSignificance(a, b, window: window)?.x }

    /// The crossing and its significance z: the smaller, on the two sides, of |mean d| over
    /// max(`window`, an eighth of the grid) points over its standard error (the points' errors
    /// combined as independent). Two curves that only cross by noise have z ≲ 2; a real crossing
    /// has d of opposite signs, each resolved (z ≫ 1).
    public static func crossingWithSignificance(_ a: Curve, _ b: Curve, window: Int = 3) -> (x: Double, z: Double)? {
        precondition(a.x == b.x, "crossings need a common control grid")
        let d = zip(a.y, b.y).map { $0 - $1 }, v = zip(a.error, b.error).map { $0 * $0 + $1 * $1 }
        func mean(_ r: Range<Int>) -> Double {
            let v = r.clamped(to: d.indices).map { d[$0] }
            return v.reduce(0, +) / Double(max(v.count, 1))
        }
        func z(_ r: Range<Int>) -> Double {
            let r = r.clamped(to: d.indices), n = Double(r.count)
            return abs(mean(r)) / (r.reduce(0) { $0 + v[$1] }.squareRoot() / n)
        }
        let changes = (1..<d.count).filter { d[$0 - 1].isFinite && d[$0].isFinite && d[$0 - 1] != 0 && d[$0 - 1].sign != d[$0].sign }
        guard let i = changes.max(by: { abs(mean($0..<$0 + window) - mean($0 - window..<$0)) < abs(mean($1..<$1 + window) - mean($1 - window..<$1)) })
        else { return d.firstIndex(of: 0).map { (a.x[$0], .nan) } }
        let w = max(window, d.count / 8)
        return (a.x[i - 1] + d[i - 1] / (d[i - 1] - d[i]) * (a.x[i] - a.x[i - 1]), min(z(i - w..<i), z(i..<i + w)))
    }

    /// The collapse parameters.
    public struct Parameters: Sendable, Equatable {
        public var criticalPoint: Double
        /// 1/ν.
        public var inverseNu: Double
        /// ω: 0 for ratios, γ/ν for the susceptibility.
        public var exponent: Double
        public init(criticalPoint: Double, inverseNu: Double, exponent: Double) {
            self.criticalPoint = criticalPoint; self.inverseNu = inverseNu; self.exponent = exponent
        }
    }

    /// The quality of a collapse (Houdayer & Hartmann, Phys. Rev. B 70, 014418 (2004)): every
    /// rescaled point (X, Y ± dY), X = (x − x_c)L^{1/ν}, Y = y L^{−ω}, against the master curve
    /// that the other sizes give there (their error-weighted linear interpolations), averaged
    /// as S = ⟨(Y − Ȳ)²/(dY² + dȲ²)⟩ over the points that another size overlaps. S ≈ 1 for data
    /// that collapse within their errors; ∞ when no two sizes overlap.
    public static func quality(_ curves: [Curve], _ p: Parameters) -> Double {
        let scaled = curves.map { c in
            let (sx, sy) = (pow(c.size, p.inverseNu), pow(c.size, -p.exponent))
            return (x: c.x.map { ($0 - p.criticalPoint) * sx }, y: c.y.map { $0 * sy }, e: c.error.map { $0 * sy })
        }
        var sum = 0.0, count = 0
        for (i, c) in scaled.enumerated() {
            for j in c.x.indices {
                var (weight, mean) = (0.0, 0.0)
                for (k, o) in scaled.enumerated() where k != i {
                    guard let m = bracket(o.x, c.x[j]) else { continue }
                    let w = (c.x[j] - o.x[m]) / (o.x[m + 1] - o.x[m])
                    let y = o.y[m] + w * (o.y[m + 1] - o.y[m]), e2 = pow((1 - w) * o.e[m], 2) + pow(w * o.e[m + 1], 2)
                    weight += 1 / e2
                    mean += y / e2
                }
                guard weight > 0 else { continue }
                mean /= weight
                sum += pow(c.y[j] - mean, 2) / (c.e[j] * c.e[j] + 1 / weight)
                count += 1
            }
        }
        return count == 0 ? .infinity : sum / Double(count)
    }

    /// The m with x[m] ≤ v ≤ x[m + 1] in an ascending array (binary search); nil outside it.
    static func bracket(_ x: [Double], _ v: Double) -> Int? {
        guard x.count >= 2, v >= x[0], v <= x[x.count - 1] else { return nil }
        var (lo, hi) = (0, x.count - 1)
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if x[mid] <= v { lo = mid } else { hi = mid }
        }
        return lo
    }

    /// A collapse fit: the parameters that minimise S, with `fixedExponent` held (0 for a
    /// dimensionless ratio) or fitted (nil), and S at the minimum.
    public struct Collapse: Sendable {
        public var parameters: Parameters
        public var quality: Double
    }

    /// Minimises S from `start` by Nelder–Mead (steps of 5 % of each start value, or 0.05).
    public static func collapse(_ curves: [Curve], start: Parameters, fixedExponent: Double? = nil) -> Collapse {
        let free = fixedExponent == nil ? 3 : 2
        func parameters(_ v: [Double]) -> Parameters {
            Parameters(criticalPoint: v[0], inverseNu: v[1], exponent: fixedExponent ?? v[2])
        }
        let initial = [start.criticalPoint, start.inverseNu, start.exponent].prefix(free).map { $0 }
        let best = nelderMead(initial) { quality(curves, parameters($0)) }
        return Collapse(parameters: parameters(best), quality: quality(curves, parameters(best)))
    }

    /// Percentile intervals of the collapse parameters by the parametric bootstrap: each
    /// replicate redraws every point from N(y, error²) (counter-based normals keyed by seed,
    /// replicate and point) and refits from the fit on the data.
    public static func bootstrap(_ curves: [Curve], fit: Collapse, fixedExponent: Double? = nil, resamples: Int = 200,
                                 level: Double = 0.95, seed: UInt64 = 0, threads: Int = 1)
        -> (criticalPoint: ConfidenceInterval, inverseNu: ConfidenceInterval, exponent: ConfidenceInterval) {
        let noise = GaussianNoise(seed: seed)
        let fits = Ensemble.map(members: resamples, threads: threads) { b -> Parameters in
            let drawn = curves.enumerated().map { k, c in c.redrawn(noise, replicate: b, index: k, stream: 7) }
            return collapse(drawn, start: fit.parameters, fixedExponent: fixedExponent).parameters
        }
        let b = Bootstrap(resamples: resamples, level: level, seed: seed), p = fit.parameters
        return (b.percentile(estimate: p.criticalPoint, fits.map(\.criticalPoint)), b.percentile(estimate: p.inverseNu, fits.map(\.inverseNu)),
                b.percentile(estimate: p.exponent, fits.map(\.exponent)))
    }

    /// Nelder–Mead (reflection 1, expansion 2, contraction ½, shrink ½) until the simplex's
    /// values agree to 1e-12 relative or 2000 iterations.
    static func nelderMead(_ start: [Double], _ f: ([Double]) -> Double) -> [Double] {
        let n = start.count
        var simplex = [start] + (0..<n).map { i in
            var v = start
            v[i] += v[i] == 0 ? 0.05 : 0.05 * v[i]
            return v
        }
        var values = simplex.map(f)
        for _ in 0..<2000 {
            let order = values.indices.sorted { values[$0] < values[$1] }
            simplex = order.map { simplex[$0] }
            values = order.map { values[$0] }
            if abs(values[n] - values[0]) <= 1e-12 * max(abs(values[0]), 1e-300) { break }
            let centroid = (0..<n).map { i in simplex.prefix(n).reduce(0) { $0 + $1[i] } / Double(n) }
            func toward(_ t: Double) -> [Double] { (0..<n).map { centroid[$0] + t * (simplex[n][$0] - centroid[$0]) } }
            let reflected = toward(-1), fr = f(reflected)
            if fr < values[0] {
                let expanded = toward(-2), fe = f(expanded)
                (simplex[n], values[n]) = fe < fr ? (expanded, fe) : (reflected, fr)
            } else if fr < values[n - 1] {
                (simplex[n], values[n]) = (reflected, fr)
            } else {
                let contracted = toward(fr < values[n] ? -0.5 : 0.5), fc = f(contracted)
                if fc < min(fr, values[n]) {
                    (simplex[n], values[n]) = (contracted, fc)
                } else {
                    for k in 1...n {
                        simplex[k] = (0..<n).map { simplex[0][$0] + 0.5 * (simplex[k][$0] - simplex[0][$0]) }
                        values[k] = f(simplex[k])
                    }
                }
            }
        }
        return simplex[values.indices.min { values[$0] < values[$1] }!]
    }
}
