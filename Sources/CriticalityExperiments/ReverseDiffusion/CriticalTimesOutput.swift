import CriticalityAnalysis
import CriticalityDiffusion
import Foundation
import CriticalityLattice

/// The critical-time table of a reverse-diffusion run (docs/theory.md §8) and, with [softening],
/// the softening files: every estimator that applies to the model, under the stable keys of
/// docs/output.md, in summary.json, critical_times.csv and a table of index.html, with one
/// figure of ξ(t), −dξ/dlog t and σ²h(k, t) on a shared time axis.
enum CriticalTimesOutput {
    static func write(_ r: DiffusionResult, to folder: ResultsFolder, report: inout HTMLReport, summary: inout [String: Any], progress: Progress? = nil) throws {
        let spec = r.spec, schedule = spec.schedule, critical = r.prepared.critical
        var estimates: [CriticalTime] = []
        if let d = critical.dispersion {
            summary["lambda_star"] = d.peak
            summary["k_star"] = spec.lattice.waveVector(spectralIndex: d.peakMode).reduce(0) { $0 + $1 * $1 }.squareRoot()
            summary["k_star_shell"] = spec.lattice.shellIndices()[d.peakMode]
            try writeDispersion(d, schedule: schedule, to: folder, report: &report)
        }
        estimates += critical.dispersionEstimates(schedule: schedule)
        for p in spec.softening?.windows ?? [] {
            guard let c = critical.autocovariance, p <= spec.lattice.shape.min()! else { continue }
            let d = Dispersion(autocovariance: c, lattice: spec.lattice, window: p)
            if let t = d.criticalTime(mode: d.peakMode, schedule: schedule) {
                estimates.append(.init(key: "t_c_analytic_c1_window\(p)", estimator: String(format: "C1 of the same data under P = %d windows (Λ* = %.6g): the local counterpart", p, d.peak), time: t))
            }
        }
        let softening = try SofteningResult.analyse(r, threads: spec.threads == 0 ? Ensemble.defaultThreads : spec.threads, progress: progress)
        if let s = softening {
            if let c = s.crossing {
                estimates.append(.init(key: "t_c_jacobian_homogeneous", estimator: "Jacobian probes at the homogeneous state: σ²h of shell \(c.shell) crosses 0", time: c.time))
            }
            let softest = s.shells.indices.min { a, b in
                (s.stiffness.map { $0[a].mean }.min() ?? .infinity) < (s.stiffness.map { $0[b].mean }.min() ?? .infinity)
            }!
            // Extremes at an end of the path are not a resolved softening: near t → 0, D approaches
            // the identity along the data manifold and σ²h → 0 without any critical point.
            let interior = { (j: Int) in j > 0 && j < r.times.count - 1 }
            if let j = r.times.indices.filter({ s.stiffness[$0][softest].mean.isFinite }).min(by: { abs(s.stiffness[$0][softest].mean) < abs(s.stiffness[$1][softest].mean) }), interior(j) {
                estimates.append(.init(key: "t_min_stiffness_trajectory", estimator: "argmin |σ²h| of shell \(s.shells[softest]) along the trajectories (batch mean)", time: r.times[j]))
            }
            if let j = r.times.indices.filter({ s.xiEq[$0].mean.isFinite }).max(by: { s.xiEq[$0].mean < s.xiEq[$1].mean }), interior(j) {
                estimates.append(.init(key: "t_peak_xi_eq_trajectory", estimator: "argmax of the Jacobian proxy ξ_eq along the trajectories", time: r.times[j]))
            }
            try writeSoftening(s, r, to: folder, report: &report, summary: &summary)
            // The probe estimates are undefined when nothing crosses or the extreme sits at an end
            // of the path: null in summary.json, so that every run with probes has the keys (a
            // scan over such runs plots the points where they are defined).
            for key in ["t_c_jacobian_homogeneous", "t_min_stiffness_trajectory", "t_peak_xi_eq_trajectory"] where !estimates.contains(where: { $0.key == key }) {
                summary[key] = Double.nan
                summary[key + "_log_lambda"] = Double.nan
            }
        }
        if let t = summary["t_peak_xi_growth"] as? Double {
            estimates.append(.init(key: "t_peak_xi_growth", estimator: "argmax −dξ_1/e/dlog t of sign D(x_t) (samples)", time: t))
        }
        if let t = summary["t_peak_xi_growth_x"] as? Double {
            estimates.append(.init(key: "t_peak_xi_growth_x", estimator: "argmax −dξ_1/e/dlog t of x_t (samples)", time: t))
        }
        if let top = critical.topEigenvalue { summary["covariance_top_eigenvalue"] = top }
        if let e = critical.speciationEstimate(schedule: schedule) { estimates.append(e) }
        if let e = critical.collapseEstimate(schedule: schedule) { estimates.append(e) }
        try writeTable(estimates, schedule: schedule, to: folder, report: &report, summary: &summary)
        try criticalFigure(r, softening: softening, estimates: estimates, to: folder, report: &report)
    }

