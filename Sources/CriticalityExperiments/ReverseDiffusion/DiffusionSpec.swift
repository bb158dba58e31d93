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
        /// A network in another program (the denoiser protocol).
        case external(ExternalSpec)

        var name: String {
            switch self {
            case .binaryPatch: "binary-patch"
            case .gaussianField: "gaussian-field"
            case .twoPoint: "two-point"
            case .ideal: "ideal"
            case .equivariantIdeal: "equivariant-ideal"
            case .patchMachine(let d, _): d.locality == .local ? "ls" : "els"
            case .gaussianMixture: "gaussian-mixture"
            case .external: "external"
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

    /// `model.type = "external"`: the program, where and how it runs, what it predicts.
    public struct ExternalSpec: Sendable, Equatable {
        public var argv: [String]
        /// Absolute.
        public var directory: String
        public var environment: [String: String]
        public var predicts: ExternalModel.Prediction
        public var batch: Int
        public var timeout: Double
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
    /// An .npy file of starting states x_{t_start}, one row per member (sampler.initial).
    public var initial: String?
    public var steps: Int
    public var grid: TimeGrid
    public var observationCount: Int
    /// Tolerance of the mosaic check (patch machines); nil: 1 % of the training data's range.
    public var mosaicTolerance: Double?
    /// The ELS dictionary and patch size of an external model's mosaic check (observe.mosaic_patch).
    public var externalMosaic: (dictionary: PatchDictionary, patch: Int)?
    public var snapshots: [Double]
    /// Write every member's x_t and D(x_t) at the observation times (observe.trajectories).
    public var trajectories: Bool
    /// observe.order_parameter: "uniform", "ring", or the absolute path of a projection field.
    public var orderParameter: String
    /// Jacobian probes, mode softening and the dynamic response ([softening]); nil: not run.
    public var softening: Softening?
    /// Langevin corrector steps ([corrector]); nil: a predictor-only sampler.
    public var corrector: LangevinCorrector?
    /// Relax every member's final state to the fixed point of the denoiser map at t_end
    /// (observe.fixed_points).
    public var fixedPoints: Bool
    /// Continuation of the model's reduced fixed-point equation ([continuation]); nil: not run.
    public var continuation: Continuation?
    /// The parameters as read (every default filled in).
    var parameters: ParameterValue = .table([:])
    /// The running program of an external model (set by ``prepare(allowExternal:)``).
    public internal(set) var externalModel: ExternalModel?

    /// The `[continuation]` section: the Curie–Weiss reduction of the model (docs/theory.md §7)
    /// continued in t or in the guidance weight.
    public struct Continuation: Sendable, Equatable {
        public enum Parameter: String, Sendable { case time = "t", guidanceWeight = "guidance.weight" }
        public var parameter: Parameter
        public var range: ClosedRange<Double>
        /// h, a symmetry-breaking field.
        public var field: Double
    }

    /// The `[softening]` section: Jacobian probes at the homogeneous state and along the
    /// trajectories of the first `members` members (docs/theory.md §4–§6).
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
        let echo = ParameterEcho(), p = DiffusionParameters.self
        func section(_ table: ParameterTable) throws -> ParameterSection { try ParameterSection(file: file, root: root, table, echo: echo) }
        _ = try section(DiffusionParameters.family.tables[0])
        let run = try section(p.run)
        kind = try run.string("kind")
        let isPulse = kind == "guidance-pulse"
        name = try RunParameters.name(run, default: defaultName)
        seed = UInt64(try run.int("seed"))
        members = try run.int("members")
        threads = try run.int("threads")
        planner = PlannerEffort(rawValue: try run.string("planner"))!

        let sch = try section(p.schedule)
        let scheduleName = try sch.string("type")
        try sch.checkApplicable(scheduleName)
        switch scheduleName {
        case "ou": schedule = .ou
        case "ddpm":
            let lo = try sch.double("beta_min")
            let hi = try sch.double("beta_max", { $0 >= lo }, expected: "a rate ≥ schedule.beta_min = \(lo)")
            schedule = .ddpm(betaMin: lo, betaMax: hi)
        case "cosine": schedule = .cosine
        case "ve": schedule = .ve
        default: schedule = .vp
        }

        let mod = try section(p.model)
        let modelName = try mod.string("type")
        try mod.checkApplicable(modelName)
        switch modelName {
        case "binary-patch": model = .binaryPatch(try DiffusionSpec.patchSchedule(mod))
        case "gaussian-field": model = .gaussianField(try DiffusionSpec.spectrum(mod))
        case "two-point": model = .twoPoint(amplitude: try mod.double("amplitude"))
        case "ideal": model = .ideal
        case "gaussian-mixture": model = .gaussianMixture(try DiffusionSpec.mixtureComponents(mod))
        case "external": model = .external(try DiffusionSpec.external(mod))
        case "ls", "els":
            let boundary = PatchDictionary.Boundary(rawValue: try mod.string("boundary"))!
            let candidates = modelName == "ls" ? .all : PatchDictionary.Candidates(rawValue: try mod.string("candidates"))!
            if candidates == .interior && boundary != .circular {
                throw ParameterError(file: file, key: "model.candidates", value: .string("interior"), expected: "\"all\" with model.boundary = \"zero\" (interior candidates are the circular ELS of the reference code)")
            }
            model = .patchMachine(PatchDictionary(modelName == "ls" ? .local : .equivariant, boundary: boundary, candidates: candidates),
                                  try DiffusionSpec.patchSchedule(mod))
        default: model = .equivariantIdeal
        }
        modelLabels = !mod.has("class") ? [] : try mod.value("class", default: nil, echo: DiffusionSpec.labelsValue) { v -> [Int]? in
            switch v {
            case .int(let c): return c >= 0 ? [c] : nil
            case .array(let a):
                let c = a.compactMap { x -> Int? in if case .int(let i) = x, i >= 0 { i } else { nil } }
                return c.count == a.count && !c.isEmpty ? c : nil
            default: return nil
            }
        }

        let dat = try section(p.data)
        // An external network may have labelled data beside it: the classifier of its pulses' class alignment.
        var externalData = false
        if case .external = model { externalData = root.hasTable("data") }
        if model.needsData || externalData {
            let source = try dat.string("source")
            try dat.checkApplicable(source)
            // Relative to the parameter file, written back absolute, so that the echoed
            // parameters.toml of a results folder finds the data from anywhere.
            let dir = URL(fileURLWithPath: file).deletingLastPathComponent()
            func resolve(_ path: String) -> String { URL(fileURLWithPath: path, relativeTo: dir).standardizedFileURL.path }
            func path(_ k: String) throws -> String {
                let p = resolve(try dat.string(k))
                dat.record(k, .string(p))
                return p
            }
            switch source {
            case "file": data = .file(images: try path("file"), labels: dat.has("labels") ? try path("labels") : nil)
            case "two-uniform": data = .twoUniform
            case "random-binary": data = .randomBinary(count: try dat.int("count"))
            case "stripes": data = .stripes(wavelength: try dat.int("wavelength"))
            case "checkerboard": data = .checkerboards(wavelength: try dat.int("wavelength"))
            default: data = .gaussianFields(count: try dat.int("count"), spectrum: try DiffusionSpec.spectrum(dat))
            }
            for key in ["file_sha256", "labels_sha256"] where dat.has(key) {
                guard key == "file_sha256" || dat.has("labels") else {
                    throw ParameterError(file: file, message: "data.\(key) applies only to data.source = \"file\" with data.\(key.dropLast(7))")
                }
                dataDigests[String(key.dropLast(7))] = try dat.value(key, default: nil) { v -> String? in
                    guard case .string(let s) = v, s.count == 64, s.allSatisfy(\.isHexDigit) else { return nil }
                    return s.lowercased()
                }
            }
            // An external network's data stay in its own units.
            normalise = try dat.bool("normalise", default: source == "file" && model.needsData)
            dataLimit = dat.has("limit") ? try dat.int("limit") : nil
        } else {
            guard !root.hasTable("data") else { throw ParameterError(file: file, message: "[data] applies only to models of training data (model.type = \"ideal\", \"equivariant-ideal\", \"ls\" or \"els\") and to \"external\" ones") }
            data = nil
            normalise = false
            dataLimit = nil
        }

        let lat = try section(p.lattice)
        latticeGiven = lat.has("shape") || data == nil
        if !latticeGiven {
            lattice = try Lattice(shape: [1])  // replaced by the images' shape in prepare()
        } else {
            let shape = try lat.ints("shape")
            let box = try lat.doubles("box", default: shape.map(Double.init), count: shape.count...shape.count,
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

        let gui = try section(p.guidance)
        if root.hasTable("guidance") {
            guard model.hasClasses else {
                throw ParameterError(file: file, message: "[guidance] needs a model with classes: model.type = \"binary-patch\", \"two-point\", \"gaussian-mixture\", \"ideal\", \"equivariant-ideal\", \"ls\" or \"els\"")
            }
            guard modelLabels.isEmpty else { throw ParameterError(file: file, message: "model.class and [guidance] exclude each other: guidance sets the class") }
            let labels = isPulse && !gui.has("class") ? [] : try DiffusionSpec.classes(gui.table["class"], file: file, key: "guidance.class", model: model)
            if !labels.isEmpty { gui.record("class", DiffusionSpec.labelsValue(labels)) }
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
                    let q = try section(p.guidancePulse)
                    w = .pulse(center: try q.double("center"), width: try q.double("width"), strength: try q.double("strength"), base: try q.double("base"))
                default:
                    let rows = try gui.value("table", default: nil, echo: { .array($0.map { .array([.double($0.time), .double($0.weight)]) }) }) { v -> [GuidanceSchedule.GuidanceEntry]? in
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

        let smp = try section(p.sampler)
        method = SamplerMethod(rawValue: try smp.string("method"))!
        let (t0, t1) = DiffusionSpec.defaultRange(schedule), domain = schedule.domain
        let start = try smp.double("t_start", default: t0, { domain.contains($0) }, expected: "a time in (0, \(domain.upperBound)] for schedule \"\(schedule.name)\"")
        let end = try smp.double("t_end", default: t1, { domain.contains($0) && $0 < start }, expected: "a positive time below sampler.t_start = \(start), at least \(domain.lowerBound)")
        (tStart, tEnd) = (start, end)
        steps = try smp.int("steps")
        if smp.has("initial") {
            let path = URL(fileURLWithPath: try smp.string("initial"), relativeTo: URL(fileURLWithPath: file).deletingLastPathComponent()).standardizedFileURL.path
            smp.record("initial", .string(path))
            initial = path
        } else {
            initial = nil
        }
        let gridName = try smp.string("grid")
        try smp.checkApplicable(gridName)
        switch gridName {
        case "uniform": grid = .uniform
        case "edm": grid = .edm(rho: try smp.double("rho"))
        default: grid = .logUniform
        }

        if root.hasTable("corrector") {
            let c = try section(p.corrector)
            let window = try c.doubles("window", default: [end, start], count: 2...2,
                                       expected: "[t_low, t_high] with 0 < t_low < t_high") 
            guard window[0] < window[1] else {
                throw ParameterError(file: file, key: "corrector.window", value: .array(window.map { .double($0) }), expected: "[t_low, t_high] with 0 < t_low < t_high")
            }
            corrector = LangevinCorrector(steps: try c.int("steps", { $0 < 1 << 20 }, expected: "fewer than 2²⁰ steps"), stepSize: try c.double("step_size"),
                                          window: window[0]...window[1])
        } else {
            corrector = nil
        }

        let obs = try section(p.observe)
        trajectories = try obs.bool("trajectories")
        let order = try obs.string("order_parameter")
        if order == "uniform" || order == "ring" {
            orderParameter = order
        } else {
            guard order.hasSuffix(".npy") else {
                throw ParameterError(file: file, key: "observe.order_parameter", value: .string(order), expected: obs.declared("order_parameter").expected)
            }
            orderParameter = URL(fileURLWithPath: order, relativeTo: URL(fileURLWithPath: file).deletingLastPathComponent()).standardizedFileURL.path
            obs.record("order_parameter", .string(orderParameter))
        }
        fixedPoints = try obs.bool("fixed_points")
        observationCount = try obs.int("count")
        mosaicTolerance = obs.has("mosaic_tolerance") ? try obs.double("mosaic_tolerance") : nil
        if obs.has("mosaic_patch") || obs.has("mosaic_boundary") {
            guard case .external = model, data != nil else {
                throw ParameterError(file: file, message: "observe.\(obs.has("mosaic_patch") ? "mosaic_patch" : "mosaic_boundary") applies only to model.type = \"external\" with [data] (patch machines check their own dictionary)")
            }
            let p = try obs.int("mosaic_patch", { $0 % 2 == 1 }, expected: "an odd patch size P ≥ 1")
            let boundary = PatchDictionary.Boundary(rawValue: try obs.string("mosaic_boundary"))!
            externalMosaic = (PatchDictionary(.equivariant, boundary: boundary, candidates: .all), p)
        } else {
            externalMosaic = nil
        }
        if mosaicTolerance != nil {
            switch model {
            case .patchMachine: break
            case .external where externalMosaic != nil: break
            default: throw ParameterError(file: file, message: "observe.mosaic_tolerance applies only to model.type = \"ls\" or \"els\", and to \"external\" with observe.mosaic_patch")
            }
        }
        snapshots = try obs.doubles("snapshots", { $0 >= end && $0 <= start },
                                    expected: "an array of up to 16 times within [sampler.t_end, sampler.t_start] = [\(end), \(start)]")

        if root.hasTable("softening") {
            let sof = try section(p.softening)
            let method = try sof.string("method")
            softening = Softening(
                shells: try sof.int("shells"),
                members: try sof.int("members", default: min(members, 16), { $0 <= members }, expected: "a number of members in 1…run.members = \(members)"),
                method: JacobianProbe.Method(rawValue: method),
                step: try sof.double("step"),
                times: try sof.int("times"),
                response: try sof.int("response", { $0 <= observationCount }, expected: "a number of times in 0…observe.count = \(observationCount)"),
                responseStep: try sof.double("response_step"),
                windows: try sof.value("windows", default: [], echo: { .array($0.map { .int($0) }) }) { v -> [Int]? in
                    guard case .array(let a) = v else { return nil }
                    let p = a.compactMap { x -> Int? in if case .int(let i) = x, i >= 1, i % 2 == 1 { i } else { nil } }
                    return p.count == a.count ? p : nil
                })
        } else {
            softening = nil
        }

        if root.hasTable("continuation") {
            let con = try section(p.continuation)
            let parameter = Continuation.Parameter(rawValue: try con.string("parameter"))!
            let fallback: [Double] = parameter == .time ? [end, start] : [0, 1]
            let r = try con.doubles("range", default: fallback)
            guard r[0] < r[1], parameter == .guidanceWeight || (r[0] > 0 && r[1] <= domain.upperBound) else {
                throw ParameterError(file: file, key: "continuation.range", value: .array(r.map { .double($0) }),
                                     expected: parameter == .time ? "[low, high], 0 < low < high ≤ \(domain.upperBound) (times of schedule \"\(schedule.name)\")" : "[low, high] with low < high")
            }
            continuation = Continuation(parameter: parameter, range: r[0]...r[1], field: try con.double("field"))
        } else {
            continuation = nil
        }
        pulse = nil
        windows = nil
        information = nil
        if let continuation { try checkReducible(continuation) }
        if isPulse, case .external = model, data == nil {
            throw ParameterError(file: file, message: "run.kind = \"guidance-pulse\" with model.type = \"external\" needs [data] with labels: class alignment is scored by a classifier trained on them")
        }
        if isPulse {
            for section in ["softening", "continuation"] where root.hasTable(section) {
                throw ParameterError(file: file, message: "[\(section)] does not apply to run.kind = \"guidance-pulse\" (run it as a reverse-diffusion run)")
            }
            pulse = try PulseSpec(try section(PulseParameters.pulse), spec: self)
        } else if root.hasTable("pulse") {
            throw ParameterError(file: file, message: "[pulse] needs run.kind = \"guidance-pulse\"")
        }
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
            // Critical windows start their members from noised data, never from the prior.
            if kind == "critical-windows", initial != nil {
                throw ParameterError(file: file, message: "sampler.initial does not apply to run.kind = \"critical-windows\" (its members start from noised data)")
            }
            if kind == "critical-windows" { windows = try WindowsSpec(try section(CriticalWindowsParameters.windows), spec: self) }
            else { information = try InformationSpec(try section(LatentInformationParameters.information), spec: self) }
        }
        parameters = echo.tree
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
    static func classes(_ value: ParameterValue?, file: String, key: String, model: Model) throws -> [Int] {
        let expected = "a non-negative class label, or an array of distinct labels (a feature)"
        let labels: [Int]? = value.flatMap { v in
            switch v {
            case .int(let c): return c >= 0 ? [c] : nil
            case .array(let a):
                let c = a.compactMap { x -> Int? in if case .int(let i) = x, i >= 0 { i } else { nil } }
                return c.count == a.count && !c.isEmpty && Set(c).count == c.count ? c : nil
            default: return nil
            }
        }
        guard let labels else { throw ParameterError(file: file, key: key, value: value, expected: expected) }
        switch model {
        case .binaryPatch, .twoPoint:
            guard labels == [0] || labels == [1] else {
                throw ParameterError(file: file, key: key, value: .array(labels.map { .int($0) }), expected: "0 (the +1 image) or 1 (the −1 image)")
            }
        case .external:
            guard labels.count == 1 else {
                throw ParameterError(file: file, key: key, value: labelsValue(labels), expected: "one class label: an external network is conditioned on one class at a time")
            }
        case .gaussianMixture(let components):
            let known = Set(components.map(\.label))
            if let l = labels.first(where: { !known.contains($0) }) {
                throw ParameterError(file: file, key: key, value: .int(l), expected: "a label of model.components (\(known.sorted().map(String.init).joined(separator: ", ")))")
            }
        default: break
        }
        return labels
    }

    /// `[[model.components]]`: weight (default 1, normalised), mean (a number: uniform; a table
    /// { uniform, checkerboard }; or one value per site), variance (default 1), label.
    static func mixtureComponents(_ mod: ParameterSection) throws -> [MixtureComponent] {
        let tables = try mod.value("components", default: nil) { v -> [ParameterValue]? in
            guard case .array(let a) = v, !a.isEmpty, a.allSatisfy({ if case .table = $0 { true } else { false } }) else { return nil }
            return a
        }
        let components = try tables.indices.map { i in
            let key = "model.components[\(i)]"
            var declaration = DiffusionParameters.component
            declaration.path = "c"
            let c = try ParameterSection(file: mod.file, root: .table(["c": tables[i]]), declaration, echo: nil, name: key)
            func fail(_ k: String) -> ParameterError {
                ParameterError(file: mod.file, key: "\(key).\(k)", value: c.table[k], expected: c.declared(k).expected)
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
        mod.record("components", .array(components.map { c in
            let mean: ParameterValue
            switch c.mean {
            case .values(let v): mean = .array(v.map { .double($0) })
            case .patterns(let u, let b): mean = .table(["uniform": .double(u), "checkerboard": .double(b)])
            }
            return .table(["weight": .double(c.weight), "mean": mean, "variance": .double(c.variance), "label": .int(c.label)])
        }))
        return components
    }

    /// The `external` model's keys; the directory is made absolute, relative to the file's folder.
    static func external(_ mod: ParameterSection) throws -> ExternalSpec {
        let argv = try mod.value("command", default: nil, echo: { .array($0.map { .string($0) }) }) { v -> [String]? in
            guard case .array(let a) = v, !a.isEmpty else { return nil }
            let s = a.compactMap { if case .string(let w) = $0 { w } else { nil } }
            return s.count == a.count && !s[0].isEmpty ? s : nil
        }
        let base = URL(fileURLWithPath: mod.file).deletingLastPathComponent()
        let directory = URL(fileURLWithPath: try mod.string("directory", default: "."), relativeTo: base).standardizedFileURL.path
        mod.record("directory", .string(directory))
        let environment = try mod.value("environment", default: [:], echo: { .table($0.mapValues { .string($0) }) }) { v -> [String: String]? in
            guard case .table(let t) = v else { return nil }
            let s = t.compactMapValues { if case .string(let w) = $0 { w } else { nil } }
            return s.count == t.count ? s : nil
        }
        return ExternalSpec(argv: argv, directory: directory, environment: environment, predicts: ExternalModel.Prediction(rawValue: try mod.string("predicts"))!,
                            batch: try mod.int("batch"), timeout: try mod.double("timeout"))
    }

    static func patchSchedule(_ mod: ParameterSection) throws -> PatchSchedule {
        try mod.value("patch", default: nil, echo: patchValue) { v -> PatchSchedule? in
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
        let amplitude = try s.double("amplitude")
        switch try s.string("spectrum") {
        case "flat": return .flat(amplitude: amplitude)
        case "power-law": return .powerLaw(amplitude: amplitude, exponent: try s.double("exponent"))
        default: return .ornsteinZernike(amplitude: amplitude, correlationLength: try s.double("correlation_length"))
        }
    }
}

extension DiffusionSpec {
    /// Every parameter after defaults and overrides, in the parameter-file layout: what was
    /// read, with what the run decided after reading (the seed, the lattice of the training
    /// images, the data's digests).
    public var effectiveParameters: ParameterValue {
        var tree = parameters.setting(["run", "seed"], .int(Int(seed)))
            .setting(["lattice"], .table(["shape": .array(lattice.shape.map { .int($0) }), "box": .array(lattice.boxLength.map { .double($0) })]))
        for (k, digest) in dataDigests { tree = tree.setting(["data", k + "_sha256"], .string(digest)) }
        return tree
    }

    /// One label as an integer, several as an array.
    static func labelsValue(_ labels: [Int]) -> ParameterValue {
        labels.count == 1 ? .int(labels[0]) : .array(labels.map { .int($0) })
    }
}
