import CriticalityAnalysis
import CriticalityDiffusion

/// The sections of a reverse-diffusion file (run.kind = "reverse-diffusion", "guidance-pulse",
/// "critical-windows", "latent-information"), declared once (see ``ParameterKey``).
enum DiffusionParameters {
    static let kinds = ["reverse-diffusion", "guidance-pulse", "critical-windows", "latent-information"]
    static let family = ParameterFamily(name: "Reverse diffusion", kinds: kinds, tables: [
        ParameterTable("", subtables: ["run", "lattice", "schedule", "model", "data", "guidance", "sampler", "corrector", "observe", "softening", "continuation", "pulse",
                                       "windows", "information"], about: "", []),
        run, lattice, schedule, model, component, data, guidance, guidancePulse, sampler, corrector, observe, softening, continuation,
        PulseParameters.pulse, CriticalWindowsParameters.windows, LatentInformationParameters.information,
    ])

    static let run = RunParameters.table(kinds: kinds, defaultKind: nil, members: 16, extra: [])

    static let lattice = ParameterTable("lattice", about: """
        As for field theories. For `model.type = "ideal"`, `"equivariant-ideal"`, `"ls"` or `"els"`, and for `"external"` with `[data]`, `shape` may be left out: \
        it is then the training images' shape ([H, W], or [H, W, C] for C > 1 channels, channels last). If given, it must equal that shape.
        """, [
        ParameterKey("shape", .integers(count: 1...3), .requiredWhen("unless the run has images ([data])"), bounds: .atLeast(1),
                     expected: "an array of 1 to 3 positive integers, e.g. [80, 80]", "sites per axis"),
        QuenchParameters.lattice.key("box")!,
    ])

    static let schedule = ParameterTable("schedule", selector: "type", about: """
        The forward process x_t = α_t x₀ + σ_t ε, λ_t = α_t²/σ_t²; D(x, t) = E[x₀ | x_t = x] and the score is (α_t D − x)/σ_t².
        """, [
        .choice("type", "vp", ["vp", "ou", "ddpm", "cosine", "ve"],
                "`\"vp\"`: α = e^{−t/2}, σ² = 1 − e^{−t}; `\"ou\"`: α = e^{−t}, σ² = 1 − e^{−2t} (`ou` t = `vp` 2t); `\"ddpm\"`: linear β on t ∈ (0, 1]; `\"cosine\"`: α = cos(πt/2.016) on t ∈ (0, 1]; `\"ve\"`: α = 1, σ = t"),
        .number("beta_min", 0.1, .positive, expected: "a positive rate", only: ["ddpm"], "β(t) = β_min + t(β_max − β_min)"),
        .number("beta_max", 20, expected: "a rate ≥ schedule.beta_min", only: ["ddpm"], "β_max ≥ β_min"),
    ])

    static let models = ["binary-patch", "gaussian-field", "two-point", "ideal", "equivariant-ideal", "ls", "els", "gaussian-mixture", "external"]
    static let classModels = ["ideal", "equivariant-ideal", "ls", "els"]
    static let patch = ParameterKey.ValueType.form("an odd patch size, or an array of [t, P] pairs (P odd)", json: .table([
        "anyOf": .array([.table(["type": .string("integer"), "minimum": .int(1)]),
                         .table(["type": .string("array"), "minItems": .int(1),
                                 "items": .table(["type": .string("array"), "minItems": .int(2), "maxItems": .int(2)])])]),
    ]))
    static let classJSON = ParameterValue.table([
        "anyOf": .array([.table(["type": .string("integer"), "minimum": .int(0)]),
                         .table(["type": .string("array"), "minItems": .int(1), "items": .table(["type": .string("integer"), "minimum": .int(0)])])]),
    ])
    static let classes = ParameterKey.ValueType.form("a non-negative class label, or an array of them (dealt to the members in turn)", json: classJSON)
    static let spectrumKeys: [ParameterKey] = [
        .choice("spectrum", "ornstein-zernike", ["ornstein-zernike", "power-law", "flat"], only: ["gaussian-field"],
                "`\"ornstein-zernike\"` P(k) = A/(1 + ξ²k²), `\"power-law\"` P(k) = A(|k|/k_f)^{−γ} (P(0) = A), or `\"flat\"` P = A; in lattice units, P(k) = ⟨|x̂(k)|²⟩/N"),
        .number("amplitude", 1, .positive, expected: "a positive number", only: ["gaussian-field", "two-point"],
                "`gaussian-field`: A; `two-point`: the data are ±v with v = amplitude on every site"),
        ParameterKey("correlation_length", .number, .requiredWhen("for Ornstein–Zernike"), bounds: .positive, unit: "sites",
                     expected: "a positive length", only: ["gaussian-field"], "ξ"),
        ParameterKey("exponent", .number, .requiredWhen("for a power law"), bounds: .nonNegative, expected: "a non-negative exponent",
                     only: ["gaussian-field"], "γ"),
    ]

