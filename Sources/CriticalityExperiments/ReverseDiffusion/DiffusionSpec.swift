import CriticalityAnalysis
import CriticalityDiffusion
import Foundation
import CriticalityLattice

/// A reverse-diffusion experiment (run.kind = "reverse-diffusion", "guidance-pulse", "critical-windows"
/// or "latent-information"), as read from a parameter file after defaults and `--set` overrides.
/// `docs/parameters.md` is the reference.
public struct DiffusionSpec: Sendable {
    public enum Model: Sendable, Equatable {
        case binaryPatch(PatchSchedule)
        case gaussianField(PowerSpectrum)
        case twoPoint(amplitude: Double)
        case ideal
        case equivariantIdeal
        /// LS or ELS (Kamb & Ganguli) on the training data.
        case patchMachine(PatchDictionary, PatchSchedule)
        /// Σ_i w_i N(μ_i, s_i² I) with a class label per component.
        case gaussianMixture([MixtureComponent])

        var name: String {
            switch self {
            case .binaryPatch: "binary-patch"
            case .gaussianField: "gaussian-field"
            case .twoPoint: "two-point"
            case .ideal: "ideal"
            case .equivariantIdeal: "equivariant-ideal"
            case .patchMachine(let d, _): d.locality == .local ? "ls" : "els"
            case .gaussianMixture: "gaussian-mixture"
            }
        }
        var needsData: Bool {
            switch self {
            case .ideal, .equivariantIdeal, .patchMachine: true
            default: false
            }
        }
        /// Guidance needs classes: the ±1 images of the binary patch and two-point models, the
        /// mixture's component labels, or the training data's labels.
        var hasClasses: Bool {
            if case .gaussianField = self { false } else { true }
        }
    }

    public enum DataSource: Sendable, Equatable {
        case file(images: String, labels: String?)
        case twoUniform
        case randomBinary(count: Int)
        case stripes(wavelength: Int)
        case checkerboards(wavelength: Int)
        case gaussianFields(count: Int, spectrum: PowerSpectrum)
    }

    /// Guidance towards the classes `labels` (one class, or a feature shared by several).
    public struct Guidance: Sendable, Equatable {
        public var labels: [Int]
        public var weight: GuidanceSchedule
    }

    /// One isotropic component of a `gaussian-mixture` model: the mean is `values` (one per
    /// site) or the sum uniform·𝟙 + checkerboard·(−1)^(Σ coordinates).
    public struct MixtureComponent: Sendable, Equatable {
        public enum Mean: Sendable, Equatable {
            case values([Double])
            case patterns(uniform: Double, checkerboard: Double)
        }
        public var weight: Double
        public var mean: Mean
        public var variance: Double
        public var label: Int

        func mean(on lattice: Lattice) -> [Double] {
            switch mean {
            case .values(let v): return v
            case .patterns(let u, let c):
                return (0..<lattice.siteCount).map { i in
                    var rest = i, parity = 0
                    for axis in stride(from: lattice.dimension - 1, through: 0, by: -1) {
                        parity += rest % lattice.shape[axis]
                        rest /= lattice.shape[axis]
                    }
                    return u + (parity % 2 == 0 ? c : -c)
                }
            }
        }
    }

    public var file: String
    public var name: String
    /// run.kind.
    public var kind: String
    public var seed: UInt64
    public var members: Int
    public var threads: Int
    public var planner: PlannerEffort
    public var lattice: Lattice
    /// False when lattice.shape is left to the training images.
    public var latticeGiven: Bool
    public var schedule: NoiseSchedule
    public var model: Model
    /// Classes the training set is restricted to (a conditional model): none, one for every
    /// member, or several dealt to the members in turn (member i gets modelLabels[i % count]).
    public var modelLabels: [Int]
    public var data: DataSource?
    /// Affine map of the data to [−1, 1] (file data only).
    public var normalise: Bool
    /// SHA-256 digests of the data files ("file", "labels"): as given by data.file_sha256 and
    /// data.labels_sha256 (checked when the files are read), then as read (echoed and recorded).
    public var dataDigests: [String: String] = [:]
    /// Use only the first `dataLimit` images.
    public var dataLimit: Int?
    public var guidance: Guidance?
    /// The guidance-pulse protocol (run.kind = "guidance-pulse"); nil for other runs.
    public var pulse: PulseSpec?
    /// Li–Chen critical windows (run.kind = "critical-windows").
    public var windows: WindowsSpec?
    /// Latent information, forking and cloning (run.kind = "latent-information").
    public var information: InformationSpec?
    public var method: SamplerMethod
    public var tStart: Double
    public var tEnd: Double
    public var steps: Int
    public var grid: TimeGrid
    public var observationCount: Int
    /// Tolerance of the mosaic check (patch machines); nil: 1 % of the training data's range.
    public var mosaicTolerance: Double?
    public var snapshots: [Double]
    /// Write every member's x_t and D(x_t) at the observation times (observe.trajectories).
    public var trajectories: Bool
    /// Jacobian probes, mode softening and the dynamic response ([softening]); nil: not run.
    public var softening: Softening?
    /// Relax every member's final state to the fixed point of the denoiser map at t_end
    /// (observe.fixed_points).
    public var fixedPoints: Bool
    /// Continuation of the model's reduced fixed-point equation ([continuation]); nil: not run.
    public var continuation: Continuation?

