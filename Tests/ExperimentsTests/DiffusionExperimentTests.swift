import Foundation
import Testing
import CriticalityAnalysis
import CriticalityDiffusion
import CriticalityLattice
@testable import CriticalityExperiments

let diffusionParameters = """
[run]
name = "bp"
kind = "reverse-diffusion"
members = 3
[lattice]
shape = [16, 16]
[model]
type = "binary-patch"
patch = 3
[sampler]
t_start = 8.0
t_end = 0.01
steps = 40
[observe]
count = 6
snapshots = [1.0, 0.01]
"""

/// A .npy file with the given header fields and raw payload.
func npyFile(descr: String, shape: String, payload: [UInt8], fortran: Bool = false) -> Data {
    var header = "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(shape), }"
    header += String(repeating: " ", count: (64 - (11 + header.utf8.count) % 64) % 64) + "\n"
    var d = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xff), UInt8(header.utf8.count >> 8)])
    d.append(contentsOf: Array(header.utf8))
    d.append(contentsOf: payload)
    return d
}

func float32Bytes(_ x: [Float]) -> [UInt8] { x.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } } }

/// Pixel values of the five test images, in 0…16.
let imageValues: [Double] = (0..<(5 * 36)).map { (i: Int) -> Double in Double((i * 7 + (i / 36) * 5) % 17) }

/// The same mapped to [−1, 1]: x/8 − 1.
let mappedImages: [Double] = imageValues.map { $0 * 2 / 16 - 1 }

/// Max-norm distance of a sample to image n.
func distance(_ s: [Double], toImage n: Int) -> Double {
    var d = 0.0
    for i in 0..<36 { d = max(d, abs(s[i] - mappedImages[n * 36 + i])) }
    return d
}

/// Five 6×6 images in 0…16 (like the digits) with labels 0, 1, 0, 1, 2.
func writeImages(to dir: URL) throws {
    let images = imageValues.map(Float.init)
    try npyFile(descr: "<f4", shape: "(5, 6, 6)", payload: float32Bytes(images)).write(to: dir.appendingPathComponent("images.npy"))
    try npyFile(descr: "|u1", shape: "(5,)", payload: [0, 1, 0, 1, 2]).write(to: dir.appendingPathComponent("labels.npy"))
}

let idealParameters = """
[run]
name = "ideal"
kind = "reverse-diffusion"
members = 4
[model]
type = "ideal"
[data]
source = "file"
file = "images.npy"
labels = "labels.npy"
[sampler]
method = "pf-ode-heun"
steps = 60
[observe]
count = 4
"""

@Test func npyReaderReadsWhatTheWriterWritesAndFloat32() throws {
    let back = try NPY.decode(NPY.encode([1.5, -2, 3, 4, 5, 6], shape: [3, 2]), file: "x.npy")
    #expect(back == NPY.Decoded(shape: [3, 2], values: [1.5, -2, 3, 4, 5, 6]))
    let f = try NPY.decode(npyFile(descr: "<f4", shape: "(2,)", payload: float32Bytes([0.25, -8])), file: "f.npy")
    #expect(f.values == [0.25, -8] && f.shape == [2])
    let u = try NPY.decode(npyFile(descr: "|u1", shape: "(3,)", payload: [0, 9, 255]), file: "u.npy")
    #expect(u.values == [0, 9, 255])
}

