import Foundation
import Testing
@testable import CriticalityExperiments

let softeningParameters = """
[run]
name = "cl"
kind = "reverse-diffusion"
members = 4
[lattice]
shape = [32, 32]
[model]
type = "binary-patch"
patch = 5
[sampler]
t_start = 12.0
t_end = 0.01
steps = 120
[observe]
count = 16
trajectories = true
[softening]
shells = 2
members = 2
times = 60
response = 3
"""

func json(_ folder: URL) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("summary.json"))) as! [String: Any]
}

@Test func correlationLengthRunWritesTheCriticalTimeTable() throws {
    let file = try writeTiny(softeningParameters), dir = (file as NSString).deletingLastPathComponent
    let one = try Experiment.run(file: file, out: dir + "/one", overrides: ["run.threads=1"], progress: false)
    let two = try Experiment.run(file: file, out: dir + "/two", overrides: ["run.threads=2"], progress: false)
    let s = try json(one)
    #expect(abs((s["t_c_analytic_c1"] as! Double) - log(26.0)) < 1e-9)
    #expect(abs((s["t_c_jacobian_homogeneous"] as! Double) - log(26.0)) < 1e-7)
    #expect(abs((s["t_speciation"] as! Double) - log(1024.0)) < 1e-9)  // Λ_max = N for the two uniform images
    #expect(abs((s["nu"] as! Double) - 0.5) < 0.05)
    #expect(s["probe_method"] as? String == "analytic")
    let keys = s["critical_times"] as! [String]
    for k in ["t_c_analytic_c1", "t_c_analytic_c2", "t_c_jacobian_homogeneous", "t_min_stiffness_trajectory", "t_peak_xi_eq_trajectory", "t_peak_xi_growth", "t_speciation"] {
        #expect(keys.contains(k), "\(k) missing from \(keys)")
        #expect(s[k + "_log_lambda"] is Double)
    }
    let csv = try String(contentsOf: one.appendingPathComponent("critical_times.csv"), encoding: .utf8)
    #expect(csv.split(separator: "\n").count == keys.count + 1 && csv.hasPrefix("key,t,log_lambda\n"))
    let html = try String(contentsOf: one.appendingPathComponent("index.html"), encoding: .utf8)
    #expect(html.contains("Critical times") && html.contains("t_c_jacobian_homogeneous") && html.contains("critical.svg"))
    func array(_ folder: URL, _ f: String) throws -> NPY.Decoded { try NPY.decode(Data(contentsOf: folder.appendingPathComponent(f)), file: f) }
    let t = try array(one, "t.npy").shape[0]
    #expect(try array(one, "stiffness.npy").shape == [t, 3])
    #expect(try array(one, "stiffness_homogeneous.npy").shape == [60, 3])
    #expect(try array(one, "trajectory.npy").shape == [t, 4, 32, 32])
    for f in ["stiffness.npy", "softening.csv", "response.csv", "homogeneous.csv", "critical_times.csv", "trajectory.npy", "xi.npy"] {
        #expect(try Data(contentsOf: one.appendingPathComponent(f)) == Data(contentsOf: two.appendingPathComponent(f)), "\(f) differs across thread counts")
    }
}

/// With two observation times every trajectory extreme sits at an end of the path: the two
/// trajectory estimates are undefined, null in summary.json and absent from the table, and a
/// scan that plots one of them still completes (its points are NaN, not a missing column).
@Test func undefinedTrajectoryEstimatesAreNullAndScansStillPlotThem() throws {
    let twoTimes = softeningParameters.replacingOccurrences(of: "count = 16\n", with: "count = 2\n").replacingOccurrences(of: "response = 3", with: "response = 0")
    let text = twoTimes + "\n" + """
    [scan]
    parameter = "model.patch"
    values = [3, 5]
    plot = [["t_min_stiffness_trajectory", "t_peak_xi_eq_trajectory"]]
    """
    let file = try writeTiny(text), dir = (file as NSString).deletingLastPathComponent
    let scan = try Experiment.run(file: file, out: dir + "/scan", overrides: [], progress: false)
    let table = try String(contentsOf: scan.appendingPathComponent("scan.csv"), encoding: .utf8)
    let header = table.split(separator: "\n")[0].split(separator: ",").map(String.init)
    #expect(header.contains("t_min_stiffness_trajectory") && header.contains("t_peak_xi_eq_trajectory"))
    let single = try Experiment.run(file: try writeTiny(twoTimes), out: dir + "/one", overrides: [], progress: false)
    let s = try json(single)
    for k in ["t_min_stiffness_trajectory", "t_peak_xi_eq_trajectory"] {
        #expect(s[k] is NSNull && s[k + "_log_lambda"] is NSNull, "\(k): \(String(describing: s[k]))")
        #expect(!(s["critical_times"] as! [String]).contains(k))
    }
    #expect(s["t_c_jacobian_homogeneous"] is Double)  // the homogeneous-state probes do not depend on the observation times
}

