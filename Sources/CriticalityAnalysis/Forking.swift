import CriticalityDiffusion
import Foundation
import CriticalityLattice

/// Forking (Corallo, Franzese et al.) and cloning (Biroli et al.), docs/theory.md §7 and §10: run a
/// member of a reverse sampler to t_b, continue it F times with independent noise, and count
/// the continuations' final classes. The plug-in entropy of those counts estimates H(V | x_t_b)
/// (biased low by ≈ (K − 1)/2F nats, K the occupied classes: the Miller–Madow correction adds
/// it back); Σ_k n_k(n_k − 1)/F(F − 1) estimates E Σ_v π_v(x_t_b)² without bias, whose F = 2
/// case is the cloning curve φ(t_b) = P(same final class).
///
/// The prefix of member m uses the sampler's own noise; continuation f of member m is member
/// m F + f of a sampler keyed by a seed derived from the sampler's (stream 2 from step b on).
public struct Forking: Sendable {
    /// counts[member][branch][class].
    public let counts: [[[Int]]]
    public let continuations: Int

    /// `classify(x_{t_n}, level_n)`: the final class of a continuation in 0..<classes.
    public init(sampler: ReverseSampler, branches: [Int], continuations: Int, members: Int, classes: Int, threads: Int = 0,
                classify: @escaping @Sendable (RealField, NoiseLevel) -> Int, afterMember: @escaping @Sendable () -> Void = {}) throws(NonFiniteState) {
        precondition(continuations >= 2 && branches.allSatisfy { $0 >= 0 && $0 < sampler.steps })
        let forks = sampler.reseeded(GaussianNoise.mix(sampler.noise.seed ^ 0x666f_726b))
        let last = sampler.steps
        self.continuations = continuations
        counts = try Ensemble.map(members: members, threads: threads) { (m: Int) throws(NonFiniteState) -> [[Int]] in
            var states: [Int: RealField] = [:]
            _ = try sampler.run(member: m, from: sampler.initialState(member: m), observing: Set(branches)) { i, _, x, _ in
                states[i] = x.copy()
            }
            let out = try branches.map { (b: Int) throws(NonFiniteState) -> [Int] in
                var n = [Int](repeating: 0, count: classes)
                for f in 0..<continuations {
                    var final = 0
                    _ = try forks.run(member: m * continuations + f, from: states[b]!.copy(), startingAt: b, observing: [last]) { _, level, x, _ in
                        final = classify(x, level)
                    }
                    n[final] += 1
                }
                return n
            }
            afterMember()
            return out
        }
    }

    public init(counts: [[[Int]]], continuations: Int) {
        self.counts = counts
        self.continuations = continuations
    }

    /// The counts of a coarser class: class k goes to group[k] (a factor of the latent).
    public func merged(_ group: [Int], groups: Int) -> Forking {
        Forking(counts: counts.map { $0.map { n in
            var g = [Int](repeating: 0, count: groups)
            for (k, c) in n.enumerated() { g[group[k]] += c }
            return g
        } }, continuations: continuations)
    }

    /// Per branch: the plug-in entropy of the continuations' classes (mean and SE over members).
    public var plugInEntropy: [Estimate] { perBranch { n in Forking.entropy(n) } }

    /// Per branch: the Miller–Madow estimate, plug-in + (occupied classes − 1)/2F.
    public var correctedEntropy: [Estimate] {
        perBranch { n in Forking.entropy(n) + Double(n.filter { $0 > 0 }.count - 1) / Double(2 * n.reduce(0, +)) }
    }

    /// Per branch: the unbiased collision estimate Σ n_k(n_k − 1)/F(F − 1) (φ for F = 2).
    public var collision: [Estimate] {
        perBranch { n in
            let f = Double(n.reduce(0, +))
            return n.reduce(0) { $0 + Double($1 * ($1 - 1)) } / (f * (f - 1))
        }
    }

    func perBranch(_ g: ([Int]) -> Double) -> [Estimate] {
        (0..<(counts.first?.count ?? 0)).map { b in Estimate(samples: counts.map { g($0[b]) }) }
    }

    static func entropy(_ n: [Int]) -> Double {
        let total = Double(n.reduce(0, +))
        return LatentInformation.entropy(n.map { Double($0) / total })
    }
}