@Test func reverseDiffusionRunWritesEveryArrayWithItsShapeAndIsThreadIndependent() throws {
    let file = try writeTiny(diffusionParameters), dir = (file as NSString).deletingLastPathComponent
    func run(_ overrides: [String], _ name: String) throws -> URL {
        try Experiment.run(file: file, out: dir + "/" + name, overrides: overrides, progress: false)
    }
    let one = try run(["run.threads=1"], "one"), two = try run(["run.threads=2"], "two")
    func array(_ folder: URL, _ f: String) throws -> NPY.Decoded { try NPY.decode(Data(contentsOf: folder.appendingPathComponent(f)), file: f) }
    let t = try array(one, "t.npy").shape[0]
    #expect(t == 7)  // grid indices 0, 8, …, 40, and 12 (t = 1.03, the grid point nearest the snapshot t = 1)
    let k = try array(one, "k.npy").shape[0], r = try array(one, "r.npy").shape[0]
    #expect(try array(one, "xi.npy").shape == [t, 4, 4])
    #expect(try array(one, "structure_factor.npy").shape == [t, 4, k])
    #expect(try array(one, "correlation.npy").shape == [t, 4, r])
    #expect(try array(one, "snapshots.npy").shape == [2, 16, 16])
    #expect(try array(one, "samples.npy").shape == [3, 16, 16])
    // Order-parameter statistics: ⟨m²⟩ as in xi's companion timeseries, sign fields' U ≤ 2/3.
    let order = try array(one, "order.npy")
    #expect(order.shape == [t, 4, 8])
    let timeseries = try String(contentsOf: one.appendingPathComponent("timeseries.csv"), encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
    let m2Column = timeseries[0].firstIndex(of: "m2_sign_D")!, binderColumn = timeseries[0].firstIndex(of: "binder_sign_D")!
    for j in 0..<t {
        #expect(abs(Double(timeseries[j + 1][m2Column])! - order.values[(j * 4 + 3) * 8 + 2]) < 1e-12)
        #expect(Double(timeseries[j + 1][binderColumn])! == order.values[(j * 4 + 3) * 8 + 4] && order.values[(j * 4 + 3) * 8 + 4] <= 2.0 / 3 + 1e-12)
    }
    let lambda = try array(one, "log_lambda.npy").values, times = try array(one, "t.npy").values
    for (tt, l) in zip(times, lambda) { #expect(abs(l - log(exp(-tt) / -expm1(-tt))) < 1e-12) }
    for f in ["xi.npy", "structure_factor.npy", "correlation.npy", "snapshots.npy", "samples.npy", "timeseries.csv"] {
        #expect(try Data(contentsOf: one.appendingPathComponent(f)) == Data(contentsOf: two.appendingPathComponent(f)), "\(f) differs across thread counts")
    }
    let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: one.appendingPathComponent("summary.json"))) as! [String: Any]
    #expect((summary["locally_consistent_fraction"] as? Double ?? 0) > 0.5)
    // The echoed parameters reproduce the run bit for bit; another seed differs.
    let again = try Experiment.run(file: one.appendingPathComponent("parameters.toml").path, out: dir + "/again", progress: false)
    #expect(try Data(contentsOf: one.appendingPathComponent("samples.npy")) == Data(contentsOf: again.appendingPathComponent("samples.npy")))
    let other = try Experiment.run(file: file, out: dir + "/other", seed: 9, progress: false)
    #expect(try Data(contentsOf: one.appendingPathComponent("samples.npy")) != Data(contentsOf: other.appendingPathComponent("samples.npy")))
}

@Test func trainingImagesFromFilesAreMappedToTheUnitIntervalAndMemorised() throws {
    let file = try writeTiny(idealParameters), dir = URL(fileURLWithPath: (file as NSString).deletingLastPathComponent)
    try writeImages(to: dir)
    let out = try Experiment.run(file: file, out: dir.appendingPathComponent("out").path, progress: false)
    let run = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("run.json"))) as! [String: Any]
    let data = run["data"] as! [String: Any], map = data["affine_map"] as! [String: Any]
    #expect(data["images"] as? Int == 5 && data["image_shape"] as? [Int] == [6, 6] && data["labels"] as? [Int] == [0, 1, 2])
    #expect(map["scale"] as? Double == 2.0 / 16 && map["offset"] as? Double == -1)
    #expect(run["lattice_shape"] as? [Int] == [6, 6])
    // Every ODE sample of the ideal score is a (mapped) training image.
    let samples = try NPY.decode(Data(contentsOf: out.appendingPathComponent("samples.npy")), file: "samples.npy")
    for m in 0..<4 {
        let s = Array(samples.values[(m * 36)..<((m + 1) * 36)])
        #expect((0..<5).map { distance(s, toImage: $0) }.min()! < 1e-3)
    }
    // Class-conditional: only images of class 1 (numbers 1 and 3).
    let cond = try Experiment.run(file: file, out: dir.appendingPathComponent("cond").path, overrides: ["model.class=1"], progress: false)
    let cs = try NPY.decode(Data(contentsOf: cond.appendingPathComponent("samples.npy")), file: "samples.npy")
    for m in 0..<4 {
        let s = Array(cs.values[(m * 36)..<((m + 1) * 36)])
        #expect(min(distance(s, toImage: 1), distance(s, toImage: 3)) < 1e-3)
    }
    // Guidance with w = 1 everywhere is the conditional model, bit for bit.
    let guided = try Experiment.run(file: file, out: dir.appendingPathComponent("guided").path,
                                    overrides: ["guidance.class=1", "guidance.weight=1.0"], progress: false)
    #expect(try Data(contentsOf: guided.appendingPathComponent("samples.npy")) == Data(contentsOf: cond.appendingPathComponent("samples.npy")))
}

struct BadDiffusionInput: CustomTestStringConvertible, Sendable {
    let name: String
    let base: String
    let replace: (String, String)?
    let overrides: [String]
    /// Writes the data files the case needs (into the run's folder).
    let data: @Sendable (URL) throws -> Void
    let expected: [String]
    var testDescription: String { name }

    init(_ name: String, base: String = diffusionParameters, replace: (String, String)? = nil, overrides: [String] = [],
         data: @escaping @Sendable (URL) throws -> Void = { _ in }, expected: [String]) {
        self.name = name; self.base = base; self.replace = replace; self.overrides = overrides; self.data = data; self.expected = expected
    }
}

let labels: @Sendable (URL) throws -> Void = { dir in
    try npyFile(descr: "|u1", shape: "(5,)", payload: [0, 1, 0, 1, 2]).write(to: dir.appendingPathComponent("labels.npy"))
}

