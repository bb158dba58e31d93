import CriticalityAnalysis
import CriticalityDiffusion
import Foundation
import CriticalityLattice

/// The sample-based observables of fields along a reverse path, as written by both
/// `criticality run` (reverse diffusion) and `criticality analyze`: per time and field the
/// magnetisation, the three correlation lengths, S(k) and G(r), their plots and the growth
/// rate −dξ/dlog t with its peak (docs/output.md).
struct PathObservables {
    /// Short names (file and key suffixes) and plot labels of the fields, in array order.
    let fieldNames: [String]
    let fieldLabels: [String]
    let times: [Double]
    /// The noise levels of the times, when the schedule is known.
    let levels: [NoiseLevel]?
    /// summaries[time][field].
    let summaries: [[FieldObservables.Summary]]
    let shellWaveNumber: [Double]
    let shellLabel: [Int]
    let shellModes: [Double]
    let distance: [Double]
    let logTime: Bool
    /// The longest box side L, for ξ/L.
    let boxLength: Double
    /// What m is (its ``OrderParameterField/name``).
    let orderParameter: String

    /// The per-time order-parameter statistics of `order.npy`, in its order (docs/theory.md §12).
    static let orderStatistics = ["m", "abs_m", "m2", "m4", "binder", "chi", "xi_2nd_over_l", "xi_1e_over_l"]
    func orderStatistics(_ s: FieldObservables.Summary) -> [Estimate] {
        let o = s.order
        func overL(_ e: Estimate) -> Estimate { Estimate(mean: e.mean / boxLength, standardError: e.standardError / boxLength) }
        return [o.m, o.absM, o.m2, o.m4, o.binder, o.finiteSizeSusceptibility, overL(s.xiSecondMoment), overL(s.xiOneOverE)]
    }

    /// The summary key holding the per-time curves (a table of arrays, kept by scans).
    static let perTimeKey = "per_time"

    /// ξ_1/e growth of one field.
    func growth(field f: Int) -> GrowthRate { GrowthRate(times: times, values: summaries.map { $0[f].xiOneOverE.mean }) }