    /// The estimates under their keys (and `_log_lambda`) in summary.json, critical_times.csv and
    /// a table of index.html.
    static func writeTable(_ estimates: [CriticalTime], schedule: NoiseSchedule, to folder: ResultsFolder, report: inout HTMLReport, summary: inout [String: Any]) throws {
        let logLambda = estimates.map { schedule.level(at: $0.time).logSignalToNoise }
        for (e, l) in zip(estimates, logLambda) {
            summary[e.key] = e.time
            summary[e.key + "_log_lambda"] = l
        }
        summary["critical_times"] = estimates.map(\.key)
        try folder.write("critical_times.csv", "key,t,log_lambda\n" + zip(estimates, logLambda).map { "\($0.key),\($0.time),\($1)\n" }.joined())
        report.tables.append((title: "Critical times (docs/theory.md §8)", header: ["key", "estimator", "t", "log λ_t"],
                              rows: zip(estimates, logLambda).map { [$0.key, $0.estimator, String(format: "%.6g", $0.time), String(format: "%.4f", $1)] }))
        report.dataFiles.append(("critical_times.csv", "every critical-time estimate: key, t, log λ_t (keys as in summary.json)"))
    }

    /// Ĉ(k) and the per-shell C1 times, on the binned shells of the recorded S(k) (every
    /// wavevector's own time is in critical_time_modes.npy).
    static func writeDispersion(_ d: Dispersion, schedule: NoiseSchedule, to folder: ResultsFolder, report: inout HTMLReport) throws {
        let sf = StructureFactor(d.lattice, binned: true), c = sf.shellMeans(d.spectrum)
        let tc = c.map { d.criticalTime(value: $0, schedule: schedule) ?? .nan }
        try folder.write("dispersion.csv", CSV.table(header: ["k", "shell", "C_hat", "t_c_c1"], rows: c.indices.map { [sf.waveNumber[$0], Double(sf.shellLabel[$0]), c[$0], tc[$0]] }))
        report.dataFiles.append(("dispersion.csv", "shell means of Ĉ(k), the windowed autocovariance's transform, and each shell's C1 time (NaN: never softens)"))
        try writeMarginalStability(d, sf: sf, schedule: schedule, to: folder, report: &report)
        try writeModeCriticalTimes(d, schedule: schedule, to: folder, report: &report)
    }

    /// C1 time of every wavevector of the full Brillouin zone, k = 0 at the centre: axis i index
    /// j is the mode integer j − ⌊L_i/2⌋. NaN where the mode never softens. A shell mixes modes
    /// of different thresholds on anisotropic data ((5, 0) and (3, 4) share |n|² = 25).
    static func modeCriticalTimes(_ d: Dispersion, schedule: NoiseSchedule) -> [Double] {
        let l = d.lattice, shape = l.shape, spectral = l.spectralShape, count = shape.reduce(1, *)
        return (0..<count).map { flat -> Double in
            var rest = flat, n = [Int](repeating: 0, count: shape.count)
            for axis in stride(from: shape.count - 1, through: 0, by: -1) {
                n[axis] = rest % shape[axis] - shape[axis] / 2
                rest /= shape[axis]
            }
            // The r2c array stores last-axis integers 0…L/2; Ĉ(−k) = Ĉ(k) gives the others.
            if n[n.count - 1] < 0 { n = n.map { -$0 } }
            var q = 0
            for axis in 0..<shape.count {
                let j = axis == shape.count - 1 ? n[axis] : ((n[axis] % shape[axis]) + shape[axis]) % shape[axis]
                q = q * spectral[axis] + j
            }
            return d.criticalTime(mode: q, schedule: schedule) ?? .nan
        }
    }

