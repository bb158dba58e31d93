import CriticalityAnalysis
import Foundation

/// The `[equilibrium]` part of a quench run's output: summary keys `eq_*`, the sampled m(t)
/// of every member, the autocorrelation of m and m², and their plots (docs/output.md).
enum EquilibriumOutput {
    static func write(_ r: QuenchResult, to folder: ResultsFolder, report: inout HTMLReport, summary: inout [String: Any]) throws {
        guard let e = r.equilibrium, let spec = r.spec.equilibrium else { return }
        let dt = r.spec.dt * Double(spec.everySteps), n = e.samplesPerMember
        for (key, v) in [("abs_m", e.absM), ("m", e.m), ("m2", e.m2), ("m4", e.m4), ("binder", e.binder), ("chi", e.susceptibility),
                         ("xi_2nd_over_l", e.xiSecondMomentOverL), ("binder_first_half", e.binderHalves.first), ("binder_second_half", e.binderHalves.second)] {
            summary["eq_\(key)"] = v.mean
            summary["eq_\(key)_se"] = v.standardError
        }
        let drift = e.binderHalves.second.mean - e.binderHalves.first.mean
        let driftError = (pow(e.binderHalves.first.standardError, 2) + pow(e.binderHalves.second.standardError, 2)).squareRoot()
        summary["eq_binder_drift_sigma"] = drift / driftError
        summary["eq_samples_per_member"] = n
        summary["eq_from"] = r.equilibriumTimes.first!
        for (key, tau) in [("m", e.tauM), ("m2", e.tauM2)] {
            summary["eq_tau_int_\(key)"] = tau.map { $0.tau * dt } ?? Double.nan
            summary["eq_tau_int_\(key)_se"] = tau.map { $0.standardError * dt } ?? Double.nan
        }
        let window = Double(n) * dt
        if let tau = e.tauM {
            summary["eq_independent_samples"] = Double(r.spec.members) * window / (2 * tau.tau * dt)
        }

        try folder.write("eq_t.npy", array: r.equilibriumTimes, shape: [n], dims: ["eq_t"])
        try folder.write("magnetisation.npy", array: r.magnetisations.flatMap { $0.prefix(n) }, shape: [r.spec.members, n], dims: ["member", "eq_t"])
        let rhoM = e.tauM?.rho ?? [], rhoM2 = e.tauM2?.rho ?? []
        let lags = max(rhoM.count, rhoM2.count)
        try folder.write("autocorrelation.csv", CSV.table(header: ["lag", "rho_m", "rho_m2"], rows: (0..<lags).map {
            [Double($0) * dt, $0 < rhoM.count ? rhoM[$0] : .nan, $0 < rhoM2.count ? rhoM2[$0] : .nan]
        }))

        var mPlot = SVGPlot(title: "m(t) after equilibration", xLabel: "t", yLabel: "m")
        for k in 0..<min(4, r.magnetisations.count) {
            mPlot.series.append(.init(label: "member \(k)", x: r.equilibriumTimes, y: Array(r.magnetisations[k].prefix(n))))
        }
        try folder.write("magnetisation.svg", mPlot.render())
        var aPlot = SVGPlot(title: "Autocorrelation of m and m²", xLabel: "lag", yLabel: "ρ")
        aPlot.series = [.init(label: "m", x: rhoM.indices.map { Double($0) * dt }, y: rhoM),
                        .init(label: "m²", x: rhoM2.indices.map { Double($0) * dt }, y: rhoM2, dashed: true)]
        try folder.write("autocorrelation.svg", aPlot.render())
        report.figures += [
            ("magnetisation.svg", "The sampled m(t) of the first members: flips between ±|m| are the slow process of a finite ordered system"),
            ("autocorrelation.svg", "Normalised autocorrelation of m and m², pooled over members, up to Sokal's window W ≥ 6τ_int"),
        ]
        report.dataFiles += [
            ("eq_t.npy", "the equilibrium sampling times (n,)"), ("magnetisation.npy", "every member's m at those times, shape (members, n)"),
            ("autocorrelation.csv", "lag (time) and the normalised autocorrelations of m and m²"),
        ]
        func tauText(_ tau: AutocorrelationTime?) -> String {
            tau.map { String(format: "%.4g ± %.2g (window %d samples)", $0.tau * dt, $0.standardError * dt, $0.window) } ?? "longer than half the sampled window"
        }
        report.summary += [
            ("equilibrium window", String(format: "t = %g … %g, %d samples per member every %g", r.equilibriumTimes.first!, r.equilibriumTimes.last!, n, dt)),
            ("τ_int of m", tauText(e.tauM)), ("τ_int of m²", tauText(e.tauM2)),
            ("equilibrium ⟨|m|⟩", e.absM.formatted), ("equilibrium ⟨m²⟩", e.m2.formatted), ("equilibrium Binder U", e.binder.formatted),
            ("equilibrium χ = N(⟨m²⟩ − ⟨|m|⟩²)", e.susceptibility.formatted), ("equilibrium ξ_2nd/L", e.xiSecondMomentOverL.formatted),
            ("Binder U, first half − second half of the window", String(format: "%.3g (%.2g standard errors)", -drift, abs(drift / driftError))),
        ]
        let slowest = max(e.tauM?.tau ?? .infinity, e.tauM2?.tau ?? 0) * dt
        if r.equilibriumTimes.first! < 20 * slowest || window < 50 * slowest {
            report.summary.append(("warning", String(format: "equilibration from t = %g and a window of %g are not ≫ τ_int = %.3g: lengthen the run (20 τ_int to equilibrate and 50 τ_int of samples are the usual minimum)",
                                                     r.equilibriumTimes.first!, window, slowest)))
        }
    }
}
