import Foundation
import CriticalityFieldTheory
import CriticalityLattice

/// One experiment, as read from a parameter file after defaults and `--set` overrides.
/// `docs/parameters.md` is the reference for every key.
public struct ExperimentSpec: Sendable {
    public enum Kind: String, Sendable { case quench, kibbleZurek = "kibble-zurek" }
    public enum ModelSpec: Sendable, Equatable {
        case modelA(r: MassSchedule, u: Double, kappa: Double, h: Double, temperature: Double)
        case swiftHohenberg(r: Double, wavenumber: Double, temperature: Double)
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
    public var lattice: Lattice
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

    /// Reads and validates a parameter file; `overrides` are `key=value` strings (TOML values).
    public static func load(file path: String, overrides: [String] = [], seed: UInt64? = nil) throws -> ExperimentSpec {
        var spec = try ExperimentSpec(file: path, root: ParameterFile.load(path, overrides: overrides), defaultName: ParameterFile.defaultName(path))
        if let seed { spec.seed = seed }
        return spec
    }

    init(file: String, root: ParameterValue, defaultName: String) throws {
        self.file = file
        _ = try ParameterSection(file: file, root: root, path: "", allowed: [],
                                 subtables: ["run", "lattice", "model", "initial", "integrator", "observe", "kibble_zurek"])

        let run = try ParameterSection(file: file, root: root, path: "run", allowed: ["name", "kind", "seed", "members", "threads", "fft_threads", "planner"])
        name = try run.string("name", default: defaultName, oneOf: [])
        guard !name.isEmpty, !name.contains("/") else { throw ParameterError(file: file, key: "run.name", value: .string(name), expected: "a non-empty name without '/'") }
        kind = Kind(rawValue: try run.string("kind", default: "quench", oneOf: ["quench", "kibble-zurek"]))!
        seed = UInt64(try run.int("seed", default: 1, { $0 >= 0 }, expected: "a non-negative integer"))
        members = try run.int("members", default: 8, { $0 >= 1 }, expected: "a positive integer")
        threads = try run.int("threads", default: 0, { $0 >= 0 }, expected: "a non-negative integer (0 = all cores)")
        fftThreads = try run.int("fft_threads", default: 1, { $0 >= 1 }, expected: "a positive integer")
        planner = PlannerEffort(rawValue: try run.string("planner", default: "estimate", oneOf: ["estimate", "measure"]))!

        let lat = try ParameterSection(file: file, root: root, path: "lattice", allowed: ["shape", "box"])
        let shape = try lat.ints("shape", count: 1...3, { $0 >= 1 }, expected: "an array of 1 to 3 positive integers, e.g. [128, 128]")
        let box = try lat.doubles("box", default: shape.map(Double.init), count: shape.count...shape.count, { $0 > 0 },
                                  expected: "an array of \(shape.count) positive box lengths, one per axis of lattice.shape")
        lattice = try Lattice(shape: shape, boxLength: box)

        let mod = try ParameterSection(file: file, root: root, path: "model",
                                       allowed: ["type", "r", "u", "kappa", "h", "temperature", "wavenumber"], subtables: ["ramp"])
        let type = try mod.string("type", default: "model-a", oneOf: ["model-a", "swift-hohenberg"])
        let nonNegative = "a non-negative number"
        let temperature = try mod.double("temperature", { $0 >= 0 }, expected: nonNegative)
        if type == "model-a" {
            let ramp = try ParameterSection(file: file, root: root, path: "model.ramp", allowed: ["critical_time", "quench_time"])
            let r: MassSchedule
            if mod.has("ramp") {
                guard !mod.has("r") else { throw ParameterError(file: file, message: "model.r and [model.ramp] exclude each other: give one") }
                r = .ramp(criticalTime: try ramp.double("critical_time"),
                          quenchTime: try ramp.double("quench_time", { $0 > 0 }, expected: "a positive number"))
            } else {
                r = .constant(try mod.double("r", default: kind == .kibbleZurek ? 0 : nil))
            }
            model = .modelA(r: r, u: try mod.double("u", default: 1, { $0 >= 0 }, expected: nonNegative),
                            kappa: try mod.double("kappa", default: 1, { $0 > 0 }, expected: "a positive number"),
                            h: try mod.double("h", default: 0), temperature: temperature)
            if mod.has("wavenumber") { throw ParameterError(file: file, message: "model.wavenumber is a swift-hohenberg key; model.type is \"model-a\"") }
        } else {
            model = .swiftHohenberg(r: try mod.double("r"), wavenumber: try mod.double("wavenumber", { $0 > 0 }, expected: "a positive number"),
                                    temperature: temperature)
            for k in ["u", "kappa", "h", "ramp"] where mod.has(k) { throw ParameterError(file: file, message: "model.\(k) is a model-a key; model.type is \"swift-hohenberg\"") }
        }

        let ini = try ParameterSection(file: file, root: root, path: "initial", allowed: ["mean", "amplitude"])
        initialMean = try ini.double("mean", default: 0)
        initialAmplitude = try ini.double("amplitude", default: 0.01, { $0 >= 0 }, expected: nonNegative)

        let integ = try ParameterSection(file: file, root: root, path: "integrator", allowed: ["stepper", "dt", "t_end", "dealias"])
        stepper = StepperKind(rawValue: try integ.string("stepper", default: StepperKind.exponentialEulerMaruyama.rawValue,
                                                        oneOf: StepperKind.allCases.map(\.rawValue)))!
        dt = try integ.double("dt", { $0 > 0 }, expected: "a positive time step")
        tEnd = kind == .kibbleZurek ? 0 : try integ.double("t_end", { $0 > 0 }, expected: "a positive end time")
        if kind == .quench, tEnd < dt {
            throw ParameterError(file: file, key: "integrator.t_end", value: .double(tEnd), expected: "at least one step, t_end ≥ dt = \(dt)")
        }
        if kind == .kibbleZurek, integ.has("t_end") {
            throw ParameterError(file: file, message: "integrator.t_end is set by the quench for kind \"kibble-zurek\": remove it")
        }
        dealias = try integ.double("dealias", default: Dealiasing.cubicFraction, { $0 > 0 && $0 < 1 }, expected: "a fraction in (0, 1)")

        let obs = try ParameterSection(file: file, root: root, path: "observe", allowed: ["schedule", "count", "start", "snapshots"])
        schedule = Schedule(rawValue: try obs.string("schedule", default: "log", oneOf: ["linear", "log"]))!
        observationCount = try obs.int("count", default: 40, { $0 >= 1 }, expected: "a positive integer")
        scheduleStart = try obs.double("start", default: max(dt, tEnd / 1000), { $0 > 0 }, expected: "a positive time")
        snapshots = try obs.doubles("snapshots", default: [], count: 0...16, { $0 >= 0 }, expected: "an array of up to 16 non-negative times")
        if kind == .quench {
            guard schedule == .linear || scheduleStart < tEnd else {
                throw ParameterError(file: file, key: "observe.start", value: .double(scheduleStart), expected: "a time below integrator.t_end = \(tEnd)")
            }
            if let bad = snapshots.first(where: { $0 > tEnd }) {
                throw ParameterError(file: file, key: "observe.snapshots", value: .double(bad), expected: "times within [0, integrator.t_end = \(tEnd)]")
            }
        }

        if kind == .kibbleZurek {
            let kz = try ParameterSection(file: file, root: root, path: "kibble_zurek", allowed: ["quench_times", "initial_r", "delay"])
            kibbleZurek = KibbleZurek(
                quenchTimes: try kz.doubles("quench_times", count: 2...64, { $0 > 0 }, expected: "an array of at least 2 positive quench times"),
                initialR: try kz.double("initial_r", default: 1, { $0 > 0 }, expected: "a positive number"),
                delay: try kz.double("delay", default: 2, { $0 > 0 }, expected: "a positive number"))
            guard case .modelA(.constant, _, _, _, _) = model else {
                throw ParameterError(file: file, message: "kind \"kibble-zurek\" builds its own ramp: use model.type = \"model-a\" without [model.ramp]")
            }
        } else if root.hasTable("kibble_zurek") {
            throw ParameterError(file: file, message: "[kibble_zurek] needs run.kind = \"kibble-zurek\"")
        }
        if stepper == .etdrk4 && temperature > 0 {
            throw ParameterError(file: file, key: "integrator.stepper", value: .string("etdrk4"),
                                 expected: "a stochastic stepper (exponential-euler-maruyama or semi-implicit-euler) because model.temperature > 0")
        }
    }

