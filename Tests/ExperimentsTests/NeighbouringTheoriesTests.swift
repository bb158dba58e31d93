import CriticalityAnalysis
import CriticalityDiffusion
import Foundation
import CriticalityLattice
import Testing
@testable import CriticalityExperiments

/// N(±μ, I) on 4 sites with ‖μ‖ = 4 (μ = 2·𝟙), under ou.
let twoGaussianWindows = """
[run]
kind = "critical-windows"
seed = 2
members = 200
[lattice]
shape = [4]
[schedule]
type = "ou"
[model]
type = "gaussian-mixture"
[[model.components]]
mean = 2.0
label = 0
[[model.components]]
mean = -2.0
label = 1
[sampler]
t_start = 4.0
t_end = 0.01
steps = 100
[windows]
epsilon = 0.1
points = 4
"""

/// The same mixture for latent information (one factor: the component).
let twoGaussianInformation = twoGaussianWindows
    .replacingOccurrences(of: "kind = \"critical-windows\"", with: "kind = \"latent-information\"")
    .replacingOccurrences(of: "[windows]\nepsilon = 0.1\npoints = 4", with: "[information]\npoints = 20\nbranches = 4\ncontinuations = 2\nsamples = 2000")

let smallHierarchy = """
[run]
kind = "hierarchy-transition"
samples = 300
[hierarchy]
vocabulary = 8
synonyms = 4
branching = 2
depths = [2, 4]
[noise]
points = 13
"""

