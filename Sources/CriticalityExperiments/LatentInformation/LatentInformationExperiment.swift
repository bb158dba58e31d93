import CriticalityAnalysis
import CriticalityDiffusion
import Foundation
import CriticalityLattice

/// The `[information]` section of a latent-information run (docs/theory.md §7, §10): the factors of
/// the latent (each a partition of the component labels), the t grid of the exact curves, and
/// the forking protocol (branch times, continuations per member).
public struct InformationSpec: Sendable, Equatable {
    public struct Factor: Sendable, Equatable {
        public var name: String
        public var groups: [[Int]]
    }
    public var factors: [Factor]
    public var points: Int
    public var branches: Int
    public var continuations: Int
    public var samples: Int

    init(_ s: ParameterSection, spec: DiffusionSpec) throws {
        let file = s.file
        let labels = Array(Set(spec.isotropicMixture!.labels)).sorted()
        if s.has("factors") {
            guard case .table(let t)? = s.table["factors"], !t.isEmpty else {
                throw ParameterError(file: file, key: "information.factors", value: s.table["factors"], expected: s.declared("factors").expected)
            }
            factors = try t.keys.sorted().map { name in
                let key = "information.factors.\(name)"
                guard case .array(let a) = t[name]!, let groups = Optional(a.map { g -> [Int]? in
                    guard case .array(let b) = g else { return nil }
                    let l = b.compactMap { x -> Int? in if case .int(let i) = x { i } else { nil } }
                    return l.count == b.count && !l.isEmpty ? l : nil
                }), groups.allSatisfy({ $0 != nil }), groups.count >= 2,
                      groups.flatMap({ $0! }).sorted() == labels else {
                    throw ParameterError(file: file, key: key, value: t[name], expected: "at least two groups of labels that together hold every label \(labels) once")
                }
                return Factor(name: name, groups: groups.map { $0! })
            }
        } else {
            guard labels.count >= 2 else { throw ParameterError(file: file, message: "[information] needs a model with at least two labels") }
            factors = [Factor(name: "component", groups: labels.map { [$0] })]
        }
        s.record("factors", .table(Dictionary(uniqueKeysWithValues: factors.map { ($0.name, .array($0.groups.map { .array($0.map { .int($0) }) })) })))
        points = try s.int("points")
        branches = try s.int("branches", { $0 <= spec.steps }, expected: "a number of branch times in 1…sampler.steps = \(spec.steps)")
        continuations = try s.int("continuations")
        samples = try s.int("samples")
    }
}

