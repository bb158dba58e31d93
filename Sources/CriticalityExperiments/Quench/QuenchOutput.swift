import CriticalityAnalysis
import Foundation
import CriticalityLattice

/// Writes the files of a quench run (see docs/output.md) and returns the report and summary.
enum QuenchOutput {
    static func write(_ r: QuenchResult, to folder: ResultsFolder) throws -> (HTMLReport, [String: Any]) {
        let spec = r.spec, last = r.times.count - 1
        var report = HTMLReport(title: spec.name)

        // Time series
        let header = ["t", "m", "m_se", "abs_m", "abs_m_se", "m2", "m2_se", "susceptibility", "susceptibility_se", "binder", "binder_se",
                      "xi_1e", "xi_1e_se", "xi_2nd", "xi_2nd_se", "xi_oz", "xi_oz_se", "m4", "m4_se", "chi", "chi_se"]
        let rows = r.times.indices.map { j -> [Double] in
            let o = r.order[j]
            return [r.times[j], o.m.mean, o.m.standardError, o.absM.mean, o.absM.standardError, o.m2.mean, o.m2.standardError,
                    o.susceptibility.mean, o.susceptibility.standardError, o.binder.mean, o.binder.standardError,
                    r.xiOneOverE[j].mean, r.xiOneOverE[j].standardError, r.xiSecondMoment[j].mean, r.xiSecondMoment[j].standardError,
                    r.xiOrnsteinZernike[j].mean, r.xiOrnsteinZernike[j].standardError,
                    o.m4.mean, o.m4.standardError, o.finiteSizeSusceptibility.mean, o.finiteSizeSusceptibility.standardError]
        }
        try folder.write("timeseries.csv", CSV.table(header: header, rows: rows))
        try folder.write("t.npy", array: r.times, shape: [r.times.count], dims: ["t"])
        let xi = r.times.indices.map { [r.xiOneOverE[$0].mean, r.xiSecondMoment[$0].mean, r.xiOrnsteinZernike[$0].mean] }
        let xiErr = r.times.indices.map { [r.xiOneOverE[$0].standardError, r.xiSecondMoment[$0].standardError, r.xiOrnsteinZernike[$0].standardError] }
        let estimators = ["estimator": ["xi_1e", "xi_2nd", "xi_oz"]]
        try folder.write("xi.npy", array: xi.flatMap { $0 }, shape: [xi.count, 3], dims: ["t", "estimator"], labels: estimators)
        try folder.write("xi_se.npy", array: xiErr.flatMap { $0 }, shape: [xi.count, 3], dims: ["t", "estimator"], labels: estimators)
        try folder.write("xi.csv", CSV.table(header: ["t", "xi_1e", "xi_1e_se", "xi_2nd", "xi_2nd_se", "xi_oz", "xi_oz_se"],
                                              rows: r.times.indices.map { [r.times[$0], xi[$0][0], xiErr[$0][0], xi[$0][1], xiErr[$0][1], xi[$0][2], xiErr[$0][2]] }))

        // Structure factor and correlation function
        let (nt, nk) = (r.times.count, r.shellWaveNumber.count)
        try folder.write("k.npy", array: r.shellWaveNumber, shape: [nk], dims: ["k"])
        try folder.write("structure_factor.npy", array: r.structureFactor.flatMap { $0 }, shape: [nt, nk], dims: ["t", "k"])
        try folder.write("structure_factor_se.npy", array: r.structureFactorError.flatMap { $0 }, shape: [nt, nk], dims: ["t", "k"])
        var sRows: [[Double]] = []
        for j in r.times.indices { for s in r.shellWaveNumber.indices {
            sRows.append([r.times[j], r.shellWaveNumber[s], Double(r.shellLabel[s]), r.shellModes[s], r.structureFactor[j][s], r.structureFactorError[j][s]])
        } }
        try folder.write("structure_factor.csv", CSV.table(header: ["t", "k", "shell", "modes", "S", "S_se"], rows: sRows))
        try folder.write("r.npy", array: r.distance, shape: [r.distance.count], dims: ["r"])
        try folder.write("correlation.npy", array: r.correlation.flatMap { $0 }, shape: [nt, r.distance.count], dims: ["t", "r"])

        // Snapshots
        if !r.snapshots.isEmpty {
            try folder.write("snapshots.npy", array: r.snapshots.flatMap { $0 }, shape: [r.snapshots.count] + spec.lattice.shape,
                             dims: ["snapshot_t"] + ResultsFolder.siteAxes(spec.lattice.dimension))
            try folder.write("snapshot_t.npy", array: r.snapshotTimes, shape: [r.snapshotTimes.count], dims: ["snapshot_t"])
        }
        let shape = spec.lattice.shape
        for (i, field) in r.snapshots.enumerated() where shape.count >= 2 {
            let (rows, cols) = (shape[0], shape[1])
            let slice = shape.count == 2 ? field : stride(from: 0, to: field.count, by: shape[2]).map { field[$0] }  // 3-D: z = 0
            let name = String(format: "snapshot_%02d.png", i)
            try folder.write(name, PNGImage.field(slice, rows: rows, columns: cols, scale: max(1, 384 / max(rows, cols))))
            report.figures.append((name, String(format: "φ(x) of member 0 at t = %g%@ (blue < 0 < red, scaled to max |φ|)", r.snapshotTimes[i], shape.count == 3 ? ", slice z = 0" : "")))
        }
        if shape.count == 1, !r.snapshots.isEmpty {
            var plot = SVGPlot(title: "Field snapshots (member 0)", xLabel: "x", yLabel: "φ")
            let x = (0..<shape[0]).map { Double($0) * spec.lattice.spacing[0] }
            for (i, f) in r.snapshots.enumerated() { plot.series.append(.init(label: String(format: "t = %g", r.snapshotTimes[i]), x: x, y: f)) }
            try folder.write("snapshots.svg", plot.render())
            report.figures.append(("snapshots.svg", "φ(x) of member 0 at the snapshot times"))
        }

        // Plots
        let logT = spec.schedule == .log
        var xiPlot = SVGPlot(title: "Correlation length", xLabel: "t", yLabel: "ξ", logX: logT, logY: true)
        xiPlot.series = [
            .init(label: "ξ_1/e (headline)", x: r.times, y: r.xiOneOverE.map(\.mean), error: r.xiOneOverE.map(\.standardError), markers: true),
            .init(label: "ξ_2nd", x: r.times, y: r.xiSecondMoment.map(\.mean), error: r.xiSecondMoment.map(\.standardError)),
            .init(label: "ξ_OZ", x: r.times, y: r.xiOrnsteinZernike.map(\.mean), dashed: true),
        ]
        try folder.write("xi.svg", xiPlot.render())
        let undefined = r.xiSecondMoment.filter { !$0.mean.isFinite }.count
        report.figures.insert(("xi.svg", "Correlation length against time: ξ_1/e from G(r), ξ_2nd and the Ornstein–Zernike fit from S(k); bars are jackknife standard errors over members. "
            + "The three are different lengths: ξ_1/e is where G(r) falls to 1/e of G(0), which for an Ornstein–Zernike field in 2-D (G ∝ K₀(r/ξ)) lies well inside the OZ ξ; "
            + "ξ_2nd = √(S(0)/S(k₁) − 1)/k₁ equals the OZ ξ of linear model A but rests on one mode per member at k = 0 (relative error √(2/M) in S(0))"
            + (undefined > 0 ? ", and is undefined (no point) at \(undefined) of \(r.times.count) times, where S(0) ≤ S(k₁): an ordered or coarsening field has no peak at k = 0" : "")), at: 0)

        var sPlot = SVGPlot(title: "Structure factor", xLabel: "|k|", yLabel: "S(k)", logX: true, logY: true)
        let shown = r.snapshotTimes.isEmpty ? [r.times[last]] : r.snapshotTimes
        for t in shown {
            guard let j = r.times.firstIndex(where: { abs($0 - t) < spec.dt / 2 }) else { continue }
            sPlot.series.append(.init(label: String(format: "t = %g", t), x: Array(r.shellWaveNumber.dropFirst()), y: Array(r.structureFactor[j].dropFirst())))
        }
        if case .modelA(let m) = spec.model, case .constant(let r0) = m.r, r0 > 0, m.temperature > 0 {
            let (kappa, temp) = (m.kappa, m.temperature)
            sPlot.series.append(.init(label: "T/(r + κk²)", x: Array(r.shellWaveNumber.dropFirst()), y: r.shellWaveNumber.dropFirst().map { temp / (r0 + kappa * $0 * $0) }, dashed: true))
        }
        try folder.write("structure_factor.svg", sPlot.render())
        report.figures.insert(("structure_factor.svg", "Shell-averaged S(k) at the snapshot times (k = 0 not shown)"), at: 1)

        var mPlot = SVGPlot(title: "Order parameter", xLabel: "t", yLabel: "", logX: logT)
        mPlot.series = [.init(label: "⟨m²⟩", x: r.times, y: r.order.map(\.m2.mean), error: r.order.map(\.m2.standardError)),
                        .init(label: "Binder U", x: r.times, y: r.order.map(\.binder.mean), dashed: true)]
        try folder.write("order_parameter.svg", mPlot.render())
        report.figures.insert(("order_parameter.svg", "⟨m²⟩ and the Binder cumulant U = 1 − ⟨m⁴⟩/3⟨m²⟩²"), at: 2)

        report.dataFiles = [
            ("timeseries.csv", "t, order parameters and correlation lengths with standard errors"),
            ("t.npy", "observation times (T,)"), ("xi.npy", "(T, 3): ξ_1/e, ξ_2nd, ξ_OZ"), ("xi_se.npy", "their standard errors"),
            ("xi.csv", "the same as a table"),
            ("k.npy", "mean |k| per shell (K,)"), ("structure_factor.npy", "S(k, t), shape (T, K)"), ("structure_factor_se.npy", "its standard errors"),
            ("structure_factor.csv", "S(k, t) in long format"),
            ("r.npy", "distance bins (R,)"), ("correlation.npy", "connected G(r, t), shape (T, R)"),
            ("snapshots.npy", "member 0's field at the snapshot times, shape (n, *lattice.shape)"), ("snapshot_t.npy", "snapshot times"),
            ("run.json", "everything needed to reproduce the run"), ("summary.json", "headline numbers"), ("parameters.toml", "effective parameters"),
        ]

        let o = r.order[last], L = spec.lattice.boxLength.max()!
        var summary: [String: Any] = [
            "t_final": r.times[last],
            "xi_1e": r.xiOneOverE[last].mean, "xi_1e_se": r.xiOneOverE[last].standardError,
            "xi_2nd": r.xiSecondMoment[last].mean, "xi_2nd_se": r.xiSecondMoment[last].standardError,
            "xi_oz": r.xiOrnsteinZernike[last].mean, "xi_oz_se": r.xiOrnsteinZernike[last].standardError,
            "m2": o.m2.mean, "m2_se": o.m2.standardError, "abs_m": o.absM.mean, "abs_m_se": o.absM.standardError,
            "binder": o.binder.mean, "binder_se": o.binder.standardError,
            "susceptibility": o.susceptibility.mean, "susceptibility_se": o.susceptibility.standardError,
            "m4": o.m4.mean, "m4_se": o.m4.standardError, "chi": o.finiteSizeSusceptibility.mean, "chi_se": o.finiteSizeSusceptibility.standardError,
            // ξ/L for finite-size scaling, L the longest side.
            "xi_1e_over_l": r.xiOneOverE[last].mean / L, "xi_1e_over_l_se": r.xiOneOverE[last].standardError / L,
            "xi_2nd_over_l": r.xiSecondMoment[last].mean / L, "xi_2nd_over_l_se": r.xiSecondMoment[last].standardError / L,
            "members": spec.members, "steps_per_member": r.stepsPerMember,
            "member_steps_per_second": Double(spec.members * r.stepsPerMember) / r.wallSeconds,
        ]
        let sFinal = r.structureFactor[last]
        if sFinal.count > 1, let peak = (1..<sFinal.count).max(by: { sFinal[$0] < sFinal[$1] }) { summary["k_peak"] = r.shellWaveNumber[peak] }
        if case .modelA(let m) = spec.model, case .constant(let r0) = m.r, m.u == 0, r0 > 0 { summary["xi_linear_theory"] = (m.kappa / r0).squareRoot() }
        report.summary = [
            ("t (final)", String(format: "%g", r.times[last])),
            ("ξ_1/e (headline)", r.xiOneOverE[last].formatted), ("ξ_2nd", r.xiSecondMoment[last].mean.isFinite ? r.xiSecondMoment[last].formatted : "undefined: S(0) ≤ S(k₁), no peak at k = 0"), ("ξ_OZ", r.xiOrnsteinZernike[last].formatted),
            ("⟨m²⟩", o.m2.formatted), ("Binder U", o.binder.formatted),
            ("members × steps", "\(spec.members) × \(r.stepsPerMember)"),
            ("member-steps per second", String(format: "%.0f", Double(spec.members * r.stepsPerMember) / r.wallSeconds)),
        ]
        try EquilibriumOutput.write(r, to: folder, report: &report, summary: &summary)
        return (report, summary)
    }

}
