import CriticalityAnalysis
import CriticalityDiffusion
import Foundation

/// The deterministic side of a reverse-diffusion run's bifurcation diagram: the model's
/// Curie–Weiss reduction continued ([continuation]) and the members' relaxed fixed points
/// (observe.fixed_points). Files in docs/output.md.
enum BifurcationOutput {
    /// The reduction u = (1 − w) tanh(K u + h) + w c of the spec's model (docs/theory.md §7) and the
    /// scale a with magnetisation m = a u: binary patch Λ = P² (uniform sector), two-point
    /// Λ = a²N, ideal/ES on the two uniform images Λ = N (class 0 is +1, class 1 is −1).
    static func reduction(_ spec: DiffusionSpec, _ c: DiffusionSpec.Continuation) -> (problem: FixedPointProblem, scale: Double) {
        let n = Double(spec.lattice.siteCount)
        let (lambda, scale): (Double, Double)
        switch spec.model {
        case .binaryPatch(let p): (lambda, scale) = (Double(p.size(at: spec.tEnd) * p.size(at: spec.tEnd)), 1)
        case .twoPoint(let a): (lambda, scale) = (a * a * n, a)
        default: (lambda, scale) = (n, 1)
        }
        var cw = CurieWeiss(field: c.field)
        if let g = spec.guidance, case .constant(let w) = g.weight {
            cw.guidance = w
            cw.target = g.labels == [0] ? 1 : -1
        }
        switch c.parameter {
        case .time: return (cw.problem(in: .time(spec.schedule, squaredNorm: lambda)), scale)
        case .guidanceWeight:
            cw.coupling = spec.schedule.level(at: spec.tEnd).signalToNoise * lambda
            return (cw.problem(in: .guidance), scale)
        }
    }

    /// Continuation in t starts from the unique fixed point at the high-noise end; in the
    /// guidance weight from both stable states u = ±1 at the low end (the + branch and the
    /// S-curve through the fold are disconnected there).
    static func diagram(_ spec: DiffusionSpec) throws -> (BifurcationDiagram, scale: Double)? {
        guard let c = spec.continuation else { return nil }
        let (problem, scale) = reduction(spec, c)
        let method = PseudoArclength(range: c.range)
        let starts: [(u: Double, p: Double, direction: Double)] = c.parameter == .time
            ? [(0, c.range.upperBound, -1)] : [(1, c.range.lowerBound, 1), (-1, c.range.lowerBound, 1)]
        var merged: BifurcationDiagram?
        for s in starts {
            let d: BifurcationDiagram
            do { d = try method.diagram(problem, from: [s.u], at: s.p, direction: s.direction) } catch let e as ContinuationError {
                throw ParameterError(file: spec.file, message: "[continuation]: \(e.description)")
            }
            guard var all = merged else { merged = d; continue }
            if all.branches.contains(where: { abs($0.points[0].state[0] - d.branches[0].points[0].state[0]) < 1e-9 }) { continue }
            let offset = all.branches.count
            all.branches += d.branches.map { var b = $0; b.parent = b.parent.map { $0 + offset }; return b }
            all.specialPoints += d.specialPoints.map { var p = $0; p.branch += offset; return p }
            merged = all
        }
        return (merged!, scale)
    }

    /// Summary keys `<parameter>_<kind>` (the first point of each kind) with dots as underscores.
    static func keys(_ spec: DiffusionSpec, _ d: BifurcationDiagram) -> [String: Double] {
        let name = spec.continuation!.parameter.rawValue.replacingOccurrences(of: ".", with: "_")
        var out: [String: Double] = [:]
        for p in d.specialPoints {
            let key = "\(name)_\(p.kind.rawValue.replacingOccurrences(of: "-", with: "_"))"
            if out[key] == nil { out[key] = p.parameter }
        }
        return out
    }

    /// special_points.csv: kind, parameter, magnetisation.
    static func specialPointsCSV(_ d: BifurcationDiagram, scale: Double, parameter: String) -> String {
        "kind,\(parameter),m\n" + d.specialPoints.map { "\($0.kind.rawValue),\($0.parameter),\(scale * $0.orderParameter)\n" }.joined()
    }

    /// Stable branches solid, unstable dashed (one colour for all), special points marked by kind.
    static func plot(_ d: BifurcationDiagram, scale: Double, parameter: String, title: String) -> SVGPlot {
        var plot = SVGPlot(title: title, xLabel: parameter, yLabel: "magnetisation m of the fixed point")
        var labelled: Set<Bool> = []
        for branch in d.branches {
            var start = 0
            while start < branch.points.count {
                let stable = branch.points[start].stable
                var end = start
                while end + 1 < branch.points.count && branch.points[end + 1].stable == stable { end += 1 }
                let run = branch.points[start...min(end + 1, branch.points.count - 1)]
                let label = labelled.insert(stable).inserted ? (stable ? "stable branches" : "unstable branches") : ""
                plot.series.append(.init(label: label, x: run.map(\.parameter), y: run.map { scale * $0.orderParameter }, dashed: !stable, color: 0))
                start = end + 1
            }
        }
        for kind in [SpecialPoint.Kind.branchPoint, .fold, .hopf, .flip] {
            let pts = d.specialPoints.filter { $0.kind == kind }
            if !pts.isEmpty {
                plot.series.append(.init(label: kind.rawValue, x: pts.map(\.parameter), y: pts.map { scale * $0.orderParameter },
                                         markers: true, line: false, color: 1 + [.branchPoint, .fold, .hopf, .flip].firstIndex(of: kind)!))
            }
        }
        return plot
    }

