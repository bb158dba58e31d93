/// The `[scan]` section, which any file may add, declared once (see ``ParameterKey``).
enum ScanParameters {
    static let axisKeys: [ParameterKey] = [
        ParameterKey("parameter", .string([]), .required, expected: "a dotted key of a numeric parameter, e.g. \"sampler.t_end\"",
                     "the dotted key of a numeric parameter, e.g. `\"sampler.t_end\"`, `\"model.patch\"`, `\"guidance.weight\"`, `\"model.r\"` (not `run.seed`: use replicas); or `\"lattice.size\"` with `values` that are integers L ≥ 2 (lattices L^d, d the file's number of axes) or explicit shapes `[n₁, …, n_d]`, at the file's spacing (box n·a), for finite-size scaling; a shape's size in the tables is (n₁⋯n_d)^{1/d}"),
        ParameterKey("values", .form("a non-empty array of numbers (for lattice.size: integers or shapes)", json: .table(["type": .string("array"), "minItems": .int(1), "items": .table(["anyOf": .array([
            .table(["type": .string("number")]), .table(["type": .string("array"), "items": .table(["type": .string("integer"), "minimum": .int(2)])])])])])),
                     .absent("—"), "a list of values (integers stay integers: `model.patch = [3, 5, 7]`) …"),
        ParameterKey("from", .number, .absent("—"), "… or a grid of `points` values from `from` …"),
        ParameterKey("to", .number, .absent("—"), "… to `to` …"),
        ParameterKey("points", .integer, .absent("—"), bounds: .within(2...Double(ScanSpec.maximumTasks)), "… with `points` ≥ 2 …"),
        .choice("grid", "linear", ["linear", "log"], "… `\"linear\"` or `\"log\"` (positive ends)"),
    ]

    static let scan = ParameterTable("scan", subtables: ["second", "fss"], about: """
        Any file may add a `[scan]`: its experiment then runs at every point of a grid, times replicas, and writes one table \
        (docs/output.md, "Scans"); the scanned key's own value in the file is replaced at each point. Every point is validated \
        before anything runs. A scan is resumable: finished (point, replica) runs are stored at once in the hidden folder \
        `.NAME.scan` beside the results folder, and rerunning the same file computes only what is missing.
        """, axisKeys + [
        .integer("replicas", 1, .atLeast(1), "independent runs per point; replica r uses seed `run.seed + r` at every point (common random numbers along the scan)"),
        .integer("threads", 0, .nonNegative, expected: "a non-negative integer (0 = all cores)",
                 "scan workers; every point runs single-threaded, so the table does not depend on it"),
        ParameterKey("plot", .form("an array of summary keys, or of arrays of keys (one panel each)", json: .table([
            "type": .string("array"),
            "items": .table(["anyOf": .array([.table(["type": .string("string")]), .table(["type": .string("array"), "minItems": .int(1), "items": .table(["type": .string("string")])])])]),
        ])), .computed("chosen from the runs' keys"),
                     "panels of `scan.svg`. Default: the relaxed fixed points if the runs have them, else the critical times, else ξ_1/e of sign D"),
        ParameterKey("power_law", .form("an array of summary keys", json: .table(["type": .string("array"), "items": .table(["type": .string("string")])])),
                     .value(.array([])), expected: "an array of summary keys",
                     "keys y to fit as y ∝ x^b against the first axis x (its positive values): weighted least squares of log y, the exponent with its standard error and χ²/dof in `summary.json` (`power_law_KEY`, …) and `power_law.svg`. E.g. the Kibble–Zurek exponent of the frozen ξ against `corrector.steps`"),
    ])

    static let second = ParameterTable("scan.second", about: "A second axis: a 2-D scan, the second axis running fastest.", axisKeys)

    static let fss = ParameterTable("scan.fss", about: """
        Finite-size scaling of a scan over `lattice.size` (docs/theory.md §12), run when the scan is complete and written to \
        `results/NAME-fss/`, as `criticality fss results/NAME` with the same options would (docs/output.md).
        """, [
        ParameterKey("ratios", .form("a non-empty array of summary keys", json: .table(["type": .string("array"), "minItems": .int(1), "items": .table(["type": .string("string")])])),
                     .required, expected: "a non-empty array of summary keys, e.g. [\"eq_binder\", \"eq_xi_2nd_over_l\"]",
                     "dimensionless ratios the runs report: crossings, their L → ∞ limit, collapse with ω = 0 (`eq_binder`, `eq_xi_2nd_over_l` with `[equilibrium]`; `binder_sign_D`, … for reverse diffusion)"),
        ParameterKey("susceptibility", .string([]), .absent("no susceptibility collapse"), "a susceptibility the runs report (`eq_chi`, `chi_sign_D`): collapse with ω = γ/ν fitted"),
        ParameterKey("control", .string(["t", "log_lambda"]), .computed("the scan's second axis, or `\"t\"`"),
                     "for a scan over lattice.size alone (reverse diffusion): the per-time control, `\"t\"` or `\"log_lambda\"`"),
        .number("correction_exponent", 1, .positive, expected: "a positive exponent", "ω of the crossings' extrapolation: points as L^{−(1/ν+ω)}, values as L^{−ω}"),
        ParameterKey("smallest", .number, .absent("every size"), bounds: .positive, "leave out sizes below this"),
        .integer("resamples", 200, .atLeast(10), expected: "at least 10", "bootstrap resamples"),
    ])
}
