import CriticalityDiffusion
import Foundation
import CriticalityLattice

/// The Random Hierarchy Model (Sclocchi, Favero & Wyart), docs/theory.md §10: a vocabulary of v
/// symbols per level, m synonymous production rules per symbol, branching s and depth L. At
/// each level the v·m rules are distinct s-tuples drawn without replacement from the v^s
/// possible ones, so a tuple determines its parent. A datum is generated top-down from a root
/// class (level L) by choosing one of the m rules of every symbol uniformly; its s^L tokens are
/// the leaves (level 0).
///
/// Node j of level ℓ has the children s·j + i, i < s, at level ℓ − 1. Draws are counter-based:
/// the rules of level ℓ use (seed, 0, ℓ, stream 7), datum n's class and rules (seed, n, ℓ, stream 8).
public struct RandomHierarchyModel: Sendable {
    public let vocabulary: Int
    public let synonyms: Int
    public let branching: Int
    public let depth: Int
    public let seed: UInt64
    /// rules[ℓ − 1][(a m + r) s + i]: child i of rule r of symbol a at level ℓ.
    public let rules: [[Int]]
    /// parent[ℓ − 1][tuple code]: a m + r, or −1 for tuples no rule uses.
    let parent: [[Int]]

    public init(vocabulary v: Int, synonyms m: Int, branching s: Int, depth L: Int, seed: UInt64) throws(InvalidArgument) {
        let f = "RandomHierarchyModel.init"
        guard v >= 2 else { throw InvalidArgument(f, "vocabulary", v, expected: "at least 2") }
        guard s >= 2 else { throw InvalidArgument(f, "branching", s, expected: "at least 2") }
        guard L >= 1 else { throw InvalidArgument(f, "depth", L, expected: "at least 1") }
        guard pow(Double(v), Double(s)) <= Double(1 << 22) else { throw InvalidArgument(f, "vocabulary^branching", "\(v)^\(s)", expected: "at most 2²² tuples") }
        let tuples = Int(pow(Double(v), Double(s)).rounded())
        guard m >= 1 && v * m <= tuples else { throw InvalidArgument(f, "synonyms", m, expected: "1…v^(s−1) = \(tuples / v): rules are distinct s-tuples") }
        (vocabulary, synonyms, branching, depth, self.seed) = (v, m, s, L, seed)
        let noise = GaussianNoise(seed: seed)
        var rules: [[Int]] = [], parent: [[Int]] = []
        for level in 1...L {
            // A partial Fisher–Yates shuffle of the tuple codes: the first v·m are the rules.
            let key = noise.key(member: 0, step: level, stream: 7)
            var codes = Array(0..<tuples)
            for k in 0..<(v * m) {
                let j = k + Int(GaussianNoise.uniform(key: key, index: k) * Double(tuples - k))
                codes.swapAt(k, j)
            }
            var table = [Int](repeating: 0, count: v * m * s), back = [Int](repeating: -1, count: tuples)
            for rule in 0..<(v * m) {
                var c = codes[rule]
                back[c] = rule
                for i in stride(from: s - 1, through: 0, by: -1) { table[rule * s + i] = c % v; c /= v }
            }
            rules.append(table)
            parent.append(back)
        }
        self.rules = rules
        self.parent = parent
    }

    /// Nodes at level ℓ: s^{L−ℓ}.
    public func nodes(atLevel level: Int) -> Int { Int(pow(Double(branching), Double(depth - level)).rounded()) }

    /// The symbol of child i of rule r of symbol a at level ℓ.
    @inline(__always) public func child(level: Int, symbol a: Int, rule r: Int, _ i: Int) -> Int {
        rules[level - 1][(a * synonyms + r) * branching + i]
    }

    /// Datum n: symbols[ℓ][j] for every level, root (level L) first drawn uniformly.
    public func datum(_ n: Int) -> [[Int]] {
        let noise = GaussianNoise(seed: seed)
        var symbols = [[Int]](repeating: [], count: depth + 1)
        symbols[depth] = [min(Int(GaussianNoise.uniform(key: noise.key(member: n, step: depth + 1, stream: 8), index: 0) * Double(vocabulary)), vocabulary - 1)]
        for level in stride(from: depth, through: 1, by: -1) {
            let key = noise.key(member: n, step: level, stream: 8)
            symbols[level - 1] = [Int](repeating: 0, count: nodes(atLevel: level - 1))
            for (j, a) in symbols[level].enumerated() {
                let r = min(Int(GaussianNoise.uniform(key: key, index: j) * Double(synonyms)), synonyms - 1)
                for i in 0..<branching { symbols[level - 1][j * branching + i] = child(level: level, symbol: a, rule: r, i) }
            }
        }
        return symbols
    }

    /// The rule (a m + r) that produced the children tuple of node j at level ℓ, or −1.
    public func rule(level: Int, children: ArraySlice<Int>) -> Int {
        var code = 0
        for c in children { code = code * vocabulary + c }
        return parent[level - 1][code]
    }
}

/// Noise on the leaves of an RHM datum and the leaf messages P(observation | token) it
/// implies (docs/theory.md §10): the ε-process (each token replaced with probability ε by a uniform
/// one: (1 − ε)δ + ε/v), masking (probability ε: uniform message), or Gaussian noise on one-hot
/// tokens at a diffusion time, x = α e_token + σ z, message softmax(α x/σ²). Draws are
/// counter-based: (seed, datum, 0, stream 9), the same at every noise level (common random numbers).
public enum LeafNoise: Sendable, Equatable {
    case epsilon(Double)
    case mask(Double)
    case gaussian(NoiseLevel)

    /// Row-major (leaves × v) normalised messages for datum `n` with leaf tokens `leaves`.
    public func messages(_ leaves: [Int], vocabulary v: Int, datum n: Int, seed: UInt64) -> [Double] {
        let noise = GaussianNoise(seed: seed), key = noise.key(member: n, step: 0, stream: 9)
        var out = [Double](repeating: 0, count: leaves.count * v)
        switch self {
        case .epsilon(let e), .mask(let e):
            for (j, token) in leaves.enumerated() {
                let hit = GaussianNoise.uniform(key: key, index: 2 * j) < e
                if case .mask = self {
                    for b in 0..<v { out[j * v + b] = hit ? 1 / Double(v) : (b == token ? 1 : 0) }
                } else {
                    let seen = hit ? min(Int(GaussianNoise.uniform(key: key, index: 2 * j + 1) * Double(v)), v - 1) : token
                    for b in 0..<v { out[j * v + b] = e / Double(v) + (b == seen ? 1 - e : 0) }
                }
            }
        case .gaussian(let level):
            var z = [Double](repeating: 0, count: leaves.count * v)
            z.withUnsafeMutableBufferPointer { noise.fill($0.baseAddress!, count: leaves.count * v, member: n, step: 0, stream: 9) }
            let (a, s2) = (level.alpha, level.variance)
            for (j, token) in leaves.enumerated() {
                var top = -Double.infinity
                for b in 0..<v {
                    let x = (b == token ? a : 0) + level.sigma * z[j * v + b]
                    out[j * v + b] = a * x / s2
                    top = max(top, out[j * v + b])
                }
                var sum = 0.0
                for b in 0..<v { out[j * v + b] = exp(out[j * v + b] - top); sum += out[j * v + b] }
                for b in 0..<v { out[j * v + b] /= sum }
            }
        }
        return out
    }
}