    /// The `[continuation]` section: the Curie–Weiss reduction of the model (THEORY.md §7)
    /// continued in t or in the guidance weight.
    public struct Continuation: Sendable, Equatable {
        public enum Parameter: String, Sendable { case time = "t", guidanceWeight = "guidance.weight" }
        public var parameter: Parameter
        public var range: ClosedRange<Double>
        /// h, a symmetry-breaking field.
        public var field: Double
    }

    /// The `[softening]` section: Jacobian probes at the homogeneous state and along the
    /// trajectories of the first `members` members (THEORY.md §4–§6).
    public struct Softening: Sendable, Equatable {
        /// Non-zero shells probed besides k = 0.
        public var shells: Int
        public var members: Int
        /// nil: analytic where the model has it.
        public var method: JacobianProbe.Method?
        public var step: Double
        /// Times of the homogeneous-state scan (log grid over the sampler's range).
        public var times: Int
        /// Observation times at which the dynamic response is measured (0: none).
        public var response: Int
        public var responseStep: Double
        /// Extra analytic C1 times of the same data under P×P windows (the local counterparts
        /// of a memorising model, say).
        public var windows: [Int]
    }

    /// Default time range per schedule: where the dynamics lives (λ from ~10⁻⁵ to ~10³).
    static func defaultRange(_ s: NoiseSchedule) -> (Double, Double) {
        switch s {
        case .vp: (12, 1e-3)
        case .ou: (6, 5e-4)
        case .ddpm, .cosine: (1, 1e-3)
        case .ve: (80, 2e-3)
        }
    }

