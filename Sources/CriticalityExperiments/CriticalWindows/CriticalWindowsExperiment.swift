import CriticalityAnalysis
import CriticalityDiffusion
import Foundation
import CriticalityLattice

/// The `[windows]` section of a critical-windows run (docs/theory.md §10): a chain of nested label
/// sets from coarse to fine, each feature the pair (chain[k] ⊂ chain[k − 1]) with chain[−1] all
/// labels, the ε of the TV conditions, the T̂ grid of the forward–reverse experiment and the
/// Monte Carlo draws of the TV estimator.
public struct WindowsSpec: Sendable, Equatable {
    public var chain: [[Int]]
    public var epsilon: Double
    /// T̂ values, log-spaced over [max(t_end, 10⁻² t_start), t_start].
    public var points: Int
    public var samples: Int

    init(_ s: ParameterSection, spec: DiffusionSpec) throws {
        let file = s.file, all = Set(spec.isotropicMixture!.labels)
        chain = try s.value("chain", default: [[all.min()!]], echo: { .array($0.map { .array($0.map { .int($0) }) }) }) { v -> [[Int]]? in
            guard case .array(let a) = v, !a.isEmpty else { return nil }
            let sets = a.map { x -> [Int]? in
                guard case .array(let b) = x else { return nil }
                let l = b.compactMap { y -> Int? in if case .int(let i) = y { i } else { nil } }
                return l.count == b.count && !l.isEmpty ? l : nil
            }
            return sets.allSatisfy { $0 != nil } ? sets.map { $0! } : nil
        }
        var outer = all
        for (k, set) in chain.enumerated() {
            guard Set(set).isStrictSubset(of: outer), Set(set).count == set.count else {
                throw ParameterError(file: file, key: "windows.chain", value: .array(chain.map { .array($0.map { .int($0) }) }),
                                     expected: "label sets each strictly inside the one before (the first inside the labels \(all.sorted())); entry \(k) is not")
            }
            outer = Set(set)
        }
        epsilon = try s.double("epsilon")
        points = try s.int("points")
        samples = try s.int("samples")
    }

    /// Feature k: (after, before) as label sets.
    func feature(_ k: Int, labels: [Int]) -> (after: [Int], before: [Int]) {
        (chain[k], k == 0 ? Array(Set(labels)).sorted() : chain[k - 1])
    }
}