    static let model = ParameterTable("model", selector: "type", about: """
        The models (docs/numerics.md, "Reverse diffusion"): `binary-patch` **[reconstructed]**: D = tanh(α (K∗x)/σ²), K the P×P box of \
        ones (the ELS machine trained on the two uniform images ±1; 1-D or 2-D lattices). `gaussian-field`: the exact Wiener filter \
        D̂ = αP x̂/(α²P + σ²) of a stationary Gaussian field. `two-point`: D = v tanh(α vᵀx/σ²), the data ±v. `gaussian-mixture`: the exact \
        posterior mean of Σ w_i N(μ_i, s_i² I), whose component labels are the classes guidance and pulses target. `ideal`: the empirical \
        score of the training set (it memorises). `equivariant-ideal`: the same on all circular shifts of every training image. `ls`: \
        Kamb & Ganguli's local machine, a softmax per pixel u over the training images n of −‖x_Ω(u) − α y_n,Ω(u)‖²/(2σ²), Ω(u) the P×P \
        window at u, D(u) = Σ W_n(u) y_n(u). `els`: the equivariant local machine, the softmax over the patches of every training image at \
        every position of u's dictionary (all positions with circular windows; interior windows only; or, with zero boundaries, the \
        boundary-broken dictionary where a pixel within P//2 of a border matches only patches at the same distance from it). \
        Multi-channel images sum the distance over the channels. `external`: your own network, in a program the run starts \
        and talks to over the denoiser protocol (docs/external.md); it runs only with `criticality run --allow-external`.
        """, [
        .choice("type", nil, models, "the denoiser"),
        ParameterKey("patch", patch, .requiredWhen("for `binary-patch`, `ls`, `els`"), only: ["binary-patch", "ls", "els"],
                     "odd patch size P ≤ the smallest lattice size, or a schedule P(t) as `[[t₁, P₁], [t₂, P₂], …]`, piecewise constant: P(t) = the P of the largest tᵢ ≤ t (the earliest entry's below all)"),
    ] + spectrumKeys + [
        ParameterKey("class", classes, .absent("none"), only: classModels + ["external"],
                     "restrict the training set to one label (a class-conditional model); an array of labels is dealt to the members in turn (member i samples `class[i mod n]`; `sample_labels.npy` records it)"),
        .choice("boundary", "circular", ["circular", "zero"], only: ["ls", "els"],
                "`\"circular\"` windows wrap around the image; `\"zero\"` windows are zero-padded (for `els`: the boundary-broken machine)"),
        .choice("candidates", "all", ["all", "interior"], only: ["els"],
                "with circular windows: `\"all\"` positions, or `\"interior\"`, only the windows lying fully inside each training image (Kamb & Ganguli's published code)"),
        ParameterKey("components", .form("an array of tables ([[model.components]] sections)", json: .table([
            "type": .string("array"), "minItems": .int(1), "items": .table(["$ref": .string("#/definitions/model.components")]),
        ])), .requiredWhen("for `gaussian-mixture`"), only: ["gaussian-mixture"],
                     "one `[[model.components]]` table per isotropic component N(μ, s²I), see below"),
        ParameterKey("command", .form("an array of strings: the program and its arguments", json: .table([
            "type": .string("array"), "minItems": .int(1), "items": .table(["type": .string("string")]),
        ])), .requiredWhen("for `external`"), only: ["external"],
                     "the program serving the network and its arguments, started without a shell, e.g. `[\"python3\", \"serve.py\"]`; a relative program path is relative to `directory`"),
        ParameterKey("directory", .string([]), .computed("the parameter file's folder"), only: ["external"], "the folder the program runs in (relative to the parameter file's folder)"),
        ParameterKey("environment", .form("a table of strings", json: .table(["type": .string("object"), "additionalProperties": .table(["type": .string("string")])])),
                     .value(.table([:])), only: ["external"], "variables added to the program's environment, e.g. `{ OMP_NUM_THREADS = \"2\" }`"),
        ParameterKey("predicts", .string(ExternalModel.Prediction.allCases.map(\.rawValue)), .requiredWhen("for `external`"), only: ["external"],
                     "what the network outputs: `\"x0\"` (the denoised field D), `\"epsilon\"` (the noise; D = (x − σε)/α), `\"score\"` (D = (x + σ²s)/α) or `\"v\"` (v = αε − σx₀; D = (αx − σv)/(α² + σ²))"),
        .integer("batch", 64, .atLeast(1), only: ["external"],
                 "the largest batch sent at once: that many ensemble members run concurrently (when `run.threads = 0`) and their requests at the same t travel together"),
        .number("timeout", 60, .positive, unit: "s", expected: "a positive number of seconds", only: ["external"],
                "seconds the program may take for the handshake or one batch before the run stops"),
    ])