    init(file: String, root: ParameterValue, defaultName: String) throws {
        self.file = file
        _ = try ParameterSection(file: file, root: root, path: "", allowed: [],
                                 subtables: ["run", "lattice", "schedule", "model", "data", "guidance", "sampler", "observe", "softening", "continuation", "pulse",
                                             "windows", "information"])
        kind = try ParameterFile.kind(root, file: file)
        let isPulse = kind == "guidance-pulse"
        let run = try ParameterSection(file: file, root: root, path: "run", allowed: ["name", "kind", "seed", "members", "threads", "planner"])
        name = try run.string("name", default: defaultName, oneOf: [])
        guard !name.isEmpty, !name.contains("/") else { throw ParameterError(file: file, key: "run.name", value: .string(name), expected: "a non-empty name without '/'") }
        seed = UInt64(try run.int("seed", default: 1, { $0 >= 0 }, expected: "a non-negative integer"))
        members = try run.int("members", default: 16, { $0 >= 1 }, expected: "a positive integer")
        threads = try run.int("threads", default: 0, { $0 >= 0 }, expected: "a non-negative integer (0 = all cores)")
        planner = PlannerEffort(rawValue: try run.string("planner", default: "estimate", oneOf: ["estimate", "measure"]))!

        let sch = try ParameterSection(file: file, root: root, path: "schedule", allowed: ["type", "beta_min", "beta_max"])
        let scheduleName = try sch.string("type", default: "vp", oneOf: ["vp", "ou", "ddpm", "cosine", "ve"])
        switch scheduleName {
        case "ou": schedule = .ou
        case "ddpm":
            let lo = try sch.double("beta_min", default: 0.1, { $0 > 0 }, expected: "a positive rate")
            let hi = try sch.double("beta_max", default: 20, { $0 >= lo }, expected: "a rate ≥ schedule.beta_min = \(lo)")
            schedule = .ddpm(betaMin: lo, betaMax: hi)
        case "cosine": schedule = .cosine
        case "ve": schedule = .ve
        default: schedule = .vp
        }
        if scheduleName != "ddpm", let k = ["beta_min", "beta_max"].first(where: sch.has) {
            throw ParameterError(file: file, message: "schedule.\(k) is a ddpm key; schedule.type is \"\(scheduleName)\"")
        }

        let mod = try ParameterSection(file: file, root: root, path: "model",
                                       allowed: ["type", "patch", "spectrum", "amplitude", "correlation_length", "exponent", "class", "boundary", "candidates", "components"])
        let modelName = try mod.string("type", oneOf: ["binary-patch", "gaussian-field", "two-point", "ideal", "equivariant-ideal", "ls", "els", "gaussian-mixture"])
        let keysOf: [String: [String]] = ["binary-patch": ["patch"], "gaussian-field": ["spectrum", "amplitude", "correlation_length", "exponent"],
                                          "two-point": ["amplitude"], "ideal": ["class"], "equivariant-ideal": ["class"],
                                          "ls": ["patch", "class", "boundary"], "els": ["patch", "class", "boundary", "candidates"],
                                          "gaussian-mixture": ["components"]]
        for k in ["patch", "spectrum", "amplitude", "correlation_length", "exponent", "class", "boundary", "candidates", "components"] where mod.has(k) && !keysOf[modelName]!.contains(k) {
            throw ParameterError(file: file, message: "model.\(k) does not apply to model.type = \"\(modelName)\"")
        }
        switch modelName {
        case "binary-patch": model = .binaryPatch(try DiffusionSpec.patchSchedule(mod))
        case "gaussian-field": model = .gaussianField(try DiffusionSpec.spectrum(mod))
        case "two-point": model = .twoPoint(amplitude: try mod.double("amplitude", default: 1, { $0 > 0 }, expected: "a positive number"))
        case "ideal": model = .ideal
        case "gaussian-mixture": model = .gaussianMixture(try DiffusionSpec.mixtureComponents(mod))
        case "ls", "els":
            let boundary = PatchDictionary.Boundary(rawValue: try mod.string("boundary", default: "circular", oneOf: ["circular", "zero"]))!
            let candidates = PatchDictionary.Candidates(rawValue: try mod.string("candidates", default: "all", oneOf: ["all", "interior"]))!
            if candidates == .interior && boundary != .circular {
                throw ParameterError(file: file, key: "model.candidates", value: .string("interior"), expected: "\"all\" with model.boundary = \"zero\" (interior candidates are the circular ELS of the reference code)")
            }
            model = .patchMachine(PatchDictionary(modelName == "ls" ? .local : .equivariant, boundary: boundary, candidates: candidates),
                                  try DiffusionSpec.patchSchedule(mod))
        default: model = .equivariantIdeal
        }
        modelLabels = !mod.has("class") ? [] : try mod.value("class", default: nil, expected: "a non-negative class label, or an array of them (dealt to the members in turn)") { v -> [Int]? in
            switch v {
            case .int(let c): return c >= 0 ? [c] : nil
            case .array(let a):
                let c = a.compactMap { x -> Int? in if case .int(let i) = x, i >= 0 { i } else { nil } }
                return c.count == a.count && !c.isEmpty ? c : nil
            default: return nil
            }
        }

        let dat = try ParameterSection(file: file, root: root, path: "data",
                                       allowed: ["source", "file", "labels", "file_sha256", "labels_sha256", "normalise", "limit", "count", "wavelength", "spectrum", "amplitude",
                                                 "correlation_length", "exponent"])
        if model.needsData {
            let source = try dat.string("source", oneOf: ["file", "two-uniform", "random-binary", "stripes", "checkerboard", "gaussian-field"])
            // Relative to the parameter file, written back absolute, so that the echoed
            // parameters.toml of a results folder finds the data from anywhere.
            let dir = URL(fileURLWithPath: file).deletingLastPathComponent()
            func resolve(_ p: String) -> String { URL(fileURLWithPath: p, relativeTo: dir).standardizedFileURL.path }
            let count = { try dat.int("count", default: 16, { $0 >= 1 }, expected: "a positive number of images") }
            let wavelength = { try dat.int("wavelength", { $0 >= 2 }, expected: "an integer period ≥ 2 sites") }
            switch source {
            case "file":
                data = .file(images: resolve(try dat.string("file", oneOf: [])), labels: dat.has("labels") ? resolve(try dat.string("labels", oneOf: [])) : nil)
            case "two-uniform": data = .twoUniform
            case "random-binary": data = .randomBinary(count: try count())
            case "stripes": data = .stripes(wavelength: try wavelength())
            case "checkerboard": data = .checkerboards(wavelength: try wavelength())
            default: data = .gaussianFields(count: try count(), spectrum: try DiffusionSpec.spectrum(dat))
            }
            for key in ["file_sha256", "labels_sha256"] where dat.has(key) {
                guard source == "file", key == "file_sha256" || dat.has("labels") else {
                    throw ParameterError(file: file, message: "data.\(key) applies only to data.source = \"file\" with data.\(key.dropLast(7))")
                }
                dataDigests[String(key.dropLast(7))] = try dat.value(key, default: nil, expected: "64 hexadecimal digits (the file's SHA-256)") { v -> String? in
                    guard case .string(let s) = v, s.count == 64, s.allSatisfy(\.isHexDigit) else { return nil }
                    return s.lowercased()
                }
            }
            normalise = try dat.value("normalise", default: source == "file", expected: "true or false") { if case .bool(let b) = $0 { b } else { nil } }
            dataLimit = dat.has("limit") ? try dat.int("limit", { $0 >= 1 }, expected: "a positive number of images") : nil
        } else {
            guard !root.hasTable("data") else { throw ParameterError(file: file, message: "[data] applies only to models of training data: model.type = \"ideal\", \"equivariant-ideal\", \"ls\" or \"els\"") }
            data = nil
            normalise = false
            dataLimit = nil
        }

        let lat = try ParameterSection(file: file, root: root, path: "lattice", allowed: ["shape", "box"])
        latticeGiven = lat.has("shape") || !model.needsData
        if !latticeGiven {
            lattice = try Lattice(shape: [1])  // replaced by the images' shape in prepare()
        } else {
            let shape = try lat.ints("shape", count: 1...3, { $0 >= 1 }, expected: "an array of 1 to 3 positive integers, e.g. [80, 80]")
            let box = try lat.doubles("box", default: shape.map(Double.init), count: shape.count...shape.count, { $0 > 0 },
                                      expected: "an array of \(shape.count) positive box lengths, one per axis of lattice.shape")
            lattice = try Lattice(shape: shape, boxLength: box)
        }

        if case .gaussianMixture(let components) = model {
            for (i, c) in components.enumerated() {
                if case .values(let v) = c.mean, v.count != lattice.siteCount {
                    throw ParameterError(file: file, message: "model.components[\(i)].mean has \(v.count) values: expected a number, a table of patterns, or \(lattice.siteCount) values (one per site of lattice.shape \(lattice.shape))")
                }
            }
        }

        let gui = try ParameterSection(file: file, root: root, path: "guidance", allowed: ["class", "weight", "pulse", "table"])
        if root.hasTable("guidance") {
            guard model.hasClasses else {
                throw ParameterError(file: file, message: "[guidance] needs a model with classes: model.type = \"binary-patch\", \"two-point\", \"gaussian-mixture\", \"ideal\", \"equivariant-ideal\", \"ls\" or \"els\"")
            }
            guard modelLabels.isEmpty else { throw ParameterError(file: file, message: "model.class and [guidance] exclude each other: guidance sets the class") }
            let labels = isPulse && !gui.has("class") ? [] : try DiffusionSpec.classes(gui, "class", model: model)
            let given = ["weight", "pulse", "table"].filter(gui.has)
            let w: GuidanceSchedule
            if isPulse {
                guard given.allSatisfy({ $0 == "weight" }) else {
                    throw ParameterError(file: file, message: "guidance.\(given.first { $0 != "weight" }!) does not apply to run.kind = \"guidance-pulse\": [pulse] sets the pulses, guidance.weight the base weight")
                }
                w = .constant(try gui.double("weight", default: 0))
            } else {
                guard given.count == 1 else { throw ParameterError(file: file, message: "[guidance] needs exactly one of weight, pulse, table (found \(given.isEmpty ? "none" : given.joined(separator: ", ")))") }
                switch given[0] {
                case "weight": w = .constant(try gui.double("weight"))
                case "pulse":
                    let p = try ParameterSection(file: file, root: root, path: "guidance.pulse", allowed: ["center", "width", "strength", "base"])
                    w = .pulse(center: try p.double("center", { $0 > 0 }, expected: "a positive time"),
                               width: try p.double("width", { $0 > 0 }, expected: "a positive width in units of log t"),
                               strength: try p.double("strength"), base: try p.double("base", default: 0))
                default:
                    let rows = try gui.value("table", default: nil, expected: "an array of at least two [t, w] pairs with t > 0") { v -> [GuidanceSchedule.GuidanceEntry]? in
                        guard case .array(let a) = v, a.count >= 2 else { return nil }
                        let e = a.compactMap { row -> GuidanceSchedule.GuidanceEntry? in
                            guard case .array(let pair) = row, pair.count == 2, let t = ParameterSection.number(pair[0]), let w = ParameterSection.number(pair[1]), t > 0 else { return nil }
                            return .init(time: t, weight: w)
                        }
                        return e.count == a.count ? e : nil
                    }
                    w = .table(rows)
                }
            }
            guidance = Guidance(labels: labels, weight: w)
        } else {
            guidance = nil
        }

        let smp = try ParameterSection(file: file, root: root, path: "sampler", allowed: ["method", "t_start", "t_end", "steps", "grid", "rho"])
        method = SamplerMethod(rawValue: try smp.string("method", default: SamplerMethod.reverseSDEExponential.rawValue, oneOf: SamplerMethod.allCases.map(\.rawValue)))!
        let (t0, t1) = DiffusionSpec.defaultRange(schedule), domain = schedule.domain
        let start = try smp.double("t_start", default: t0, { domain.contains($0) }, expected: "a time in (0, \(domain.upperBound)] for schedule \"\(schedule.name)\"")
        let end = try smp.double("t_end", default: t1, { domain.contains($0) && $0 < start }, expected: "a positive time below sampler.t_start = \(start), at least \(domain.lowerBound)")
        (tStart, tEnd) = (start, end)
        steps = try smp.int("steps", default: 400, { $0 >= 1 }, expected: "a positive number of steps")
        switch try smp.string("grid", default: "log", oneOf: ["log", "uniform", "edm"]) {
        case "uniform": grid = .uniform
        case "edm": grid = .edm(rho: try smp.double("rho", default: 7, { $0 > 0 }, expected: "a positive number"))
        default: grid = .logUniform
        }
        if grid.name != "edm", smp.has("rho") { throw ParameterError(file: file, message: "sampler.rho applies only to sampler.grid = \"edm\"") }

        let obs = try ParameterSection(file: file, root: root, path: "observe", allowed: ["count", "snapshots", "mosaic_tolerance", "trajectories", "fixed_points"])
        trajectories = try obs.value("trajectories", default: false, expected: "true or false") { if case .bool(let b) = $0 { b } else { nil } }
        fixedPoints = try obs.value("fixed_points", default: false, expected: "true or false") { if case .bool(let b) = $0 { b } else { nil } }
        observationCount = try obs.int("count", default: 40, { $0 >= 1 }, expected: "a positive integer")
        mosaicTolerance = obs.has("mosaic_tolerance") ? try obs.double("mosaic_tolerance", { $0 >= 0 }, expected: "a non-negative tolerance in the model's units") : nil
        if mosaicTolerance != nil {
            guard case .patchMachine = model else {
                throw ParameterError(file: file, message: "observe.mosaic_tolerance applies only to model.type = \"ls\" or \"els\"")
            }
        }
        snapshots = try obs.doubles("snapshots", default: [], count: 0...16, { $0 >= end && $0 <= start },
                                    expected: "an array of up to 16 times within [sampler.t_end, sampler.t_start] = [\(end), \(start)]")

        let sof = try ParameterSection(file: file, root: root, path: "softening",
                                       allowed: ["shells", "members", "method", "step", "times", "response", "response_step", "windows"])
        if root.hasTable("softening") {
            let method = try sof.string("method", default: "auto", oneOf: ["auto", "analytic", "finite-difference"])
            softening = Softening(
                shells: try sof.int("shells", default: 3, { $0 >= 1 }, expected: "a positive number of shells"),
                members: try sof.int("members", default: min(members, 16), { $0 >= 1 && $0 <= members }, expected: "a number of members in 1…run.members = \(members)"),
                method: JacobianProbe.Method(rawValue: method),
                step: try sof.double("step", default: JacobianProbe.defaultRelativeStep, { $0 > 0 && $0 < 0.1 }, expected: "a relative step in (0, 0.1)"),
                times: try sof.int("times", default: 200, { $0 >= 2 }, expected: "an integer ≥ 2"),
                response: try sof.int("response", default: 0, { $0 >= 0 && $0 <= observationCount }, expected: "a number of times in 0…observe.count = \(observationCount)"),
                responseStep: try sof.double("response_step", default: DynamicResponse.defaultRelativeStep, { $0 > 0 && $0 < 1 }, expected: "a relative step in (0, 1)"),
                windows: try sof.value("windows", default: [], expected: "an array of odd window sizes P ≥ 1") { v -> [Int]? in
                    guard case .array(let a) = v else { return nil }
                    let p = a.compactMap { x -> Int? in if case .int(let i) = x, i >= 1, i % 2 == 1 { i } else { nil } }
                    return p.count == a.count ? p : nil
                })
        } else {
            softening = nil
        }

        let con = try ParameterSection(file: file, root: root, path: "continuation", allowed: ["parameter", "range", "field"])
        if root.hasTable("continuation") {
            let parameter = Continuation.Parameter(rawValue: try con.string("parameter", default: "t", oneOf: ["t", "guidance.weight"]))!
            let fallback = parameter == .time ? [end, start] : [0, 1]
            let r = try con.doubles("range", default: fallback, count: 2...2, { $0.isFinite }, expected: "[low, high] with low < high")
            guard r[0] < r[1], parameter == .guidanceWeight || (r[0] > 0 && r[1] <= domain.upperBound) else {
                throw ParameterError(file: file, key: "continuation.range", value: .array(r.map { .double($0) }),
                                     expected: parameter == .time ? "[low, high], 0 < low < high ≤ \(domain.upperBound) (times of schedule \"\(schedule.name)\")" : "[low, high] with low < high")
            }
            continuation = Continuation(parameter: parameter, range: r[0]...r[1], field: try con.double("field", default: 0))
        } else {
            continuation = nil
        }
        pulse = nil
        if let continuation { try checkReducible(continuation) }
        if isPulse {
            for section in ["softening", "continuation"] where root.hasTable(section) {
                throw ParameterError(file: file, message: "[\(section)] does not apply to run.kind = \"guidance-pulse\" (run it as a reverse-diffusion run)")
            }
            pulse = try PulseSpec(file: file, root: root, spec: self)
        } else if root.hasTable("pulse") {
            throw ParameterError(file: file, message: "[pulse] needs run.kind = \"guidance-pulse\"")
        }
        windows = nil
        information = nil
        for (section, sectionKind) in [("windows", "critical-windows"), ("information", "latent-information")] where root.hasTable(section) && kind != sectionKind {
            throw ParameterError(file: file, message: "[\(section)] needs run.kind = \"\(sectionKind)\"")
        }
        if kind == "critical-windows" || kind == "latent-information" {
            guard isotropicMixture != nil else {
                throw ParameterError(file: file, message: "run.kind = \"\(kind)\" needs a mixture with a discrete latent: model.type = \"gaussian-mixture\" or \"two-point\" (model.type is \"\(model.name)\")")
            }
            for section in ["guidance", "softening", "continuation"] where root.hasTable(section) {
                throw ParameterError(file: file, message: "[\(section)] does not apply to run.kind = \"\(kind)\"")
            }
            if kind == "critical-windows" { windows = try WindowsSpec(file: file, root: root, spec: self) }
            else { information = try InformationSpec(file: file, root: root, spec: self) }
        }
    }