    static func writeModeCriticalTimes(_ d: Dispersion, schedule: NoiseSchedule, to folder: ResultsFolder, report: inout HTMLReport) throws {
        let tc = modeCriticalTimes(d, schedule: schedule), shape = d.lattice.shape
        try folder.write("critical_time_modes.npy", array: tc, shape: shape, dims: ResultsFolder.siteAxes(shape.count).map { "k" + $0 })
        report.dataFiles.append(("critical_time_modes.npy", "the C1 time t_c(k) of every wavevector, shape lattice.shape, k = 0 at the centre (index j ↔ mode integer j − L/2); NaN: never softens"))
        guard shape.count == 2 else { return }
        let scale = max(1, 256 / max(shape[0], shape[1]))
        try folder.write("critical_time_modes.png", PNGImage.heat(tc, rows: shape[0], columns: shape[1], scale: scale))
        let finite = tc.filter(\.isFinite)
        report.figures.append(("critical_time_modes.png", finite.isEmpty ? "No wavevector softens" : String(
            format: "t_c(k) per wavevector (k = 0 at the centre, k_x to the right): dark red = %.3g (the first instability), pale = %.3g, grey = never softens (log scale)",
            finite.max()!, finite.min()!)))
    }

    /// Spatial stability of the homogeneous state (docs/theory.md §4): σ²h(k, t) = 1 − λ_t Ĉ(k) per
    /// shell (its most unstable mode) on a log time grid, and the marginal-stability curve
    /// t_c(k) where it vanishes. Its maximum says whether the first instability is at k = 0
    /// (smooth data) or on a ring |k*| > 0 (stripes, checkerboards: a Swift–Hohenberg/Turing case).
    static func writeMarginalStability(_ d: Dispersion, sf: StructureFactor, schedule: NoiseSchedule, to folder: ResultsFolder, report: inout HTMLReport) throws {
        let top = sf.shellMaxima(d.spectrum), tc = top.map { d.criticalTime(value: $0, schedule: schedule) ?? .nan }
        let (t0, t1) = DiffusionSpec.defaultRange(schedule), n = 120
        let times = Array(try TimeGrid.logUniform.times(from: t0, to: t1, steps: n - 1, schedule: schedule).reversed())
        let h = times.flatMap { t -> [Double] in
            let lambda = schedule.level(at: t).signalToNoise
            return top.map { 1 - lambda * $0 }
        }
        try folder.write("marginal_stability.npy", array: h, shape: [n, top.count], dims: ["marginal_stability_t", "k"])
        try folder.write("marginal_stability_t.npy", array: times, shape: [n], dims: ["marginal_stability_t"])
        try folder.write("marginal_stability.csv", CSV.table(header: ["k", "shell", "C_hat_max", "t_c"], rows: top.indices.map { [sf.waveNumber[$0], Double(sf.shellLabel[$0]), top[$0], tc[$0]] }))
        var plot = SVGPlot(title: "Marginal stability of the homogeneous state: h(k, t) = 0", xLabel: "|k|", yLabel: "t (unstable below the curve)", logY: true)
        let shown = tc.indices.filter { tc[$0].isFinite }
        plot.series.append(.init(label: "t_c(k), C1 (most unstable mode of each shell)", x: shown.map { sf.waveNumber[$0] }, y: shown.map { tc[$0] }, markers: true))
        if let first = shown.max(by: { tc[$0] < tc[$1] }) {
            plot.verticalLines.append((sf.waveNumber[first], String(format: "first unstable |k| = %.3g", sf.waveNumber[first])))
        }
        try folder.write("marginal_stability.svg", plot.render())
        report.figures.append(("marginal_stability.svg", "The marginal-stability curve t_c(k) of the homogeneous state over (|k|, t): modes are stable above it and unstable below; its maximum is the first instability"))
        report.dataFiles += [("marginal_stability.npy", "σ²h(k, t) = 1 − λ_t Ĉ(k), shape (times, shells), most unstable mode per shell"),
                             ("marginal_stability_t.npy", "its times"), ("marginal_stability.csv", "per shell: |k|, shell, max Ĉ, t_c")]
    }