    static let component = ParameterTable("model.components", about: """
        One isotropic component of a `gaussian-mixture` model (an element of the array of tables `[[model.components]]`).
        """, [
        .integer("label", nil, .nonNegative, expected: "a non-negative integer", "its class"),
        .number("weight", 1, .positive, expected: "a positive number", "weight w_i (normalised over the components)"),
        .number("variance", 1, .nonNegative, expected: "a positive number", "s²"),
        ParameterKey("mean", .form("a number, { uniform = a, checkerboard = b }, or one value per site", json: .table([
            "anyOf": .array([.table(["type": .string("number")]), .table(["type": .string("array"), "items": .table(["type": .string("number")])]),
                             .table(["type": .string("object"), "additionalProperties": .bool(false),
                                     "properties": .table(["uniform": .table(["type": .string("number")]), "checkerboard": .table(["type": .string("number")])])])]),
        ])), .value(.double(0)), "a number (uniform), a table `{ uniform = a, checkerboard = b }` (a·𝟙 + b·(−1)^(Σ coordinates)), or one value per site"),
    ])

    static let sources = ["file", "two-uniform", "random-binary", "stripes", "checkerboard", "gaussian-field"]
    static let data = ParameterTable("data", selector: "source", about: """
        The training images of `ideal`, `equivariant-ideal`, `ls` and `els`; for `external`, optional labelled images in the \
        network's units, on which guidance-pulse runs train the classifier of their class alignment. Built-in data are in `parameters/data/` (its README): \
        the 1797 handwritten digits (8×8, labels 0–9) and four 64×64 textures. A data file with the wrong dtype, Fortran order, a shape \
        other than (N, H, W[, C]), fewer or more bytes than its header promises, or labels of the wrong length stops the run with one \
        line naming the file and the problem (exit code 2).
        """, [
        .choice("source", nil, sources,
                "`\"file\"`, `\"two-uniform\"` (the images ±1; labels 0 and 1), `\"random-binary\"` (fair ±1 pixels), `\"stripes\"` (±1 square waves along each of the first two axes at every phase; label = axis), `\"checkerboard\"` (every distinct phase), `\"gaussian-field\"`"),
        ParameterKey("file", .string([]), .requiredWhen("for `\"file\"`"), only: ["file"],
                     "a `.npy` array (N, H, W) or (N, H, W, C), C order, dtype `<f8`, `<f4`, `<i8`, `<i4`, `<i2`, `<u2`, `|i1` or `|u1`; relative paths are relative to the parameter file's folder"),
        ParameterKey("labels", .string([]), .absent("none"), only: ["file"], "a `.npy` array (N,) of non-negative integers, one per image"),
        ParameterKey("file_sha256", .string([]), .absent("none"), expected: "64 hexadecimal digits (the file's SHA-256)", only: ["file"],
                     "the SHA-256 the file must have: a run whose data differ is refused. The echoed `parameters.toml` sets it (and makes the paths absolute), so that a rerun finds the same data or says that they changed"),
        ParameterKey("labels_sha256", .string([]), .absent("none"), expected: "64 hexadecimal digits (the file's SHA-256)", only: ["file"],
                     "the same for the labels file"),
        ParameterKey("normalise", .boolean, .computed("`true` for files (`false` for `external`), else `false`"),
                     "map the data's range [min, max] to [−1, 1] by x ↦ scale·x + offset; the map is recorded in `run.json` (`data.affine_map`)"),
        ParameterKey("limit", .integer, .absent("all"), bounds: .atLeast(1), expected: "a positive number of images", "use only the first `limit` images"),
        .integer("count", 16, .atLeast(1), expected: "a positive number of images", only: ["random-binary", "gaussian-field"], "number of images"),
        ParameterKey("wavelength", .integer, .requiredWhen("for stripes and checkerboards"), bounds: .atLeast(2), unit: "sites",
                     expected: "an integer period ≥ 2 sites", only: ["stripes", "checkerboard"], "period"),
    ] + spectrumKeys.map { var k = $0; k.only = ["gaussian-field"]; k.meaning = "the spectrum of `\"gaussian-field\"` data, as `model.\(k.name)`"; return k })

