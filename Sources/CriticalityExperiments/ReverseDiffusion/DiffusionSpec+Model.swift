import CriticalityAnalysis
import CriticalityDiffusion
import Foundation
import CriticalityLattice

/// A reverse-diffusion experiment ready to run: the denoiser built, the training data read and
/// mapped, the lattice fixed. Built before the results folder exists, so bad data leaves
/// nothing behind.
public struct PreparedDiffusion: Sendable {
    public let spec: DiffusionSpec
    public let data: Dataset?
    /// The affine map applied to the data (file data with normalise = true).
    public let dataMap: AffineMap?
    /// One sampler per class of `spec.modelLabels` (or one), dealt to the members in turn.
    public let samplers: [ReverseSampler]
    /// The analytic side of the softening analysis.
    public let critical: CriticalModel
    /// The conditional model of each pulse target (guidance-pulse runs only).
    public let conditionals: [any Denoiser]
    /// What m is in every per-time moment (observe.order_parameter).
    public let orderParameter: OrderParameterField

    public var sampler: ReverseSampler { samplers[0] }
    public func sampler(member: Int) -> ReverseSampler { samplers[member % samplers.count] }
    /// The class of a member's conditional model, if any.
    public func label(member: Int) -> Int? { spec.modelLabels.isEmpty ? nil : spec.modelLabels[member % spec.modelLabels.count] }
}

extension DiffusionSpec {
    /// `allowExternal`: start the program of an external model (a parameter file that starts a
    /// program is code: the command line must say so).
    public func prepare(allowExternal: Bool = false) throws -> PreparedDiffusion {
        var spec = self
        var data: Dataset?, map: AffineMap?
        if let source = self.data {
            var d = try loadData(source, digests: &spec.dataDigests)
            if let limit = dataLimit, limit < d.count {
                d = try Dataset(images: Array(d.images.prefix(limit)), shape: d.shape, labels: d.labels.map { Array($0.prefix(limit)) })
            }
            if normalise {
                map = d.unitIntervalMap
                d = d.mapped(by: map!)
            }
            let shape = d.latticeShape
            if !latticeGiven {
                spec.lattice = try Lattice(shape: shape)
                spec.latticeGiven = true
            } else if lattice.shape != shape {
                throw ParameterError(file: file, key: "lattice.shape", value: .array(lattice.shape.map { .int($0) }),
                                     expected: "the training images' shape \(shape) (or leave lattice.shape out)")
            }
            data = d
        }
        // Started once the lattice is known (it may come from the data's images).
        if case .external(let e) = model {
            spec.externalModel = try spec.startExternal(e, allowed: allowExternal)
            if threads == 0 { spec.threads = min(members, e.batch) }
        }
        let times = try grid.times(from: tStart, to: tEnd, steps: steps, schedule: schedule)
        guard times.allSatisfy(\.isFinite), zip(times, times.dropFirst()).allSatisfy({ $0 > $1 }), times.last! > 0 else {
            throw ParameterError(file: file, message: "sampler: the \(grid.name) grid of \(steps) steps from t_start = \(tStart) to t_end = \(tEnd) has repeated or non-finite times in floating point: use fewer steps or a larger t_end")
        }
        let labels: [Int?] = modelLabels.isEmpty ? [nil] : modelLabels
        let states = try initial.map { try startingStates($0, lattice: spec.lattice) }
        let samplers = try labels.map { label in
            let s = try ReverseSampler(schedule: schedule, denoiser: try spec.makeDenoiser(data: data, label: label), method: method, times: times, seed: seed)
                .correcting(corrector)
            return try states.map { try s.starting(from: $0) } ?? s
        }
        if let f = softening, f.method == .analytic, let s = samplers.first(where: { !($0.denoiser is any DenoiserJacobian) }) {
            throw ParameterError(file: file, key: "softening.method", value: .string("analytic"),
                                 expected: "\"finite-difference\" or \"auto\": the \(model.name) model\(s.denoiser is GuidedDenoiser ? " with guidance" : "") has no analytic Jacobian")
        }
        let conditionals = try (spec.pulse?.targets ?? []).map { try spec.conditionalDenoiser(data: data, labels: $0.labels) }
        let critical = spec.criticalModel(data: data)
        return PreparedDiffusion(spec: spec, data: data, dataMap: map, samplers: samplers, critical: critical, conditionals: conditionals,
                                 orderParameter: try spec.orderParameterField(critical: critical))
    }