    public var temperature: Double {
        switch model {
        case .modelA(_, _, _, _, let t), .swiftHohenberg(_, _, let t): t
        }
    }

    /// Every parameter after defaults and overrides, in the parameter-file layout.
    public var effectiveParameters: ParameterValue {
        var modelTable: [String: ParameterValue]
        switch model {
        case .modelA(let r, let u, let kappa, let h, let t):
            modelTable = ["type": .string("model-a"), "u": .double(u), "kappa": .double(kappa), "h": .double(h), "temperature": .double(t)]
            switch r {
            case .constant(let v): modelTable["r"] = .double(v)
            case .ramp(let tc, let tq): modelTable["ramp"] = .table(["critical_time": .double(tc), "quench_time": .double(tq)])
            }
        case .swiftHohenberg(let r, let k, let t):
            modelTable = ["type": .string("swift-hohenberg"), "r": .double(r), "wavenumber": .double(k), "temperature": .double(t)]
        }
        var integrator: [String: ParameterValue] = ["stepper": .string(stepper.rawValue), "dt": .double(dt), "dealias": .double(dealias)]
        if kind == .quench { integrator["t_end"] = .double(tEnd) }
        var tree: [String: ParameterValue] = [
            "run": .table(["name": .string(name), "kind": .string(kind.rawValue), "seed": .int(Int(seed)), "members": .int(members),
                           "threads": .int(threads), "fft_threads": .int(fftThreads), "planner": .string(planner.rawValue)]),
            "lattice": .table(["shape": .array(lattice.shape.map { .int($0) }), "box": .array(lattice.boxLength.map { .double($0) })]),
            "model": .table(modelTable),
            "initial": .table(["mean": .double(initialMean), "amplitude": .double(initialAmplitude)]),
            "integrator": .table(integrator),
            "observe": .table(["schedule": .string(schedule.rawValue), "count": .int(observationCount), "start": .double(scheduleStart),
                               "snapshots": .array(snapshots.map { .double($0) })]),
        ]
        if let kz = kibbleZurek {
            tree["kibble_zurek"] = .table(["quench_times": .array(kz.quenchTimes.map { .double($0) }),
                                           "initial_r": .double(kz.initialR), "delay": .double(kz.delay)])
        }
        return .table(tree)
    }
}

extension ParameterValue {
    func hasTable(_ key: String) -> Bool {
        if case .table(let t) = self, t[key] != nil { return true }
        return false
    }
}