    static let guidance = ParameterTable("guidance", subtables: ["pulse"], about: """
        Optional; every model but `gaussian-field`. Classifier-free guidance D_w = D_u + w(t)(D_c − D_u): D_u the model, D_c its \
        class-conditional version (the same machine on the images of the class; the components with that label; for `binary-patch` and \
        `two-point` the class image itself, class 0 is +1 or +v, class 1 is −1 or −v). Give `class` and exactly one of `weight`, `pulse`, \
        `table`; in a guidance-pulse run only `class` (or `pulse.targets`) and `weight`, the base weight (default 0).
        """, [
        ParameterKey("class", .form("a non-negative class label, or an array of distinct labels (a feature)", json: classJSON), .requiredWhen("(in a guidance-pulse run: or `pulse.targets`)"),
                     "the label guided towards, or an array of labels (a feature several classes share, e.g. `[0, 1]`)"),
        ParameterKey("weight", .number, .absent("—"), "constant w (0: unconditional, 1: conditional, > 1: over-guided)"),
        ParameterKey("table", .form("an array of at least two [t, w] pairs with t > 0", json: .table([
            "type": .string("array"), "minItems": .int(2), "items": .table(["type": .string("array"), "minItems": .int(2), "maxItems": .int(2)]),
        ])), .absent("—"), "`[[t₁, w₁], [t₂, w₂], …]`: w linear in log t between rows, constant beyond"),
    ])

    static let guidancePulse = ParameterTable("guidance.pulse", about: """
        A guidance pulse: w = strength where |log t − log center| ≤ width/2, else base.
        """, [
        .number("center", nil, .positive, unit: "time", expected: "a positive time", "t₀"),
        .number("width", nil, .positive, unit: "log t", expected: "a positive width in units of log t", "Δ"),
        .number("strength", nil, nil, "w_p"),
        .number("base", 0, nil, "w_base"),
    ])

