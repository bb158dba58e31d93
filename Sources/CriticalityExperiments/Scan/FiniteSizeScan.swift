import CriticalityAnalysis
import Foundation
import CriticalityLattice

/// `criticality fss SCANFOLDER` (or a scan's `[fss]` section): finite-size scaling of a scan
/// over `lattice.size` (docs/theory.md §12). The control parameter x is the scan's other axis
/// (model.r, say), or, for a scan over `lattice.size` alone of runs that report per-time
/// curves (reverse diffusion), their time t or log λ. Each dimensionless ratio (the Binder
/// cumulant, ξ/L) gives the crossings of successive sizes, their L → ∞ extrapolation, and a
/// collapse with ω = 0; a susceptibility, when named, a collapse with ω = γ/ν fitted. Errors
/// are the replicas' standard errors where the scan has replicas, else each run's own;
/// intervals come from the parametric bootstrap.
public enum FiniteSizeScan {
    /// What to analyse.
    public struct Request: Sendable, Equatable {
        public var ratios: [String]
        public var susceptibility: String?
        /// "t" or "log_lambda" for per-time curves; nil: the scan's other axis, or t.
        public var control: String?
        /// ω of the crossings' corrections: points move as L^{−(1/ν + ω)}, values as L^{−ω}.
        public var correctionExponent: Double
        /// Sizes below this are left out.
        public var smallest: Double?
        public var resamples: Int
        public init(ratios: [String], susceptibility: String?, control: String?, correctionExponent: Double, smallest: Double?, resamples: Int) {
            (self.ratios, self.susceptibility, self.control, self.correctionExponent, self.smallest, self.resamples) =
                (ratios, susceptibility, control, correctionExponent, smallest, resamples)
        }

        /// The `criticality fss` command that makes this request.
        public func commandLine(scan: String, out: String?) -> String {
            var words = ["criticality", "fss", scan] + ratios.flatMap { ["--ratio", $0] }
            if let susceptibility { words += ["--susceptibility", susceptibility] }
            if let control { words += ["--control", control] }
            if correctionExponent != 1 { words += ["--correction-exponent", "\(correctionExponent)"] }
            if let smallest { words += ["--smallest", "\(smallest)"] }
            if resamples != 200 { words += ["--resamples", "\(resamples)"] }
            if let out { words += ["--out", out] }
            return words.joined(separator: " ")
        }
    }

    /// The curves of every size for one observable, read from a scan folder.
    struct Source {
        let control: String
        let curves: (String) throws -> [FiniteSizeScaling.Curve]
        /// Reverse diffusion: each size's own critical-time estimates (scan columns t_c_*, t_peak_*,
        /// t_min_*, t_speciation), [(key, value per size)].
        var criticalTimes: [(key: String, sizes: [Double], values: [Double])] = []
    }

