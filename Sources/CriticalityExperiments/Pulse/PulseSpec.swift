import CriticalityDiffusion
import Foundation

/// The `[pulse]` section of a guidance-pulse run (docs/theory.md §9): guidance w_p in a window of
/// width Δ around t₀, w_base (guidance.weight) elsewhere, for t₀ on a grid, at the critical
/// time, and at a random time per member, all conditions on the same noise.
public struct PulseSpec: Sendable, Equatable {
    /// A target feature: the classes guidance pulls towards and alignment counts.
    public struct Target: Sendable, Equatable {
        public var name: String
        public var labels: [Int]
    }

    /// Δ in units of log t, or a number of sampler grid points.
    public enum Width: Sendable, Equatable {
        case logTime(Double)
        case steps(Int)
    }

    public var targets: [Target]
    /// The t₀ grid, increasing.
    public var centers: [Double]
    public var width: Width
    public var strength: Double
    /// w_base, guidance outside the pulse.
    public var base: Double
    /// Scale every pulse's excess strength so that ∫(w − w_base) dt equals that of the pulse
    /// at the critical time.
    public var equalBudget: Bool
    /// The matched control: one pulse per member at t₀ drawn log-uniformly over the grid's range.
    public var randomControl: Bool
    /// The t₀ of the critical condition; nil: the model's analytic estimate.
    public var critical: Double?
    public var resamples: Int
    public var level: Double

    init(_ s: ParameterSection, spec: DiffusionSpec) throws {
        let file = s.file
        let (lo, hi) = (spec.tEnd, spec.tStart), inside = { (t: Double) in t >= lo && t <= hi }
        let range = "times within [sampler.t_end, sampler.t_start] = [\(lo), \(hi)]"
        if s.has("centers") {
            for k in ["from", "to", "points"] where s.has(k) { throw ParameterError(file: file, message: "pulse.centers and pulse.\(k) exclude each other") }
            centers = try s.doubles("centers", inside, expected: "an array of " + range).sorted()
        } else {
            let from = try s.double("from", default: lo, inside, expected: "one of the " + range, recorded: false)
            let to = try s.double("to", default: hi, { inside($0) && $0 > from }, expected: "a time above pulse.from = \(from), at most sampler.t_start = \(hi)", recorded: false)
            let n = try s.int("points", recorded: false)
            centers = (0..<n).map { from * pow(to / from, Double($0) / Double(n - 1)) }
        }
        // The grid as run: a rerun of parameters.toml need not recompute it.
        s.record("centers", .array(centers.map { .double($0) }))
        if s.has("width") && s.has("width_steps") { throw ParameterError(file: file, message: "pulse.width and pulse.width_steps exclude each other") }
        width = s.has("width_steps") ? .steps(try s.int("width_steps", { $0 <= spec.steps }, expected: "a number of grid points in 1…sampler.steps = \(spec.steps)"))
                                     : .logTime(try s.double("width"))
        strength = try s.double("strength")
        base = spec.guidance.map { if case .constant(let w) = $0.weight { w } else { 0 } } ?? 0
        equalBudget = try s.string("budget") == "equal"
        randomControl = try s.bool("random")
        critical = try s.value("critical", default: nil as Double?, expected: "\"auto\" or a time within [\(lo), \(hi)]",
                               echo: { $0.map { .double($0) } ?? .string("auto") }) { v -> Double?? in
            if case .string("auto") = v { return .some(nil) }
            return ParameterSection.number(v).flatMap { inside($0) ? .some($0) : nil }
        }
        resamples = try s.int("resamples")
        level = try s.double("level")
        if s.has("targets") {
            guard spec.guidance?.labels.isEmpty ?? true else { throw ParameterError(file: file, message: "pulse.targets and guidance.class exclude each other") }
            guard case .table(let t)? = s.table["targets"], !t.isEmpty else {
                throw ParameterError(file: file, key: "pulse.targets", value: s.table["targets"], expected: s.declared("targets").expected)
            }
            targets = try t.keys.sorted().map { Target(name: $0, labels: try DiffusionSpec.classes(t[$0], file: file, key: "pulse.targets.\($0)", model: spec.model)) }
            s.record("targets", .table(Dictionary(uniqueKeysWithValues: targets.map { ($0.name, .array($0.labels.map { .int($0) })) })))
        } else {
            guard let labels = spec.guidance?.labels, !labels.isEmpty else {
                throw ParameterError(file: file, message: "a guidance-pulse run needs a target: guidance.class, or pulse.targets")
            }
            targets = [Target(name: "target", labels: labels)]
        }
    }
}
