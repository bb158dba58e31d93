/// The `[information]` section of a latent-information run, declared once (see ``ParameterKey``).
enum LatentInformationParameters {
    static let information = ParameterTable("information", about: """
        With `run.kind = "latent-information"`, the models of critical windows. The latent V is the component; a factor is a \
        partition of the component labels (one coordinate of a factorised latent), and every curve is computed per factor.
        """, [
        ParameterKey("factors", .form("a table of named partitions of the labels, e.g. { coarse = [[0, 1], [2, 3]] }", json: .table([
            "type": .string("object"), "minProperties": .int(1),
            "additionalProperties": .table(["type": .string("array"), "minItems": .int(2),
                                            "items": .table(["type": .string("array"), "minItems": .int(1), "items": .table(["type": .string("integer")])])]),
        ])), .computed("one factor `component`, every label its own group"),
                     "named partitions, e.g. `{ coarse = [[0, 1], [2, 3]], fine = [[0, 2], [1, 3]] }`; each holds every label once, in at least two groups"),
        .integer("points", 60, .within(3...1000), expected: "an integer in 3…1000", "t values of the exact curves, log-spaced over [t_end, t_start]"),
        .integer("branches", 8, .atLeast(1),
                 "branch times t_b for forking and cloning, log-spaced over the sampler's range and moved to the nearest grid time; at most sampler.steps"),
        .integer("continuations", 8, .atLeast(2), expected: "an integer ≥ 2", "F independent continuations from each member's x_{t_b}"),
        .integer("samples", 20000, .atLeast(100), expected: "an integer ≥ 100",
                 "Monte Carlo draws where the exact line quadrature does not apply (means not collinear or unequal variances)"),
    ])
}