    static let sampler = ParameterTable("sampler", selector: "grid", about: """
        The initial state is x_{t_start} ~ N(0, (α² + σ²)I): the stationary prior for `vp`, `ou`, `ddpm` and `cosine`; for `ve` it \
        assumes data of unit variance; or, with `initial`, given states. See docs/numerics.md, "Reverse diffusion".
        """, [
        ParameterKey("initial", .string([]), .absent("drawn from the prior (generator stream 3 of the member)"),
                     "an .npy file of shape (members, *lattice.shape) or (members, sites): member m starts from row m at t_start, unscaled (to reproduce a sample of another code from its starting noise)"),
        .choice("method", SamplerMethod.reverseSDEExponential.rawValue, SamplerMethod.allCases.map(\.rawValue),
                "`\"reverse-sde-exponential\"` (the reverse SDE with D frozen over a step, integrated exactly: ancestral sampling), `\"reverse-sde-euler\"` (Euler–Maruyama), `\"pf-ode-heun\"` (probability-flow ODE, second order, two denoiser calls per step) or `\"ddim\"` (deterministic, first order)"),
        ParameterKey("t_start", .number, .computed("`vp` 12, `ou` 6, `ddpm` and `cosine` 1, `ve` 80"), unit: "time",
                     "where the reverse path starts, inside the schedule's domain"),
        ParameterKey("t_end", .number, .computed("`vp` 1e-3, `ou` 5e-4, `ddpm` and `cosine` 1e-3, `ve` 2e-3"), unit: "time",
                     "where it ends, 0 < t_end < t_start; the sample is the posterior mean D(x_{t_end})"),
        .integer("steps", 400, .atLeast(1), expected: "a positive number of steps", "number of steps"),
        .choice("grid", "log", ["log", "uniform", "edm"], "`\"log\"` (equal steps in log t), `\"uniform\"`, or `\"edm\"` (Karras et al.'s ρ-grid in σ/α, mapped to t)"),
        .number("rho", 7, .positive, expected: "a positive number", only: ["edm"], "ρ of the `edm` grid"),
    ])

    static let corrector = ParameterTable("corrector", about: """
        Optional: a predictor–corrector sampler. After every predictor step that lands inside `window`, `steps` Langevin \
        corrector steps at that fixed noise level, x ← x + δ(α_t D(x, t) − x) + σ_t√(2δ) z (docs/theory.md §12.5): concentrate \
        them around t_c and the annealing time spent there, τ = δ × steps × (grid times in the window), is the Kibble–Zurek \
        control (summary key `corrector_time`). Each step costs one denoiser evaluation.
        """, [
        .integer("steps", 1, .nonNegative, expected: "a non-negative number of steps", "corrector steps after each predictor step in the window (0: none)"),
        .number("step_size", 0.1, .open(0, 1), expected: "a step δ in (0, 1)", "δ = ε/σ_t², the Langevin step in units of the noise variance"),
        ParameterKey("window", .numbers(count: 2...2), .computed("the whole path [sampler.t_end, sampler.t_start]"), bounds: .positive, unit: "time",
                     expected: "[t_low, t_high] with 0 < t_low < t_high", "the times at which the corrector runs"),
    ])

    static let observe = ParameterTable("observe", about: "", [
        .integer("count", 40, .atLeast(1), expected: "a positive integer",
                 "observations at this many grid points, evenly spaced in the grid index (so log-spaced in t on the default grid; at most sampler.steps + 1); the last grid point is always observed, and the snapshot times' grid points besides"),
        ParameterKey("snapshots", .numbers(count: 0...16), .value(.array([])), unit: "time",
                     "up to 16 times in [t_end, t_start]; the nearest grid point's x_t and D(x_t) of member 0 are saved"),
        ParameterKey("mosaic_tolerance", .number, .computed("1 % of the training data's range (0.02 for data mapped to [−1, 1])"), bounds: .nonNegative,
                     expected: "a non-negative tolerance in the model's units",
                     "`ls`, `els` (and `external` with `mosaic_patch`): a sample's pixel passes the mosaic check when every channel lies within this distance of the centre of the L2-nearest patch of its dictionary"),
        ParameterKey("mosaic_patch", .integer, .absent("no mosaic check"), bounds: .atLeast(1), expected: "an odd patch size P ≥ 1",
                     "`external` with `[data]`: check every sample against the ELS dictionary of P×P patches of the data (the samples of a patch machine are mosaics of its patches; are the network's?)"),
        ParameterKey("mosaic_boundary", .string(["circular", "zero"]), .value(.string("circular")),
                     "`external`: the dictionary of `mosaic_patch`: `\"circular\"` windows wrap, `\"zero\"` is the boundary-broken dictionary (as `model.boundary` of `els`)"),
        ParameterKey("order_parameter", .string([]), .value(.string("uniform")), expected: "\"uniform\", \"ring\" or the path of an .npy field of the lattice's shape",
                     "what m is (docs/theory.md §12.1): `\"uniform\"`, the k = 0 mode (the field's mean); `\"ring\"`, the rms amplitude of the shell of the critical wavevector k* (ring instabilities: needs a model whose C1 mode is off k = 0); or an .npy file w of the lattice's shape, the projection Σ φ w / Σ w². Every per-time moment, Binder cumulant and χ uses it"),
        .boolean("trajectories", false, "write every member's x_t and D(x_t) at the observation times (`trajectory.npy`, `trajectory_denoised.npy`, float64: T × members × sites × 8 bytes)"),
        .boolean("fixed_points", false,
                 "relax every member at frozen t_end to the fixed point of the denoiser map y ↦ D(α y) reached from D(x_{t_end}) (a mode of p_t): its magnetisation m and branch (+, −, or 0 when |m| ≤ 10⁻⁶)"),
    ])

