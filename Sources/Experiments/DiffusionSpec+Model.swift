import Analysis
import Diffusion
import Foundation
import Lattice

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

    public var sampler: ReverseSampler { samplers[0] }
    public func sampler(member: Int) -> ReverseSampler { samplers[member % samplers.count] }
    /// The class of a member's conditional model, if any.
    public func label(member: Int) -> Int? { spec.modelLabels.isEmpty ? nil : spec.modelLabels[member % spec.modelLabels.count] }
}

extension DiffusionSpec {
    public func prepare() throws -> PreparedDiffusion {
        var spec = self
        var data: Dataset?, map: AffineMap?
        if let source = self.data {
            var d = try loadData(source)
            if let limit = dataLimit, limit < d.count {
                d = Dataset(images: Array(d.images.prefix(limit)), shape: d.shape, labels: d.labels.map { Array($0.prefix(limit)) })
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
        let times = grid.times(from: tStart, to: tEnd, steps: steps, schedule: schedule)
        let labels: [Int?] = modelLabels.isEmpty ? [nil] : modelLabels
        let samplers = try labels.map { label in
            ReverseSampler(schedule: schedule, denoiser: try spec.makeDenoiser(data: data, label: label), method: method, times: times, seed: seed)
        }
        if let f = softening, f.method == .analytic, let s = samplers.first(where: { !($0.denoiser is any DenoiserJacobian) }) {
            throw ParameterError(file: file, key: "softening.method", value: .string("analytic"),
                                 expected: "\"finite-difference\" or \"auto\": the \(model.name) model\(s.denoiser is GuidedDenoiser ? " with guidance" : "") has no analytic Jacobian")
        }
        return PreparedDiffusion(spec: spec, data: data, dataMap: map, samplers: samplers, critical: spec.criticalModel(data: data))
    }

    func makeDenoiser(data: Dataset?, label: Int?) throws -> any Denoiser {
        switch model {
        case .binaryPatch(let p):
            guard lattice.dimension <= 2 else { throw ParameterError(file: file, key: "lattice.shape", value: .array(lattice.shape.map { .int($0) }), expected: "1 or 2 axes for the binary patch model") }
            do { return try BinaryPatchDenoiser(lattice: lattice, patch: p, effort: planner) } catch let e as BinaryPatchDenoiser.Error {
                throw ParameterError(file: file, message: "model.patch: \(e)")
            }
        case .gaussianField(let s): return GaussianFieldDenoiser(lattice: lattice, spectrum: s, effort: planner)
        case .twoPoint(let a): return TwoPointDenoiser(lattice: lattice, amplitude: a)
        case .ideal, .equivariantIdeal, .patchMachine:
            let d = data!
            func build(_ set: Dataset) throws -> any Denoiser {
                switch model {
                case .ideal: return IdealDenoiser(lattice: lattice, data: set)
                case .patchMachine(let dictionary, let patch):
                    do { return try PatchScoreMachine(lattice: lattice, data: set, dictionary: dictionary, patch: patch) } catch let e as PatchDictionary.Error {
                        throw ParameterError(file: file, message: "model.patch: \(e)")
                    }
                default: return EquivariantIdealDenoiser(lattice: lattice, data: set, effort: planner)
                }
            }
            func restricted(_ label: Int, key: String) throws -> Dataset {
                guard d.labels != nil else { throw ParameterError(file: file, message: "\(key) = \(label) needs labelled data (data.labels, or a built-in set with labels)") }
                guard let r = d.restricted(toLabel: label) else {
                    throw ParameterError(file: file, key: key, value: .int(label), expected: "a label present in the data (\(Set(d.labels!).sorted().map(String.init).joined(separator: ", ")))")
                }
                return r
            }
            if model == .equivariantIdeal && lattice.shape.count == 3 {
                throw ParameterError(file: file, message: "model.type = \"equivariant-ideal\" shifts along every axis: multi-channel images need \"ideal\"")
            }
            if let label { return try build(try restricted(label, key: "model.class")) }
            if let g = guidance {
                return GuidedDenoiser(unconditional: try build(d), conditional: try build(try restricted(g.label, key: "guidance.class")), weight: g.weight)
            }
            return try build(d)
        }
    }

    func loadData(_ source: DataSource) throws -> Dataset {
        let shape = latticeGiven ? lattice.shape : nil
        func need(_ what: String) throws -> [Int] {
            guard let shape else { throw ParameterError(file: file, message: "lattice.shape is needed for data.source = \"\(what)\"") }
            return shape
        }
        switch source {
        case .twoUniform: return SyntheticData.twoUniform(shape: try need("two-uniform"))
        case .randomBinary(let n): return SyntheticData.randomBinary(count: n, shape: try need("random-binary"), seed: seed)
        case .stripes(let w): return SyntheticData.stripes(shape: try need("stripes"), wavelength: w)
        case .checkerboards(let w):
            let s = try need("checkerboard")
            guard s.count >= 2 else { throw ParameterError(file: file, message: "data.source = \"checkerboard\" needs a 2-D lattice.shape") }
            return SyntheticData.checkerboards(shape: s, wavelength: w)
        case .gaussianFields(let n, let spectrum):
            return SyntheticData.gaussianFields(count: n, lattice: try Lattice(shape: try need("gaussian-field")), spectrum: spectrum, seed: seed)
        case .file(let imagesPath, let labelsPath):
            let images = try DiffusionSpec.readNPY(imagesPath)
            guard (3...4).contains(images.shape.count), images.shape.allSatisfy({ $0 >= 1 }) else {
                throw ParameterError(file: imagesPath, message: "images of shape \(images.shape): expected (N, H, W) or (N, H, W, C)")
            }
            let n = images.shape[0], per = images.values.count / n
            var labels: [Int]?
            if let labelsPath {
                let l = try DiffusionSpec.readNPY(labelsPath)
                guard l.shape == [n], l.values.allSatisfy({ $0 == $0.rounded() && $0 >= 0 }) else {
                    throw ParameterError(file: labelsPath, message: "labels of shape \(l.shape): expected (\(n),) non-negative integers, one per image of \(imagesPath)")
                }
                labels = l.values.map { Int($0) }
            }
            guard images.values.allSatisfy(\.isFinite) else { throw ParameterError(file: imagesPath, message: "the images contain NaN or infinite values") }
            return Dataset(images: (0..<n).map { Array(images.values[($0 * per)..<(($0 + 1) * per)]) }, shape: Array(images.shape.dropFirst()), labels: labels)
        }
    }

    static func readNPY(_ path: String) throws -> NPY.Decoded {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ParameterError(file: path, message: FileManager.default.fileExists(atPath: path) ? "cannot read the data file" : "no such data file")
        }
        return try NPY.decode(data, file: path)
    }
}