/// Runs a critical-windows experiment and writes its files (docs/output.md, "Critical windows").
enum CriticalWindowsExperiment {
    static func run(_ p: PreparedDiffusion, folder: ResultsFolder, progress: Progress?) throws -> (HTMLReport, [String: Any]) {
        let spec = p.spec, w = spec.windows!, mixture = spec.isotropicMixture!, schedule = spec.schedule
        let windows = CriticalWindows(mixture: mixture, schedule: schedule, samples: w.samples, seed: spec.seed)
        let features = w.chain.indices.map { w.feature($0, labels: mixture.labels) }
        let sets = features.map { (after: mixture.indices(labels: Set($0.after)), before: mixture.indices(labels: Set($0.before))) }
        let all = Array(0..<mixture.count)
        let range = spec.tEnd...spec.tStart
        let low = max(spec.tEnd, 1e-2 * spec.tStart)
        let hats = (0..<w.points).map { j in low * pow(spec.tStart / low, Double(j) / Double(w.points - 1)) }
        var report = HTMLReport(title: spec.name)
        var summary: [String: Any] = ["windows_epsilon": w.epsilon, "windows_features": features.indices.map { "level\($0 + 1)" }]
        var estimates: [CriticalTime] = []
        var rows: [[String]] = []
        var windowCSV = "feature,after_labels,before_labels,t_after,t_before,t_after_closed_form,t_before_closed_form\n"
        var keep: [[Estimate]] = [], exactKeep: [[Double]] = []
        let scanPoints = 200
        progress?.start(totalSteps: sets.count * 2 * scanPoints, phase: "total-variation windows")
        let found = sets.map { s in
            windows.window(after: s.after, before: s.before, epsilon: w.epsilon, range: range, points: scanPoints, threads: spec.threads) { progress?.advance() }
        }
        progress?.start(totalSteps: features.count * w.points * spec.members, phase: "forward–reverse runs")
        for (k, f) in features.enumerated() {
            let name = "level\(k + 1)", s = sets[k], window = found[k]
            // The closed forms apply to two equal-weight unit-variance components under ou.
            var closed: CriticalWindows.Window?
            if schedule == .ou, mixture.count == 2, s.after.count == 1, s.before.count == 2, mixture.variances.allSatisfy({ $0 == 1 }), mixture.weights[0] == mixture.weights[1] {
                let r = 0.5 * zip(mixture.means[0], mixture.means[1]).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
                closed = CriticalWindows.twoGaussianWindow(separation: r, epsilon: w.epsilon)
            }
            let labels = { (l: [Int]) in l.map(String.init).joined(separator: " ") }
            windowCSV += "\(name),\(labels(f.after)),\(labels(f.before)),\(CSV.format(window.after ?? .nan)),\(CSV.format(window.before ?? .nan)),"
                + "\(CSV.format(closed?.after ?? .nan)),\(CSV.format(closed?.before ?? .nan))\n"
            if let t = window.after { estimates.append(.init(key: "t_window_after_\(name)", estimator: "Li–Chen T_after of \(name) (labels \(f.after) out of \(f.before), ε = \(w.epsilon))", time: t)) }
            if let t = window.before { estimates.append(.init(key: "t_window_before_\(name)", estimator: "Li–Chen T_before of \(name)", time: t)) }
            rows.append([name, "\(f.after)", "\(f.before)", window.after.map { String(format: "%.4f", $0) } ?? "—", window.before.map { String(format: "%.4f", $0) } ?? "—"])
            // Forward–reverse from p^{S_after} at each T̂ with the full model, against the exact posterior draw.
            let samplers = try hats.map { that in
                try ReverseSampler(schedule: schedule, denoiser: p.sampler.denoiser, method: spec.method,
                                   times: try spec.grid.times(from: that, to: spec.tEnd, steps: spec.steps, schedule: schedule), seed: spec.seed)
            }
            keep.append(try samplers.map { (sampler: ReverseSampler) throws(NonFiniteState) in
                let e = try CriticalWindows.solverKeepProbability(sampler: sampler, mixture: mixture, start: s.after, members: spec.members, threads: spec.threads)
                for _ in 0..<spec.members { progress?.advance() }
                return e
            })
            exactKeep.append(hats.map { windows.keepProbability(s.after, at: $0).mean })
        }
        // TV curves on a log grid.
        let grid = try TimeGrid.logUniform.times(from: spec.tStart, to: spec.tEnd, steps: 99, schedule: schedule).reversed().map { $0 }
        var tvHeader = ["t", "log_lambda"], tvRows = grid.map { [$0, schedule.level(at: $0).logSignalToNoise] }
        var tvPlot = SVGPlot(title: "Total variation of noised sub-mixtures", xLabel: "t", yLabel: "TV", logX: true)
        progress?.start(totalSteps: sets.count * grid.count, phase: "total-variation curves")
        for (k, s) in sets.enumerated() {
            let rest = all.filter { !s.after.contains($0) }
            let tv = grid.map { t in
                defer { progress?.advance() }
                return (windows.totalVariation(s.after, rest, at: t).mean, windows.totalVariation(s.after, s.before, at: t).mean)
            }
            let (separated, close) = (tv.map(\.0), tv.map(\.1))
            tvHeader += ["tv_after_vs_rest_level\(k + 1)", "tv_after_vs_before_level\(k + 1)"]
            for j in grid.indices { tvRows[j] += [separated[j], close[j]] }
            tvPlot.series.append(.init(label: "level\(k + 1): TV(S_after, Θ∖S_after)", x: grid, y: separated, color: k))
            tvPlot.series.append(.init(label: "level\(k + 1): TV(S_after, S_before)", x: grid, y: close, dashed: true, color: k))
        }
        try folder.write("windows.csv", windowCSV)
        try folder.write("tv.csv", CSV.table(header: tvHeader, rows: tvRows))
        var keepHeader = ["t_hat", "log_lambda"], keepRows = hats.map { [$0, schedule.level(at: $0).logSignalToNoise] }
        var keepPlot = SVGPlot(title: "Forward–reverse: probability of keeping the feature (windows shaded)", xLabel: "T̂", yLabel: "P(kept)", logX: true)
        for k in features.indices {
            keepHeader += ["keep_level\(k + 1)", "keep_level\(k + 1)_se", "keep_exact_level\(k + 1)"]
            for j in hats.indices { keepRows[j] += [keep[k][j].mean, keep[k][j].standardError, exactKeep[k][j]] }
            keepPlot.series.append(.init(label: "level\(k + 1), solver", x: hats, y: keep[k].map(\.mean), error: keep[k].map { 2 * $0.standardError }, markers: true, color: k))
            keepPlot.series.append(.init(label: "level\(k + 1), exact posterior draw", x: hats, y: exactKeep[k], dashed: true, color: k))
            // The window [T_after, T_before]; without T_after the feature is decided down to t_end.
            if let b = found[k].before {
                let a = found[k].after ?? spec.tEnd
                keepPlot.bands.append((from: a, to: b, color: k))
                tvPlot.bands.append((from: a, to: b, color: k))
            }
        }
        try folder.write("keep.csv", CSV.table(header: keepHeader, rows: keepRows))
        try folder.write("keep_probability.npy", array: keep.flatMap { $0.map(\.mean) }, shape: [features.count, hats.count], dims: ["feature", "t_hat"], labels: ["feature": features.indices.map { "level\($0 + 1)" }])
        try folder.write("t_hat.npy", array: hats, shape: [hats.count], dims: ["t_hat"])
        try folder.write("windows.svg", SVGPlot.stacked([keepPlot, tvPlot]))
        if let e = p.critical.speciationEstimate(schedule: schedule) { estimates.append(e) }
        report.figures.append(("windows.svg", "Keep probability of each feature against the forward time T̂ (solver: points with 2 SE; exact posterior draw: dashed), Li–Chen windows shaded; below, the TV curves whose crossings define them"))
        report.tables.append((title: "Critical windows (ε = \(w.epsilon))", header: ["feature", "S_after", "S_before", "T_after", "T_before"], rows: rows))
        report.dataFiles += [("windows.csv", "per feature: label sets, T_after, T_before (NaN: not reached in the sampler's range) and, for two unit Gaussians under ou, the closed forms"),
                             ("tv.csv", "TV(S_after, Θ∖S_after) and TV(S_after, S_before) per feature on a log t grid"),
                             ("keep.csv", "per T̂: the solver's keep probability (mean, SE) and the exact posterior-draw value per feature"),
                             ("keep_probability.npy", "solver keep probabilities, shape (features, T̂)"), ("t_hat.npy", "the T̂ grid")]
        try CriticalTimesOutput.writeTable(estimates, schedule: schedule, to: folder, report: &report, summary: &summary)
        summary["members"] = spec.members
        return (report, summary)
    }
}
