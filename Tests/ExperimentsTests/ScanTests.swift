import Foundation
import Testing
import CriticalityDiffusion
import CriticalityLattice
@testable import CriticalityAnalysis
@testable import CriticalityExperiments

/// Two-point data ±𝟙 on 4×4 sites (Λ = 16, t_c = log 17 ≈ 2.833 under vp), relaxed to the fixed
/// points of the denoiser map at t_end, with the Curie–Weiss reduction continued in t.
let twoPointScan = """
[run]
name = "tp"
kind = "reverse-diffusion"
seed = 3
members = 64
[lattice]
shape = [4, 4]
[model]
type = "two-point"
[sampler]
t_start = 12.0
t_end = 2.0
steps = 100
[observe]
count = 4
fixed_points = true
[continuation]
range = [0.5, 12.0]
[scan]
parameter = "sampler.t_end"
values = [1.0, 2.0, 2.6, 3.2, 5.0]
replicas = 4
"""

func bytes(_ folder: URL, _ file: String) throws -> Data { try Data(contentsOf: folder.appendingPathComponent(file)) }

@Test func twoPointStochasticScanAgreesWithTheContinuedStableBranches() throws {
    let file = try writeTiny(twoPointScan), dir = (file as NSString).deletingLastPathComponent
    let out = try Experiment.run(file: file, out: dir + "/scan", progress: false)
    let s = try json(out)
    let columns = s["columns"] as! [String], table = try NPY.decode(bytes(out, "scan.npy"), file: "scan.npy")
    #expect(table.shape == [5, columns.count])
    func column(_ k: String) -> [Double] { let j = columns.firstIndex(of: k)!; return (0..<5).map { table.values[$0 * columns.count + j] } }
    let t = column("sampler.t_end"), lambda = 16.0, n = 4.0 * 64, tc = log(1 + lambda)
    #expect(column("t_branch_point").allSatisfy { abs($0 - tc) < 1e-8 })
    // The stable branches of the continuation at each t, then the scan against them.
    let diagram = try PseudoArclength(range: 0.5...12).diagram(CurieWeiss().problem(in: .time(.vp, squaredNorm: lambda)), from: [0], at: 12, direction: -1)
    for (i, time) in t.enumerated() {
        // u*(t) of the stable + branch: the fixed-point iteration from u = 1 converges to it;
        // the continued branch, interpolated linearly in t, passes through it.
        let k = NoiseSchedule.vp.level(at: time).signalToNoise * lambda
        var u = 1.0
        for _ in 0..<200_000 { u = tanh(k * u) }
        if time < tc {
            let plus = diagram.branches.first { $0.parent == 0 && $0.points.last!.orderParameter > 0 }!.points
            let j = plus.indices.dropFirst().first { (plus[$0].parameter - time) * (plus[$0 - 1].parameter - time) <= 0 }!
            let f = (time - plus[j - 1].parameter) / (plus[j].parameter - plus[j - 1].parameter)
            let interpolated = plus[j - 1].orderParameter + f * (plus[j].orderParameter - plus[j - 1].orderParameter)
            #expect(plus[j].stable && abs(interpolated - u) < 1e-2)
        }
        let predictedPlus = time < tc ? 0.5 : 0.0
        let fractionSE = (predictedPlus * (1 - predictedPlus) / n).squareRoot()
        let measured = column("fixed_point_fraction_plus")[i], zero = column("fixed_point_fraction_zero")[i]
        validation("two-point scan t = \(time): fraction on + branch (predicted \(predictedPlus))", String(format: "%.4f ± %.4f", measured, fractionSE))
        #expect(abs(measured - predictedPlus) <= 4 * fractionSE)
        #expect(zero == (time < tc ? 0 : 1))
        if time < tc {
            let m = column("fixed_point_m_plus")[i], se = column("fixed_point_m_plus_replica_se")[i]
            let mMinus = column("fixed_point_m_minus")[i]
            validation("two-point scan t = \(time): relaxed m₊ − u*(t)", String(format: "%.1e (replica SE %.1e)", m - u, se))
            // The relaxation stops at |Δy| ≤ 1e-12 per site: that is the floor under 4 SE.
            #expect(abs(m - u) <= 4 * se + 1e-9 && abs(mMinus + u) <= 4 * column("fixed_point_m_minus_replica_se")[i] + 1e-9)
        }
    }
    let html = try String(contentsOf: out.appendingPathComponent("index.html"), encoding: .utf8)
    #expect(html.contains("scan.svg") && html.contains("fixed_point_fraction_plus"))
    // Every report links the folder's records (a scan's did not).
    for record in ["run.json", "summary.json", "parameters.toml"] {
        #expect(html.components(separatedBy: "<a href=\"\(record)\">").count == 2, "\(record) linked once")
    }
}

