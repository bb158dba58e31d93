import Foundation
import Testing
import CriticalityFieldTheory
@testable import CriticalityExperiments

let tiny = """
[run]
members = 3
[lattice]
shape = [24, 20]
box = [12.0, 10.0]
[model]
r = -0.5
temperature = 0.02
[initial]
amplitude = 0.1
[integrator]
dt = 0.05
t_end = 2.0
[observe]
schedule = "linear"
count = 4
snapshots = [1.0]
"""

func writeTiny(_ text: String = tiny) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("criticality-exp-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let file = dir.appendingPathComponent("tiny.toml")
    try text.write(to: file, atomically: true, encoding: .utf8)
    return file.path
}

@Test func resultsAreBitwiseIdenticalAcrossThreadCountsAndDifferAcrossSeeds() throws {
    let file = try writeTiny()
    func arrays(_ overrides: [String], seed: UInt64) throws -> [Data] {
        let out = (file as NSString).deletingLastPathComponent + "/out-\(UUID().uuidString)"
        let folder = try Experiment.run(file: file, out: out, seed: seed, overrides: overrides, progress: false)
        return try ["xi.npy", "structure_factor.npy", "correlation.npy", "snapshots.npy"].map { try Data(contentsOf: folder.appendingPathComponent($0)) }
    }
    let one = try arrays(["run.threads=1"], seed: 3), two = try arrays(["run.threads=2"], seed: 3)
    #expect(one == two)
    #expect(one == (try arrays(["run.threads=1", "run.fft_threads=2", "lattice.shape=[24, 20]"], seed: 3)))
    let other = try arrays(["run.threads=2"], seed: 4)
    #expect(one[1] != other[1] && one[3] != other[3])
}

@Test func observationScheduleLandsOnStepsAndIncludesSnapshotsAndTheEnd() throws {
    let spec = try ExperimentSpec.load(file: try writeTiny(), overrides: ["observe.schedule=\"log\"", "observe.start=0.1", "observe.count=5", "observe.snapshots=[0.33]"])
    let s = ObservationSchedule(spec: spec)
    // log times 0.1·20^(j/4): 0.1, 0.211, 0.447, 0.946, 2.0 → steps 2, 4, 9, 19, 40; snapshot 0.33 → step 7
    #expect(s.steps == [2, 4, 7, 9, 19, 40])
    #expect(s.snapshotSteps == [7] && s.finalStep == 40)
    // Targets that round to one step move to the next free ones: count = 8 log-spaced times from
    // 0.05 to 0.4 (steps 1, 1.35, 1.8, …, 8) are every step 1…8 — exactly count times.
    let dense = ObservationSchedule(spec: try ExperimentSpec.load(file: try writeTiny(), overrides: ["observe.schedule=\"log\"", "observe.start=0.05", "observe.count=8", "integrator.t_end=0.4", "observe.snapshots=[]"]))
    #expect(dense.steps == Array(1...8))
    for count in [3, 17, 39] {
        let log = ObservationSchedule(spec: try ExperimentSpec.load(file: try writeTiny(), overrides: ["observe.schedule=\"log\"", "observe.start=0.1", "observe.count=\(count)", "observe.snapshots=[]"]))
        #expect(log.steps.count == count, "count \(count): \(log.steps)")
    }
}

@Test func overridesAreParsedAsTOMLValues() throws {
    #expect(ParameterValue.parseOverride("[64, 64]") == .array([.int(64), .int(64)]))
    #expect(ParameterValue.parseOverride("0.5") == .double(0.5))
    #expect(ParameterValue.parseOverride("swift-hohenberg") == .string("swift-hohenberg"))
    var root = ParameterValue.table([:])
    try root.set(["model", "ramp", "quench_time"], to: .double(8))
    #expect(root == .table(["model": .table(["ramp": .table(["quench_time": .double(8)])])]))
}

@Test func effectiveParametersRoundTripThroughTOML() throws {
    let spec = try ExperimentSpec.load(file: try writeTiny(), overrides: ["model.type=\"swift-hohenberg\"", "model.wavenumber=0.7", "model.r=0.1"])
    let text = spec.effectiveParameters.tomlDocument()
    let again = try ExperimentSpec(file: "echo", root: try ParameterValue.parse(toml: text, file: "echo"), defaultName: "x")
    #expect(again.effectiveParameters == spec.effectiveParameters)
    #expect(again.model == .swiftHohenberg(SwiftHohenberg(lattice: spec.lattice, r: 0.1, wavenumber: 0.7, temperature: 0.02)))
}