    func write(to folder: ResultsFolder, report: inout HTMLReport, summary: inout [String: Any]) throws {
        let fields = fieldNames.indices, nt = times.count, nf = fieldNames.count, shells = shellWaveNumber.count
        let logLambda = levels?.map(\.logSignalToNoise)
        var header = ["t"] + (levels == nil ? [] : ["log_lambda", "alpha", "sigma"])
        for f in fieldNames {
            header += ["m2_\(f)", "m2_\(f)_se", "xi_1e_\(f)", "xi_1e_\(f)_se", "xi_2nd_\(f)", "xi_2nd_\(f)_se", "xi_oz_\(f)", "xi_oz_\(f)_se", "xi_int_\(f)", "xi_int_\(f)_se"]
            header += ["abs_m", "m4", "binder", "chi", "xi_2nd_over_l", "xi_1e_over_l"].flatMap { ["\($0)_\(f)", "\($0)_\(f)_se"] }
        }
        let rows = times.indices.map { j -> [Double] in
            var row = [times[j]] + (levels.map { [$0[j].logSignalToNoise, $0[j].alpha, $0[j].sigma] } ?? [])
            for f in fields {
                let s = summaries[j][f]
                row += [s.order.m2.mean, s.order.m2.standardError, s.xiOneOverE.mean, s.xiOneOverE.standardError,
                        s.xiSecondMoment.mean, s.xiSecondMoment.standardError, s.xiOrnsteinZernike.mean, s.xiOrnsteinZernike.standardError,
                        s.xiIntegrated.mean, s.xiIntegrated.standardError]
                let o = orderStatistics(s)
                row += [1, 3, 4, 5, 6, 7].flatMap { [o[$0].mean, o[$0].standardError] }
            }
            return row
        }
        try folder.write("timeseries.csv", CSV.table(header: header, rows: rows))
        try folder.write("t.npy", array: times, shape: [nt], dims: ["t"])
        if let logLambda { try folder.write("log_lambda.npy", array: logLambda, shape: [nt], dims: ["t"]) }
        func perField(_ value: (FieldObservables.Summary) -> [Double]) -> [Double] { summaries.flatMap { row in row.flatMap(value) } }
        let estimators = ["field": fieldNames, "estimator": ["xi_1e", "xi_2nd", "xi_oz", "xi_int"]], byField = ["field": fieldNames]
        try folder.write("xi.npy", array: perField { [$0.xiOneOverE.mean, $0.xiSecondMoment.mean, $0.xiOrnsteinZernike.mean, $0.xiIntegrated.mean] },
                         shape: [nt, nf, 4], dims: ["t", "field", "estimator"], labels: estimators)
        try folder.write("xi_se.npy", array: perField {
            [$0.xiOneOverE.standardError, $0.xiSecondMoment.standardError, $0.xiOrnsteinZernike.standardError, $0.xiIntegrated.standardError]
        }, shape: [nt, nf, 4], dims: ["t", "field", "estimator"], labels: estimators)
        let statistics = ["field": fieldNames, "statistic": PathObservables.orderStatistics]
        try folder.write("order.npy", array: perField { orderStatistics($0).map(\.mean) }, shape: [nt, nf, PathObservables.orderStatistics.count],
                         dims: ["t", "field", "statistic"], labels: statistics)
        try folder.write("order_se.npy", array: perField { orderStatistics($0).map(\.standardError) }, shape: [nt, nf, PathObservables.orderStatistics.count],
                         dims: ["t", "field", "statistic"], labels: statistics)
        summary["order_parameter"] = orderParameter
        // The per-time curves of every field, for finite-size scaling across a scan over lattice.size.
        var curves: [String: [Double]] = ["t": times]
        if let logLambda { curves["log_lambda"] = logLambda }
        for (f, name) in fieldNames.enumerated() {
            let statistics = summaries.map { orderStatistics($0[f]) }
            for (k, stat) in PathObservables.orderStatistics.enumerated() {
                curves["\(stat)_\(name)"] = statistics.map { $0[k].mean }
                curves["\(stat)_\(name)_se"] = statistics.map { $0[k].standardError }
            }
        }
        summary[PathObservables.perTimeKey] = curves
        try folder.write("k.npy", array: shellWaveNumber, shape: [shells], dims: ["k"])
        try folder.write("structure_factor.npy", array: perField(\.s), shape: [nt, nf, shells], dims: ["t", "field", "k"], labels: byField)
        try folder.write("structure_factor_se.npy", array: perField(\.sError), shape: [nt, nf, shells], dims: ["t", "field", "k"], labels: byField)
        try folder.write("shells.csv", CSV.table(header: ["k", "shell", "modes"], rows: (0..<shells).map { [shellWaveNumber[$0], Double(shellLabel[$0]), shellModes[$0]] }))
        try folder.write("r.npy", array: distance, shape: [distance.count], dims: ["r"])
        try folder.write("correlation.npy", array: perField(\.g), shape: [nt, nf, distance.count], dims: ["t", "field", "r"], labels: byField)

        let growths = fields.map { growth(field: $0) }
        if let first = growths.first, !first.times.isEmpty {
            try folder.write("xi_growth.csv", CSV.table(header: ["t"] + fieldNames.map { "minus_dxi_1e_dlogt_\($0)" },
                                                        rows: first.times.indices.map { j in [first.times[j]] + growths.map { $0.rate[j] } }))
        }
        for f in fields {
            guard let t = growths[f].peakTime else { continue }
            let key = fieldNames[f] == "sign_D" ? "t_peak_xi_growth" : "t_peak_xi_growth_\(fieldNames[f])"
            summary[key] = t
        }

        var xiPlot = SVGPlot(title: "Correlation length along the reverse path", xLabel: "t", yLabel: "ξ_1/e", logX: logTime, logY: true)
        for f in fields {
            xiPlot.series.append(.init(label: fieldLabels[f], x: times, y: summaries.map { $0[f].xiOneOverE.mean },
                                       error: summaries.map { $0[f].xiOneOverE.standardError }, dashed: f % 2 == 1, markers: f == 3))
        }
        try folder.write("xi.svg", xiPlot.render())
        var figures: [(file: String, caption: String)] = [("xi.svg", "ξ_1/e of the fields against t (reverse time runs right to left); bars are jackknife standard errors over members")]
        // The four estimators of the last field side by side: they measure different lengths.
        let last = nf - 1
        var estimatorPlot = SVGPlot(title: "Correlation-length estimators of \(fieldLabels[last])", xLabel: "t", yLabel: "ξ", logX: logTime, logY: true)
        let lengths: [(String, KeyPath<FieldObservables.Summary, Estimate>)] = [("ξ_1/e", \.xiOneOverE), ("ξ_int", \.xiIntegrated), ("ξ_2nd", \.xiSecondMoment), ("ξ_OZ", \.xiOrnsteinZernike)]
        for (i, (name, key)) in lengths.enumerated() {
            estimatorPlot.series.append(.init(label: name, x: times, y: summaries.map { $0[last][keyPath: key].mean },
                                              error: summaries.map { $0[last][keyPath: key].standardError }, dashed: i >= 2))
        }
        try folder.write("xi_estimators.svg", estimatorPlot.render())
        figures.append(("xi_estimators.svg", "ξ_1/e, ξ_int (from G(r)), ξ_2nd and ξ_OZ (from S(k) near k = 0) of \(fieldLabels[last]): different lengths, not estimates of one (docs/theory.md §11.5). "
            + "ξ_2nd and ξ_OZ presume a disordered field with S peaked at k = 0 and are missing where it is not"))
        if let logLambda {
            var lambdaPlot = SVGPlot(title: "Correlation length against signal-to-noise", xLabel: "log λ_t", yLabel: "ξ_1/e", logY: true)
            for f in fields {
                lambdaPlot.series.append(.init(label: fieldLabels[f], x: logLambda, y: summaries.map { $0[f].xiOneOverE.mean },
                                               error: summaries.map { $0[f].xiOneOverE.standardError }, dashed: f % 2 == 1, markers: f == 3))
            }
            try folder.write("xi_lambda.svg", lambdaPlot.render())
            figures.append(("xi_lambda.svg", "the same against log λ_t = log(α_t²/σ_t²)"))
        }
        report.figures.insert(contentsOf: figures, at: 0)
        report.dataFiles += [
            ("timeseries.csv", "t\(levels == nil ? "" : ", log λ, α, σ") and per field ⟨m²⟩, the four correlation lengths, ⟨|m|⟩, ⟨m⁴⟩, the Binder cumulant, χ = N(⟨m²⟩ − ⟨|m|⟩²) and ξ/L, with standard errors"),
            ("order.npy", "(T, \(nf), \(PathObservables.orderStatistics.count)): per field \(PathObservables.orderStatistics.joined(separator: ", ")) of the order parameter m (\(orderParameter))"),
            ("order_se.npy", "their jackknife standard errors over members"),
            ("t.npy", "observation times (T,)"),
        ] + (logLambda == nil ? [] : [("log_lambda.npy", "log λ_t at those times (T,)")]) + [
            ("xi.npy", "(T, \(nf), 4): fields \(fieldNames.joined(separator: ", ")) × ξ_1/e, ξ_2nd, ξ_OZ, ξ_int"), ("xi_se.npy", "their standard errors"),
            ("xi_growth.csv", "−dξ_1/e/dlog t per field at the geometric-mean times of consecutive observations, smoothed [¼ ½ ¼]"),
            ("k.npy", "mean |k| per shell (K,)"), ("structure_factor.npy", "S(k, t) per field, shape (T, \(nf), K)"),
            ("structure_factor_se.npy", "its standard errors"),
            ("shells.csv", "per shell of k.npy: mean |k|, label (|n|² up to 256, then j² for the unit bin of |n| around j), modes in the full Brillouin zone"),
            ("r.npy", "distance bins (R,)"), ("correlation.npy", "connected G(r, t) per field, shape (T, \(nf), R)"),
        ]
    }
}