@Test func scanKilledHalfwayAndRestartedWritesTheSameTable() throws {
    let text = twoPointScan.replacingOccurrences(of: "replicas = 4", with: "replicas = 2").replacingOccurrences(of: "members = 64", with: "members = 8")
    let file = try writeTiny(text), dir = (file as NSString).deletingLastPathComponent
    let whole = try Experiment.run(file: file, out: dir + "/whole", overrides: ["scan.threads=2"], progress: false)
    let root = try ParameterFile.load(file, overrides: [])
    #expect(throws: Scan.Interrupted.self) {
        try Scan.run(file: file, root: root, out: dir + "/resumed", seed: nil, progress: false, commandLine: nil, stopAfter: 4)
    }
    let work = URL(fileURLWithPath: dir + "/.resumed.scan/points")
    #expect(try FileManager.default.contentsOfDirectory(atPath: work.path).filter { $0.hasSuffix(".json") }.count == 4)
    #expect(!FileManager.default.fileExists(atPath: dir + "/resumed"))
    let resumed = try Experiment.run(file: file, out: dir + "/resumed", overrides: ["scan.threads=1"], progress: false)
    let s = try json(resumed)
    #expect(s["tasks_computed"] as? Int == 6 && s["tasks_reused"] as? Int == 4)
    for f in ["scan.csv", "scan.npy", "replicas.csv"] { #expect(try bytes(whole, f) == bytes(resumed, f), "\(f) differs") }
    #expect(!FileManager.default.fileExists(atPath: dir + "/.resumed.scan"))
    // A leftover of a different scan is refused, not mixed in.
    #expect(throws: Scan.Interrupted.self) {
        try Scan.run(file: file, root: root, out: dir + "/other", seed: nil, progress: false, commandLine: nil, stopAfter: 1)
    }
    #expect(throws: ParameterError.self) {
        try Experiment.run(file: file, out: dir + "/other", overrides: ["scan.replicas=3"], progress: false)
    }
}