let badDiffusionInputs: [BadDiffusionInput] = [
    .init("bad kind", overrides: ["run.kind=\"reverse\""], expected: ["run.kind = \"reverse\"", "\"reverse-diffusion\""]),
    .init("unknown sampler key", overrides: ["sampler.step=10"], expected: ["unknown key 'sampler.step'", "grid, initial, method, rho, steps, t_end, t_start"]),
    .init("even patch", overrides: ["model.patch=4"], expected: ["model.patch = 4", "an odd patch size"]),
    .init("patch larger than the lattice", overrides: ["model.patch=17"], expected: ["model.patch", "at most the lattice size 16"]),
    .init("t_end above t_start", overrides: ["sampler.t_end=9.0"], expected: ["sampler.t_end = 9.0", "below sampler.t_start = 8.0"]),
    .init("t_start outside the cosine domain", overrides: ["schedule.type=\"cosine\""], expected: ["sampler.t_start = 8.0", "(0, 1.0] for schedule \"cosine\""]),
    .init("bad method", overrides: ["sampler.method=\"rk4\""], expected: ["sampler.method = \"rk4\"", "\"pf-ode-heun\""]),
    .init("rho without edm", overrides: ["sampler.rho=7"], expected: ["sampler.rho does not apply to sampler.grid = \"log\" (only to \"edm\")"]),
    .init("ddpm key on vp", overrides: ["schedule.beta_max=10"], expected: ["schedule.beta_max does not apply to schedule.type = \"vp\" (only to \"ddpm\")"]),
    .init("key of another model", overrides: ["model.amplitude=2"], expected: ["model.amplitude does not apply to model.type = \"binary-patch\""]),
    .init("data for a data-free model", overrides: ["data.source=\"stripes\""], expected: ["[data] applies only to"]),
    .init("corrector window reversed", overrides: ["corrector.window=[3.0, 2.0]"], expected: ["corrector.window = [3.0, 2.0]", "0 < t_low < t_high"]),
    .init("corrector step too large", overrides: ["corrector.step_size=1.5"], expected: ["corrector.step_size = 1.5", "a step δ in (0, 1)"]),
    .init("ring order parameter without a ring", overrides: ["observe.order_parameter=\"ring\""], expected: ["observe.order_parameter = \"ring\"", "not off k = 0 (no ring)"]),
    .init("unknown order parameter", overrides: ["observe.order_parameter=\"staggered\""], expected: ["observe.order_parameter = \"staggered\"", "\"uniform\", \"ring\" or the path of an .npy"]),
    .init("projection field of the wrong shape", overrides: ["observe.order_parameter=\"labels.npy\""], data: labels, expected: ["labels.npy", "a projection field of shape [5]: expected [16, 16]"]),
    .init("snapshot outside the path", overrides: ["observe.snapshots=[20.0]"], expected: ["observe.snapshots = [20.0]", "within [sampler.t_end, sampler.t_start]"]),
    .init("missing data file", base: idealParameters, data: labels, expected: ["images.npy: no such data file"]),
    .init("wrong dtype", base: idealParameters, data: { dir in
        try npyFile(descr: "<c16", shape: "(1, 2, 2)", payload: [UInt8](repeating: 0, count: 64)).write(to: dir.appendingPathComponent("images.npy")); try labels(dir)
    }, expected: ["images.npy: not a readable .npy array: dtype '<c16'", "<f4"]),
    .init("wrong shape", base: idealParameters, data: { dir in
        try npyFile(descr: "<f4", shape: "(5, 36)", payload: float32Bytes([Float](repeating: 1, count: 180))).write(to: dir.appendingPathComponent("images.npy")); try labels(dir)
    }, expected: ["images.npy: images of shape [5, 36]", "(N, H, W) or (N, H, W, C)"]),
    .init("channels-first images", base: idealParameters, data: { dir in
        try npyFile(descr: "<f4", shape: "(5, 1, 6, 6)", payload: float32Bytes([Float](repeating: 1, count: 180))).write(to: dir.appendingPathComponent("images.npy")); try labels(dir)
    }, expected: ["images.npy: images of shape [5, 1, 6, 6] look channels-first (N, C, H, W)", "np.moveaxis(x, 1, -1) or x[:, 0]"]),
    .init("starting states of the wrong shape", overrides: ["sampler.initial=\"start.npy\""], data: { dir in
        try npyFile(descr: "<f4", shape: "(2, 16, 16)", payload: float32Bytes([Float](repeating: 0, count: 512))).write(to: dir.appendingPathComponent("start.npy"))
    }, expected: ["start.npy: starting states of shape [2, 16, 16]: expected (3, 16, 16) or (3, 256), one row per member (sampler.initial)"]),
    .init("starting states for critical windows", replace: ("patch = 3", "amplitude = 1.0"),
          overrides: ["run.kind=\"critical-windows\"", "model.type=\"two-point\"", "sampler.initial=\"start.npy\""],
          expected: ["sampler.initial does not apply to run.kind = \"critical-windows\""]),
    .init("mosaic check of a model without one", overrides: ["observe.mosaic_patch=3"],
          expected: ["observe.mosaic_patch applies only to model.type = \"external\" with [data]"]),
    .init("truncated data", base: idealParameters, data: { dir in
        try npyFile(descr: "<f4", shape: "(5, 6, 6)", payload: float32Bytes([Float](repeating: 1, count: 170))).write(to: dir.appendingPathComponent("images.npy")); try labels(dir)
    }, expected: ["images.npy: not a readable .npy array", "promises 180 × 4 bytes", "has 680"]),
    .init("Fortran order", base: idealParameters, data: { dir in
        try npyFile(descr: "<f4", shape: "(5, 6, 6)", payload: float32Bytes([Float](repeating: 1, count: 180)), fortran: true).write(to: dir.appendingPathComponent("images.npy")); try labels(dir)
    }, expected: ["Fortran order"]),
    .init("not an npy file", base: idealParameters, data: { dir in
        try Data("hello".utf8).write(to: dir.appendingPathComponent("images.npy")); try labels(dir)
    }, expected: ["images.npy: not a readable .npy array: missing the \\x93NUMPY magic"]),
    .init("labels of the wrong length", base: idealParameters, data: { dir in
        try writeImages(to: dir)
        try npyFile(descr: "|u1", shape: "(4,)", payload: [0, 1, 0, 1]).write(to: dir.appendingPathComponent("labels.npy"))
    }, expected: ["labels.npy: labels of shape [4]", "expected (5,)"]),
    .init("lattice that does not match the images", base: idealParameters, overrides: ["lattice.shape=[8, 8]"], data: writeImages,
          expected: ["lattice.shape = [8, 8]", "the training images' shape [6, 6]"]),
    .init("class not in the data", base: idealParameters, overrides: ["model.class=7"], data: writeImages,
          expected: ["model.class = 7", "a label present in the data (0, 1, 2)"]),
    .init("guidance with two weights", base: idealParameters, overrides: ["guidance.class=1", "guidance.weight=1.0", "guidance.table=[[0.1, 1.0], [1.0, 2.0]]"],
          data: writeImages, expected: ["[guidance] needs exactly one of weight, pulse, table (found weight, table)"]),
    .init("guidance and model.class", base: idealParameters, overrides: ["guidance.class=1", "guidance.weight=1.0", "model.class=0"],
          data: writeImages, expected: ["model.class and [guidance] exclude each other"]),
    .init("interior candidates with zero padding", base: idealParameters,
          overrides: ["model.type=\"els\"", "model.patch=3", "model.boundary=\"zero\"", "model.candidates=\"interior\""],
          data: writeImages, expected: ["model.candidates = \"interior\"", "\"all\" with model.boundary = \"zero\""]),
    .init("even ELS patch", base: idealParameters, overrides: ["model.type=\"els\"", "model.patch=4"], data: writeImages,
          expected: ["model.patch = 4", "an odd patch size"]),
    .init("interior windows larger than the images", base: idealParameters, overrides: ["model.type=\"els\"", "model.patch=9", "model.candidates=\"interior\""],
          data: writeImages, expected: ["model.patch: interior candidates need patch size 9 ≤ the image size 6"]),
    .init("candidates for LS", base: idealParameters, overrides: ["model.type=\"ls\"", "model.patch=3", "model.candidates=\"all\""],
          data: writeImages, expected: ["model.candidates does not apply to model.type = \"ls\""]),
    .init("absent class in a class list", base: idealParameters, overrides: ["model.type=\"els\"", "model.patch=3", "model.class=[0, 9]"],
          data: writeImages, expected: ["model.class = 9", "a label present in the data (0, 1, 2)"]),
    .init("negative class in a class list", base: idealParameters, overrides: ["model.class=[0, -1]"],
          data: writeImages, expected: ["model.class = [0, -1]", "an array of them"]),
    .init("mosaic tolerance without a patch machine", overrides: ["observe.mosaic_tolerance=0.1"],
          expected: ["observe.mosaic_tolerance applies only to model.type = \"ls\" or \"els\""]),
    .init("more probed members than members", overrides: ["softening.members=5"], expected: ["softening.members = 5", "1…run.members = 3"]),
    .init("unknown softening key", overrides: ["softening.shell=2"], expected: ["unknown key 'softening.shell'", "members, method, response"]),
    .init("more response times than observations", overrides: ["softening.response=9"], expected: ["softening.response = 9", "0…observe.count = 6"]),
    .init("finite-difference step too large", overrides: ["softening.step=0.5"], expected: ["softening.step = 0.5", "a relative step in (0, 0.1)"]),
    .init("analytic probes of a guided model", base: idealParameters, overrides: ["guidance.class=1", "guidance.weight=1.0", "softening.method=\"analytic\""],
          data: writeImages, expected: ["softening.method = \"analytic\"", "the ideal model with guidance has no analytic Jacobian"]),
    .init("trajectories not a boolean", overrides: ["observe.trajectories=1"], expected: ["observe.trajectories = 1", "true or false"]),
    .init("scan of the seed", overrides: ["scan.parameter=\"run.seed\"", "scan.values=[1, 2]"], expected: ["scan.parameter = \"run.seed\"", "scan.replicas"]),
    .init("scan of a string parameter", overrides: ["scan.parameter=\"model.type\"", "scan.values=[1, 2]"],
          expected: ["scan.parameter = \"model.type\"", "a numeric parameter"]),
    .init("scan list and grid together", overrides: ["scan.parameter=\"sampler.t_end\"", "scan.values=[0.1]", "scan.from=0.1"],
          expected: ["scan.values and scan.from exclude each other"]),
    .init("log scan through zero", overrides: ["scan.parameter=\"sampler.t_end\"", "scan.from=0.0", "scan.to=1.0", "scan.points=3", "scan.grid=\"log\""],
          expected: ["scan.from = 0.0", "a positive number (log grid)"]),
    .init("invalid scan point", overrides: ["scan.parameter=\"model.patch\"", "scan.values=[3, 4]"],
          expected: ["scan point model.patch = 4", "model.patch = 4", "an odd patch size"]),
    .init("unknown scan key", overrides: ["scan.parameter=\"model.patch\"", "scan.values=[3]", "scan.replica=2"],
          expected: ["unknown key 'scan.replica'"]),
    .init("continuation of a Gaussian field", replace: ("type = \"binary-patch\"\npatch = 3", "type = \"gaussian-field\"\ncorrelation_length = 2.0"),
          overrides: ["continuation.parameter=\"t\""], expected: ["[continuation] reduces binary-patch, two-point", "model.type is \"gaussian-field\""]),
    .init("continuation in the guidance weight without guidance", overrides: ["continuation.parameter=\"guidance.weight\""],
          expected: ["continuation.parameter = \"guidance.weight\"", "[guidance] is not set"]),
    .init("continuation range reversed", overrides: ["continuation.range=[5.0, 1.0]"], expected: ["continuation.range = [5.0, 1.0]", "low < high"]),
    .init("fixed points not a boolean", overrides: ["observe.fixed_points=\"yes\""], expected: ["observe.fixed_points = \"yes\"", "true or false"]),
    .init("pulse run without a target", overrides: ["run.kind=\"guidance-pulse\"", "pulse.strength=0.1"],
          expected: ["a guidance-pulse run needs a target: guidance.class, or pulse.targets"]),
    .init("[pulse] in a reverse-diffusion run", overrides: ["pulse.strength=0.1"], expected: ["[pulse] needs run.kind = \"guidance-pulse\""]),
    .init("pulse centre outside the sampler's range", overrides: ["run.kind=\"guidance-pulse\"", "guidance.class=0", "pulse.strength=0.1", "pulse.centers=[20.0]"],
          expected: ["pulse.centers = [20.0]", "times within [sampler.t_end, sampler.t_start] = [0.01, 8.0]"]),
    .init("pulse without a strength", overrides: ["run.kind=\"guidance-pulse\"", "guidance.class=0", "pulse.width=0.5"],
          expected: ["pulse.strength", "the guidance weight w_p inside the pulse"]),
    .init("guidance schedule in a pulse run", overrides: ["run.kind=\"guidance-pulse\"", "guidance.class=0", "guidance.table=[[0.1, 1.0], [1.0, 2.0]]", "pulse.strength=0.1"],
          expected: ["guidance.table does not apply to run.kind = \"guidance-pulse\""]),
    .init("binary patch guided towards a third class", overrides: ["guidance.class=2", "guidance.weight=1.0"],
          expected: ["guidance.class = [2]", "0 (the +1 image) or 1 (the −1 image)"]),
    .init("guidance of a Gaussian field", replace: ("type = \"binary-patch\"\npatch = 3", "type = \"gaussian-field\"\ncorrelation_length = 2.0"),
          overrides: ["guidance.class=0", "guidance.weight=1.0"], expected: ["[guidance] needs a model with classes"]),
    .init("mixture component without a label", replace: ("type = \"binary-patch\"\npatch = 3", "type = \"gaussian-mixture\"\ncomponents = [{ mean = 1.0 }]"),
          expected: ["model.components[0].label", "a non-negative integer"]),
    .init("mixture mean of the wrong size", replace: ("type = \"binary-patch\"\npatch = 3", "type = \"gaussian-mixture\"\ncomponents = [{ mean = [1.0, 2.0], label = 0 }]"),
          expected: ["model.components[0].mean has 2 values", "256 values"]),
]