/// 40 members: the run reduces them online in 32 fixed blocks (``MemberBlocks``), `analyze`
/// from every member's sample; the two must agree bit for bit, on 1 and 2 threads.
@Test func analyzeReproducesTheCorrelationLengthsOfTheRunThatWroteTheTrajectories() throws {
    let file = try writeTiny(softeningParameters.replacingOccurrences(of: "[softening]\nshells = 2\nmembers = 2\ntimes = 60\nresponse = 3\n", with: "")
        .replacingOccurrences(of: "members = 4", with: "members = 40").replacingOccurrences(of: "shape = [32, 32]", with: "shape = [16, 16]"))
    let dir = (file as NSString).deletingLastPathComponent
    let run = try Experiment.run(file: file, out: dir + "/run", overrides: ["run.threads=2"], progress: false)
    let single = try Experiment.run(file: file, out: dir + "/single", overrides: ["run.threads=1"], progress: false)
    for f in ["xi.npy", "xi_se.npy", "structure_factor.npy", "structure_factor_se.npy", "correlation.npy", "order.npy", "order_se.npy"] {
        #expect(try Data(contentsOf: run.appendingPathComponent(f)) == Data(contentsOf: single.appendingPathComponent(f)), "\(f) differs across thread counts")
    }
    let out = dir + "/analysis"
    let (code, stderr) = try runCLI(["analyze", run.appendingPathComponent("trajectory.npy").path, "--times", run.appendingPathComponent("t.npy").path,
                                     "--denoised", run.appendingPathComponent("trajectory_denoised.npy").path, "--schedule", "vp", "--out", out])
    #expect(code == 0, "\(stderr)")
    let a = URL(fileURLWithPath: out)
    for f in ["xi.npy", "xi_se.npy", "structure_factor.npy", "structure_factor_se.npy", "correlation.npy", "order.npy", "t.npy", "log_lambda.npy"] {
        #expect(try Data(contentsOf: run.appendingPathComponent(f)) == Data(contentsOf: a.appendingPathComponent(f)), "\(f) differs")
    }
    let ran = try json(run), analysed = try json(a)
    #expect(ran["t_peak_xi_growth"] as? Double == analysed["t_peak_xi_growth"] as? Double)
    // Without D only x and sign x are analysed.
    let (code2, _) = try runCLI(["analyze", run.appendingPathComponent("trajectory.npy").path, "--times", run.appendingPathComponent("t.npy").path, "--out", out + "2"])
    #expect(code2 == 0)
    let xi = try NPY.decode(Data(contentsOf: URL(fileURLWithPath: out + "2/xi.npy")), file: "xi.npy"), full = try NPY.decode(Data(contentsOf: a.appendingPathComponent("xi.npy")), file: "xi.npy")
    #expect(xi.shape == [full.shape[0], 2, 4])
    let firstTwoFields: [Double] = (0..<full.shape[0]).flatMap { (j: Int) -> ArraySlice<Double> in full.values[(j * 16)..<(j * 16 + 8)] }
    #expect(xi.values.map(\.bitPattern) == firstTwoFields.map(\.bitPattern))  // NaN where ξ is undefined
}

