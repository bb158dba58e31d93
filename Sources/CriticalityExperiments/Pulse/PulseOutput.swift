import CriticalityAnalysis
import CriticalityDiffusion
import Foundation
import CriticalityLattice

/// The statistics of one target of a guidance-pulse run (docs/theory.md §9): per condition the mean
/// target probability and the fraction of samples of the target class with bootstrap intervals,
/// the paired effect against no pulse, the t₀ of the peak effect with a bootstrap interval
/// (members resampled jointly across conditions), and the paired critical-vs-random comparison.
struct PulseStatistics {
    struct Row {
        var probability: ConfidenceInterval
        var fraction: ConfidenceInterval
        /// Paired against no pulse (nil for the no-pulse condition itself).
        var effect: PairedComparison?
    }
    var rows: [Row]
    /// The grid t₀ with the largest mean effect, with the bootstrap interval of that arg max.
    var peak: ConfidenceInterval
    var peakEffect: Double
    var criticalVersusRandom: PairedComparison?

    init(conditions: [PulseCondition], probability p: [[Double]], bootstrap: Bootstrap) {
        let none = p[0]
        rows = p.indices.map { c in
            let fraction = p[c].map { $0 > 0.5 ? 1.0 : 0.0 }
            return Row(probability: bootstrap.intervalOfMean(p[c]), fraction: bootstrap.intervalOfMean(fraction),
                       effect: c == 0 ? nil : PairedComparison(p[c], none, bootstrap: bootstrap))
        }
        let grid = conditions.indices.filter { conditions[$0].kind == .grid }
        let effects = p.map { column in zip(column, none).map { $0 - $1 } }
        func argmax(_ members: [Int]) -> Int {
            let means = grid.map { c in members.reduce(0) { $0 + effects[c][$1] } }
            return grid[means.indices.max { means[$0] < means[$1] }!]
        }
        let best = argmax(Array(none.indices))
        peakEffect = rows[best].effect!.difference.estimate
        let logPeaks = bootstrap.replicates(count: none.count) { log(conditions[argmax($0)].center) }
        let i = bootstrap.percentile(estimate: log(conditions[best].center), logPeaks)
        peak = ConfidenceInterval(estimate: exp(i.estimate), lower: exp(i.lower), upper: exp(i.upper), level: i.level)
        if let c = conditions.firstIndex(where: { $0.kind == .critical }), let r = conditions.firstIndex(where: { $0.kind == .random }) {
            criticalVersusRandom = PairedComparison(p[c], p[r], bootstrap: bootstrap)
        }
    }
}

