import Foundation
import CriticalityFieldTheory
import CriticalityLattice

/// One experiment, as read from a parameter file after defaults and `--set` overrides.
/// `docs/parameters.md` is the reference for every key.
public struct ExperimentSpec: Sendable {
    public enum Kind: String, Sendable { case quench, kibbleZurek = "kibble-zurek" }
    /// The field theory, built as the file declares it (on the run's lattice).
    public enum ModelSpec: Sendable, Equatable {
        case modelA(ModelA)
        case swiftHohenberg(SwiftHohenberg)
    }
    public enum StepperKind: String, Sendable, CaseIterable {
        case exponentialEulerMaruyama = "exponential-euler-maruyama"
        case semiImplicitEuler = "semi-implicit-euler"
        case etdrk4
    }
    public enum Schedule: String, Sendable { case linear, log }
    public struct KibbleZurek: Sendable, Equatable {
        /// Quench times τ_Q of the ramp r(t) = −(t − t_c)/τ_Q.
        public var quenchTimes: [Double]
        /// r at t = 0; the ramp then crosses r = 0 at t_c = r₀ τ_Q.
        public var initialR: Double
        /// ξ is measured at t_c + delay·√τ_Q (the mean-field freeze-out time is √τ_Q).
        public var delay: Double
    }

    public var file: String
    public var name: String
    public var kind: Kind
    public var seed: UInt64
    public var members: Int
    /// Worker threads for ensemble members; 0 = all cores.
    public var threads: Int
    /// FFTW threads per transform (for single large lattices).
    public var fftThreads: Int
    public var planner: PlannerEffort
    public private(set) var lattice: Lattice
    public var model: ModelSpec
    public var initialMean: Double
    public var initialAmplitude: Double
    public var stepper: StepperKind
    public var dt: Double
    public var tEnd: Double
    public var dealias: Double
    public var schedule: Schedule
    public var observationCount: Int
    public var scheduleStart: Double
    public var snapshots: [Double]
    public var kibbleZurek: KibbleZurek?
    /// `[equilibrium]`: time-series sampling from `fromStep` every `everySteps` steps.
    public struct Equilibrium: Sendable, Equatable {
        public var fromStep: Int
        public var everySteps: Int
        /// The sampled steps, up to the final one.
        public func steps(finalStep: Int) -> [Int] { Array(stride(from: fromStep, through: finalStep, by: everySteps)) }
    }
    public var equilibrium: Equilibrium?
    /// The parameters as read (every default filled in).
    var parameters: ParameterValue = .table([:])

    /// Reads and validates a parameter file; `overrides` are `key=value` strings (TOML values).
    public static func load(file path: String, overrides: [String] = [], seed: UInt64? = nil) throws -> ExperimentSpec {
        var spec = try ExperimentSpec(file: path, root: ParameterFile.load(path, overrides: overrides), defaultName: ParameterFile.defaultName(path))
        if let seed { spec.seed = seed }
        return spec
    }