    static func writeSoftening(_ s: SofteningResult, _ r: DiffusionResult, to folder: ResultsFolder, report: inout HTMLReport, summary: inout [String: Any]) throws {
        let nh = s.homogeneousTimes.count, ns = s.shells.count, nt = r.times.count
        try folder.write("t_homogeneous.npy", array: s.homogeneousTimes, shape: [nh], dims: ["t_homogeneous"])
        try folder.write("stiffness_homogeneous.npy", array: s.homogeneousStiffness.flatMap { $0 }, shape: [nh, ns], dims: ["t_homogeneous", "probe_k"])
        try folder.write("stiffness.npy", array: s.stiffness.flatMap { $0.map(\.mean) }, shape: [nt, ns], dims: ["t", "probe_k"])
        try folder.write("stiffness_se.npy", array: s.stiffness.flatMap { $0.map(\.standardError) }, shape: [nt, ns], dims: ["t", "probe_k"])
        try folder.write("probe_k.npy", array: s.shellWaveNumber, shape: [ns], dims: ["probe_k"])
        let glHeader = ["t", "r", "kappa", "g", "xi_eq", "sigma2_h_k0"] + (s.ginzburgLandauAnalytic == nil ? [] : ["r_analytic", "kappa_analytic", "g_analytic"])
        try folder.write("homogeneous.csv", CSV.table(header: glHeader, rows: (0..<nh).map { j in
            let g = s.ginzburgLandau[j]
            var row = [s.homogeneousTimes[j], g.r, g.kappa, g.g, s.homogeneousXi[j], s.homogeneousStiffness[j][0]]
            if let a = s.ginzburgLandauAnalytic?[j] { row += [a.r, a.kappa, a.g] }
            return row
        }))
        if let ring = s.ring {
            summary["gl_ring_k"] = ring.peakWaveNumber
            summary["gl_ring_step"] = ring.stepWaveNumber
            report.summary.append(("Ginzburg–Landau expansion", String(format: "around the ring |k*| = %.4g (radial step Δ = %.4g; theory.md §11.3)", ring.peakWaveNumber, ring.stepWaveNumber)))
        }
        var header = ["t", "log_lambda", "xi_eq", "xi_eq_se"]
        for k in s.shells { header += ["sigma2_h_shell\(k)", "sigma2_h_shell\(k)_se", "chi_shell\(k)"] }
        try folder.write("softening.csv", CSV.table(header: header, rows: (0..<nt).map { j in
            let l = r.levels[j]
            var row = [r.times[j], l.logSignalToNoise, s.xiEq[j].mean, s.xiEq[j].standardError]
            for k in 0..<ns { row += [s.stiffness[j][k].mean, s.stiffness[j][k].standardError, l.variance / s.stiffness[j][k].mean] }
            return row
        }))
        if !s.response.isEmpty {
            try folder.write("response.csv", CSV.table(header: ["t", "log_lambda", "chi_dyn", "chi_dyn_se"], rows: zip(r.responsePositions, s.response).map { j, e in
                [r.times[j], r.levels[j].logSignalToNoise, e.mean, e.standardError]
            }))
            report.dataFiles.append(("response.csv", "dynamic response χ_dyn(t) of the final sample's e_k* amplitude to an e_k* kick at t (common random numbers), mean and SE over the probed members"))
        }
        if let e = s.exponents {
            for (name, fit) in [("nu", e.nu), ("gamma", e.gamma)] {
                summary[name] = fit.exponent
                summary[name + "_se"] = fit.standardError
                summary[name + "_ci95"] = [fit.interval.lowerBound, fit.interval.upperBound]
            }
            report.summary.append(("ν from ξ_eq (mean field ½)", String(format: "%.4f, 95%% CI [%.4f, %.4f]", e.nu.exponent, e.nu.interval.lowerBound, e.nu.interval.upperBound)))
            report.summary.append(("γ from χ(0) (mean field 1)", String(format: "%.4f, 95%% CI [%.4f, %.4f]", e.gamma.exponent, e.gamma.interval.lowerBound, e.gamma.interval.upperBound)))
        }
        summary["probe_method"] = r.probe!.method.rawValue
        summary["probe_members"] = r.spec.softening!.members
        report.dataFiles += [
            ("softening.csv", "along the trajectories: ξ_eq and, per probed shell, the batch-mean σ²h(k, t) with SE and the static susceptibility χ = 1/h"),
            ("stiffness.npy", "σ²h(k, t) batch means, shape (T, shells)"), ("stiffness_se.npy", "their standard errors"), ("probe_k.npy", "|k| of the probed shells"),
            ("homogeneous.csv", s.ring == nil ? "at the homogeneous state on a fine log grid: GL coefficients r, κ, g (and the binary patch model's analytic values), ξ_eq, σ²h(0)"
                : "at the homogeneous state on a fine log grid: GL coefficients around the ring k* (r = h(k*), κ the radial curvature, g along e_k*; the dispersion's r and κ), ξ_ring = √(κ/r) in the xi_eq column, σ²h(0)"),
            ("t_homogeneous.npy", "that grid"), ("stiffness_homogeneous.npy", "σ²h per shell there, shape (times, shells)"),
        ]
    }