@Test(arguments: badDiffusionInputs + badNeighbouringInputs)
func badReverseDiffusionInputGetsOneClearLineAndExitCodeTwo(_ bad: BadDiffusionInput) throws {
    let dir = temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    var text = bad.base
    if let (a, b) = bad.replace { text = text.replacingOccurrences(of: a, with: b) }
    let file = dir.appendingPathComponent("bad.toml")
    try text.write(to: file, atomically: true, encoding: .utf8)
    try bad.data(dir)
    let before = Set(try FileManager.default.contentsOfDirectory(atPath: dir.path))
    let (code, stderr) = try runCLI(["run", file.path, "--out", dir.appendingPathComponent("out").path, "--quiet"] + bad.overrides.flatMap { ["--set", $0] })
    #expect(code == 2)
    for e in bad.expected { #expect(stderr.contains(e), "stderr: \(stderr)") }
    #expect(stderr.split(separator: "\n").count == 1, "one line: \(stderr)")
    #expect(Set(try FileManager.default.contentsOfDirectory(atPath: dir.path)) == before, "nothing written")
}

@Test func patchMachineRunsDealClassesAndCheckTheirSamples() throws {
    let file = try writeTiny(idealParameters), dir = URL(fileURLWithPath: (file as NSString).deletingLastPathComponent)
    try writeImages(to: dir)
    let out = try Experiment.run(file: file, out: dir.appendingPathComponent("els").path,
                                 overrides: ["model.type=\"els\"", "model.patch=3", "model.boundary=\"zero\"", "model.class=[2, 0]",
                                             "sampler.method=\"reverse-sde-exponential\"", "sampler.t_end=1e-5"], progress: false)
    func array(_ f: String) throws -> NPY.Decoded { try NPY.decode(Data(contentsOf: out.appendingPathComponent(f)), file: f) }
    #expect(try array("sample_labels.npy").values == [2, 0, 2, 0])
    #expect(try array("nearest.npy").shape == [4, 6, 6] && array("mosaic_fraction.npy").shape == [4])
    // Class 2 has the single image 4: its members' nearest training image is that image.
    let nearest = try array("nearest.npy"), samples = try array("samples.npy")
    for m in [0, 2] { #expect(distance(Array(nearest.values[(m * 36)..<((m + 1) * 36)]), toImage: 4) < 1e-12) }
    let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as! [String: Any]
    #expect(summary["mosaic_tolerance"] as? Double == 0.02 && summary["mosaic_patch"] as? Int == 3)
    let fractions = try array("mosaic_fraction.npy").values
    #expect(abs((summary["mosaic_pass_fraction_min"] as? Double ?? -1) - fractions.min()!) < 1e-15)
    #expect(samples.shape == [4, 6, 6] && fractions.allSatisfy { $0 > 0.5 })
    let parameters = try String(contentsOf: out.appendingPathComponent("parameters.toml"), encoding: .utf8)
    #expect(parameters.contains("class = [2, 0]") && parameters.contains("boundary = \"zero\""))
}

@Test func multiChannelImagesLiveOnALatticeWithTheChannelsLast() throws {
    let file = try writeTiny(idealParameters.replacingOccurrences(of: "labels = \"labels.npy\"\n", with: ""))
    let dir = URL(fileURLWithPath: (file as NSString).deletingLastPathComponent)
    let values = (0..<(3 * 4 * 4 * 2)).map { Float($0 % 5) }
    try npyFile(descr: "<f4", shape: "(3, 4, 4, 2)", payload: float32Bytes(values)).write(to: dir.appendingPathComponent("images.npy"))
    let out = try Experiment.run(file: file, out: dir.appendingPathComponent("out").path, progress: false)
    let run = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("run.json"))) as! [String: Any]
    #expect(run["lattice_shape"] as? [Int] == [4, 4, 2])
    #expect(try NPY.decode(Data(contentsOf: out.appendingPathComponent("samples.npy")), file: "s").shape == [4, 4, 4, 2])
    let (code, stderr) = try runCLI(["run", file, "--out", dir.appendingPathComponent("es").path, "--quiet", "--set", "model.type=\"equivariant-ideal\""])
    #expect(code == 2 && stderr.contains("multi-channel images need \"ideal\""))
}