    /// The model as a mixture of isotropic Gaussians with labelled components (two-point data:
    /// labels 0 = +v, 1 = −v), for the latent-variable analyses; nil for other models.
    public var isotropicMixture: IsotropicMixture? {
        switch model {
        case .twoPoint(let a): IsotropicMixture(TwoPointDenoiser(lattice: lattice, amplitude: a))
        case .gaussianMixture: IsotropicMixture(mixture)
        default: nil
        }
    }

    /// The continuation's Curie–Weiss reduction exists for binary patches of fixed P (uniform
    /// sector), two-point data, and the ideal/ES model of the two uniform images.
    func checkReducible(_ c: Continuation) throws {
        if case .binaryPatch(.piecewise) = model { throw ParameterError(file: file, message: "[continuation] needs a fixed model.patch (not a P(t) table)") }
        switch model {
        case .binaryPatch, .twoPoint: break
        case .ideal where data == .twoUniform, .equivariantIdeal where data == .twoUniform: break
        default:
            throw ParameterError(file: file, message: "[continuation] reduces binary-patch, two-point, and ideal or equivariant-ideal models of data.source = \"two-uniform\" to the Curie–Weiss equation; model.type is \"\(model.name)\"")
        }
        if let g = guidance {
            guard g.labels.count == 1 else { throw ParameterError(file: file, message: "[continuation] needs one guidance.class") }
            guard case .constant = g.weight else { throw ParameterError(file: file, message: "[continuation] needs a constant guidance.weight (not a pulse or table)") }
        }
        if c.parameter == .guidanceWeight, guidance == nil {
            throw ParameterError(file: file, key: "continuation.parameter", value: .string("guidance.weight"), expected: "\"t\" ([guidance] is not set)")
        }
    }

