import CriticalityDiffusion
import CriticalityLattice
import Foundation

/// `criticality evaluate`: a parameter file's reverse-diffusion denoiser (the one member 0 of a
/// run uses: model, class and guidance as the file says) at given states and times,
///
///     D(x, t) = E[x₀ | x_t = x],   s(x, t) = (α_t D − x)/σ_t²,
///
/// in the model's units (after `data.normalise`'s map). x has shape (B, *lattice.shape) or
/// (B, sites); t shape (B,), or (1,) for one t for all. Items at the same t are evaluated in one
/// call (one batch for an external model).
public enum DenoiserEvaluation {
    /// Writes `denoised.npy` and `score.npy` (the shape of x) into `out`; returns their URLs.
    public static func run(file: String, x xPath: String, t tPath: String, out: String, overrides: [String] = [],
                           allowExternal: Bool = false) throws -> [URL] {
        let root = try ParameterFile.load(file, overrides: overrides)
        guard case .diffusion(let spec) = try Experiment.Specification(file: file, root: root, seed: nil), !root.hasTable("scan") else {
            throw ParameterError(file: file, message: "criticality evaluate needs a file of a diffusion model (run.kind = \"reverse-diffusion\" or \"guidance-pulse\", no [scan])")
        }
        let prepared = try spec.prepare(allowExternal: allowExternal)
        defer { prepared.spec.externalModel?.close() }
        let lattice = prepared.spec.lattice, n = lattice.siteCount, denoiser = prepared.sampler(member: 0).denoiser
        let x = try DiffusionSpec.readNPY(xPath), t = try DiffusionSpec.readNPY(tPath)
        guard x.shape.count >= 2, x.shape.dropFirst().reduce(1, *) == n, Array(x.shape.dropFirst()) == lattice.shape || x.shape.count == 2 else {
            throw ParameterError(file: xPath, message: "states of shape \(x.shape): expected (B, \(lattice.shape.map(String.init).joined(separator: ", "))) or (B, \(n)) for the lattice of \(file)")
        }
        let b = x.shape[0]
        guard t.shape == [b] || t.shape == [1] || t.shape == [] else {
            throw ParameterError(file: tPath, message: "times of shape \(t.shape): expected (\(b),), one per state, or (1,)")
        }
        let domain = prepared.spec.schedule.domain
        if let bad = t.values.first(where: { !domain.contains($0) }) {
            throw ParameterError(file: tPath, message: "time \(bad) is outside the domain (\(domain.lowerBound), \(domain.upperBound)] of schedule \"\(prepared.spec.schedule.name)\"")
        }
        let times = (0..<b).map { t.values.count == 1 ? t.values[0] : t.values[$0] }
        var denoised = [Double](repeating: 0, count: b * n), score = denoised
        let workspace = DenoiserWorkspace(lattice)
        for time in Set(times).sorted() {
            let items = (0..<b).filter { times[$0] == time }, level = prepared.spec.schedule.level(at: time)
            let fields = items.map { i in RealField(lattice) { x.values[i * n + $0] } }, out = items.map { _ in RealField(lattice) }
            denoiser.denoise(fields, at: level, into: out, workspace: workspace)
            for (j, i) in items.enumerated() {
                for s in 0..<n {
                    denoised[i * n + s] = out[j][s]
                    score[i * n + s] = level.score(x: fields[j][s], denoised: out[j][s])
                }
            }
        }
        if let f = prepared.spec.externalModel?.failure { throw ExternalModelFailure(experiment: prepared.spec.name, message: f) }
        let folder = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return try [("denoised.npy", denoised), ("score.npy", score)].map { name, values in
            let url = folder.appendingPathComponent(name)
            try NPY.encode(values, shape: x.shape).write(to: url, options: .atomic)
            return url
        }
    }
}