/// `sampler.initial`: the run's own starting states, saved to a file and given back, reproduce
/// its samples bit for bit (other states give other samples); `criticality evaluate` on the
/// saved trajectory gives the in-run D(x_t) to the last bit, and the score from it.
@Test func givenStartingStatesAndEvaluateReproduceTheRun() throws {
    let dir = temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("bp.toml")
    try (diffusionParameters.replacingOccurrences(of: "count = 6", with: "count = 6\ntrajectories = true")).write(to: file, atomically: true, encoding: .utf8)
    let root = try ParameterFile.load(file.path, overrides: [])
    guard case .diffusion(let spec) = try Experiment.Specification(file: file.path, root: root, seed: nil) else { Issue.record("not a diffusion spec"); return }
    let prepared = try spec.prepare()
    let states = (0..<spec.members).map { prepared.sampler(member: $0).initialState(member: $0).array }
    try NPY.encode(states.flatMap { $0 }, shape: [spec.members, 16, 16]).write(to: dir.appendingPathComponent("start.npy"))
    try NPY.encode(states.flatMap { $0 }.map { -$0 }, shape: [spec.members, 256]).write(to: dir.appendingPathComponent("flipped.npy"))
    func samples(_ overrides: [String], _ tag: String) throws -> (URL, Data) {
        let out = try Experiment.run(file: file.path, out: dir.appendingPathComponent(tag).path, overrides: overrides, progress: false)
        return (out, try Data(contentsOf: out.appendingPathComponent("samples.npy")))
    }
    let (own, drawn) = try samples([], "drawn")
    #expect(try samples(["sampler.initial=\"start.npy\""], "given").1 == drawn)
    #expect(try samples(["sampler.initial=\"flipped.npy\""], "flipped").1 != drawn)

    func npy(_ url: URL) throws -> NPY.Decoded { try NPY.decode(Data(contentsOf: url), file: url.path) }
    let x = try npy(own.appendingPathComponent("trajectory.npy")), d = try npy(own.appendingPathComponent("trajectory_denoised.npy"))
    let t = try npy(own.appendingPathComponent("t.npy")), per = spec.members * 256
    for j in [1, t.values.count - 1] {
        let rows = Array(x.values[(j * per)..<((j + 1) * per)])
        try NPY.encode(rows, shape: [spec.members, 16, 16]).write(to: dir.appendingPathComponent("x.npy"))
        try NPY.encode([t.values[j]], shape: [1]).write(to: dir.appendingPathComponent("t.npy"))
        let (code, stderr) = try runCLI(["evaluate", file.path, "--x", dir.appendingPathComponent("x.npy").path, "--t", dir.appendingPathComponent("t.npy").path,
                                         "--out", dir.appendingPathComponent("eval").path])
        #expect(code == 0, "\(stderr)")
        let denoised = try npy(dir.appendingPathComponent("eval/denoised.npy")), score = try npy(dir.appendingPathComponent("eval/score.npy"))
        #expect(denoised.shape == [spec.members, 16, 16])
        #expect(denoised.values == Array(d.values[(j * per)..<((j + 1) * per)]), "t = \(t.values[j])")
        let level = NoiseSchedule.vp.level(at: t.values[j])
        #expect(score.values == zip(rows, denoised.values).map { level.score(x: $0, denoised: $1) })
    }
    let (code, stderr) = try runCLI(["evaluate", file.path, "--x", dir.appendingPathComponent("flipped.npy").path, "--t", dir.appendingPathComponent("start.npy").path])
    #expect(code == 2 && stderr.contains("start.npy: times of shape [3, 16, 16]: expected (3,), one per state, or (1,)"), "\(stderr)")
}

