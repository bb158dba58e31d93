/// The `[windows]` section of a critical-windows run, declared once (see ``ParameterKey``).
enum CriticalWindowsParameters {
    static let windows = ParameterTable("windows", about: """
        With `run.kind = "critical-windows"`: a `gaussian-mixture` (isotropic components) or `two-point` model (labels 0 = +v, 1 = −v); \
        `[guidance]`, `[softening]` and `[continuation]` do not apply. The sampler section sets the searched range [t_end, t_start], \
        the grid and steps of each forward–reverse run, and `run.members` its members.
        """, [
        ParameterKey("chain", .form("an array of label arrays, nested from coarse to fine, e.g. [[0, 1], [0]]", json: .table([
            "type": .string("array"), "minItems": .int(1),
            "items": .table(["type": .string("array"), "minItems": .int(1), "items": .table(["type": .string("integer")])]),
        ])), .computed("`[[smallest label]]`"),
                     "label sets nested from coarse to fine; feature k (`level<k+1>`) is S_after = chain[k] inside S_before = chain[k − 1] (all labels for k = 0). Each set must lie strictly inside the one before"),
        .number("epsilon", 0.1, .open(0, 0.5), expected: "an ε in (0, ½)", "ε of the TV conditions"),
        .integer("points", 12, .within(2...200), expected: "an integer in 2…200",
                 "T̂ values of the forward–reverse experiment, log-spaced over [max(t_end, t_start/100), t_start]"),
        .integer("samples", 20000, .atLeast(100), expected: "an integer ≥ 100",
                 "Monte Carlo draws of the TV estimator (used where a side has several components or the variances differ)"),
    ])
}