/// Runs a latent-information experiment and writes its files (docs/output.md, "Latent information").
enum LatentInformationExperiment {
    static func run(_ p: PreparedDiffusion, folder: ResultsFolder, progress: Progress?) throws -> (HTMLReport, [String: Any]) {
        let spec = p.spec, info = spec.information!, mixture = spec.isotropicMixture!, schedule = spec.schedule
        let groupOf = info.factors.map { f in mixture.labels.map { l in f.groups.firstIndex { $0.contains(l) }! } }
        let latents = groupOf.map { LatentInformation(mixture: mixture, group: $0, schedule: schedule, samples: info.samples, seed: spec.seed) }
        let times = try TimeGrid.logUniform.times(from: spec.tStart, to: spec.tEnd, steps: info.points - 1, schedule: schedule).reversed().map { $0 }
        // Forking from branch points spread log-uniformly over the sampler's grid.
        let grid = p.sampler.times
        let branches = Array(Set((0..<info.branches).map { j -> Int in
            let t = spec.tEnd * pow(spec.tStart / spec.tEnd, (Double(j) + 0.5) / Double(info.branches))
            return grid.indices.dropLast().min { abs(log(grid[$0] / t)) < abs(log(grid[$1] / t)) }!
        })).sorted()
        progress?.start(totalSteps: spec.members, phase: "forking")
        let bar = progress
        let forking = try Forking(sampler: p.sampler, branches: branches, continuations: info.continuations, members: spec.members, classes: mixture.count,
                              threads: spec.threads, classify: { x, level in
            let w = mixture.posterior((0..<x.count).map { x[$0] }, level).weights
            return w.indices.max { w[$0] < w[$1] }!
        }, afterMember: { bar?.advance() })
        var report = HTMLReport(title: spec.name)
        var summary: [String: Any] = ["information_factors": info.factors.map(\.name), "members": spec.members, "continuations": info.continuations]
        var estimates: [CriticalTime] = []
        var header = ["t", "log_lambda"], rows = times.map { [$0, schedule.level(at: $0).logSignalToNoise] }
        var forkHeader = ["t_b", "log_lambda"], forkRows = branches.map { [grid[$0], schedule.level(at: grid[$0]).logSignalToNoise] }
        var cube: [Double] = []
        progress?.start(totalSteps: info.factors.count * (times.count + branches.count + 2), phase: "exact information curves")
        var iPlot = SVGPlot(title: "Latent information I(V; x_t)", xLabel: "t", yLabel: "I (nats)", logX: true)
        var ratePlot = SVGPlot(title: "Information production rate −dI/dt", xLabel: "t", yLabel: "−dI/dt (nats per unit t)", logX: true)
        var phiPlot = SVGPlot(title: "Cloning: P(two continuations from x_t agree)", xLabel: "t", yLabel: "φ", logX: true)
        for (k, f) in info.factors.enumerated() {
            let li = latents[k]
            // The exact curves, one t per task (Monte Carlo draws are keyed by draw, not by thread).
            let curves = Ensemble.map(members: times.count, threads: spec.threads) { j in
                defer { bar?.advance() }
                return (li.mutualInformation(at: times[j]), li.productionRate(at: times[j]), li.collisionProbability(at: times[j]))
            }
            let i = curves.map(\.0), rate = curves.map(\.1), phi = curves.map(\.2)
            header += ["I_\(f.name)", "I_\(f.name)_se", "rate_\(f.name)", "rate_\(f.name)_se", "phi_\(f.name)"]
            for j in times.indices { rows[j] += [i[j].mean, i[j].standardError, rate[j].mean, rate[j].standardError, phi[j].mean] }
            cube += times.indices.flatMap { [i[$0].mean, rate[$0].mean, phi[$0].mean] }
            let forks = forking.merged(groupOf[k], groups: f.groups.count)
            let plugIn = forks.plugInEntropy, corrected = forks.correctedEntropy, collision = forks.collision
            forkHeader += ["H_plugin_\(f.name)", "H_corrected_\(f.name)", "H_corrected_\(f.name)_se", "I_forking_\(f.name)", "H_exact_\(f.name)",
                           "phi_\(f.name)", "phi_\(f.name)_se", "phi_exact_\(f.name)"]
            for (j, b) in branches.enumerated() {
                defer { bar?.advance() }
                forkRows[j] += [plugIn[j].mean, corrected[j].mean, corrected[j].standardError, li.entropy - corrected[j].mean,
                                li.conditionalEntropy(at: grid[b]).mean, collision[j].mean, collision[j].standardError, li.collisionProbability(at: grid[b]).mean]
            }
            let tb = branches.map { grid[$0] }
            iPlot.series.append(.init(label: "\(f.name) (exact)", x: times, y: i.map(\.mean), color: k))
            iPlot.series.append(.init(label: "\(f.name), forking H(V) − Ĥ (Miller–Madow)", x: tb, y: corrected.map { li.entropy - $0.mean },
                                      error: corrected.map { 2 * $0.standardError }, markers: true, line: false, color: k))
            ratePlot.series.append(.init(label: f.name, x: times, y: rate.map(\.mean), color: k))
            phiPlot.series.append(.init(label: "\(f.name) (exact)", x: times, y: phi.map(\.mean), color: k))
            phiPlot.series.append(.init(label: "\(f.name), \(info.continuations) continuations", x: tb, y: collision.map(\.mean),
                                        error: collision.map { 2 * $0.standardError }, markers: true, line: false, color: k))
            summary["latent_entropy_\(f.name)"] = li.entropy
            if let t = li.productionRatePeak(in: spec.tEnd...spec.tStart) {
                estimates.append(.init(key: "t_peak_information_rate_\(f.name)", estimator: "argmax of the information production rate of \(f.name) (score-gap integrand)", time: t))
            }
            bar?.advance()
            if let t = cloningHalfTime(li, range: spec.tEnd...spec.tStart) {
                estimates.append(.init(key: "t_cloning_half_\(f.name)", estimator: "cloning: E Σ π_v² of \(f.name) halfway between 1 and Σ P(v)²", time: t))
            }
            bar?.advance()
        }
        try folder.write("information.csv", CSV.table(header: header, rows: rows))
        try folder.write("information.npy", array: cube, shape: [info.factors.count, times.count, 3], dims: ["factor", "information_t", "quantity"],
                         labels: ["factor": info.factors.map(\.name), "quantity": ["information", "rate", "phi"]])
        try folder.write("information_t.npy", array: times, shape: [times.count], dims: ["information_t"])
        try folder.write("forking.csv", CSV.table(header: forkHeader, rows: forkRows))
        if let e = p.critical.speciationEstimate(schedule: schedule) { estimates.append(e) }
        let lines = estimates.map { (x: $0.time, label: String($0.key.dropFirst(2))) }
        var panels = [iPlot, ratePlot, phiPlot]
        for j in panels.indices { panels[j].verticalLines = lines }
        try folder.write("information.svg", SVGPlot.stacked(panels))
        report.figures.append(("information.svg", "Per factor: I(V; x_t) (exact; points: forking estimates), its production rate, and the cloning probability φ (exact; points: the solver's continuations); dotted lines mark the critical times"))
        report.dataFiles += [("information.csv", "per t: I, its SE (0 where exact), the production rate and φ = E Σ π_v² per factor"),
                             ("information.npy", "shape (factors, t, 3): I, rate, φ"), ("information_t.npy", "its t grid"),
                             ("forking.csv", "per branch time t_b and factor: plug-in and Miller–Madow forking entropies, I from forking, the exact H(V | x_t), and φ from the continuations against its exact value")]
        try CriticalTimesOutput.writeTable(estimates, schedule: schedule, to: folder, report: &report, summary: &summary)
        return (report, summary)
    }

    /// The t at which E Σ π_v² is halfway between 1 and its t → ∞ value Σ P(v)² (bisection on
    /// the exact curve, which decreases with t); nil outside `range`.
    static func cloningHalfTime(_ li: LatentInformation, range: ClosedRange<Double>) -> Double? {
        let target = 0.5 * (1 + li.prior.reduce(0) { $0 + $1 * $1 })
        let f = { li.collisionProbability(at: $0).mean - target }
        guard f(range.lowerBound) > 0, f(range.upperBound) < 0 else { return nil }
        return Bisection.boundary(range.lowerBound, range.upperBound) { f($0) > 0 }
    }
}
