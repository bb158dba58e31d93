/// The `[pulse]` section of a guidance-pulse run, declared once (see ``ParameterKey``).
enum PulseParameters {
    static let pulse = ParameterTable("pulse", about: """
        With `run.kind = "guidance-pulse"`: a reverse-diffusion file (without `[softening]` and `[continuation]`) whose `[guidance]` \
        gives the target (`class`) and the base weight w_base (`weight`, default 0). Every condition of a member starts from the same \
        x_{t_start} and draws the same Brownian increments: *none* (w_base throughout), one pulse per grid centre t₀, one at the critical \
        time, and one at a random t₀ per member. Class alignment is exact where the model has a class posterior (`two-point`, \
        `gaussian-mixture`, `ideal`, and `binary-patch` through its site mean of (1 ± D)/2); `equivariant-ideal`, `ls` and `els` are \
        scored by a softmax regression trained on four fifths of the data (its held-out accuracy is reported).
        """, [
        ParameterKey("centers", .numbers(count: 1...1000), .absent("—"), unit: "time",
                     "the t₀ grid as an array of times in [t_end, t_start] (excludes `from`/`to`/`points`)"),
        ParameterKey("from", .number, .computed("`sampler.t_end`"), unit: "time", "low end of a log-uniform t₀ grid"),
        ParameterKey("to", .number, .computed("`sampler.t_start`"), unit: "time", "high end of the t₀ grid"),
        .integer("points", 16, .within(2...1000), expected: "an integer in 2…1000", "points of the t₀ grid"),
        .number("width", 0.5, .positive, unit: "log t", expected: "a positive width in units of log t", "Δ: the pulse is on where |log t − log t₀| ≤ Δ/2"),
        ParameterKey("width_steps", .integer, .absent("—"), bounds: .atLeast(1), "instead of `width`: the pulse covers this many sampler grid points nearest t₀"),
        .number("strength", nil, expected: "the guidance weight w_p inside the pulse (a finite number)", "w_p, the guidance weight inside the pulse"),
        .choice("budget", "fixed", ["fixed", "equal"],
                "`\"equal\"`: scale each pulse's excess w_p − w_base by (window length at the critical time)/(its window length), so that ∫(w − w_base) dt is the same for every t₀"),
        .boolean("random", true, "include the matched random-time control (t₀ log-uniform over the grid's range, one per member, drawn from the counter-based generator)"),
        ParameterKey("critical", .form("\"auto\" or a time within [sampler.t_end, sampler.t_start]", json: .table([
            "anyOf": .array([.table(["const": .string("auto")]), .table(["type": .string("number"), "exclusiveMinimum": .int(0)])]),
        ])), .value(.string("auto")),
                     "the t₀ of the critical condition: a time, or `\"auto\"`: the model's C1 time (windowed autocovariance), else the speciation time along the target's direction (mixtures), else the speciation time"),
        ParameterKey("targets", .form("a table of named features, e.g. { coarse = [0, 1], fine = [0, 2] }", json: .table([
            "type": .string("object"), "minProperties": .int(1), "additionalProperties": DiffusionParameters.classJSON,
        ])), .computed("from `guidance.class`"), "named features to target one after the other, e.g. `{ coarse = [0, 1], fine = [0, 2] }` (excludes `guidance.class`)"),
        .integer("resamples", 2000, .atLeast(100), expected: "an integer ≥ 100", "bootstrap resamples of the members"),
        .number("level", 0.95, .open(0, 1), expected: "a coverage in (0, 1), e.g. 0.95", "coverage of the bootstrap intervals"),
    ])
}
