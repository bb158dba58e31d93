import CriticalityFieldTheory
import CriticalityLattice

/// The sections of a field-theory file (run.kind = "quench" or "kibble-zurek"), declared once
/// (see ``ParameterKey``).
enum QuenchParameters {
    static let family = ParameterFamily(name: "Field theory", kinds: ["quench", "kibble-zurek"], tables: [
        ParameterTable("", subtables: ["run", "lattice", "model", "initial", "integrator", "observe", "equilibrium", "kibble_zurek"], about: "", []),
        run, lattice, model, ramp, initial, integrator, observe, equilibrium, kibbleZurek,
    ])

    static let run = RunParameters.table(kinds: ["quench", "kibble-zurek"], defaultKind: "quench", members: 8, extra: [
        .integer("fft_threads", 1, .atLeast(1), expected: "a positive integer",
                 "FFTW threads per transform, for a single large lattice: 2 threads make a model-A step 1.2× faster at 512² and 1.6× at 1024² (the pointwise passes stay on one thread); with several members, parallelise over members instead. Results are bitwise the same"),
    ])

    static let lattice = ParameterTable("lattice", about: "A periodic box of `shape` sites with spacing a_i = box_i/shape_i.", [
        ParameterKey("shape", .integers(count: 1...3), .required, bounds: .atLeast(1), expected: "an array of 1 to 3 positive integers, e.g. [128, 128]",
                     "sites per axis, e.g. `[256, 256]`; unequal sizes allowed"),
        ParameterKey("box", .numbers(count: 1...3), .computed("`shape` (spacing 1)"), bounds: .positive, unit: "length",
                     expected: "an array of positive box lengths, one per axis of lattice.shape", "box length per axis"),
    ])

    static let model = ParameterTable("model", selector: "type", subtables: ["ramp"], about: """
        Model A, ∂φ/∂t = −(r φ + u φ³ − κ∇²φ) + h + √(2T) η; Swift–Hohenberg, \
        ∂φ/∂t = r φ − (k*² + ∇²)² φ + g₂ φ² − φ³ + √(2T) η. The noise has intensity 2T: variance 2T·dt/v per site and step.
        """, [
        .choice("type", "model-a", ["model-a", "swift-hohenberg"], "the field theory"),
        .number("temperature", nil, .nonNegative, expected: "a non-negative number", "T, the noise intensity"),
        ParameterKey("r", .number, .requiredWhen("unless `[model.ramp]`"), expected: "a finite number",
                     "model A: constant mass term, r < 0 is the ordered phase (default 0 for `kibble-zurek`); Swift–Hohenberg: control parameter, the ring |k| = k* goes unstable at r = 0"),
        .number("u", 1, .nonNegative, expected: "a non-negative number", only: ["model-a"], "quartic coupling (0 gives the linear, Gaussian theory)"),
        .number("kappa", 1, .positive, expected: "a positive number", only: ["model-a"], "stiffness κ"),
        .number("h", 0, only: ["model-a"], "uniform field"),
        .number("wavenumber", nil, .positive, expected: "a positive number", only: ["swift-hohenberg"], "k*, the critical wavenumber"),
        .number("quadratic", 0, nil, only: ["swift-hohenberg"], "g₂, the coefficient of φ² (breaks φ → −φ; hexagons in 2-D)"),
    ])

    static let ramp = ParameterTable("model.ramp", about: "Instead of `model.r` (model A): r(t) = −(t − t_c)/τ_Q, crossing r = 0 at t_c.", [
        .number("critical_time", nil, unit: "time", "t_c"),
        .number("quench_time", nil, .positive, unit: "time", expected: "a positive number", "τ_Q"),
    ])

    static let initial = ParameterTable("initial", about: """
        The initial field is φ(x, 0) = mean + amplitude·z(x), z independent standard Gaussian per site, drawn \
        from the counter-based generator (stream 1, so independent of the dynamics' noise).
        """, [
        .number("mean", 0, nil, "uniform part"),
        .number("amplitude", 0.01, .nonNegative, expected: "a non-negative number", "standard deviation per site"),
    ])

    static let integrator = ParameterTable("integrator", about: "See docs/numerics.md for the steppers.", [
        .choice("stepper", ExperimentSpec.StepperKind.exponentialEulerMaruyama.rawValue, ExperimentSpec.StepperKind.allCases.map(\.rawValue),
                "`\"exponential-euler-maruyama\"` (exact for the linear part and the noise at any dt), `\"semi-implicit-euler\"`, or `\"etdrk4\"` (fourth order, deterministic only: needs T = 0)"),
        .number("dt", nil, .positive, unit: "time", expected: "a positive time step", "time step"),
        ParameterKey("t_end", .number, .requiredWhen("for `kind = \"quench\"`"), bounds: .positive, unit: "time", expected: "a positive end time",
                     "end time ≥ dt; set by the ramp for `\"kibble-zurek\"` (giving it there is an error)"),
        .number("dealias", Dealiasing.cubicFraction, .open(0, 1), expected: "a fraction in (0, 1)",
                "fraction f of each axis' Nyquist mode kept in the nonlinear term: modes with |n_i| > f·N_i/2 are removed from N[φ] only. ½ removes all aliasing of a cubic term; ⅔ is the quadratic rule"),
    ])