    static func source(_ scan: String, request: Request) throws -> Source {
        let folder = URL(fileURLWithPath: scan)
        func json(_ name: String, _ what: String) throws -> [String: Any] {
            let path = folder.appendingPathComponent(name).path
            guard let data = FileManager.default.contents(atPath: path), let o = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
                throw ParameterError(file: path, message: "not readable as \(what): expected a folder written by a criticality scan")
            }
            return o
        }
        let run = try json("run.json", "a scan's JSON record"), summary = try json("summary.json", "a scan's JSON record")
        guard let scanRecord = run["scan"] as? [String: Any], let axes = scanRecord["axes"] as? [String], let columns = summary["columns"] as? [String] else {
            throw ParameterError(file: scan, message: "not a scan folder (run.json has no scan): expected the folder of a [scan] run")
        }
        guard axes.contains(ScanSpec.latticeSize), axes.count <= 2 else {
            throw ParameterError(file: scan, message: "scanned \(axes.joined(separator: " × ")): expected lattice.size, alone or with one control parameter")
        }
        let replicas = scanRecord["replicas"] as? Int ?? 1
        let keep: (Double) -> Bool = { size in request.smallest.map { size >= $0 } ?? true }
        let table = try NPY.decode(Data(contentsOf: folder.appendingPathComponent("scan.npy")), file: scan + "/scan.npy")
        let rows = (0..<table.shape[0]).map { Array(table.values[$0 * columns.count..<($0 + 1) * columns.count]) }
        if axes.count == 2 {
            let control = axes.first { $0 != ScanSpec.latticeSize }!
            if let c = request.control, c != control {
                throw ParameterError(file: scan, message: "control '\(c)': this scan's control parameter is \(control)")
            }
            return Source(control: control) { key in
                guard let y = columns.firstIndex(of: key) else {
                    throw ParameterError(file: scan, message: "'\(key)' is not a column of the scan (it has: \(columns.filter { !$0.hasSuffix("_se") }.joined(separator: ", ")))")
                }
                let errorKey = replicas > 1 ? key + "_replica_se" : key + "_se"
                guard let e = columns.firstIndex(of: errorKey) else { throw ParameterError(file: scan, message: "'\(key)' has no error column \(errorKey)") }
                let (xi, li) = (columns.firstIndex(of: control)!, columns.firstIndex(of: ScanSpec.latticeSize)!)
                return Set(rows.map { $0[li] }).filter(keep).sorted().map { size in
                    let mine = rows.filter { $0[li] == size }.sorted { $0[xi] < $1[xi] }
                    return FiniteSizeScaling.Curve(size: size, x: mine.map { $0[xi] }, y: mine.map { $0[y] }, error: mine.map { $0[e] })
                }
            }
        }
        let control = request.control ?? "t"
        guard control == "t" || control == "log_lambda" else {
            throw ParameterError(file: scan, message: "control '\(control)': a scan over lattice.size alone has the per-time controls t and log_lambda")
        }
        let perTime = try json("per_time.json", "the per-time curves of a scan")
        guard let curves = perTime["curves"] as? [String: [[Any]]], let points = perTime["points"] as? [[Double]] else {
            throw ParameterError(file: scan + "/per_time.json", message: "no curves: expected the per-time curves of reverse-diffusion runs")
        }
        func array(_ key: String) throws -> [[Double]] {
            guard let rows = curves[key] else {
                throw ParameterError(file: scan + "/per_time.json", message: "'\(key)' is not a per-time curve (there are: \(curves.keys.filter { !$0.hasSuffix("_se") }.sorted().joined(separator: ", ")))")
            }
            return rows.map { $0.map { ($0 as? Double) ?? .nan } }
        }
        let x = try array(control)
        let li = columns.firstIndex(of: ScanSpec.latticeSize)!
        let timeKeys = columns.filter { ($0.hasPrefix("t_c_") || $0.hasPrefix("t_peak") || $0.hasPrefix("t_min") || $0 == "t_speciation") && !$0.hasSuffix("_se") }
        var source = Source(control: control) { key in
            let (y, e) = (try array(key), try array(key + "_se"))
            let sizes = points.map { $0[0] }
            return Set(sizes).filter(keep).sorted().map { size in
                // Replicas of a size: mean curve, error √(Σ se²)/R.
                let rows = sizes.indices.filter { sizes[$0] == size }, r = Double(rows.count)
                let order = x[rows[0]].indices.sorted { x[rows[0]][$0] < x[rows[0]][$1] }
                return FiniteSizeScaling.Curve(size: size, x: order.map { x[rows[0]][$0] },
                                               y: order.map { j in rows.reduce(0) { $0 + y[$1][j] } / r },
                                               error: order.map { j in rows.reduce(0) { $0 + e[$1][j] * e[$1][j] }.squareRoot() / r })
            }
        }
        source.criticalTimes = timeKeys.map { k in
            let c = columns.firstIndex(of: k)!
            return (k, rows.map { $0[li] }, rows.map { $0[c] })
        }
        return source
    }

    public static func run(scan: String, request: Request, out: String?) throws -> URL {
        let commandLine = request.commandLine(scan: scan, out: out)
        let src = try source(scan, request: request), control = src.control
        let ratioSets = try request.ratios.map { (key: $0, curves: try src.curves($0)) }
        let chiCurves = try request.susceptibility.map(src.curves)
        guard let first = ratioSets.first, first.curves.count >= 2 else { throw ParameterError(file: scan, message: "fewer than two lattice sizes: expected two or more") }
        let source = URL(fileURLWithPath: scan)
        let destination = URL(fileURLWithPath: out ?? source.path + "-fss")
        let folder = try ResultsFolder(destination: destination)
        let resamples = request.resamples, omega = request.correctionExponent
        try folder.complete {
            let started = Date()
            var report = HTMLReport(title: "Finite-size scaling of \(source.lastPathComponent) against \(control)")
            var out: [String: Any] = ["control": control, "sizes": first.curves.map(\.size), "ratios": request.ratios, "correction_exponent": omega]
            var crossingRows: [[Double]] = [], fssRows: [[String]] = [], panels: [SVGPlot] = []
            let noise = GaussianNoise(seed: 1), boot = Bootstrap(resamples: resamples)
            func interval(_ estimate: Double, _ draws: [Double]) -> ConfidenceInterval { boot.percentile(estimate: estimate, draws) }
            func text(_ c: ConfidenceInterval) -> String { String(format: "%.5g [%.5g, %.5g]", c.estimate, c.lower, c.upper) }

            var fits: [(key: String, set: [FiniteSizeScaling.Curve], fixed: Double?, middle: Double, fit: FiniteSizeScaling.Collapse, resolved: Bool)] = []
            for (r, (key, set)) in ratioSets.enumerated() {
                // Crossings of successive sizes: point and value, each with its bootstrap draws.
                var table: [[String]] = [], pairs: [(size: Double, x: Double, y: Double, xDraws: [Double], yDraws: [Double], z: Double)] = []
                var significance: [Double] = []
                for (a, b) in zip(set, set.dropFirst()) {
                    guard let (x, z) = FiniteSizeScaling.crossingWithSignificance(a, b), let y = FiniteSizeScaling.value(a, b, at: x) else {
                        table.append([String(format: "%g–%g", a.size, b.size), "no crossing", "", ""])
                        continue
                    }
                    significance.append(z)
                    var xDraws: [Double] = [], yDraws: [Double] = []
                    for k in 0..<resamples {
                        let d = [a, b].enumerated().map { i, c in c.redrawn(noise, replicate: k, index: i, stream: 8 + UInt64(r)) }
                        let xd = FiniteSizeScaling.crossing(d[0], d[1])
                        xDraws.append(xd ?? .nan)
                        yDraws.append(xd.flatMap { FiniteSizeScaling.value(d[0], d[1], at: $0) } ?? .nan)
                    }
                    let (cx, cy) = (interval(x, xDraws), interval(y, yDraws))
                    pairs.append(((a.size * b.size).squareRoot(), x, y, xDraws, yDraws, z))
                    crossingRows.append([Double(r), a.size, b.size, x, cx.lower, cx.upper, y, cy.lower, cy.upper, z])
                    table.append([String(format: "%g–%g", a.size, b.size), text(cx), text(cy), String(format: "%.2g%@", z, z < 2 ? " (noise)" : "")])
                }
                report.tables.append((title: "Crossings of \(key) between successive sizes (95 % bootstrap intervals; z: how well the curves are separated on either side, z < 2 is a crossing by noise)",
                                      header: ["sizes", control, key, "z"], rows: table))
                out["\(key)_crossings"] = pairs.map(\.x)
                out["\(key)_crossing_values"] = pairs.map(\.y)
                out["\(key)_crossing_significance"] = significance
                let resolved = significance.filter { $0 >= 2 }.count
                if resolved < significance.count || significance.count < set.count - 1 {
                    report.summary.append(("\(key): crossings resolved (z ≥ 2)", "\(resolved) of \(set.count - 1) successive pairs: the others do not cross, or cross only by noise"))
                }
                // The collapse starts from the mean resolved crossing (any crossing, or mid-grid, without).
                let resolvedPairs = pairs.filter { $0.z >= 2 }, basis = resolvedPairs.isEmpty ? pairs : resolvedPairs
                let middle = basis.isEmpty ? set[0].x[set[0].x.count / 2] : basis.map(\.x).reduce(0, +) / Double(basis.count)
                let fit = FiniteSizeScaling.collapse(set, start: .init(criticalPoint: middle, inverseNu: 1, exponent: 0), fixedExponent: 0)
                fits.append((key, set, 0, middle, fit, !resolvedPairs.isEmpty))
                // L → ∞, from the resolved crossings: their points with the collapse's 1/ν + ω, their values with ω.
                if resolvedPairs.count >= 3 {
                    let pairs = resolvedPairs
                    let sizes = pairs.map(\.size)
                    func sd(_ draws: [Double]) -> Double { Estimate(samples: draws.filter(\.isFinite)).standardError * Double(draws.filter(\.isFinite).count).squareRoot() }
                    func limit(_ values: [Double], errors: [Double], exponent: Double) -> Double {
                        FiniteSizeScaling.Extrapolation(sizes: sizes, values: values, errors: errors, exponent: exponent)?.limit ?? .nan
                    }
                    for (name, values, draws, e) in [("crossing", pairs.map(\.x), pairs.map(\.xDraws), fit.parameters.inverseNu + omega),
                                                     ("crossing_value", pairs.map(\.y), pairs.map(\.yDraws), omega)] {
                        let errors = draws.map(sd)
                        let estimate = limit(values, errors: errors, exponent: e)
                        let ci = interval(estimate, (0..<resamples).map { k in limit(draws.map { $0[k] }, errors: errors, exponent: e) })
                        out["\(key)_\(name)_limit"] = estimate
                        out["\(key)_\(name)_limit_ci95"] = [ci.lower, ci.upper]
                        report.summary.append(("\(key): \(name == "crossing" ? control + " of the crossings" : "value at the crossings") as L → ∞ (correction L^{−\(String(format: "%.3g", e))})", text(ci)))
                    }
                }
            }
            if let chi = chiCurves, let key = request.susceptibility {
                let start = FiniteSizeScaling.Parameters(criticalPoint: fits[0].middle, inverseNu: 1, exponent: 1)
                fits.append((key, chi, nil, fits[0].middle, FiniteSizeScaling.collapse(chi, start: start), fits[0].resolved))
            }
            for (key, set, fixed, _, fit, resolved) in fits {
                let ci = FiniteSizeScaling.bootstrap(set, fit: fit, fixedExponent: fixed, resamples: resamples, seed: 2, threads: 0)
                let p = fit.parameters
                fssRows.append([key, "\(p.criticalPoint)", "\(ci.criticalPoint.lower)", "\(ci.criticalPoint.upper)", "\(p.inverseNu)", "\(ci.inverseNu.lower)",
                                "\(ci.inverseNu.upper)", "\(p.exponent)", fixed == nil ? "\(ci.exponent.lower)" : "nan", fixed == nil ? "\(ci.exponent.upper)" : "nan", "\(fit.quality)"])
                for (name, v, c) in [("x_c", p.criticalPoint, ci.criticalPoint), ("inverse_nu", p.inverseNu, ci.inverseNu)] + (fixed == nil ? [("gamma_over_nu", p.exponent, ci.exponent)] : []) {
                    out["\(key)_\(name)"] = v
                    out["\(key)_\(name)_ci95"] = [c.lower, c.upper]
                }
                out["\(key)_collapse_quality"] = fit.quality
                report.summary.append(("\(key): \(control) at criticality (collapse)", text(ci.criticalPoint)))
                report.summary.append(("\(key): ν", String(format: "%.4g [%.4g, %.4g]", 1 / p.inverseNu, 1 / ci.inverseNu.upper, 1 / ci.inverseNu.lower)))
                if fixed == nil { report.summary.append(("\(key): γ/ν", text(ci.exponent))) }
                report.summary.append(("\(key): collapse quality S (≈ 1 when the sizes collapse within their errors)", String(format: "%.3g", fit.quality)))
                // Reverse-diffusion times span decades: a log axis.
                let xs = set.flatMap(\.x), logX = control == "t" && xs.min()! > 0 && xs.max()! > 100 * xs.min()!
                var raw = SVGPlot(title: "\(key) against \(control)", xLabel: control, yLabel: key, logX: logX)
                var collapsed = SVGPlot(title: "collapsed: x_c = \(String(format: "%.4g", p.criticalPoint)), 1/ν = \(String(format: "%.3g", p.inverseNu)), ω = \(String(format: "%.3g", p.exponent))",
                                        xLabel: "(\(control) − x_c) L^{1/ν}", yLabel: "\(key) L^{−ω}")
                for (k, c) in set.enumerated() {
                    let label = String(format: "L = %g", c.size), s = pow(c.size, -p.exponent)
                    raw.series.append(.init(label: label, x: c.x, y: c.y, error: c.error, markers: true, color: k))
                    collapsed.series.append(.init(label: label, x: c.x.map { ($0 - p.criticalPoint) * pow(c.size, p.inverseNu) }, y: c.y.map { $0 * s },
                                                  error: c.error.map { $0 * s }, markers: true, line: false, color: k))
                }
                // x_c only where crossings are resolved: otherwise the fit has no critical point to find.
                if resolved { raw.verticalLines = [(p.criticalPoint, "x_c")] }
                panels += [raw, collapsed]
            }
            if !src.criticalTimes.isEmpty {
                // The critical-time table of the runs, size by size, beside the FSS estimate.
                let first = fits[0], limit = out["\(first.key)_crossing_limit"] as? Double
                out["t_c_fss"] = first.resolved ? (limit ?? out["\(first.key)_x_c"] as? Double ?? .nan) : Double.nan
                let sizes = src.criticalTimes[0].sizes
                report.tables.append((title: "Critical times of the runs at each size, and the finite-size-scaling estimate from \(first.key) (none without resolved crossings)",
                                      header: ["estimate"] + sizes.map { String(format: "L = %g", $0) },
                                      rows: src.criticalTimes.map { [$0.key] + $0.values.map { String(format: "%.4g", $0) } }
                                          + [["t_c_fss"] + sizes.map { _ in first.resolved ? String(format: "%.4g", out["t_c_fss"] as! Double) : "no crossing" }]))
            }
            try folder.write("crossings.csv", CSV.table(header: ["ratio", "size_a", "size_b", "crossing", "lower", "upper", "value", "value_lower", "value_upper", "z"], rows: crossingRows))
            try folder.write("fss.csv", ([["observable", "x_c", "x_c_lower", "x_c_upper", "inverse_nu", "inverse_nu_lower", "inverse_nu_upper",
                                           "exponent", "exponent_lower", "exponent_upper", "quality"]] + fssRows).map { $0.joined(separator: ",") }.joined(separator: "\n") + "\n")
            try folder.write("collapse.svg", SVGPlot.stacked(panels))
            try folder.write("curves.svg", SVGPlot.stacked(stride(from: 0, to: panels.count, by: 2).map { panels[$0] }))
            report.figures.append(("collapse.svg", "Per observable: the raw curves of every size (bars: standard errors) and the collapse (x − x_c)L^{1/ν}, y L^{−ω} with the fitted parameters. "
                                   + "A collapse is meaningful only where the ratio's curves cross (z ≥ 2) and S is near 1"))
            report.dataFiles += [("crossings.csv", "crossings of successive sizes (ratio: index into summary.json \"ratios\"): point and value with 95 % bootstrap intervals, and the significance z"),
                                 ("curves.svg", "the raw curves of every observable alone"),
                                 ("fss.csv", "collapse fits: x_c, 1/ν, ω (= γ/ν for a susceptibility, 0 held for a ratio), intervals and the quality S")]
            report.reproduce = commandLine
            report.linkRecords()
            let wall = Date().timeIntervalSince(started)
            out["wall_seconds"] = wall
            let record: [String: Any] = ["kind": "fss", "scan": source.path, "ratios": request.ratios, "susceptibility": request.susceptibility ?? NSNull(),
                                         "control": control, "correction_exponent": omega, "smallest": request.smallest ?? NSNull(), "resamples": resamples,
                                         "package": "Criticality", "version": Experiment.version, "git_revision": Experiment.revision,
                                         "date": ISO8601DateFormatter().string(from: Date()), "reproduce": commandLine, "wall_seconds": wall]
            return (out, record, report)
        }
        return destination
    }
}
