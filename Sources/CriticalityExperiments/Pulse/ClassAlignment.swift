import CriticalityAnalysis
import CriticalityDiffusion
import Foundation
import CriticalityLattice

/// How a guidance-pulse run scores the class of a final sample (docs/theory.md §9): the
/// probability of the target feature under a fixed classifier, exact where the model has one.
enum ClassAlignment: Sendable {
    /// The unguided model's posterior of its latent (the ±v of two-point data, mixture
    /// components, training images) at x_{t_end}, summed over the latents whose label is a target.
    case posterior(model: any Denoiser, labels: [Int])
    /// The binary patch model: every site's patch softmax puts weight (1 + D)/2 on the +1
    /// image, so p(+) is the site mean of (1 + D)/2 (and p(−) of (1 − D)/2).
    case sites
    /// A classifier trained on the model's data (its held-out accuracy is reported).
    case classifier(SoftmaxRegression, heldOutAccuracy: Double)

    /// The alignment of a run: exact posteriors where the model has them, else a softmax
    /// regression trained on four fifths of the data (every fifth image held out).
    static func make(_ p: PreparedDiffusion) throws -> ClassAlignment {
        let spec = p.spec
        switch spec.model {
        case .binaryPatch: return .sites
        case .twoPoint: return .posterior(model: p.sampler.denoiser, labels: [0, 1])
        case .gaussianMixture(let c): return .posterior(model: p.sampler.denoiser, labels: c.map(\.label))
        case .ideal: return .posterior(model: p.sampler.denoiser, labels: p.data!.labels!)
        case .gaussianField: fatalError("guidance needs classes (checked when the file is read)")
        case .equivariantIdeal, .patchMachine, .external:
            guard let d = p.data, let labels = d.labels else {
                throw ParameterError(file: spec.file, message: "the class alignment of a guidance-pulse run of this model needs labelled data (data.labels, or a built-in set with labels)")
            }
            let train = d.images.indices.filter { $0 % 5 != 4 }, test = d.images.indices.filter { $0 % 5 == 4 }
            guard Set(train.map { labels[$0] }) == Set(labels) else {
                throw ParameterError(file: spec.file, message: "the classifier of a guidance-pulse run trains on four fifths of the data: every class needs an image there (too few images)")
            }
            let c = SoftmaxRegression(features: train.map { d.images[$0] }, labels: train.map { labels[$0] })
            let accuracy = test.isEmpty ? Double.nan : c.accuracy(features: test.map { d.images[$0] }, labels: test.map { labels[$0] })
            return .classifier(c, heldOutAccuracy: accuracy)
        }
    }

    /// p(target | sample): `x` is x_{t_end}, `d` = D(x_{t_end}) the sample.
    func targetProbability(x: RealField, d: RealField, level: NoiseLevel, target: Set<Int>) -> Double {
        switch self {
        case .posterior(let model, let labels):
            let p = model.posterior(x, at: level)!
            return zip(p, labels).reduce(0) { $0 + (target.contains($1.1) ? $1.0 : 0) }
        case .sites:
            let s = target.contains(0) ? 1.0 : -1.0
            return d.array.reduce(0) { $0 + 0.5 * (1 + s * $1) } / Double(d.count)
        case .classifier(let c, _):
            return zip(c.probabilities(d.array), c.classes).reduce(0) { $0 + (target.contains($1.1) ? $1.0 : 0) }
        }
    }

    var description: String {
        switch self {
        case .posterior: "the exact posterior of the unguided model at t_end"
        case .sites: "the site mean of the patch posterior (1 ± D)/2 (binary patch model)"
        case .classifier(_, let a): String(format: "softmax regression trained on the data (held-out accuracy %.3f)", a)
        }
    }
}