@Test func twoDimensionalScanIsOrderedAndThreadIndependent() throws {
    let text = twoPointScan.replacingOccurrences(of: "replicas = 4", with: "replicas = 2\n[scan.second]\nparameter = \"model.amplitude\"\nfrom = 0.5\nto = 1.5\npoints = 2")
        .replacingOccurrences(of: "values = [1.0, 2.0, 2.6, 3.2, 5.0]", with: "values = [1.0, 4.0]").replacingOccurrences(of: "members = 64", with: "members = 4")
    let file = try writeTiny(text), dir = (file as NSString).deletingLastPathComponent
    let one = try Experiment.run(file: file, out: dir + "/one", overrides: ["scan.threads=1"], progress: false)
    let two = try Experiment.run(file: file, out: dir + "/two", overrides: ["scan.threads=2"], progress: false)
    #expect(try bytes(one, "scan.csv") == bytes(two, "scan.csv"))
    let rows = try String(contentsOf: one.appendingPathComponent("scan.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
    #expect(rows.map { $0.split(separator: ",").prefix(2).joined(separator: ",") } == ["1.0,0.5", "1.0,1.5", "4.0,0.5", "4.0,1.5"])
    // The amplitude sets Λ = a²N, hence the branch point log(1 + a²·16).
    let columns = try json(one)["columns"] as! [String], table = try NPY.decode(bytes(one, "scan.npy"), file: "scan.npy")
    let a = columns.firstIndex(of: "model.amplitude")!, bp = columns.firstIndex(of: "t_branch_point")!
    for row in 0..<4 {
        let amplitude = table.values[row * columns.count + a]
        #expect(abs(table.values[row * columns.count + bp] - log(1 + amplitude * amplitude * 16)) < 1e-8)
    }
    let s = try String(contentsOf: one.appendingPathComponent("replicas.csv"), encoding: .utf8)
    #expect(s.hasPrefix("sampler.t_end,model.amplitude,replica,seed,"))
}

/// `lattice.size` scans the lattice for finite-size scaling: every point is L^d at the file's
/// spacing (box L·a), combined with another scanned key; a grid or non-integers are refused.
@Test func latticeSizeScansSquareLatticesAtTheFilesSpacing() throws {
    let text = tiny + """

        [scan]
        parameter = "lattice.size"
        values = [8, 16]
        [scan.second]
        parameter = "model.r"
        values = [-0.5, 0.5]
        """
    let file = try writeTiny(text)
    let (scan, _, roots) = try Scan.validated(file: file, root: try ParameterFile.load(file, overrides: []), seed: nil)
    #expect(scan.axes.map(\.key) == ["lattice.size", "model.r"] && roots.count == 4)
    // tiny's lattice is 24 × 20 in a 12 × 10 box: spacing ½ on both axes.
    for (root, (size, r)) in zip(roots, [(8, -0.5), (8, 0.5), (16, -0.5), (16, 0.5)]) {
        #expect(ScanSpec.lookup(root, "lattice.shape") == .array([.int(size), .int(size)]))
        #expect(ScanSpec.lookup(root, "lattice.box") == .array([.double(Double(size) / 2), .double(Double(size) / 2)]))
        #expect(ScanSpec.lookup(root, "model.r") == .double(r))
    }
    let out = try Experiment.run(file: file, out: (file as NSString).deletingLastPathComponent + "/fss", progress: false)
    let columns = try json(out)["columns"] as! [String]
    #expect(columns.prefix(2) == ["lattice.size", "model.r"])
    // Explicit shapes: any shape with the file's number of axes; its size is the geometric mean.
    let shapes = try writeTiny(tiny + "\n[scan]\nparameter = \"lattice.size\"\nvalues = [8, [8, 18]]\n")
    let (_, _, shapeRoots) = try Scan.validated(file: shapes, root: try ParameterFile.load(shapes, overrides: []), seed: nil)
    #expect(ScanSpec.lookup(shapeRoots[1], "lattice.shape") == .array([.int(8), .int(18)]))
    #expect(ScanSpec.lookup(shapeRoots[1], "lattice.box") == .array([.double(4), .double(9)]))
    #expect(abs(ScanSpec.number(.array([.int(8), .int(18)]))! - 12) < 1e-12)
    for bad in ["values = [8.5, 16]", "from = 8\nto = 32\npoints = 3", "values = [[8, 8, 8]]", "values = [[8, 1]]"] {
        let f = try writeTiny(tiny + "\n[scan]\nparameter = \"lattice.size\"\n" + bad + "\n")
        #expect(throws: ParameterError.self) { _ = try Scan.validated(file: f, root: try ParameterFile.load(f, overrides: []), seed: nil) }
    }
}

/// `criticality fss` on a scan folder of synthetic data from the scaling form (x_c = 0.3, ν = 1,
/// γ/ν = 7/4, 1 % errors, L = 8 … 64): the crossings, their L → ∞ limits (point and value) and
/// both collapses recover the truth within 4 bootstrap SE; a scan without lattice.size is refused.
@Test func fssOfASyntheticScanRecoversTheCriticalPoint() throws {
    let dir = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: dir) }
    let scan = dir.appendingPathComponent("scan")
    try FileManager.default.createDirectory(at: scan, withIntermediateDirectories: true)
    let columns = ["lattice.size", "model.r", "binder", "binder_se", "susceptibility", "susceptibility_se"]
    let noise = GaussianNoise(seed: 4)
    var rows: [Double] = []
    for (k, size) in [8.0, 16, 32, 64].enumerated() {
        for j in 0..<81 {
            let x = 0.2 + 0.2 * Double(j) / 80, s = (x - 0.3) * size
            let (u, chi) = (2 + tanh(s), pow(size, 1.75) * exp(-s * s / 2))
            let z = [0, 1].map { GaussianNoise.uniform(key: noise.key(member: k, step: j, stream: UInt64($0)), index: 0) }
            // Box–Muller from the two uniforms.
            let g = (-2 * log(z[0])).squareRoot(), (g1, g2) = (g * cos(2 * .pi * z[1]), g * sin(2 * .pi * z[1]))
            rows += [size, x, u * (1 + 0.01 * g1), 0.01 * u, chi * (1 + 0.01 * g2), 0.01 * chi]
        }
    }
    try NPY.encode(rows, shape: [rows.count / columns.count, columns.count]).write(to: scan.appendingPathComponent("scan.npy"))
    try JSONSerialization.data(withJSONObject: ["columns": columns]).write(to: scan.appendingPathComponent("summary.json"))
    try JSONSerialization.data(withJSONObject: ["package": "Criticality", "scan": ["axes": ["lattice.size", "model.r"], "replicas": 1]])
        .write(to: scan.appendingPathComponent("run.json"))
    let out = dir.appendingPathComponent("fss")
    let (code, stderr) = try runCLI(["fss", scan.path, "--susceptibility", "susceptibility", "--resamples", "40", "--out", out.path])
    #expect(code == 0, "\(stderr)")
    let s = try json(out)
    func within(_ key: String, _ truth: Double) -> Bool {
        guard let v = s[key] as? Double, let ci = s[key + "_ci95"] as? [Double] else { return false }
        return abs(v - truth) <= 4 / 1.96 * (ci[1] - ci[0]) / 2
    }
    for (key, truth) in [("binder_x_c", 0.3), ("binder_inverse_nu", 1), ("susceptibility_x_c", 0.3), ("susceptibility_inverse_nu", 1), ("susceptibility_gamma_over_nu", 1.75),
                         ("binder_crossing_limit", 0.3), ("binder_crossing_value_limit", 2)] {
        #expect(within(key, truth), "\(key): \(String(describing: s[key])) \(String(describing: s[key + "_ci95"]))")
    }
    let crossings = try String(contentsOf: out.appendingPathComponent("crossings.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
    #expect(crossings.count == 3)
    for line in crossings { #expect(abs(Double(line.split(separator: ",")[3])! - 0.3) < 0.004, "\(line)") }
    for f in ["fss.csv", "collapse.svg", "index.html", "run.json"] { #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(f).path), "\(f)") }
    // A scan of something else.
    try JSONSerialization.data(withJSONObject: ["package": "Criticality", "scan": ["axes": ["model.r"], "replicas": 1]]).write(to: scan.appendingPathComponent("run.json"))
    let (bad, message) = try runCLI(["fss", scan.path, "--out", dir.appendingPathComponent("bad").path])
    #expect(bad == 2 && message.contains("expected lattice.size, alone or with one control parameter"), "\(message)")
}

/// `[scan.fss]` runs the finite-size scaling when the scan completes, into NAME-fss, with the
/// command that reproduces it; it needs a scan over lattice.size, and a summary key the runs
/// report (checked after the first task, as scan.plot is).
@Test func scanFSSSectionRunsTheAnalysisAfterTheScan() throws {
    let text = tiny.replacingOccurrences(of: "t_end = 2.0", with: "t_end = 20.0") + """

        [equilibrium]
        from = 2.0
        every = 0.5
        [scan]
        parameter = "lattice.size"
        values = [4, 6, 8]
        [scan.second]
        parameter = "model.r"
        values = [-0.6, -0.4, -0.2, 0.0]
        [scan.fss]
        ratios = ["eq_binder"]
        susceptibility = "eq_chi"
        resamples = 20
        """
    let file = try writeTiny(text), dir = (file as NSString).deletingLastPathComponent
    let out = try Experiment.run(file: file, out: dir + "/sizes", progress: false)
    let fss = URL(fileURLWithPath: out.path + "-fss")
    let s = try json(fss), record = try JSONSerialization.jsonObject(with: Data(contentsOf: fss.appendingPathComponent("run.json"))) as! [String: Any]
    #expect(s["sizes"] as? [Double] == [4, 6, 8] && s["eq_chi_gamma_over_nu"] is Double)
    #expect((record["reproduce"] as? String)?.hasPrefix("criticality fss \(out.path) --ratio eq_binder --susceptibility eq_chi --resamples 20") == true)
    // The echoed parameters keep the section.
    #expect(try String(contentsOf: out.appendingPathComponent("parameters.toml"), encoding: .utf8).contains("[scan.fss]"))
    for (bad, fragment) in [(text.replacingOccurrences(of: "parameter = \"lattice.size\"\nvalues = [4, 6, 8]", with: "parameter = \"model.u\"\nvalues = [1.0, 2.0]"), "needs a scan over lattice.size"),
                            (text.replacingOccurrences(of: "ratios = [\"eq_binder\"]", with: "ratios = []"), "scan.fss.ratios")] {
        let f = try writeTiny(bad)
        #expect { _ = try Scan.validated(file: f, root: try ParameterFile.load(f, overrides: []), seed: nil) } throws: { e in
            (e as? ParameterError)?.description.contains(fragment) == true
        }
    }
    let unknown = try writeTiny(text.replacingOccurrences(of: "ratios = [\"eq_binder\"]", with: "ratios = [\"eq_bindr\"]"))
    #expect { _ = try Experiment.run(file: unknown, out: dir + "/unknown", progress: false) } throws: { e in
        (e as? ParameterError)?.description.contains("scan.fss: 'eq_bindr' is not a number the runs report") == true
    }
}

/// scan.power_law fits y ∝ x^b: equilibrium ⟨m²⟩ = T/(rV) of linear model A gives b = −1
/// within 4 standard errors; a second axis is refused.
@Test func scanPowerLawRecoversTheExponentOfLinearModelA() throws {
    let text = linearModelAEquilibrium.replacingOccurrences(of: "t_end = 2000.0", with: "t_end = 400.0")
        .replacingOccurrences(of: "from = 20.0\nevery = 0.5", with: "from = 40.0\nevery = 2.0")
        + "\n[scan]\nparameter = \"model.r\"\nvalues = [0.25, 0.5, 1.0, 2.0, 4.0]\npower_law = [\"eq_m2\"]\n"
    let file = try writeTiny(text), dir = (file as NSString).deletingLastPathComponent
    let s = try json(try Experiment.run(file: file, out: dir + "/power", progress: false))
    let (b, se) = (s["power_law_eq_m2"] as! Double, s["power_law_eq_m2_se"] as! Double)
    print(String(format: "validation: scan.power_law of linear model A ⟨m²⟩ ∝ r^b: b = %.4f ± %.4f (exact −1), χ²/dof %.2f", b, se, s["power_law_eq_m2_chi2_per_dof"] as! Double))
    #expect(abs(b + 1) < 4 * se)
    let two = try writeTiny(text + "\n[scan.second]\nparameter = \"model.kappa\"\nvalues = [1.0, 2.0]\n")
    #expect { _ = try Scan.validated(file: two, root: try ParameterFile.load(two, overrides: []), seed: nil) } throws: { e in
        (e as? ParameterError)?.description.contains("scan.power_law fits against one axis") == true
    }
}
