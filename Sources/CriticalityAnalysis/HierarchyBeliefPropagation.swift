import Foundation
import CriticalityLattice

/// Exact inference on the RHM tree given leaf messages (docs/theory.md §10). The tree makes belief
/// propagation exact:
///
///     up:   ν↑_n(a) ∝ Σ_r Π_i ν↑_{c_i}(R[a, r, i])                       (leaves: the messages)
///     down: ν↓_{c_i}(b) ∝ Σ_{a, r: R[a,r,i] = b} ν↓_n(a) Π_{j≠i} ν↑_{c_j}(R[a, r, j])   (root: 1/v)
///     marginal_n(a) ∝ ν↓_n(a) ν↑_n(a).
///
/// Every message is normalised per node (deep trees would underflow otherwise). Posterior
/// sampling is exact and top-down: the root from its marginal, then each node's rule given its
/// symbol with probability ∝ Π_i ν↑_{c_i}(R[a, r, i]).
public struct HierarchyBeliefPropagation: Sendable {
    public let model: RandomHierarchyModel
    /// up[ℓ][j v + a].
    public let up: [[Double]]
    /// marginals[ℓ][j v + a].
    public let marginals: [[Double]]

    public init(model: RandomHierarchyModel, leafMessages: [Double]) {
        self.model = model
        let v = model.vocabulary, m = model.synonyms, s = model.branching, L = model.depth
        var up = [[Double]](repeating: [], count: L + 1)
        up[0] = leafMessages
        for level in 1...L {
            let count = model.nodes(atLevel: level)
            var u = [Double](repeating: 0, count: count * v)
            for j in 0..<count {
                var sum = 0.0
                for a in 0..<v {
                    var total = 0.0
                    for r in 0..<m {
                        var p = 1.0
                        for i in 0..<s { p *= up[level - 1][(j * s + i) * v + model.child(level: level, symbol: a, rule: r, i)] }
                        total += p
                    }
                    u[j * v + a] = total
                    sum += total
                }
                for a in 0..<v { u[j * v + a] = sum > 0 ? u[j * v + a] / sum : 1 / Double(v) }
            }
            up[level] = u
        }
        var down = [[Double]](repeating: [], count: L + 1)
        down[L] = [Double](repeating: 1 / Double(v), count: v)
        for level in stride(from: L, through: 1, by: -1) {
            let count = model.nodes(atLevel: level)
            var d = [Double](repeating: 0, count: count * s * v)
            for j in 0..<count {
                for a in 0..<v where down[level][j * v + a] > 0 {
                    for r in 0..<m {
                        // The outside weight of child i: the parent's times its siblings' up-messages.
                        for i in 0..<s {
                            var p = down[level][j * v + a]
                            for k in 0..<s where k != i { p *= up[level - 1][(j * s + k) * v + model.child(level: level, symbol: a, rule: r, k)] }
                            d[(j * s + i) * v + model.child(level: level, symbol: a, rule: r, i)] += p
                        }
                    }
                }
            }
            for c in 0..<(count * s) {
                let sum = (0..<v).reduce(0) { $0 + d[c * v + $1] }
                for b in 0..<v { d[c * v + b] = sum > 0 ? d[c * v + b] / sum : 1 / Double(v) }
            }
            down[level - 1] = d
        }
        self.up = up
        marginals = (0...L).map { level in
            var p = zip(down[level], up[level]).map { $0 * $1 }
            for j in 0..<(p.count / v) {
                let sum = (0..<v).reduce(0) { $0 + p[j * v + $1] }
                for a in 0..<v { p[j * v + a] /= sum }
            }
            return p
        }
    }

    /// An exact posterior draw of every level's symbols, with uniforms from the stream key
    /// (one per node, in a fixed order).
    public func sample(key: UInt64) -> [[Int]] {
        let v = model.vocabulary, m = model.synonyms, s = model.branching, L = model.depth
        var index = 0
        func pick(_ weights: [Double]) -> Int {
            let total = weights.reduce(0, +), u = GaussianNoise.uniform(key: key, index: index) * total
            index += 1
            var acc = 0.0
            for (k, w) in weights.enumerated() { acc += w; if u < acc { return k } }
            return weights.lastIndex { $0 > 0 }!
        }
        var symbols = [[Int]](repeating: [], count: L + 1)
        symbols[L] = [pick(Array(marginals[L][0..<v]))]
        for level in stride(from: L, through: 1, by: -1) {
            symbols[level - 1] = [Int](repeating: 0, count: model.nodes(atLevel: level - 1))
            for (j, a) in symbols[level].enumerated() {
                let r = pick((0..<m).map { r in
                    (0..<s).reduce(1.0) { $0 * up[level - 1][(j * s + $1) * v + model.child(level: level, symbol: a, rule: r, $1)] }
                })
                for i in 0..<s { symbols[level - 1][j * s + i] = model.child(level: level, symbol: a, rule: r, i) }
            }
        }
        return symbols
    }

    /// The marginals by enumeration of every derivation (v m^{internal nodes} of them): the
    /// slow reference. Each derivation has prior 1/(v m^I) and likelihood Π_leaves message.
    public static func bruteForceMarginals(model: RandomHierarchyModel, leafMessages: [Double]) -> [[Double]] {
        let v = model.vocabulary, m = model.synonyms, s = model.branching, L = model.depth
        let innerNodes = (1...L).reduce(0) { $0 + model.nodes(atLevel: $1) }
        var out = (0...L).map { [Double](repeating: 0, count: model.nodes(atLevel: $0) * v) }
        var choice = [Int](repeating: 0, count: innerNodes)
        var total = 0.0
        for root in 0..<v {
            choice = [Int](repeating: 0, count: innerNodes)
            while true {
                var symbols = [[Int]](repeating: [], count: L + 1)
                symbols[L] = [root]
                var k = 0
                for level in stride(from: L, through: 1, by: -1) {
                    symbols[level - 1] = []
                    for a in symbols[level] {
                        for i in 0..<s { symbols[level - 1].append(model.child(level: level, symbol: a, rule: choice[k], i)) }
                        k += 1
                    }
                }
                let w = symbols[0].enumerated().reduce(1.0) { $0 * leafMessages[$1.offset * v + $1.element] }
                total += w
                for level in 0...L { for (j, a) in symbols[level].enumerated() { out[level][j * v + a] += w } }
                // The next rule assignment (an odometer in base m).
                var d = 0
                while d < innerNodes { choice[d] += 1; if choice[d] < m { break }; choice[d] = 0; d += 1 }
                if d == innerNodes { break }
            }
        }
        return out.map { $0.map { $0 / total } }
    }
}