/// The ideal model on data that are not shift-invariant (16 random ±1 images of 8×8): its C1 time
/// is λ_t Λ_max = 1 with Λ_max the data covariance's top eigenvalue, where the Jacobian probe
/// along the top eigenvector crosses zero (at x = 0, where ±1 images have uniform posterior
/// weights). The plane-wave C1 of the shift-averaged dispersion, which the equivariant ideal
/// model keeps, is far earlier.
@Test func theIdealModelsC1IsTheTopEigenvalueOfTheDataCovariance() throws {
    func prepared(_ model: String) throws -> PreparedDiffusion {
        let text = """
            [run]
            kind = "reverse-diffusion"
            members = 2
            [model]
            type = "\(model)"
            [data]
            source = "random-binary"
            count = 16
            [lattice]
            shape = [8, 8]
            """
        let file = temporaryDirectory().appendingPathComponent("ideal.toml")
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        try text.write(to: file, atomically: true, encoding: .utf8)
        guard case .diffusion(let spec) = try Experiment.Specification(file: file.path, root: try ParameterFile.load(file.path, overrides: []), seed: 5) else {
            throw ParameterError(file: file.path, message: "not a diffusion file")
        }
        return try spec.prepare()
    }
    let ideal = try prepared("ideal"), equivariant = try prepared("equivariant-ideal")
    let data = ideal.data!, n = 64, lattice = ideal.spec.lattice
    let mean = (0..<n).map { i in data.images.reduce(0) { $0 + $1[i] } / 16 }
    var cov = [Double](repeating: 0, count: n * n)
    for y in data.images { for a in 0..<n { for b in 0..<n { cov[a * n + b] += (y[a] - mean[a]) * (y[b] - mean[b]) / 16 } } }
    let eigen = SymmetricEigen(cov, size: n), top = eigen.values.indices.max { eigen.values[$0] < eigen.values[$1] }!
    let e = RealField(lattice) { eigen.vector(top)[$0] }, zero = RealField(lattice), product = RealField(lattice)
    let model = IdealDenoiser(lattice: lattice, data: data), w = DenoiserWorkspace(lattice)
    func stiffness(_ t: Double) -> Double {
        let level = NoiseSchedule.vp.level(at: t)
        model.jacobianProduct(zero, at: level, direction: e, into: product, workspace: w)
        return 1 - level.alpha * (0..<n).reduce(0) { $0 + e[$1] * product[$1] }
    }
    var (lo, hi) = (0.01, 20.0)  // stiffness < 0 below the crossing, > 0 above
    for _ in 0..<200 { let mid = (lo + hi) / 2; if stiffness(mid) < 0 { lo = mid } else { hi = mid } }
    let c1 = ideal.critical.dispersionEstimates(schedule: .vp).first { $0.key == "t_c_analytic_c1" }!.time
    let planeWave = equivariant.critical.dispersionEstimates(schedule: .vp).first { $0.key == "t_c_analytic_c1" }!.time
    print("validation: ideal model, 16 random ±1 8×8 images: C1 \(c1) (Λ_max \(eigen.values[top])), probe along the top eigenvector crosses at \(lo); plane-wave C1 \(planeWave) (max Ĉ \(equivariant.critical.dispersion!.peak))")
    #expect(abs(c1 - lo) <= 1e-8 * c1)
    #expect(abs(eigen.values[top] - ideal.critical.topEigenvalue!) <= 1e-10 * eigen.values[top])
    #expect(ideal.critical.dispersion == nil && equivariant.critical.dispersion != nil)
    #expect(planeWave < 0.8 * c1)
    // The equivariant ideal model agrees with its own dispersion: at x = 0 (uniform weights over
    // every shift of every image) its Jacobian is the convolution with C, and the probe of the
    // peak mode's cos wave crosses zero at the plane-wave C1.
    let es = equivariant.samplers[0].denoiser, peak = equivariant.critical.dispersion!.peakMode
    let probe = JacobianProbe(denoiser: es, waves: [PlaneWave(lattice: lattice, mode: lattice.modeIntegers(spectralIndex: peak), sine: false)])
    let pw = JacobianProbe.Workspace(lattice)
    (lo, hi) = (0.01, 20.0)
    for _ in 0..<200 {
        let mid = (lo + hi) / 2
        if probe.stiffness(at: zero, level: NoiseSchedule.vp.level(at: mid), workspace: pw)[0] < 0 { lo = mid } else { hi = mid }
    }
    print("validation: equivariant ideal model, same images: probe of k*'s cos wave at x = 0 crosses at \(lo), its dispersion's C1 \(planeWave)")
    #expect(abs(planeWave - lo) <= 1e-8 * planeWave)
}