    init(file: String, root: ParameterValue, defaultName: String) throws {
        self.file = file
        let echo = ParameterEcho(), t = QuenchParameters.self
        func section(_ table: ParameterTable) throws -> ParameterSection { try ParameterSection(file: file, root: root, table, echo: echo) }
        _ = try section(QuenchParameters.family.tables[0])

        let run = try section(t.run)
        name = try RunParameters.name(run, default: defaultName)
        kind = Kind(rawValue: try run.string("kind"))!
        seed = UInt64(try run.int("seed"))
        members = try run.int("members")
        threads = try run.int("threads")
        fftThreads = try run.int("fft_threads")
        planner = PlannerEffort(rawValue: try run.string("planner"))!

        let lat = try section(t.lattice)
        let shape = try lat.ints("shape")
        let box = try lat.doubles("box", default: shape.map(Double.init), count: shape.count...shape.count,
                                  expected: "an array of \(shape.count) positive box lengths, one per axis of lattice.shape")
        lattice = try Lattice(shape: shape, boxLength: box)

        let mod = try section(t.model)
        let type = try mod.string("type")
        try mod.checkApplicable(type)
        let temperature = try mod.double("temperature")
        if type == "model-a" {
            let r: MassSchedule
            if mod.has("ramp") {
                let ramp = try section(t.ramp)
                guard !mod.has("r") else { throw ParameterError(file: file, message: "model.r and [model.ramp] exclude each other: give one") }
                r = .ramp(criticalTime: try ramp.double("critical_time"), quenchTime: try ramp.double("quench_time"))
            } else {
                r = .constant(try mod.double("r", default: kind == .kibbleZurek ? 0 : nil))
            }
            model = .modelA(ModelA(lattice: lattice, r: r, u: try mod.double("u"), kappa: try mod.double("kappa"), h: try mod.double("h"), temperature: temperature))
        } else {
            if mod.has("ramp") { throw ParameterError(file: file, message: "model.ramp does not apply to model.type = \"swift-hohenberg\" (only to \"model-a\")") }
            model = .swiftHohenberg(SwiftHohenberg(lattice: lattice, r: try mod.double("r"), wavenumber: try mod.double("wavenumber"),
                                                   quadratic: try mod.double("quadratic"), temperature: temperature))
        }

        let ini = try section(t.initial)
        initialMean = try ini.double("mean")
        initialAmplitude = try ini.double("amplitude")

        let integ = try section(t.integrator)
        stepper = StepperKind(rawValue: try integ.string("stepper"))!
        dt = try integ.double("dt")
        if kind == .kibbleZurek, integ.has("t_end") {
            throw ParameterError(file: file, message: "integrator.t_end is set by the quench for kind \"kibble-zurek\": remove it")
        }
        tEnd = kind == .kibbleZurek ? 0 : try integ.double("t_end")
        if kind == .quench, tEnd < dt {
            throw ParameterError(file: file, key: "integrator.t_end", value: .double(tEnd), expected: "at least one step, t_end ≥ dt = \(dt)")
        }
        dealias = try integ.double("dealias")

        let obs = try section(t.observe)
        schedule = Schedule(rawValue: try obs.string("schedule"))!
        observationCount = try obs.int("count")
        scheduleStart = try obs.double("start", default: max(dt, tEnd / 1000))
        snapshots = try obs.doubles("snapshots")
        if kind == .quench {
            guard schedule == .linear || scheduleStart < tEnd else {
                throw ParameterError(file: file, key: "observe.start", value: .double(scheduleStart), expected: "a time below integrator.t_end = \(tEnd)")
            }
            if let bad = snapshots.first(where: { $0 > tEnd }) {
                throw ParameterError(file: file, key: "observe.snapshots", value: .double(bad), expected: "times within [0, integrator.t_end = \(tEnd)]")
            }
        }

        if kind == .kibbleZurek {
            let kz = try section(t.kibbleZurek)
            kibbleZurek = KibbleZurek(quenchTimes: try kz.doubles("quench_times"), initialR: try kz.double("initial_r"), delay: try kz.double("delay"))
            guard case .modelA(let m) = model, case .constant = m.r else {
                throw ParameterError(file: file, message: "kind \"kibble-zurek\" builds its own ramp: use model.type = \"model-a\" without [model.ramp]")
            }
        } else if root.hasTable("kibble_zurek") {
            throw ParameterError(file: file, message: "[kibble_zurek] needs run.kind = \"kibble-zurek\"")
        }
        if root.hasTable("equilibrium") {
            let eq = try section(t.equilibrium)
            let from = try eq.double("from"), every = try eq.double("every")
            guard kind == .quench, case .modelA(let m) = model, case .constant = m.r else {
                throw ParameterError(file: file, message: "[equilibrium] needs run.kind = \"quench\" with model A at constant model.r")
            }
            guard from < tEnd else {
                throw ParameterError(file: file, key: "equilibrium.from", value: .double(from), expected: "a time below integrator.t_end = \(tEnd)")
            }
            let sampling = Equilibrium(fromStep: Int((from / dt).rounded()), everySteps: max(1, Int((every / dt).rounded())))
            let count = sampling.steps(finalStep: Int((tEnd / dt).rounded())).count
            guard count >= 16 else {
                throw ParameterError(file: file, key: "equilibrium.every", value: .double(every),
                                     expected: "at least 16 samples between equilibrium.from = \(from) and t_end = \(tEnd) (this gives \(count))")
            }
            equilibrium = sampling
        }
        if stepper == .etdrk4 && temperature > 0 {
            throw ParameterError(file: file, key: "integrator.stepper", value: .string("etdrk4"),
                                 expected: "a stochastic stepper (exponential-euler-maruyama or semi-implicit-euler) because model.temperature > 0")
        }
        parameters = echo.tree
    }

    public var temperature: Double {
        switch model {
        case .modelA(let m): m.temperature
        case .swiftHohenberg(let m): m.temperature
        }
    }

    /// Every parameter after defaults and overrides, in the parameter-file layout: what was
    /// read, with the seed as run.
    public var effectiveParameters: ParameterValue { parameters.setting(["run", "seed"], .int(Int(seed))) }
}

extension ParameterValue {
    func hasTable(_ key: String) -> Bool {
        if case .table(let t) = self, t[key] != nil { return true }
        return false
    }
}