    static let softening = ParameterTable("softening", about: """
        Optional: its presence turns on the Jacobian probes, mode softening and Ginzburg–Landau coefficients (docs/numerics.md, \
        "Mode softening"). Each probe is two denoiser evaluations per plane wave (13 waves for `shells = 3` on a square lattice), at \
        every observation of every probed member and at every homogeneous time: cheap for the binary patch model, costly for ELS on \
        64² images (keep `shells = 1` and few members there).
        """, [
        .integer("shells", 3, .atLeast(1), expected: "a positive number of shells",
                 "non-zero shells probed besides k = 0 (all modes of each, cos and sin; k* is added alone when outside them)"),
        ParameterKey("members", .integer, .computed("min(run.members, 16)"), bounds: .atLeast(1), "members probed along their trajectories, at every observation time"),
        .choice("method", "auto", ["auto", "analytic", "finite-difference"],
                "`\"analytic\"` (J_D·e in closed form: binary patch, Gaussian field, two-point, ideal), `\"finite-difference\"` (central differences, any model), or `\"auto\"` (analytic where available)"),
        .number("step", JacobianProbe.defaultRelativeStep, .open(0, 0.1), expected: "a relative step in (0, 0.1)",
                "η of the finite-difference step ε = η σ_t √N (a per-site step of order η σ_t)"),
        .integer("times", 200, .atLeast(2), expected: "an integer ≥ 2", "points of the homogeneous-state scan, log-spaced over [t_end, t_start]"),
        .integer("response", 0, .nonNegative, "observation times (evenly spread, the last excluded) with a dynamic response χ_dyn; 0 to `observe.count`"),
        .number("response_step", DynamicResponse.defaultRelativeStep, .open(0, 1), expected: "a relative step in (0, 1)", "η of the response kick ε = η σ_t √N"),
        ParameterKey("windows", .form("an array of odd window sizes P ≥ 1", json: .table([
            "type": .string("array"), "items": .table(["type": .string("integer"), "minimum": .int(1)]),
        ])), .value(.array([])), "odd window sizes P: adds the C1 time of the same data under P×P windows to the table (`t_c_analytic_c1_window<P>`); for `external` with `[data]`, the first one's k* is probed (else the whole lattice's)"),
    ])

    static let continuation = ParameterTable("continuation", about: """
        Optional: continues the model's Curie–Weiss reduction u = (1 − w) tanh(K u + h) + w c with K = λ_t Λ by pseudo-arclength, with \
        its stability, branch points, folds and the branches switched onto at branch points (docs/numerics.md, "Bifurcations"). \
        Λ = P² for `binary-patch` (fixed P, the uniform sector), a²N for `two-point`, N for `ideal` and `equivariant-ideal` with \
        `data.source = "two-uniform"`; w and c come from a constant `[guidance]` weight and its class.
        """, [
        .choice("parameter", "t", ["t", "guidance.weight"],
                "`\"t\"` (time, K = λ_t Λ) or `\"guidance.weight\"` (w, at frozen t = sampler.t_end; needs `[guidance]`)"),
        ParameterKey("range", .numbers(count: 2...2), .computed("[t_end, t_start] for t; [0, 1] for the weight"), expected: "[low, high] with low < high",
                     "continuation stops when the parameter leaves it; in t it starts at the high-noise end from the unique fixed point, in w at the low end from both u = ±1"),
        .number("field", 0, nil, "h, a symmetry-breaking field (h ≠ 0: imperfect bifurcation, no branch point)"),
    ])
}