/// Per-mode thresholds on anisotropic data: one image cos(2π(3x + 4y)/16) on 16² has power on
/// the modes ±(3, 4) only; (5, 0) shares their shell |n|² = 25 but never softens. The shell
/// maximum reports the shell as softening; critical_time_modes gives each wavevector its own.
@Test func criticalTimesPerWavevectorSeparateModesOfOneShell() throws {
    let lattice = try Lattice(shape: [16, 16])
    let image = (0..<256).map { (i: Int) -> Double in
        let phase = Double(3 * (i / 16) + 4 * (i % 16))
        return cos(2 * Double.pi * phase / 16)
    }
    let c = Dispersion.autocovariance(try Dataset(images: [image], shape: [16, 16]), lattice: lattice)
    let d = Dispersion(autocovariance: c, lattice: lattice, window: nil)
    let tc = CriticalTimesOutput.modeCriticalTimes(d, schedule: .vp)
    func at(_ row: Int, _ column: Int) -> Double { tc[(row + 8) * 16 + column + 8] }
    let expected = log(1 + d.peak)
    print("validation: per-mode C1 on cos(2π(3x + 4y)/16): t_c(3, 4) = \(at(3, 4)), t_c(−3, −4) = \(at(-3, -4)), t_c(5, 0) = \(at(5, 0)), t_c(0, 5) = \(at(0, 5)); expected \(expected) and never")
    #expect(abs(at(3, 4) - expected) < 1e-12 && abs(at(-3, -4) - expected) < 1e-12)
    #expect(at(5, 0).isNaN && at(0, 5).isNaN && at(4, 3).isNaN && at(3, -4).isNaN)
    #expect(tc.filter(\.isFinite).count == 2)
    let shells = StructureFactor(lattice).shellMaxima(d.spectrum)
    #expect(shells.filter { $0 > 1e-6 }.count == 1)  // the shell maximum cannot tell (5, 0) from (3, 4)
}

/// A plotted line never bridges a missing value: [1, NaN, 3, 4, NaN, 6] is a dot, a segment
/// and a dot (the old single polyline joined 1 to 3 and 4 to 6 across the gaps).
@Test func plotLinesBreakAtMissingValues() {
    var plot = SVGPlot(title: "gaps", xLabel: "x", yLabel: "y")
    plot.series.append(.init(label: "with gaps", x: [1, 2, 3, 4, 5, 6], y: [1, .nan, 3, 4, .nan, 6]))
    let svg = plot.render()
    let polylines = svg.components(separatedBy: "<polyline").dropFirst().filter { $0.contains("stroke-width=\"1.6\"") }
    #expect(polylines.count == 1)
    #expect(polylines.first.map { $0.components(separatedBy: " ").filter { $0.contains(",") }.count } == 2)
    #expect(svg.components(separatedBy: "r=\"2\"").count - 1 == 2)
}
