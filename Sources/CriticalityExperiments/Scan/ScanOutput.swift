import CriticalityAnalysis
import Foundation

/// Writes a scan's table, raw replicas and bifurcation-diagram plot (docs/output.md).
enum ScanOutput {
    /// The panels drawn when scan.plot is not given: the relaxed fixed points if the runs have
    /// them, else the critical-time estimates, else ξ of sign D.
    static func defaultPanels(_ keys: [String]) -> [[String]] {
        if keys.contains("fixed_point_m_plus") {
            return [["fixed_point_m_plus", "fixed_point_m_minus"], ["fixed_point_fraction_plus", "fixed_point_fraction_minus", "fixed_point_fraction_zero"]]
        }
        let times = keys.filter { k in ["t_c_", "t_min_", "t_peak_xi_eq", "t_branch_point", "t_speciation"].contains { k.hasPrefix($0) }
            && !k.hasSuffix("_log_lambda") && !k.hasSuffix("_se") }
        if !times.isEmpty { return [times] }
        return [[keys.first { $0.hasPrefix("xi_1e_sign") } ?? keys[0]]]
    }

    static func write(_ t: ScanTable, continuation: (BifurcationDiagram, scale: Double)?, to folder: ResultsFolder) throws -> (HTMLReport, [String: Any]) {
        var report = HTMLReport(title: "scan")
        let scan = t.scan
        try folder.write("scan.csv", CSV.table(header: t.columns, rows: t.rows))
        try folder.write("scan.npy", array: t.rows.flatMap { $0 }, shape: [t.rows.count, t.columns.count], dims: ["point", "column"], labels: ["column": t.columns])
        try folder.write("replicas.csv", CSV.table(header: scan.axes.map(\.key) + ["replica", "seed"] + t.keys,
                                                   rows: t.records.map { r in r.point + [Double(r.replica), Double(r.seed)] + t.keys.map { r.values[$0]! } }))
        report.dataFiles += [
            ("scan.csv", "one row per point: the scanned value(s), then every summary number's replica mean and its standard error (<key>_replica_se)"),
            ("scan.npy", "the same table as a (points, columns) float64 array; column names in summary.json \"columns\""),
            ("replicas.csv", "every (point, replica): values, replica, seed, every summary number"),
        ]
        // Per-time curves (reverse diffusion): one array per key, a row per (point, replica).
        let curveKeys = t.records.dropFirst().reduce(Set(t.records[0].perTime.keys)) { $0.intersection($1.perTime.keys) }.sorted()
        if !curveKeys.isEmpty {
            let o: [String: Any] = ["axes": scan.axes.map(\.key), "points": t.records.map(\.point), "replicas": t.records.map(\.replica),
                                    "curves": Dictionary(uniqueKeysWithValues: curveKeys.map { k in (k, t.records.map { $0.perTime[k]!.map { $0.isFinite ? $0 as Any : NSNull() } }) })]
            try folder.write("per_time.json", try JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]))
            report.dataFiles.append(("per_time.json", "the runs' per-time curves: \"curves\" maps each key (t, log_lambda, and per field the order-parameter statistics of order.npy with _se) to one row per (point, replica) in the order of \"points\" and \"replicas\" (null: undefined); the input of criticality fss over t"))
        }

        let panels = scan.plot.isEmpty ? defaultPanels(t.keys) : scan.plot
        for key in panels.flatMap({ $0 }) where !t.keys.contains(key) {
            throw ParameterError(file: "scan.plot", message: "'\(key)' is not a number the runs report (they report: \(t.keys.joined(separator: ", ")))")
        }
        let x0 = scan.axes[0], xs = t.points.map { $0[0] }
        let groups: [(label: String, rows: [Int])] = scan.axes.count == 1 ? [("", Array(t.points.indices))]
            : scan.axes[1].values.indices.map { j in
                let v = ScanSpec.number(scan.axes[1].values[j])!
                return ("\(scan.axes[1].key) = \(String(format: "%g", v))", t.points.indices.filter { t.points[$0][1] == v })
            }
        var plots: [SVGPlot] = []
        for panel in panels {
            var plot = SVGPlot(title: panel.count == 1 ? panel[0] : "scan of \(x0.key)", xLabel: x0.key,
                               yLabel: panel.count == 1 ? panel[0] : "replica mean ± SE", logX: x0.logarithmic)
            var colour = 0
            if let (d, scale) = continuation, panel.contains(where: { $0.hasPrefix("fixed_point_m") }) {
                plot.series += BifurcationOutput.plot(d, scale: scale, parameter: x0.key, title: "").series
                colour = 4  // after the branches' and special points' colours
            }
            for key in panel {
                let y = t.column(key)!, e = t.errorBars(key)
                for g in groups {
                    plot.series.append(.init(label: g.label.isEmpty ? key : "\(key), \(g.label)", x: g.rows.map { xs[$0] }, y: g.rows.map { y[$0] },
                                             error: e.map { e in g.rows.map { e[$0] } }, markers: true, color: colour))
                    colour += 1
                }
            }
            plots.append(plot)
        }
        try folder.write("scan.svg", SVGPlot.stacked(plots))
        report.figures.append(("scan.svg", "Bifurcation diagram: replica means ± standard errors against \(x0.key)"
                               + (continuation != nil ? ", over the continued branches of the reduced model (stable solid, unstable dashed)" : "")))
        if let (d, scale) = continuation {
            try folder.write("special_points.csv", BifurcationOutput.specialPointsCSV(d, scale: scale, parameter: x0.key))
            report.dataFiles.append(("special_points.csv", "special points of the continued reduction"))
        }
        report.tables.append((title: "Scan table (replica means)", header: scan.axes.map(\.key) + panels.flatMap { $0 },
                              rows: t.points.indices.map { p in t.points[p].map { String(format: "%g", $0) }
                                  + panels.flatMap { $0 }.map { k in
                                      let m = t.column(k)![p], e = t.errorBars(k)?[p] ?? .nan
                                      return Estimate(mean: m, standardError: e).formatted
                                  } }))
        var summary: [String: Any] = ["scan_parameters": scan.axes.map(\.key), "points": t.points.count, "replicas": scan.replicas, "columns": t.columns]
        if !scan.powerLaw.isEmpty {
            var plot = SVGPlot(title: "Power laws against \(x0.key)", xLabel: x0.key, yLabel: "replica mean ± SE", logX: true, logY: true)
            for (k, key) in scan.powerLaw.enumerated() {
                let y = t.column(key)!, e = t.errorBars(key) ?? y.map { _ in .nan }
                let fit = KibbleZurek.fitPowerLaw(x: xs, y: y, yError: e)
                summary["power_law_\(key)"] = fit.exponent
                summary["power_law_\(key)_se"] = fit.exponentError
                summary["power_law_\(key)_chi2_per_dof"] = fit.chi2PerDof
                report.summary.append(("\(key) ∝ \(x0.key)^b", String(format: "b = %@, χ²/dof %.2f", Estimate(mean: fit.exponent, standardError: fit.exponentError).formatted, fit.chi2PerDof)))
                plot.series.append(.init(label: key, x: xs, y: y, error: e, markers: true, line: false, color: k))
                if fit.exponent.isFinite {
                    let positive = xs.filter { $0 > 0 }
                    plot.series.append(.init(label: String(format: "fit ∝ x^%.3f", fit.exponent), x: positive, y: positive.map { exp(fit.intercept) * pow($0, fit.exponent) },
                                             dashed: true, color: k))
                }
            }
            try folder.write("power_law.svg", plot.render())
            report.figures.append(("power_law.svg", "scan.power_law: the keys against \(x0.key) on log–log axes with their weighted fits (formal standard errors; χ²/dof beside them)"))
        }
        report.summary.append(("scanned", scan.axes.map { "\($0.key) (\($0.values.count) values)" }.joined(separator: " × ")))
        return (report, summary)
    }
}