@Test func badAnalyzeInputGetsOneClearLineAndExitCodeTwo() throws {
    let dir = temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    func put(_ name: String, _ values: [Double], _ shape: [Int]) throws { try NPY.encode(values, shape: shape).write(to: dir.appendingPathComponent(name)) }
    try put("x.npy", (0..<(3 * 2 * 16)).map { sin(Double($0)) }, [3, 2, 4, 4])
    try put("t.npy", [1, 0.5, 0.1], [3])
    try put("t2.npy", [1, 0.5], [2])
    try put("tbad.npy", [1, 0.1, 0.5], [3])
    try put("d.npy", (0..<(3 * 16)).map { Double($0) }, [3, 1, 4, 4])
    try put("flat.npy", [1, 2, 3, 4], [2, 2])
    let x = dir.appendingPathComponent("x.npy").path
    let cases: [([String], [String])] = [
        (["analyze", x, "--times", dir.appendingPathComponent("t2.npy").path], ["t2.npy: shape [2]: expected (3,)"]),
        (["analyze", x, "--times", dir.appendingPathComponent("tbad.npy").path], ["tbad.npy: times must be positive, finite and strictly monotone"]),
        (["analyze", x, "--times", dir.appendingPathComponent("t.npy").path, "--denoised", dir.appendingPathComponent("d.npy").path], ["d.npy: shape [3, 1, 4, 4]: expected [3, 2, 4, 4]"]),
        (["analyze", dir.appendingPathComponent("flat.npy").path, "--times", dir.appendingPathComponent("t.npy").path], ["flat.npy: shape [2, 2]", "(T, B, H, W)"]),
        (["analyze", x, "--times", dir.appendingPathComponent("t.npy").path, "--schedule", "linear"], ["--schedule: linear: expected one of vp, ou"]),
        (["analyze", dir.appendingPathComponent("none.npy").path, "--times", dir.appendingPathComponent("t.npy").path], ["none.npy: no such data file"]),
    ]
    let before = Set(try FileManager.default.contentsOfDirectory(atPath: dir.path))
    for (arguments, expected) in cases {
        let (code, stderr) = try runCLI(arguments + ["--out", dir.appendingPathComponent("out").path])
        #expect(code == 2)
        for e in expected { #expect(stderr.contains(e), "stderr: \(stderr)") }
        #expect(stderr.split(separator: "\n").count == 1, "one line: \(stderr)")
    }
    #expect(Set(try FileManager.default.contentsOfDirectory(atPath: dir.path)) == before, "nothing written")
}

@Test func checkerboardRunExpandsAroundItsRing() throws {
    // ELS on period-4 checkerboards (docs/theory.md §11.3): k* = (π/2, π/2), the radial step
    // Δ = √2·2π/16; the probes' r equals the dispersion's, ξ_ring = √(κ/r) is written where r > 0.
    let file = try writeTiny("""
    [run]
    name = "ring"
    kind = "reverse-diffusion"
    members = 2
    [lattice]
    shape = [16, 16]
    [model]
    type = "els"
    patch = 5
    [data]
    source = "checkerboard"
    wavelength = 4
    [sampler]
    t_start = 8.0
    t_end = 0.1
    steps = 20
    [observe]
    count = 4
    [softening]
    shells = 1
    members = 2
    times = 12
    """)
    let out = try Experiment.run(file: file, out: (file as NSString).deletingLastPathComponent + "/ring", progress: false)
    let s = try json(out)
    #expect(abs((s["gl_ring_k"] as! Double) - Double.pi / 2.squareRoot()) < 1e-12)
    #expect(abs((s["gl_ring_step"] as! Double) - 2.squareRoot() * Double.pi / 8) < 1e-12)
    let rows = try String(contentsOf: out.appendingPathComponent("homogeneous.csv"), encoding: .utf8).split(separator: "\n")
    #expect(rows[0] == "t,r,kappa,g,xi_eq,sigma2_h_k0,r_analytic,kappa_analytic,g_analytic")
    var ordered = 0
    for row in rows.dropFirst() {
        let v = row.split(separator: ",").map { Double($0)! }
        #expect(abs(v[1] - v[6]) <= 1e-6 * abs(v[6]), "\(row)")
        // The stencil's κ within 15 % of the exact curvature at Δ = 0.555 (Δ²h⁽⁴⁾/24).
        #expect(abs(v[2] - v[7]) <= 0.15 * abs(v[7]), "\(row)")
        if v[1] > 0 { #expect(abs(v[4] - (v[2] / v[1]).squareRoot()) <= 1e-9 * v[4]) } else { #expect(v[4].isNaN); ordered += 1 }
    }
    #expect(ordered > 0 && ordered < rows.count - 1)
}