    /// A class label or an array of them (a feature shared by several classes), checked against
    /// the classes an analytic model has (the data's labels are checked when they are read).
    static func classes(_ section: ParameterSection, _ key: String, model: Model) throws -> [Int] {
        let labels = try section.value(key, default: nil, expected: "a non-negative class label, or an array of distinct labels (a feature)") { v -> [Int]? in
            switch v {
            case .int(let c): return c >= 0 ? [c] : nil
            case .array(let a):
                let c = a.compactMap { x -> Int? in if case .int(let i) = x, i >= 0 { i } else { nil } }
                return c.count == a.count && !c.isEmpty && Set(c).count == c.count ? c : nil
            default: return nil
            }
        }
        switch model {
        case .binaryPatch, .twoPoint:
            guard labels == [0] || labels == [1] else {
                throw ParameterError(file: section.file, key: section.key(key), value: .array(labels.map { .int($0) }), expected: "0 (the +1 image) or 1 (the −1 image)")
            }
        case .gaussianMixture(let components):
            let known = Set(components.map(\.label))
            if let l = labels.first(where: { !known.contains($0) }) {
                throw ParameterError(file: section.file, key: section.key(key), value: .int(l), expected: "a label of model.components (\(known.sorted().map(String.init).joined(separator: ", ")))")
            }
        default: break
        }
        return labels
    }