@Test func criticalWindowsRunWritesTheClosedFormWindowAndKeepProbabilities() throws {
    let dir = temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = try writeTiny(twoGaussianWindows)
    let out = try Experiment.run(file: file, out: dir.appendingPathComponent("w").path, progress: false)
    let s = try json(out)
    let exact = CriticalWindows.twoGaussianWindow(separation: 4, epsilon: 0.1)
    let after = try #require(s["t_window_after_level1"] as? Double), before = try #require(s["t_window_before_level1"] as? Double)
    #expect(abs(after - exact.after!) < 1e-9 && abs(before - exact.before!) < 1e-9)
    #expect((s["critical_times"] as? [String]) == ["t_window_after_level1", "t_window_before_level1", "t_speciation"])
    // Keep probabilities from the solver against E_z[σ(2a² + 2az)], within 4 SE.
    let rows = try String(contentsOf: out.appendingPathComponent("keep.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
    #expect(rows.count == 4)
    for row in rows {
        let v = row.split(separator: ",").map { Double($0)! }
        let expected = CriticalWindows.twoGaussianKeepProbability(exp(-v[0]) * 4 / (exp(-2 * v[0]) + 1 - exp(-2 * v[0])).squareRoot())
        #expect(abs(v[4] - expected) < 1e-10)
        // The larger of the sample SE and the binomial SE of the expected value (a rare flip is
        // missed by the sample SE when no member of 200 flips).
        let se = max(v[3], (expected * (1 - expected) / 200).squareRoot())
        #expect(abs(v[2] - expected) < 4 * se, "T̂ = \(v[0]): \(v[2]) ± \(v[3]) vs \(expected)")
    }
    let keep = try NPY.decode(Data(contentsOf: out.appendingPathComponent("keep_probability.npy")), file: "keep_probability.npy")
    #expect(keep.shape == [1, 4])
}

@Test func latentInformationRunAgreesWithTheLibraryAndItsForks() throws {
    let dir = temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let out = try Experiment.run(file: try writeTiny(twoGaussianInformation), out: dir.appendingPathComponent("i").path, progress: false)
    let s = try json(out)
    let mixture = IsotropicMixture(weights: [1, 1], means: [[2, 2, 2, 2], [-2, -2, -2, -2]], variances: [1, 1], labels: [0, 1])
    let li = LatentInformation(mixture: mixture, group: [0, 1], schedule: .ou)
    let peak = try #require(s["t_peak_information_rate_component"] as? Double), half = try #require(s["t_cloning_half_component"] as? Double)
    #expect(abs(peak - li.productionRatePeak(in: 0.01...4)!) < 1e-9)
    #expect(abs(li.collisionProbability(at: half).mean - 0.75) < 1e-9)
    // φ from pairs of continuations against its exact value, within 4 binomial SE.
    let rows = try String(contentsOf: out.appendingPathComponent("forking.csv"), encoding: .utf8).split(separator: "\n")
    let header = rows[0].split(separator: ",").map(String.init)
    let (phi, exact) = (header.firstIndex(of: "phi_component")!, header.firstIndex(of: "phi_exact_component")!)
    for row in rows.dropFirst() {
        let v = row.split(separator: ",").map { Double($0)! }
        #expect(abs(v[phi] - v[exact]) < 4 * (v[exact] * (1 - v[exact]) / 200).squareRoot() + 1e-12, "t_b = \(v[0])")
    }
    let cube = try NPY.decode(Data(contentsOf: out.appendingPathComponent("information.npy")), file: "information.npy")
    #expect(cube.shape == [1, 20, 3])
}

@Test func hierarchyRunWritesTransitionsPerDepth() throws {
    let dir = temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let out = try Experiment.run(file: try writeTiny(smallHierarchy), out: dir.appendingPathComponent("h").path, progress: false)
    let s = try json(out)
    #expect((s["critical_times"] as? [String]) == ["t_class_transition_L2", "t_class_transition_L4"])
    let slope2 = try #require(s["class_transition_slope_L2"] as? Double), slope4 = try #require(s["class_transition_slope_L4"] as? Double)
    #expect(slope4 > slope2 && (s["leaf_transition_slope_L4"] as? Double ?? .infinity) < slope4)
    let belief = try NPY.decode(Data(contentsOf: out.appendingPathComponent("hierarchy_belief.npy")), file: "hierarchy_belief.npy")
    #expect(belief.shape == [2, 13, 5])
    // The ε-process has no time axis: the crossing is an ε.
    let eps = try Experiment.run(file: try writeTiny(smallHierarchy), out: dir.appendingPathComponent("e").path, overrides: ["noise.type=\"epsilon\""], progress: false)
    let e = try json(eps)
    #expect(e["critical_times"] == nil && (e["epsilon_class_transition_L2"] as? Double).map { $0 > 0 && $0 < 1 } == true)
}

let badNeighbouringInputs: [BadDiffusionInput] = [
    .init("windows chain not nested", base: twoGaussianWindows, overrides: ["windows.chain=[[0, 1]]"], expected: ["windows.chain = [[0, 1]]", "strictly inside"]),
    .init("windows epsilon too large", base: twoGaussianWindows, overrides: ["windows.epsilon=0.7"], expected: ["windows.epsilon = 0.7", "(0, ½)"]),
    .init("windows without a mixture", base: twoGaussianWindows.replacingOccurrences(of: "type = \"gaussian-mixture\"", with: "type = \"binary-patch\"\npatch = 3")
        .replacingOccurrences(of: "[[model.components]]\nmean = 2.0\nlabel = 0\n[[model.components]]\nmean = -2.0\nlabel = 1\n", with: ""),
          expected: ["needs a mixture with a discrete latent", "\"binary-patch\""]),
    .init("windows section in a reverse-diffusion run", base: twoGaussianWindows, overrides: ["run.kind=\"reverse-diffusion\""], expected: ["[windows] needs run.kind = \"critical-windows\""]),
    .init("information factor that is not a partition", base: twoGaussianInformation, overrides: ["information.factors={a = [[0], [0]]}"],
          expected: ["information.factors.a", "every label [0, 1] once"]),
    .init("too many synonyms", base: smallHierarchy, overrides: ["hierarchy.vocabulary=4", "hierarchy.synonyms=5"], expected: ["hierarchy.synonyms = 5", "1…v^(s−1) = 4"]),
    .init("schedule with the epsilon process", base: smallHierarchy, overrides: ["noise.type=\"epsilon\"", "noise.schedule=\"ou\""], expected: ["noise.schedule does not apply to noise.type = \"epsilon\" (only to \"gaussian\")"]),
    .init("too many leaves", base: smallHierarchy, overrides: ["hierarchy.depths=[20]"], expected: ["hierarchy.depths = [20]", "s^L ≤ 65536"]),
    .init("unknown hierarchy key", base: smallHierarchy, overrides: ["hierarchy.depth=3"], expected: ["unknown key 'hierarchy.depth'"]),
]

/// Swift–Hohenberg's quadratic term g₂ (model.quadratic), through the parameter file: a uniform
/// field obeys dφ/dt = (r − k*⁴)φ + g₂φ² − φ³ and settles, from φ(0) > 0, at
/// φ* = (g₂ + √(g₂² + 4(r − k*⁴)))/2. Deterministic (T = 0, ETDRK4); the slowest approach
/// (g₂ = −0.3) relaxes at rate 0.047, so by t = 1000 the distance is below 1e-20 and the
/// tolerance is rounding's; g₂ = 0 (the default) gives √(r − k*⁴), a different value, so the key must
/// reach the physics for the test to pass.
@Test(arguments: [0.0, 0.5, -0.3])
func swiftHohenbergQuadraticTermSetsTheUniformFixedPoint(g2: Double) throws {
    let file = try writeTiny("""
        [lattice]
        shape = [8, 8]
        [model]
        type = "swift-hohenberg"
        r = 0.1
        wavenumber = 0.5
        temperature = 0.0
        \(g2 == 0 ? "" : "quadratic = \(g2)")
        [initial]
        mean = 0.3
        amplitude = 0.0
        [integrator]
        stepper = "etdrk4"
        dt = 0.1
        t_end = 1000.0
        [observe]
        count = 2
        snapshots = [1000.0]
        [run]
        members = 1
        """)
    let spec = try ExperimentSpec.load(file: file)
    let field = try QuenchRun.run(spec).snapshots.last!
    let a = 0.1 - pow(0.5, 4), expected = (g2 + (g2 * g2 + 4 * a).squareRoot()) / 2
    let mean = field.reduce(0, +) / Double(field.count)
    print("validation: Swift–Hohenberg g₂ = \(g2): uniform fixed point \(mean), expected \(expected), error \(abs(mean - expected))")
    #expect(abs(mean - expected) < 1e-12, "g₂ = \(g2): uniform fixed point \(mean), expected \(expected)")
    #expect(field.allSatisfy { abs($0 - mean) < 1e-12 }, "the field stays uniform")
    #expect(spec.effectiveParameters.description.contains("quadratic = \(g2)"))
}