    /// observe.order_parameter resolved: the ring's shell, or the projection field read.
    func orderParameterField(critical: CriticalModel) throws -> OrderParameterField {
        switch orderParameter {
        case "uniform": return .uniform
        case "ring":
            guard let q = critical.probeMode, lattice.waveNumberSquared()[q] > 0 else {
                throw ParameterError(file: file, key: "observe.order_parameter", value: .string("ring"),
                                     expected: "\"uniform\" or a projection field: the \(model.name) model's C1 mode is not off k = 0 (no ring)")
            }
            return .shell(label: lattice.shellIndices()[q])
        default:
            let w = try DiffusionSpec.readNPY(orderParameter)
            guard w.shape == lattice.shape || w.shape == [lattice.siteCount] else {
                throw ParameterError(file: orderParameter, message: "a projection field of shape \(w.shape): expected \(lattice.shape) (observe.order_parameter)")
            }
            guard w.values.allSatisfy(\.isFinite), w.values.contains(where: { $0 != 0 }) else {
                throw ParameterError(file: orderParameter, message: "the projection field must be finite and not all zero (observe.order_parameter)")
            }
            return .projection(w.values)
        }
    }

    /// The sampler's model: the unconditional one (restricted to `label` for model.class), with
    /// [guidance] mixed in except in pulse runs, whose conditions add their own guidance.
    func makeDenoiser(data: Dataset?, label: Int?) throws -> any Denoiser {
        let base = try unconditionalDenoiser(data: data, label: label)
        guard label == nil, pulse == nil, let g = guidance else { return base }
        return GuidedDenoiser(unconditional: base, conditional: try conditionalDenoiser(data: data, labels: g.labels), weight: g.weight)
    }

    func unconditionalDenoiser(data: Dataset?, label: Int?) throws -> any Denoiser {
        switch model {
        case .binaryPatch(let p):
            guard lattice.dimension <= 2 else { throw ParameterError(file: file, key: "lattice.shape", value: .array(lattice.shape.map { .int($0) }), expected: "1 or 2 axes for the binary patch model") }
            do { return try BinaryPatchDenoiser(lattice: lattice, patch: p, effort: planner) } catch let e as BinaryPatchDenoiser.Error {
                throw ParameterError(file: file, message: "model.patch: \(e)")
            }
        case .gaussianField(let s): return GaussianFieldDenoiser(lattice: lattice, spectrum: s, effort: planner)
        case .twoPoint(let a): return TwoPointDenoiser(lattice: lattice, amplitude: a)
        case .gaussianMixture: return mixture
        case .external: return ExternalDenoiser(externalModel!, label: label)
        case .ideal, .equivariantIdeal, .patchMachine:
            if model == .equivariantIdeal && lattice.shape.count == 3 {
                throw ParameterError(file: file, message: "model.type = \"equivariant-ideal\" shifts along every axis: multi-channel images need \"ideal\"")
            }
            return try trained(on: label.map { try restricted(data!, [$0], key: "model.class") } ?? data!)
        }
    }

    /// The class-conditional model of guidance towards `labels`: the ±1 image itself for the
    /// binary patch and two-point models (each class is one image), the mixture's components
    /// or the training images with those labels otherwise.
    func conditionalDenoiser(data: Dataset?, labels: [Int]) throws -> any Denoiser {
        switch model {
        case .binaryPatch: return PointMassDenoiser(lattice: lattice, image: [Double](repeating: labels == [0] ? 1 : -1, count: lattice.siteCount))
        case .twoPoint(let a): return PointMassDenoiser(lattice: lattice, image: [Double](repeating: labels == [0] ? a : -a, count: lattice.siteCount))
        case .gaussianMixture: return try mixture.restricted(toLabels: Set(labels))
        case .gaussianField: fatalError("guidance needs classes (checked when the file is read)")
        case .external: return ExternalDenoiser(externalModel!, label: labels[0])
        case .ideal, .equivariantIdeal, .patchMachine: return try trained(on: try restricted(data!, labels, key: "guidance.class"))
        }
    }