    /// `[[model.components]]`: weight (default 1, normalised), mean (a number: uniform; a table
    /// { uniform, checkerboard }; or one value per site), variance (default 1), label.
    static func mixtureComponents(_ mod: ParameterSection) throws -> [MixtureComponent] {
        let tables = try mod.value("components", default: nil, expected: "an array of tables ([[model.components]] sections)") { v -> [ParameterValue]? in
            guard case .array(let a) = v, !a.isEmpty, a.allSatisfy({ if case .table = $0 { true } else { false } }) else { return nil }
            return a
        }
        return try tables.indices.map { i in
            let key = "model.components[\(i)]"
            let c = try ParameterSection(file: mod.file, root: .table(["c": tables[i]]), path: "c", allowed: ["weight", "mean", "variance", "label"], name: key)
            func fail(_ k: String) -> ParameterError {
                ParameterError(file: mod.file, key: "\(key).\(k)", value: c.table[k], expected: k == "mean" ? "a number, { uniform = a, checkerboard = b }, or one value per site"
                               : k == "label" ? "a non-negative integer" : "a positive number")
            }
            guard let label = c.table["label"].flatMap({ v -> Int? in if case .int(let l) = v, l >= 0 { l } else { nil } }) else { throw fail("label") }
            let weight = c.table["weight"].map(ParameterSection.number) ?? 1, variance = c.table["variance"].map(ParameterSection.number) ?? 1
            guard let weight, weight > 0 else { throw fail("weight") }
            guard let variance, variance >= 0 else { throw fail("variance") }
            let mean: MixtureComponent.Mean
            switch c.table["mean"] {
            case nil: mean = .patterns(uniform: 0, checkerboard: 0)
            case .some(.table(let t)):
                guard Set(t.keys).isSubset(of: ["uniform", "checkerboard"]), let u = t["uniform"].map(ParameterSection.number) ?? 0,
                      let b = t["checkerboard"].map(ParameterSection.number) ?? 0 else { throw fail("mean") }
                mean = .patterns(uniform: u, checkerboard: b)
            case .some(.array(let a)):
                let v = a.compactMap(ParameterSection.number)
                guard v.count == a.count else { throw fail("mean") }
                mean = .values(v)
            case .some(let v):
                guard let u = ParameterSection.number(v) else { throw fail("mean") }
                mean = .patterns(uniform: u, checkerboard: 0)
            }
            return MixtureComponent(weight: weight, mean: mean, variance: variance, label: label)
        }
    }

