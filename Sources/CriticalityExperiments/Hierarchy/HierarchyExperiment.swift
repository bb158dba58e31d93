import CriticalityAnalysis
import CriticalityDiffusion
import Foundation
import CriticalityLattice

/// A hierarchy-transition run (run.kind = "hierarchy-transition"): the RHM forward–backward
/// experiment of docs/theory.md §10 for several depths. `docs/parameters.md` is the reference.
public struct HierarchySpec: Sendable, Equatable {
    public enum Noise: String, Sendable { case gaussian, epsilon, mask }

    public var file: String
    public var name: String
    public var seed: UInt64
    /// Data per noise value and depth.
    public var samples: Int
    public var threads: Int
    public var vocabulary: Int
    public var synonyms: Int
    public var branching: Int
    public var depths: [Int]
    public var noise: Noise
    /// Gaussian noise: the schedule that turns t into (α_t, σ_t).
    public var schedule: NoiseSchedule
    /// Noise values: times (Gaussian, log-spaced) or ε (uniform), from → to.
    public var from: Double
    public var to: Double
    public var points: Int

    init(file: String, root: ParameterValue, defaultName: String) throws {
        self.file = file
        let echo = ParameterEcho(), p = HierarchyParameters.self
        func section(_ table: ParameterTable) throws -> ParameterSection { try ParameterSection(file: file, root: root, table, echo: echo) }
        _ = try section(HierarchyParameters.family.tables[0])
        let run = try section(p.run)
        _ = try run.string("kind")
        name = try RunParameters.name(run, default: defaultName)
        seed = UInt64(try run.int("seed"))
        samples = try run.int("samples")
        threads = try run.int("threads")
        let h = try section(p.hierarchy)
        vocabulary = try h.int("vocabulary")
        branching = try h.int("branching")
        let (v, s) = (vocabulary, branching)
        let tuples = pow(Double(v), Double(s))
        guard tuples <= Double(1 << 22) else { throw ParameterError(file: file, message: "hierarchy.vocabulary^branching = \(v)^\(s) exceeds 2²² tuples") }
        synonyms = try h.int("synonyms", { Double(v) * Double($0) <= tuples }, expected: "an integer m in 1…v^(s−1) = \(Int(tuples) / v) (rules are distinct s-tuples)")
        depths = try h.ints("depths", { pow(Double(s), Double($0)) <= 65536 })
        let n = try section(p.noise)
        noise = Noise(rawValue: try n.string("type"))!
        try n.checkApplicable(noise.rawValue)
        points = try n.int("points")
        if noise == .gaussian {
            switch try n.string("schedule") {
            case "ou": schedule = .ou
            case "cosine": schedule = .cosine
            case "ve": schedule = .ve
            default: schedule = .vp
            }
            let domain = schedule.domain, (sch, d) = (schedule, domain)
            let (lo, hi) = (min(max(sch.time(atSignalToNoise: exp(4.0)), d.lowerBound), d.upperBound), min(sch.time(atSignalToNoise: exp(-4.0)), d.upperBound))
            from = try n.double("from", default: lo, { d.contains($0) && $0 > 0 }, expected: "a positive time of schedule \"\(sch.name)\"")
            to = try n.double("to", default: hi, { [from] in d.contains($0) && $0 > from }, expected: "a time above noise.from = \(from) within \(d)")
        } else {
            schedule = .vp
            from = try n.double("from", default: 0, { $0 >= 0 && $0 < 1 }, expected: "an ε in [0, 1)")
            to = try n.double("to", default: 1, { [from] in $0 > from && $0 <= 1 }, expected: "an ε in (noise.from, 1]")
        }
        parameters = echo.tree
    }

    /// The noise values: log-spaced times or uniform ε.
    var values: [Double] {
        (0..<points).map { j in
            let f = Double(j) / Double(points - 1)
            return noise == .gaussian ? from * pow(to / from, f) : from + f * (to - from)
        }
    }

    var leafNoises: [LeafNoise] {
        values.map { x in
            switch noise {
            case .gaussian: .gaussian(schedule.level(at: x))
            case .epsilon: .epsilon(x)
            case .mask: .mask(x)
            }
        }
    }

    /// The parameters as read (every default filled in).
    var parameters: ParameterValue = .table([:])
    /// Every parameter after defaults and overrides, with the seed as run.
    public var effectiveParameters: ParameterValue { parameters.setting(["run", "seed"], .int(Int(seed))) }
}