    /// Starts an external model's program (after saying so on standard error) and checks the
    /// handshake; refused unless `allowed`.
    func startExternal(_ e: ExternalSpec, allowed: Bool) throws -> ExternalModel {
        let shown = "\(ExternalProcess.shell(e.argv)) in \(e.directory)"
        guard allowed else {
            throw ParameterError(file: file, message: "model.type = \"external\" starts the program \(shown): a parameter file that starts a program is code; run it only if you trust this file, with --allow-external")
        }
        FileHandle.standardError.write(Data("criticality: starting the external model \(shown)\n".utf8))
        do {
            return try ExternalModel(.init(argv: e.argv, directory: e.directory, environment: e.environment, predicts: e.predicts, batch: e.batch,
                                           timeout: e.timeout, schedule: schedule.name), lattice: lattice)
        } catch {
            throw ParameterError(file: file, message: "model.command: \(error.message)")
        }
    }

    var mixture: GaussianMixtureDenoiser {
        guard case .gaussianMixture(let components) = model else { fatalError("not a mixture") }
        let total = components.reduce(0) { $0 + $1.weight }
        // Validated when the file was read: components exist, weights are positive, means fill the lattice.
        return try! GaussianMixtureDenoiser(lattice: lattice, components: components.map {
            .init(weight: $0.weight / total, mean: $0.mean(on: lattice), covariance: .isotropic(variance: $0.variance), label: $0.label)
        })
    }

    func trained(on set: Dataset) throws -> any Denoiser {
        switch model {
        case .ideal: return IdealDenoiser(lattice: lattice, data: set)
        case .patchMachine(let dictionary, let patch):
            do { return try PatchScoreMachine(lattice: lattice, data: set, dictionary: dictionary, patch: patch) } catch let e as PatchDictionary.Error {
                throw ParameterError(file: file, message: "model.patch: \(e)")
            }
        default: return EquivariantIdealDenoiser(lattice: lattice, data: set, effort: planner)
        }
    }

    func restricted(_ d: Dataset, _ labels: [Int], key: String) throws -> Dataset {
        let shown = labels.count == 1 ? "\(labels[0])" : "[" + labels.map(String.init).joined(separator: ", ") + "]"
        guard d.labels != nil else { throw ParameterError(file: file, message: "\(key) = \(shown) needs labelled data (data.labels, or a built-in set with labels)") }
        guard let r = d.restricted(toLabels: Set(labels)), Set(labels).isSubset(of: Set(d.labels!)) else {
            throw ParameterError(file: file, key: key, value: labels.count == 1 ? .int(labels[0]) : .array(labels.map { .int($0) }),
                                 expected: (labels.count == 1 ? "a label" : "labels") + " present in the data (\(Set(d.labels!).sorted().map(String.init).joined(separator: ", ")))")
        }
        return r
    }