@Test func powerLawFitRecoversAnExactExponent() {
    let x = [8.0, 16, 32, 64, 128]
    let y = x.map { 1.7 * pow($0, 0.25) }
    let fit = KibbleZurek.fitPowerLaw(x: x, y: y, yError: y.map { 0.01 * $0 })
    #expect(abs(fit.exponent - 0.25) < 1e-12 && abs(exp(fit.intercept) - 1.7) < 1e-12)
    #expect(abs(fit.exponentError - 0.01 / (x.map { pow(log($0) - x.map(log).reduce(0, +) / 5, 2) }.reduce(0, +)).squareRoot()) < 1e-12)
}

/// Linear model A (r = ½, T = 1) on 8² with [equilibrium]: its uniform mode is an exact
/// Ornstein–Uhlenbeck process (the equilibrium tests of this file and ScanTests).
let linearModelAEquilibrium = """
    [run]
    members = 16
    [lattice]
    shape = [8, 8]
    [model]
    r = 0.5
    u = 0.0
    temperature = 1.0
    [integrator]
    dt = 0.1
    t_end = 2000.0
    [observe]
    schedule = "linear"
    count = 1
    [equilibrium]
    from = 20.0
    every = 0.5
    """

/// `[equilibrium]` on linear model A, where the uniform mode is an exact Ornstein–Uhlenbeck
/// process at any dt: ⟨m²⟩ = T/(rV), Binder U = 0, χ_N = N⟨m²⟩(1 − 2/π), and τ_int of m
/// sampled every Δ is ½ coth(rΔ/2) samples (ρ(k) = e^{−rΔk}). Each within 4 standard errors;
/// and the parameters are checked.
@Test func equilibriumAveragesOfLinearModelAMatchTheOrnsteinUhlenbeckProcess() throws {
    let text = linearModelAEquilibrium
    let file = try writeTiny(text)
    let out = (file as NSString).deletingLastPathComponent + "/eq"
    let folder = try Experiment.run(file: file, out: out, seed: 1, overrides: [], progress: false)
    let s = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("summary.json"))) as! [String: Any]
    func value(_ k: String) -> (Double, Double) { (s[k] as! Double, s[k + "_se"] as! Double) }
    let m2 = 1.0 / (0.5 * 64), tau = 0.5 / tanh(0.125) * 0.5
    for (key, exact) in [("eq_m2", m2), ("eq_binder", 0), ("eq_chi", 64 * m2 * (1 - 2 / Double.pi)), ("eq_tau_int_m", tau), ("eq_tau_int_m2", 0.5 / tanh(0.25) * 0.5)] {
        let (v, se) = value(key)
        print(String(format: "validation: [equilibrium] linear model A %@ = %.5f ± %.5f (exact %.5f)", key, v, se, exact))
        #expect(abs(v - exact) < 4 * se, "\(key) = \(v) ± \(se), exact \(exact)")
    }
    #expect(abs(s["eq_binder_drift_sigma"] as! Double) < 4)
    let mag = try NPY.decode(Data(contentsOf: folder.appendingPathComponent("magnetisation.npy")), file: "magnetisation.npy")
    #expect(mag.shape == [16, 3961])
    // Bad input: too few samples, a start past the end, a model other than model A.
    let swiftHohenberg = try writeTiny(text.replacingOccurrences(of: "r = 0.5\nu = 0.0", with: "type = \"swift-hohenberg\"\nr = 0.5\nwavenumber = 1.0"))
    for (file, override, fragment) in [(file, "equilibrium.every=200.0", "at least 16 samples"), (file, "equilibrium.from=2000.0", "below integrator.t_end"),
                                       (swiftHohenberg, "run.members=2", "model A at constant model.r")] {
        #expect { _ = try ExperimentSpec.load(file: file, overrides: [override]) } throws: { e in
            (e as? ParameterError)?.description.contains(fragment) == true
        }
    }
}
