import CriticalityAnalysis
import Foundation
import CriticalityFieldTheory
import CriticalityLattice

/// Kibble–Zurek scaling of model A: for each quench time τ_Q, ramp r(t) = −(t − t_c)/τ_Q from
/// r₀ = r(0) > 0 through the critical point at t_c = r₀τ_Q, and measure ξ_1/e at
/// t_c + c·√τ_Q, a fixed multiple of the mean-field freeze-out time √τ_Q. Mean-field model A
/// (ν = ½, z = 2) predicts ξ ∝ τ_Q^{ν/(1+νz)} = τ_Q^{1/4}; the exponent is fitted by weighted
/// least squares of log ξ on log τ_Q.
enum KibbleZurek {
    static let meanFieldExponent = 0.25

    static func run(_ spec: ExperimentSpec, folder: ResultsFolder, progress: Bool) throws -> (HTMLReport, [String: Any]) {
        guard let kz = spec.kibbleZurek, case .modelA(let m) = spec.model else { fatalError("validated") }
        var rows: [[Double]] = [], report = HTMLReport(title: spec.name)
        for (i, tauQ) in kz.quenchTimes.enumerated() {
            var s = spec
            let tc = kz.initialR * tauQ
            s.kind = .quench
            s.model = .modelA(ModelA(lattice: m.lattice, r: .ramp(criticalTime: tc, quenchTime: tauQ), u: m.u, kappa: m.kappa, h: m.h, temperature: m.temperature))
            s.tEnd = tc + kz.delay * tauQ.squareRoot()
            s.schedule = .linear
            s.observationCount = 1
            s.snapshots = [s.tEnd]
            let label = String(format: "%@ τ_Q = %g (%d/%d)", spec.name, tauQ, i + 1, kz.quenchTimes.count)
            let r = try QuenchRun.run(s, progress: progress ? Progress(label: label) : nil)
            let last = r.times.count - 1
            let o = r.order[last]
            rows.append([tauQ, r.times[last], r.xiOneOverE[last].mean, r.xiOneOverE[last].standardError,
                         r.xiSecondMoment[last].mean, r.xiSecondMoment[last].standardError, o.m2.mean]
                        + [o.m2.standardError, o.absM.mean, o.absM.standardError, o.binder.mean, o.binder.standardError,
                           o.finiteSizeSusceptibility.mean, o.finiteSizeSusceptibility.standardError])
            if let field = r.snapshots.last, spec.lattice.dimension == 2 {
                let name = String(format: "snapshot_tauQ_%g.png", tauQ)
                let (ny, nx) = (spec.lattice.shape[0], spec.lattice.shape[1])
                try folder.write(name, PNGImage.field(field, rows: ny, columns: nx, scale: max(1, 256 / max(ny, nx))))
                report.figures.append((name, String(format: "τ_Q = %g: φ at t_c + %g√τ_Q", tauQ, kz.delay)))
            }
        }
        let header = ["tau_q", "t_measure", "xi_1e", "xi_1e_se", "xi_2nd", "xi_2nd_se", "m2", "m2_se", "abs_m", "abs_m_se", "binder", "binder_se", "chi", "chi_se"]
        try folder.write("kibble_zurek.csv", CSV.table(header: header, rows: rows))
        try folder.write("kibble_zurek.npy", array: rows.flatMap { $0 }, shape: [rows.count, header.count], dims: ["quench", "column"], labels: ["column": header])

        let fit = fitPowerLaw(x: rows.map { $0[0] }, y: rows.map { $0[2] }, yError: rows.map { $0[3] })
        var plot = SVGPlot(title: "Kibble–Zurek: frozen correlation length", xLabel: "τ_Q", yLabel: "ξ_1/e at t_c + c√τ_Q", logX: true, logY: true)
        let taus = rows.map { $0[0] }
        plot.series.append(.init(label: "measured", x: taus, y: rows.map { $0[2] }, error: rows.map { $0[3] }, markers: true))
        let anchorX = exp(taus.map(log).reduce(0, +) / Double(taus.count))
        let anchorY = exp(rows.map { log($0[2]) }.reduce(0, +) / Double(rows.count))
        plot.series.append(.init(label: "mean field τ_Q^1/4", x: taus, y: taus.map { anchorY * pow($0 / anchorX, meanFieldExponent) }, dashed: true))
        if fit.exponent.isFinite {
            plot.series.append(.init(label: String(format: "fit τ_Q^%.3f", fit.exponent), x: taus, y: taus.map { exp(fit.intercept) * pow($0, fit.exponent) }))
        }
        try folder.write("kibble_zurek.svg", plot.render())
        report.figures.insert(("kibble_zurek.svg", "Frozen correlation length against quench time, with the mean-field τ_Q^{1/4} line through the data's geometric mean"), at: 0)
        report.dataFiles = [("kibble_zurek.csv", header.joined(separator: ", ")), ("kibble_zurek.npy", "the same table, shape (n, \(header.count))"),
                            ("run.json", "everything needed to reproduce the run"), ("summary.json", "headline numbers")]
        report.summary = [("fitted exponent", Estimate(mean: fit.exponent, standardError: fit.exponentError).formatted),
                          ("mean-field exponent", "0.25"), ("χ²/dof of the fit", String(format: "%.2f", fit.chi2PerDof))]
        let summary: [String: Any] = ["kz_exponent": fit.exponent, "kz_exponent_se": fit.exponentError, "kz_chi2_per_dof": fit.chi2PerDof,
                                      "mean_field_exponent": meanFieldExponent, "quench_times": taus, "xi_1e": rows.map { $0[2] }]
        return (report, summary)
    }

    /// Weighted least squares of log y = a + b log x with weights (y/σ_y)²; b's standard error is
    /// the formal one (not rescaled by χ²/dof, which is reported beside it).
    static func fitPowerLaw(x: [Double], y: [Double], yError: [Double]) -> (exponent: Double, intercept: Double, exponentError: Double, chi2PerDof: Double) {
        let pts = x.indices.filter { y[$0] > 0 && yError[$0] > 0 && y[$0].isFinite && yError[$0].isFinite }
        guard pts.count >= 2 else { return (.nan, .nan, .nan, .nan) }
        let lx = pts.map { log(x[$0]) }, ly = pts.map { log(y[$0]) }, w = pts.map { pow(y[$0] / yError[$0], 2) }
        let sw = w.reduce(0, +)
        let mx = zip(w, lx).map(*).reduce(0, +) / sw, my = zip(w, ly).map(*).reduce(0, +) / sw
        var sxx = 0.0, sxy = 0.0
        for i in lx.indices { sxx += w[i] * (lx[i] - mx) * (lx[i] - mx); sxy += w[i] * (lx[i] - mx) * (ly[i] - my) }
        let b = sxy / sxx, a = my - b * mx
        let chi2 = lx.indices.reduce(0.0) { $0 + w[$1] * pow(ly[$1] - a - b * lx[$1], 2) }
        return (b, a, (1 / sxx).squareRoot(), pts.count > 2 ? chi2 / Double(pts.count - 2) : .nan)
    }
}