    static func write(_ r: DiffusionResult, to folder: ResultsFolder, report: inout HTMLReport, summary: inout [String: Any]) throws {
        let spec = r.spec
        var plot: SVGPlot?
        if let (d, scale) = try diagram(spec) {
            let name = spec.continuation!.parameter.rawValue
            var rows: [[Double]] = []
            for (b, branch) in d.branches.enumerated() {
                for p in branch.points {
                    let lead = p.eigenvalues.map(\.modulus).max() ?? .nan
                    rows.append([Double(b), Double(branch.parent ?? -1), p.parameter, scale * p.orderParameter, p.stable ? 1 : 0, lead])
                }
            }
            try folder.write("branches.csv", CSV.table(header: ["branch", "parent", name, "m", "stable", "multiplier"], rows: rows))
            try folder.write("special_points.csv", specialPointsCSV(d, scale: scale, parameter: name))
            summary["continuation_special_points"] = d.specialPoints.map { ["kind": $0.kind.rawValue, name: $0.parameter, "m": scale * $0.orderParameter] as [String: Any] }
            for (k, v) in keys(spec, d) {
                summary[k] = v
                report.summary.append((k, String(format: "%.10g", v)))
            }
            report.dataFiles += [("branches.csv", "continued fixed points of the Curie–Weiss reduction: branch, parent branch (−1: none), \(name), magnetisation m, stable (1/0), largest multiplier |μ|"),
                                 ("special_points.csv", "branch points and folds located on them")]
            plot = BifurcationOutput.plot(d, scale: scale, parameter: name, title: "\(spec.name): fixed points of the reduced model")
        }
        if !r.fixedPoints.isEmpty {
            let m = r.fixedPoints.map(\.magnetisation), count = Double(m.count)
            try folder.write("fixed_points.npy", array: m, shape: [m.count], dims: ["member"])
            // Branch of each member: sign of m beyond 10⁻⁶ (the relaxation converges to 10⁻¹²).
            let plus = m.filter { $0 > 1e-6 }, minus = m.filter { $0 < -1e-6 }
            func fraction(_ k: Int) -> (Double, Double) { let f = Double(k) / count; return (f, (f * (1 - f) / count).squareRoot()) }
            func meanSE(_ v: [Double]) -> (Double, Double) {
                guard !v.isEmpty else { return (.nan, .nan) }
                let mean = v.reduce(0, +) / Double(v.count)
                let variance = v.count > 1 ? v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(v.count - 1) : .nan
                return (mean, (variance / Double(v.count)).squareRoot())
            }
            let entries: [(String, (Double, Double))] = [
                ("fixed_point_m", meanSE(m)), ("fixed_point_abs_m", meanSE(m.map(abs))),
                ("fixed_point_m_plus", meanSE(plus)), ("fixed_point_m_minus", meanSE(minus)),
                ("fixed_point_fraction_plus", fraction(plus.count)), ("fixed_point_fraction_minus", fraction(minus.count)),
                ("fixed_point_fraction_zero", fraction(m.count - plus.count - minus.count)),
            ]
            for (k, v) in entries { summary[k] = v.0; summary[k + "_se"] = v.1 }
            summary["fixed_point_unconverged"] = r.fixedPoints.filter { $0.iterations == nil }.count
            report.summary.append(("relaxed fixed points (+ / − / 0)", String(format: "%.3f / %.3f / %.3f", fraction(plus.count).0, fraction(minus.count).0,
                                                                             fraction(m.count - plus.count - minus.count).0)))
            report.dataFiles.append(("fixed_points.npy", "per member: the site mean m of the fixed point y = D(α y) reached from D(x_t_end) at frozen t_end"))
            if plot != nil, spec.continuation?.parameter == .time {
                plot!.series.append(.init(label: "members relaxed at t_end", x: m.map { _ in spec.tEnd }, y: m, markers: true, line: false, color: 5))
            }
        }
        if let plot {
            try folder.write("bifurcation.svg", plot.render())
            report.figures.append(("bifurcation.svg", "Fixed points of the reduced model (Curie–Weiss, docs/theory.md §7): stable solid, unstable dashed, located special points marked"))
        }
    }
}