    static let observe = ParameterTable("observe", about: "Observables are computed at times on the step grid (each rounded to the nearest step).", [
        .choice("schedule", "log", ["linear", "log"], "`\"linear\"`: t_end·j/count for j = 0…count; `\"log\"`: count times log-spaced from `start` to t_end"),
        .integer("count", 40, .atLeast(1), expected: "a positive integer",
                 "`log`: exactly this many distinct times (targets that round to one step move to the next free steps); `linear`: count + 1 times including t = 0; snapshot times are observed besides"),
        ParameterKey("start", .number, .computed("max(dt, t_end/1000)"), bounds: .positive, unit: "time", expected: "a positive time", "first time of a log schedule, below t_end"),
        ParameterKey("snapshots", .numbers(count: 0...16), .value(.array([])), bounds: .nonNegative, unit: "time", expected: "an array of up to 16 non-negative times",
                     "times in [0, t_end] at which member 0's field is saved (`.npy`, `.png`) and S(k) is plotted"),
    ])

    static let equilibrium = ParameterTable("equilibrium", about: """
        Equilibrium averages (run.kind = "quench" at constant model.r): from time `from` on, every member records \
        m, S(0) and S(k₁) every `every`, and the run reports moments pooled over members and samples (⟨|m|⟩, ⟨m²⟩, \
        ⟨m⁴⟩, the Binder cumulant, χ = N(⟨m²⟩ − ⟨|m|⟩²), ξ_2nd/L) with jackknife errors over members, the integrated \
        autocorrelation times of m and m², and the Binder cumulant of each half of the samples as an equilibration check \
        (docs/theory.md §12.4). The summary keys start with `eq_`; a `[scan]` over `lattice.size` × `model.r` feeds \
        `criticality fss`.
        """, [
        ParameterKey("from", .number, .required, bounds: .nonNegative, unit: "time", expected: "a non-negative time below integrator.t_end",
                     "t_eq: samples are taken from this time on; it should exceed many autocorrelation times (the report compares)"),
        .number("every", 1, .positive, unit: "time", expected: "a positive time", "sampling interval, rounded to whole steps (at least one)"),
    ])

    static let kibbleZurek = ParameterTable("kibble_zurek", about: """
        With `run.kind = "kibble-zurek"`. For each quench time τ_Q: model A with r(t) = −(t − t_c)/τ_Q starting \
        from r(0) = `initial_r` (so t_c = initial_r·τ_Q), run to t_c + delay·√τ_Q, where ξ_1/e is measured. The model \
        section takes `u`, `kappa`, `h`, `temperature` (no `r`, no ramp); the observation schedule is set by the series.
        """, [
        ParameterKey("quench_times", .numbers(count: 2...64), .required, bounds: .positive, unit: "time",
                     expected: "an array of at least 2 positive quench times", "the τ_Q of the series"),
        .number("initial_r", 1, .positive, expected: "a positive number", "r at t = 0"),
        .number("delay", 2, .positive, expected: "a positive number", "c in t_c + c√τ_Q (√τ_Q is the mean-field freeze-out time)"),
    ])
}

/// The `[run]` section, shared by every family with its own member default and extra keys.
enum RunParameters {
    static func table(kinds: [String], defaultKind: String?, members: Int?, extra: [ParameterKey], planner: Bool = true) -> ParameterTable {
        var keys: [ParameterKey] = [
            ParameterKey("name", .string([]), .computed("the file name without `.toml`"), expected: "a non-empty name without '/'",
                         "name of the results folder `results/<name>`; no `/`"),
            .choice("kind", defaultKind, kinds, "the experiment (see the table of kinds)"),
            .integer("seed", 1, .nonNegative, expected: "a non-negative integer", "seed of every random number of the run; `--seed` overrides it"),
        ]
        if let members { keys.append(.integer("members", members, .atLeast(1), expected: "a positive integer", "independent ensemble members, run in parallel")) }
        keys.append(.integer("threads", 0, .nonNegative, expected: "a non-negative integer (0 = all cores)", "worker threads; 0 = all cores. Results do not depend on it"))
        if planner {
            keys.append(.choice("planner", "estimate", ["estimate", "measure"],
                                "FFTW planner effort: `\"estimate\"` (deterministic plans) or `\"measure\"` (faster plans, timed at start-up; may differ from run to run at the 1e-13 level)"))
        }
        return ParameterTable("run", about: "", keys + extra)
    }

    /// run.name: the results folder's name, so never empty and without '/'.
    static func name(_ run: ParameterSection, default defaultName: String) throws -> String {
        let name = try run.string("name", default: defaultName)
        guard !name.isEmpty, !name.contains("/") else {
            throw ParameterError(file: run.file, key: "run.name", value: .string(name), expected: run.declared("name").expected)
        }
        return name
    }
}