    /// ξ(t), −dξ/dlog t and σ²h(k, t) stacked on one time axis, the estimates marked.
    static func criticalFigure(_ r: DiffusionResult, softening s: SofteningResult?, estimates: [CriticalTime], to folder: ResultsFolder, report: inout HTMLReport) throws {
        let logT = r.spec.grid != .uniform, lines = estimates.map { (x: $0.time, label: String($0.key.dropFirst(2))) }
        var xi = SVGPlot(title: "Correlation length", xLabel: "t", yLabel: "ξ", logX: logT, logY: true)
        xi.series = [0, 3].map { f in .init(label: "ξ_1/e of \(DiffusionOutput.fieldLabels[f])", x: r.times, y: r.summaries.map { $0[f].xiOneOverE.mean }, dashed: f == 3) }
        if let s {
            xi.series.append(.init(label: "ξ_eq along the trajectories", x: r.times, y: s.xiEq.map(\.mean), error: s.xiEq.map(\.standardError)))
            xi.series.append(.init(label: "ξ_eq at the homogeneous state", x: s.homogeneousTimes, y: s.homogeneousXi, dashed: true))
        }
        var growth = SVGPlot(title: "Growth of the correlation length", xLabel: "t", yLabel: "−dξ_1/e/dlog t", logX: logT)
        growth.series = [0, 3].map { f in
            let g = GrowthRate(times: r.times, values: r.summaries.map { $0[f].xiOneOverE.mean })
            return .init(label: DiffusionOutput.fieldLabels[f], x: g.times, y: g.rate, dashed: f == 3)
        }
        var panels = [xi, growth]
        if let s {
            var h = SVGPlot(title: "Mode stiffness σ²h(k, t) (1: noise dominates, 0: soft)", xLabel: "t", yLabel: "σ²h", logX: logT)
            h.yRange = -1...1.1
            for (k, shell) in s.shells.enumerated().prefix(4) {
                h.series.append(.init(label: "shell \(shell), trajectories", x: r.times, y: s.stiffness.map { $0[k].mean }, error: s.stiffness.map { $0[k].standardError }))
                h.series.append(.init(label: "shell \(shell), homogeneous", x: s.homogeneousTimes, y: s.homogeneousStiffness.map { $0[k] }, dashed: true))
            }
            panels.append(h)
        }
        for i in panels.indices { panels[i].verticalLines = lines }
        try folder.write("critical.svg", SVGPlot.stacked(panels))
        report.figures.insert(("critical.svg", "ξ(t), −dξ/dlog t and (with [softening]) σ²h(k, t) on one time axis; dotted lines mark the critical-time estimates of the table"), at: 0)
    }
}