/// Writes the files of a guidance-pulse run (docs/output.md, "Guidance pulses").
enum PulseOutput {
    static func write(_ r: PulseResult, to folder: ResultsFolder) throws -> (HTMLReport, [String: Any]) {
        let spec = r.spec, pulse = r.pulse, schedule = spec.schedule
        var report = HTMLReport(title: spec.name)
        var summary: [String: Any] = ["pulse_conditions": r.conditions.map(\.name), "pulse_targets": pulse.targets.map(\.name),
                                      "pulse_alignment": r.alignment, "pulse_members": spec.members]
        if let a = r.heldOutAccuracy { summary["classifier_heldout_accuracy"] = a }
        let bootstrap = Bootstrap(resamples: pulse.resamples, level: pulse.level, seed: spec.seed)
        let windows = Windows(pulse: pulse, times: r.prepared.sampler.times)
        var csv = "target,condition,t0,window_low,window_high,strength,probability,probability_low,probability_high,fraction,fraction_low,fraction_high,"
            + "effect,effect_low,effect_high,effect_se,effect_p_value,diversity,abs_m,abs_m_se,m2,m2_se,binder,binder_se,chi,chi_se\n"
        var estimates = r.estimates
        var panels: [SVGPlot] = []
        var diversityPlot = SVGPlot(title: "Diversity of the samples (site mean of the variance across members)", xLabel: "pulse centre t₀", yLabel: "diversity", logX: true)
        for (ti, target) in pulse.targets.enumerated() {
            let stats = PulseStatistics(conditions: r.conditions, probability: r.probability[ti], bootstrap: bootstrap)
            let suffix = pulse.targets.count == 1 ? "" : "_\(target.name)"
            let reference = windows.window(at: r.critical[ti].time)
            for (c, condition) in r.conditions.enumerated() {
                let row = stats.rows[c], o = r.order[ti][c]
                let t0 = condition.kind == .critical ? r.critical[ti].time : condition.center
                var window = (lo: Double.nan, hi: Double.nan), strength = Double.nan
                if t0.isFinite, case .pulse(let centre, let width, let s, _) = windows.schedule(at: t0, reference: reference) {
                    window = (centre * exp(-width / 2), centre * exp(width / 2))
                    strength = s
                }
                if condition.kind == .none { strength = pulse.base }
                let e = row.effect
                let values: [Double] = [t0, window.lo, window.hi, strength, row.probability.estimate, row.probability.lower, row.probability.upper,
                                        row.fraction.estimate, row.fraction.lower, row.fraction.upper,
                                        e?.difference.estimate ?? 0, e?.difference.lower ?? 0, e?.difference.upper ?? 0, e?.standardError ?? 0, e?.pValue ?? 1,
                                        r.diversity[ti][c]]
                    + [o.absM, o.m2, o.binder, o.finiteSizeSusceptibility].flatMap { [$0.mean, $0.standardError] }
                csv += "\(target.name),\(condition.name)," + values.map { "\($0)" }.joined(separator: ",") + "\n"
            }
            summary["pulse_critical_t0" + suffix] = r.critical[ti].time
            summary["pulse_critical_source" + suffix] = r.critical[ti].source
            summary["pulse_baseline_probability" + suffix] = stats.rows[0].probability.estimate
            summary["pulse_peak_effect" + suffix] = stats.peakEffect
            summary["t_peak_pulse" + suffix + "_lower"] = stats.peak.lower
            summary["t_peak_pulse" + suffix + "_upper"] = stats.peak.upper
            let critical = r.conditions.firstIndex { $0.kind == .critical }!
            summary["pulse_critical_effect" + suffix] = stats.rows[critical].effect!.difference.estimate
            if let cr = stats.criticalVersusRandom {
                summary["pulse_critical_vs_random" + suffix] = cr.difference.estimate
                summary["pulse_critical_vs_random" + suffix + "_lower"] = cr.difference.lower
                summary["pulse_critical_vs_random" + suffix + "_upper"] = cr.difference.upper
                summary["pulse_critical_vs_random" + suffix + "_p_value"] = cr.pValue
                let random = r.conditions.firstIndex { $0.kind == .random }!
                summary["pulse_random_effect" + suffix] = stats.rows[random].effect!.difference.estimate
            }
            estimates.append(.init(key: "t_peak_pulse" + suffix, estimator: String(format: "guidance-pulse response peak (%@): arg max over t₀ of the paired effect, %.0f %% bootstrap interval [%.4g, %.4g]",
                                                                                   target.name, 100 * pulse.level, stats.peak.lower, stats.peak.upper), time: stats.peak.estimate))

            let grid = r.conditions.indices.filter { r.conditions[$0].kind == .grid }
            let x = grid.map { r.conditions[$0].center }
            var plot = SVGPlot(title: "Pulse effect on p(\(target.name)): w_p = \(pulse.strength) around t₀, paired against no pulse", xLabel: "pulse centre t₀",
                               yLabel: "Δ p(target)", logX: true)
            plot.series.append(.init(label: "effect (\(Int(100 * pulse.level)) % bootstrap band dashed)", x: x, y: grid.map { stats.rows[$0].effect!.difference.estimate }, markers: true, color: 0))
            plot.series.append(.init(label: "", x: x, y: grid.map { stats.rows[$0].effect!.difference.lower }, dashed: true, color: 0))
            plot.series.append(.init(label: "", x: x, y: grid.map { stats.rows[$0].effect!.difference.upper }, dashed: true, color: 0))
            plot.series.append(.init(label: String(format: "pulse at the critical time t₀ = %.3g", r.critical[ti].time), x: [r.critical[ti].time],
                                     y: [stats.rows[critical].effect!.difference.estimate], error: [0.5 * (stats.rows[critical].effect!.difference.upper - stats.rows[critical].effect!.difference.lower)],
                                     markers: true, line: false, color: 1))
            if let random = r.conditions.firstIndex(where: { $0.kind == .random }) {
                let e = stats.rows[random].effect!.difference
                plot.series.append(.init(label: "random t₀ (control)", x: [x.first!, x.last!], y: [e.estimate, e.estimate], dashed: true, color: 2))
            }
            plot.series.append(.init(label: "", x: [x.first!, x.last!], y: [0, 0], dashed: true, color: 7))
            plot.verticalLines = estimates.filter { $0.time >= x.first! && $0.time <= x.last! }.map { ($0.time, $0.key) }
            panels.append(plot)
            diversityPlot.series.append(.init(label: target.name, x: x, y: grid.map { r.diversity[ti][$0] }, markers: true, color: ti))
            diversityPlot.series.append(.init(label: "", x: [x.first!, x.last!], y: [r.diversity[ti][0], r.diversity[ti][0]], dashed: true, color: ti))
        }
        panels.append(diversityPlot)
        try folder.write("pulse.csv", csv)
        try folder.write("pulse.svg", SVGPlot.stacked(panels))
        let (t, c, m) = (pulse.targets.count, r.conditions.count, spec.members)
        let names = ["target": pulse.targets.map(\.name), "condition": r.conditions.map(\.name)]
        try folder.write("pulse_probability.npy", array: r.probability.flatMap { $0.flatMap { $0 } }, shape: [t, c, m], dims: ["target", "condition", "member"], labels: names)
        try folder.write("pulse_t0.npy", array: r.conditions.map(\.center), shape: [c], dims: ["condition"], labels: ["condition": names["condition"]!])
        if !r.randomCenters.isEmpty { try folder.write("pulse_random_t0.npy", array: r.randomCenters, shape: [m], dims: ["member"]) }
        try folder.write("pulse_first_samples.npy", array: r.firstSamples.flatMap { $0.flatMap { $0 } }, shape: [t, c] + spec.lattice.shape,
                         dims: ["target", "condition"] + ResultsFolder.siteAxes(spec.lattice.dimension), labels: names)

        try CriticalTimesOutput.writeTable(estimates, schedule: schedule, to: folder, report: &report, summary: &summary)
        report.figures.append(("pulse.svg", "Paired effect of a guidance pulse on the target probability against its centre t₀, with the critical condition, the random-time control and the model's critical times; below, the samples' diversity (dashed: no pulse)"))
        report.summary.append(("alignment", r.alignment))
        report.summary.append(("members × conditions × targets", "\(m) × \(c) × \(t)"))
        report.dataFiles += [("pulse.csv", "one row per target and condition: t₀, window, strength, target probability, target fraction and paired effect with bootstrap intervals, p value, diversity, and the samples' ⟨|m|⟩, ⟨m²⟩, Binder cumulant and χ"),
                             ("pulse_probability.npy", "(targets, conditions, members) p(target | sample); conditions in pulse.csv order"),
                             ("pulse_t0.npy", "(conditions,) t₀ of each condition (NaN: none, critical and random; see pulse.csv)"),
                             ("pulse_first_samples.npy", "(targets, conditions, lattice…) member 0's sample under each condition")]
        if !r.randomCenters.isEmpty { report.dataFiles.append(("pulse_random_t0.npy", "(members,) the random control's t₀ per member")) }
        return (report, summary)
    }
}
