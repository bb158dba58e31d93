import Foundation

extension FiniteSizeScaling {
    /// The value of a ratio where two curves cross: the mean of both curves' linear
    /// interpolations at x (docs/theory.md §12.2). nil outside the grid.
    public static func value(_ a: Curve, _ b: Curve, at x: Double) -> Double? {
        func at(_ c: Curve) -> Double? {
            guard let m = bracket(c.x, x) else { return nil }
            let w = (x - c.x[m]) / (c.x[m + 1] - c.x[m])
            return c.y[m] + w * (c.y[m + 1] - c.y[m])
        }
        guard let ya = at(a), let yb = at(b) else { return nil }
        return (ya + yb) / 2
    }

    /// v(L) = v∞ + a L^{−e}: the L → ∞ limit of crossing points or crossing values with the
    /// leading correction to scaling (docs/theory.md §12.2). For a pair of sizes L_a < L_b the
    /// effective size is √(L_a L_b). Weighted least squares in v∞ and a, with e held at
    /// `exponent`, or fitted (nil: the best χ² on a grid 0.25…4 in steps of 0.01, needing at least
    /// four values). A fitted e is poorly determined unless the corrections stand well above the
    /// errors (v∞ and a trade off as e → 0), so callers hold it at a known or assumed value.
    public struct Extrapolation: Sendable, Equatable {
        public var limit: Double
        public var amplitude: Double
        public var exponent: Double
        /// χ² of the fit (degrees of freedom: values − 3, or − 2 with e held).
        public var chiSquared: Double

        public init?(sizes: [Double], values: [Double], errors: [Double], exponent held: Double?) {
            let ok = sizes.indices.filter { values[$0].isFinite && errors[$0] > 0 && errors[$0].isFinite }
            guard ok.count >= (held == nil ? 4 : 3) else { return nil }
            let (l, v, w) = (ok.map { sizes[$0] }, ok.map { values[$0] }, ok.map { 1 / (errors[$0] * errors[$0]) })
            func fit(_ e: Double) -> Extrapolation? {
                let g = l.map { pow($0, -e) }
                var (s, sg, sgg, sv, sgv) = (0.0, 0.0, 0.0, 0.0, 0.0)
                for i in g.indices { s += w[i]; sg += w[i] * g[i]; sgg += w[i] * g[i] * g[i]; sv += w[i] * v[i]; sgv += w[i] * g[i] * v[i] }
                let det = s * sgg - sg * sg
                guard det > 0 else { return nil }
                let (limit, amplitude) = ((sgg * sv - sg * sgv) / det, (s * sgv - sg * sv) / det)
                let chi2 = g.indices.reduce(0) { $0 + w[$1] * pow(v[$1] - limit - amplitude * g[$1], 2) }
                return Extrapolation(limit: limit, amplitude: amplitude, exponent: e, chiSquared: chi2)
            }
            let grid = held.map { [$0] } ?? (25...400).map { Double($0) / 100 }
            guard let best = grid.compactMap(fit).min(by: { $0.chiSquared < $1.chiSquared }) else { return nil }
            self = best
        }

        init(limit: Double, amplitude: Double, exponent: Double, chiSquared: Double) {
            (self.limit, self.amplitude, self.exponent, self.chiSquared) = (limit, amplitude, exponent, chiSquared)
        }
    }
}