    static func patchSchedule(_ mod: ParameterSection) throws -> PatchSchedule {
        try mod.value("patch", default: nil, expected: "an odd patch size, or an array of [t, P] pairs (P odd)") { v -> PatchSchedule? in
            switch v {
            case .int(let p): return p >= 1 && p % 2 == 1 ? .fixed(p) : nil
            case .array(let rows):
                let e = rows.compactMap { row -> (time: Double, size: Int)? in
                    guard case .array(let pair) = row, pair.count == 2, let t = ParameterSection.number(pair[0]), case .int(let p) = pair[1],
                          t > 0, p >= 1, p % 2 == 1 else { return nil }
                    return (t, p)
                }
                return e.count == rows.count && !e.isEmpty ? .table(e) : nil
            default: return nil
            }
        }
    }

    static func patchValue(_ p: PatchSchedule) -> ParameterValue {
        switch p {
        case .fixed(let size): .int(size)
        case .piecewise(let e): .array(e.map { .array([.double($0.time), .int($0.size)]) })
        }
    }

    static func spectrum(_ s: ParameterSection) throws -> PowerSpectrum {
        let amplitude = try s.double("amplitude", default: 1, { $0 > 0 }, expected: "a positive number")
        switch try s.string("spectrum", default: "ornstein-zernike", oneOf: ["ornstein-zernike", "power-law", "flat"]) {
        case "flat": return .flat(amplitude: amplitude)
        case "power-law": return .powerLaw(amplitude: amplitude, exponent: try s.double("exponent", { $0 >= 0 }, expected: "a non-negative exponent"))
        default: return .ornsteinZernike(amplitude: amplitude, correlationLength: try s.double("correlation_length", { $0 > 0 }, expected: "a positive length"))
        }
    }
}