    /// The training set of a data source. File data are checked against the `digests` given
    /// (data.file_sha256, data.labels_sha256), which then hold the digests of what was read.
    func loadData(_ source: DataSource, digests: inout [String: String]) throws -> Dataset {
        let shape = latticeGiven ? lattice.shape : nil
        func need(_ what: String) throws -> [Int] {
            guard let shape else { throw ParameterError(file: file, message: "lattice.shape is needed for data.source = \"\(what)\"") }
            return shape
        }
        switch source {
        case .twoUniform: return try SyntheticData.twoUniform(shape: try need("two-uniform"))
        case .randomBinary(let n): return try SyntheticData.randomBinary(count: n, shape: try need("random-binary"), seed: seed)
        case .stripes(let w): return try SyntheticData.stripes(shape: try need("stripes"), wavelength: w)
        case .checkerboards(let w):
            let s = try need("checkerboard")
            guard s.count >= 2 else { throw ParameterError(file: file, message: "data.source = \"checkerboard\" needs a 2-D lattice.shape") }
            return try SyntheticData.checkerboards(shape: s, wavelength: w)
        case .gaussianFields(let n, let spectrum):
            return try SyntheticData.gaussianFields(count: n, lattice: try Lattice(shape: try need("gaussian-field")), spectrum: spectrum, seed: seed)
        case .file(let imagesPath, let labelsPath):
            let images = try DiffusionSpec.readNPY(imagesPath, key: "file", digests: &digests)
            guard (3...4).contains(images.shape.count), images.shape.allSatisfy({ $0 >= 1 }) else {
                throw ParameterError(file: imagesPath, message: "images of shape \(images.shape): expected (N, H, W) or (N, H, W, C)")
            }
            // PyTorch writes (N, C, H, W): a few channels first and a wide last axis is that layout,
            // which read channels-last would be images of width W/… with W channels.
            if images.shape.count == 4, images.shape[1] <= 4, images.shape[3] > 4 {
                let s = images.shape
                throw ParameterError(file: imagesPath, message: "images of shape \(s) look channels-first (N, C, H, W) with C = \(s[1]): this package reads (N, H, W) or (N, H, W, C), channels last; save np.moveaxis(x, 1, -1)\(s[1] == 1 ? " or x[:, 0]" : "") instead")
            }
            let n = images.shape[0], per = images.values.count / n
            var labels: [Int]?
            if let labelsPath {
                let l = try DiffusionSpec.readNPY(labelsPath, key: "labels", digests: &digests)
                guard l.shape == [n], l.values.allSatisfy({ $0 == $0.rounded() && $0 >= 0 && $0 < 1e9 }) else {
                    throw ParameterError(file: labelsPath, message: "labels of shape \(l.shape): expected (\(n),) non-negative integers, one per image of \(imagesPath)")
                }
                labels = l.values.map { Int($0) }
            }
            guard images.values.allSatisfy(\.isFinite) else { throw ParameterError(file: imagesPath, message: "the images contain NaN or infinite values") }
            return try Dataset(images: (0..<n).map { Array(images.values[($0 * per)..<(($0 + 1) * per)]) }, shape: Array(images.shape.dropFirst()), labels: labels)
        }
    }

    static func readNPY(_ path: String) throws -> NPY.Decoded { try NPY.decode(readFile(path), file: path) }

    /// The rows of sampler.initial: (members, *lattice.shape) or (members, sites).
    func startingStates(_ path: String, lattice: Lattice) throws -> [[Double]] {
        let x = try DiffusionSpec.readNPY(path), n = lattice.siteCount
        guard x.shape == [members] + lattice.shape || x.shape == [members, n] else {
            throw ParameterError(file: path, message: "starting states of shape \(x.shape): expected (\(([members] + lattice.shape).map(String.init).joined(separator: ", "))) or (\(members), \(n)), one row per member (sampler.initial)")
        }
        guard x.values.allSatisfy(\.isFinite) else { throw ParameterError(file: path, message: "the starting states hold non-finite values") }
        return (0..<members).map { Array(x.values[($0 * n)..<(($0 + 1) * n)]) }
    }

    /// Reads data file data.`key`, refusing it when its SHA-256 differs from `digests[key]`
    /// (a rerun of a results folder whose data have changed); records the digest read.
    static func readNPY(_ path: String, key: String, digests: inout [String: String]) throws -> NPY.Decoded {
        let data = try readFile(path), digest = SHA256.hex(data)
        if let expected = digests[key], expected != digest {
            throw ParameterError(file: path, message: "its SHA-256 is \(digest), but data.\(key)_sha256 = \"\(expected)\": the data changed since the run that recorded it; restore them, or remove data.\(key)_sha256 to accept the new data")
        }
        digests[key] = digest
        return try NPY.decode(data, file: path)
    }

    static func readFile(_ path: String) throws -> Data {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ParameterError(file: path, message: FileManager.default.fileExists(atPath: path) ? "cannot read the data file" : "no such data file")
        }
        return data
    }
}
