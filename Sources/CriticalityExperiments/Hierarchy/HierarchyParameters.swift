/// The sections of a hierarchy-transition file, declared once (see ``ParameterKey``).
enum HierarchyParameters {
    static let family = ParameterFamily(name: "Hierarchy transition", kinds: ["hierarchy-transition"], tables: [
        ParameterTable("", subtables: ["run", "hierarchy", "noise"], about: "", []), run, hierarchy, noise,
    ])

    static let run = RunParameters.table(kinds: ["hierarchy-transition"], defaultKind: nil, members: nil, extra: [
        .integer("samples", 1000, .atLeast(2), expected: "an integer ≥ 2", "data per depth and noise value (the same data and noise draws at every noise value)"),
    ], planner: false)

    static let hierarchy = ParameterTable("hierarchy", about: """
        The Random Hierarchy Model forward–backward experiment. It has no lattice or sampler: the posterior is exact by belief \
        propagation; the seed also draws the rules.
        """, [
        .integer("vocabulary", 8, .atLeast(2), expected: "an integer v ≥ 2", "v, symbols per level"),
        .integer("synonyms", 4, .atLeast(1), "m, rules per symbol (v·m ≤ v^s: rules are distinct s-tuples)"),
        .integer("branching", 2, .atLeast(2), expected: "an integer s ≥ 2", "s, children per symbol"),
        ParameterKey("depths", .integers(count: 1...12), .required, bounds: .atLeast(1),
                     expected: "an array of depths L ≥ 1 with s^L ≤ 65536 leaves", "the depths L to compare (s^L ≤ 65536 leaves)"),
    ])

    static let noise = ParameterTable("noise", selector: "type", about: "", [
        .choice("type", "gaussian", ["gaussian", "epsilon", "mask"],
                "`\"gaussian\"`: one-hot tokens x = α_t e + σ_t z at time t; `\"epsilon\"`: each token replaced by a uniform one with probability ε; `\"mask\"`: masked with probability ε"),
        .choice("schedule", "vp", ["vp", "ou", "cosine", "ve"], only: ["gaussian"], "the schedule of Gaussian noise"),
        ParameterKey("from", .number, .computed("t where log λ = 4; ε = 0"), "low end of the noise range: a time (log-spaced) or ε (uniform)"),
        ParameterKey("to", .number, .computed("t where log λ = −4; ε = 1"), "high end of the noise range"),
        .integer("points", 25, .within(3...1000), expected: "an integer in 3…1000", "noise values"),
    ])
}