extension DiffusionSpec {
    /// Every parameter after defaults and overrides, in the parameter-file layout.
    public var effectiveParameters: ParameterValue {
        func num(_ x: Double) -> ParameterValue { .double(x) }
        var scheduleTable: [String: ParameterValue] = ["type": .string(schedule.name)]
        if case .ddpm(let lo, let hi) = schedule { scheduleTable["beta_min"] = num(lo); scheduleTable["beta_max"] = num(hi) }
        var modelTable: [String: ParameterValue] = ["type": .string(model.name)]
        func put(_ s: PowerSpectrum, into t: inout [String: ParameterValue]) {
            switch s {
            case .flat(let a): t["spectrum"] = .string("flat"); t["amplitude"] = num(a)
            case .ornsteinZernike(let a, let xi): t["spectrum"] = .string("ornstein-zernike"); t["amplitude"] = num(a); t["correlation_length"] = num(xi)
            case .powerLaw(let a, let g): t["spectrum"] = .string("power-law"); t["amplitude"] = num(a); t["exponent"] = num(g)
            }
        }
        switch model {
        case .binaryPatch(let p): modelTable["patch"] = DiffusionSpec.patchValue(p)
        case .gaussianField(let s): put(s, into: &modelTable)
        case .twoPoint(let a): modelTable["amplitude"] = num(a)
        case .gaussianMixture(let components):
            modelTable["components"] = .array(components.map { c in
                let mean: ParameterValue
                switch c.mean {
                case .values(let v): mean = .array(v.map(num))
                case .patterns(let u, let b): mean = .table(["uniform": num(u), "checkerboard": num(b)])
                }
                return .table(["weight": num(c.weight), "mean": mean, "variance": num(c.variance), "label": .int(c.label)])
            })
        case .ideal, .equivariantIdeal: break
        case .patchMachine(let d, let p):
            modelTable["patch"] = DiffusionSpec.patchValue(p)
            modelTable["boundary"] = .string(d.boundary.rawValue)
            if d.locality == .equivariant { modelTable["candidates"] = .string(d.candidates.rawValue) }
        }
        switch modelLabels.count {
        case 0: break
        case 1: modelTable["class"] = .int(modelLabels[0])
        default: modelTable["class"] = .array(modelLabels.map { .int($0) })
        }
        var tree: [String: ParameterValue] = [
            "run": .table(["name": .string(name), "kind": .string(kind), "seed": .int(Int(seed)), "members": .int(members),
                           "threads": .int(threads), "planner": .string(planner.rawValue)]),
            "lattice": .table(["shape": .array(lattice.shape.map { .int($0) }), "box": .array(lattice.boxLength.map(num))]),
            "schedule": .table(scheduleTable),
            "model": .table(modelTable),
            "observe": .table(["count": .int(observationCount), "snapshots": .array(snapshots.map(num)), "trajectories": .bool(trajectories),
                               "fixed_points": .bool(fixedPoints)].merging(
                mosaicTolerance.map { ["mosaic_tolerance": num($0)] } ?? [:]) { a, _ in a }),
        ]
        var samplerTable: [String: ParameterValue] = ["method": .string(method.rawValue), "t_start": num(tStart), "t_end": num(tEnd),
                                                      "steps": .int(steps), "grid": .string(grid.name)]
        if case .edm(let rho) = grid { samplerTable["rho"] = num(rho) }
        tree["sampler"] = .table(samplerTable)
        if let data {
            var d: [String: ParameterValue] = ["normalise": .bool(normalise)]
            if let dataLimit { d["limit"] = .int(dataLimit) }
            switch data {
            case .file(let images, let labels):
                d["source"] = .string("file")
                d["file"] = .string(images)
                if let labels { d["labels"] = .string(labels) }
                for (k, digest) in dataDigests { d[k + "_sha256"] = .string(digest) }
            case .twoUniform: d["source"] = .string("two-uniform")
            case .randomBinary(let n): d["source"] = .string("random-binary"); d["count"] = .int(n)
            case .stripes(let w): d["source"] = .string("stripes"); d["wavelength"] = .int(w)
            case .checkerboards(let w): d["source"] = .string("checkerboard"); d["wavelength"] = .int(w)
            case .gaussianFields(let n, let s): d["source"] = .string("gaussian-field"); d["count"] = .int(n); put(s, into: &d)
            }
            tree["data"] = .table(d)
        }
        if let f = softening {
            tree["softening"] = .table(["shells": .int(f.shells), "members": .int(f.members), "method": .string(f.method?.rawValue ?? "auto"),
                                        "step": num(f.step), "times": .int(f.times), "response": .int(f.response), "response_step": num(f.responseStep),
                                        "windows": .array(f.windows.map { .int($0) })])
        }
        if let c = continuation {
            tree["continuation"] = .table(["parameter": .string(c.parameter.rawValue), "range": .array([num(c.range.lowerBound), num(c.range.upperBound)]),
                                           "field": num(c.field)])
        }
        if let g = guidance {
            var t: [String: ParameterValue] = [:]
            if !g.labels.isEmpty { t["class"] = g.labels.count == 1 ? .int(g.labels[0]) : .array(g.labels.map { .int($0) }) }
            switch g.weight {
            case .constant(let w): t["weight"] = num(w)
            case .pulse(let c, let w, let s, let b): t["pulse"] = .table(["center": num(c), "width": num(w), "strength": num(s), "base": num(b)])
            case .table(let e): t["table"] = .array(e.map { .array([num($0.time), num($0.weight)]) })
            }
            tree["guidance"] = .table(t)
        }
        if let p = pulse {
            tree["pulse"] = p.parameters(targets: guidance?.labels.isEmpty ?? true)
        }
        if let w = windows { tree["windows"] = w.parameters }
        if let i = information { tree["information"] = i.parameters }
        return .table(tree)
    }
}