/// Runs the RHM forward–backward experiment and writes its files (docs/output.md, "Hierarchy transition").
enum HierarchyExperiment {
    static func run(_ spec: HierarchySpec, folder: ResultsFolder, progress: Progress?) throws -> (HTMLReport, [String: Any]) {
        let values = spec.values, noises = spec.leafNoises, chance = 1 / Double(spec.vocabulary)
        let gaussian = spec.noise == .gaussian
        // The transition axis: −log λ for Gaussian noise, ε otherwise (increasing with the noise).
        let axis = gaussian ? values.map { -spec.schedule.level(at: $0).logSignalToNoise } : values
        let axisName = gaussian ? "−log λ" : "ε"
        progress?.start(totalSteps: spec.depths.count)
        var report = HTMLReport(title: spec.name)
        var summary: [String: Any] = ["depths": spec.depths, "vocabulary": spec.vocabulary, "synonyms": spec.synonyms, "branching": spec.branching,
                                      "samples": spec.samples, "noise": spec.noise.rawValue]
        var estimates: [CriticalTime] = []
        var csv = "depth,noise_value,axis,level,belief,belief_se,sampled,sampled_se\n"
        var transitionRows: [[String]] = [], transitionCSV = "depth,class_crossing_axis,class_slope,leaf_crossing_axis,leaf_slope,class_crossing_t\n"
        let maxDepth = spec.depths.max()!
        var cube = [Double](repeating: .nan, count: spec.depths.count * values.count * (maxDepth + 1))
        let xLabel = gaussian ? "t (schedule \(spec.schedule.name))" : "ε"
        var classPlot = SVGPlot(title: "Class reconstruction after forward noise and exact posterior sampling", xLabel: xLabel, yLabel: "P(class unchanged)", logX: gaussian)
        var leafPlot = SVGPlot(title: "Leaf (token) reconstruction", xLabel: xLabel, yLabel: "fraction of tokens unchanged", logX: gaussian)
        for (d, depth) in spec.depths.enumerated() {
            let model = try RandomHierarchyModel(vocabulary: spec.vocabulary, synonyms: spec.synonyms, branching: spec.branching, depth: depth, seed: spec.seed)
            let h = HierarchyTransition(model: model, noises: noises, samples: spec.samples, threads: spec.threads)
            for (j, x) in values.enumerated() {
                for level in 0...depth {
                    let b = h.belief[j][level], s = h.sampled[j][level]
                    csv += "\(depth),\(x),\(axis[j]),\(level),\(b.mean),\(b.standardError),\(s.mean),\(s.standardError)\n"
                    cube[(d * values.count + j) * (maxDepth + 1) + level] = b.mean
                }
            }
            let cls = HierarchyTransition.crossing(x: axis, y: h.belief.map { $0[depth].mean }, chance: chance)
            let leaf = HierarchyTransition.crossing(x: axis, y: h.belief.map { $0[0].mean }, chance: chance)
            let tCross = cls.flatMap { c in gaussian ? spec.schedule.time(atSignalToNoise: exp(-c.x)) : nil }
            transitionCSV += "\(depth),\(CSV.format(cls?.x ?? .nan)),\(CSV.format(cls?.slope ?? .nan)),\(CSV.format(leaf?.x ?? .nan)),\(CSV.format(leaf?.slope ?? .nan)),\(CSV.format(tCross ?? .nan))\n"
            transitionRows.append(["\(depth)", cls.map { String(format: "%.4f", $0.x) } ?? "—", cls.map { String(format: "%.4f", $0.slope) } ?? "—",
                                   leaf.map { String(format: "%.4f", $0.slope) } ?? "—"])
            if let c = cls {
                summary["class_transition_slope_L\(depth)"] = c.slope
                if let t = tCross {
                    estimates.append(.init(key: "t_class_transition_L\(depth)", estimator: "RHM L = \(depth): class reconstruction halfway between 1 and chance", time: t))
                } else {
                    summary["epsilon_class_transition_L\(depth)"] = c.x
                }
            }
            if let l = leaf { summary["leaf_transition_slope_L\(depth)"] = l.slope }
            classPlot.series.append(.init(label: "L = \(depth)", x: values, y: h.belief.map { $0[depth].mean }, error: h.sampled.map { 2 * $0[depth].standardError }, color: d))
            leafPlot.series.append(.init(label: "L = \(depth)", x: values, y: h.belief.map { $0[0].mean }, dashed: true, color: d))
            progress?.advance()
        }
        try folder.write("hierarchy.csv", csv)
        try folder.write("transition.csv", transitionCSV)
        try folder.write("hierarchy_belief.npy", array: cube, shape: [spec.depths.count, values.count, maxDepth + 1], dims: ["depth", "hierarchy_noise", "level"],
                         labels: ["depth": spec.depths.map { "L\($0)" }, "level": (0...maxDepth).map { "level\($0)" }])
        try folder.write("hierarchy_noise.npy", array: values, shape: [values.count], dims: ["hierarchy_noise"])
        classPlot.yRange = 0...1.02
        leafPlot.yRange = 0...1.02
        try folder.write("hierarchy.svg", SVGPlot.stacked([classPlot, leafPlot]))
        report.figures.append(("hierarchy.svg", "The probability that the class survives forward noise and exact posterior resampling, per depth L (error bars: 2 SE of the sampled fraction), and the fraction of unchanged leaf tokens: the class drops ever more abruptly as L grows, the leaves smoothly"))
        report.tables.append((title: "Transition (halfway between 1 and chance 1/v; slopes per unit \(axisName))", header: ["L", "class crossing (\(axisName))", "class slope", "leaf slope"], rows: transitionRows))
        report.dataFiles += [("hierarchy.csv", "per depth, noise value and level (0 = leaves, L = class): mean posterior belief in the original symbol and the sampled fraction unchanged, with SEs"),
                             ("transition.csv", "per depth: crossing and slope of the class and leaf curves (normalised to 1 … chance) on the \(axisName) axis"),
                             ("hierarchy_belief.npy", "beliefs, shape (depths, noise values, max depth + 1), NaN above a depth's root"), ("hierarchy_noise.npy", "the noise values (t or ε)")]
        if gaussian {
            try CriticalTimesOutput.writeTable(estimates, schedule: spec.schedule, to: folder, report: &report, summary: &summary)
        }
        return (report, summary)
    }
}
