import Foundation
import CriticalityLattice

/// The forward–backward experiment on the RHM (Sclocchi, Favero & Wyart), docs/theory.md §10:
/// noise a datum's leaves, draw a clean datum from the exact posterior (what an exact reverse
/// diffusion returns), and ask which levels survived. Per noise value and level ℓ it records
/// the fraction of level-ℓ symbols unchanged, both from posterior samples and as the mean
/// posterior belief in the original symbol (its Rao–Blackwellised expectation). Level L is the
/// class, level 0 the leaves. Every noise value sees the same data and noise draws.
public struct HierarchyTransition: Sendable {
    public let model: RandomHierarchyModel
    public let noises: [LeafNoise]
    /// belief[point][ℓ], sampled[point][ℓ]: mean and SE over data.
    public let belief: [[Estimate]]
    public let sampled: [[Estimate]]

    public init(model: RandomHierarchyModel, noises: [LeafNoise], samples: Int, threads: Int = 0) {
        self.model = model
        self.noises = noises
        let L = model.depth, v = model.vocabulary
        // Per datum: [point][ℓ] pairs (belief, sampled).
        let rows = Ensemble.map(members: samples, threads: threads) { n -> [[(Double, Double)]] in
            let truth = model.datum(n), noise = GaussianNoise(seed: model.seed)
            return noises.enumerated().map { p, leafNoise in
                let bp = HierarchyBeliefPropagation(model: model, leafMessages: leafNoise.messages(truth[0], vocabulary: v, datum: n, seed: model.seed))
                let draw = bp.sample(key: noise.key(member: n, step: p, stream: 12))
                return (0...L).map { level in
                    let count = Double(truth[level].count)
                    let b = truth[level].enumerated().reduce(0) { $0 + bp.marginals[level][$1.offset * v + $1.element] } / count
                    let s = Double(zip(truth[level], draw[level]).filter { $0 == $1 }.count) / count
                    return (b, s)
                }
            }
        }
        belief = noises.indices.map { p in (0...L).map { l in Estimate(samples: rows.map { $0[p][l].0 }) } }
        sampled = noises.indices.map { p in (0...L).map { l in Estimate(samples: rows.map { $0[p][l].1 }) } }
    }

    /// Where a reconstruction curve y(x) (x increasing with the noise) crosses halfway between
    /// 1 and chance 1/v, with the slope |dc/dx| of c = (y − 1/v)/(1 − 1/v) there (linear
    /// interpolation between the bracketing points); nil if it never crosses.
    public static func crossing(x: [Double], y: [Double], chance: Double) -> (x: Double, slope: Double)? {
        let c = y.map { ($0 - chance) / (1 - chance) }
        guard let j = c.indices.dropLast().first(where: { (c[$0] - 0.5) * (c[$0 + 1] - 0.5) <= 0 && c[$0] != c[$0 + 1] }) else { return nil }
        let f = (c[j] - 0.5) / (c[j] - c[j + 1])
        return (x[j] + f * (x[j + 1] - x[j]), abs(c[j + 1] - c[j]) / abs(x[j + 1] - x[j]))
    }
}
