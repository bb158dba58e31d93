import CriticalityDiffusion
import Foundation
import CriticalityLattice
import Testing
@testable import CriticalityAnalysis

@Test func rulesAreDistinctTuplesThatDetermineTheirParent() throws {
    let m = try RandomHierarchyModel(vocabulary: 5, synonyms: 3, branching: 2, depth: 2, seed: 9)
    for level in 1...2 {
        var seen = Set<[Int]>()
        for a in 0..<5 { for r in 0..<3 {
            let t = (0..<2).map { m.child(level: level, symbol: a, rule: r, $0) }
            #expect(seen.insert(t).inserted)
            #expect(m.rule(level: level, children: t[...]) == a * 3 + r)
        } }
    }
    // A datum is a derivation: every tuple of children is a rule of its parent.
    let d = m.datum(4)
    for level in 1...2 { for (j, a) in d[level].enumerated() {
        #expect(m.rule(level: level, children: d[level - 1][(2 * j)..<(2 * j + 2)]) / 3 == a)
    } }
}

@Test func beliefPropagationEqualsEnumeration() throws {
    let trees: [(v: Int, m: Int, s: Int, L: Int)] = [(4, 2, 2, 3), (3, 2, 3, 2), (6, 3, 2, 2), (2, 2, 2, 3), (5, 2, 2, 1)]
    let noises: [LeafNoise] = [.epsilon(0.5), .mask(0.4), .gaussian(NoiseSchedule.vp.level(at: 1.5))]
    var worst = 0.0
    for (k, c) in trees.enumerated() {
        let model = try RandomHierarchyModel(vocabulary: c.v, synonyms: c.m, branching: c.s, depth: c.L, seed: UInt64(k + 1))
        for noise in noises { for n in 0..<3 {
            let messages = noise.messages(model.datum(n)[0], vocabulary: c.v, datum: n, seed: model.seed)
            let bp = HierarchyBeliefPropagation(model: model, leafMessages: messages).marginals
            let exact = HierarchyBeliefPropagation.bruteForceMarginals(model: model, leafMessages: messages)
            let error = zip(bp.flatMap { $0 }, exact.flatMap { $0 }).map { abs($0 - $1) }.max()!
            worst = max(worst, error)
            #expect(error < 1e-10, "v = \(c.v), m = \(c.m), s = \(c.s), L = \(c.L), \(noise): \(error)")
        } }
    }
    validation("RHM belief propagation vs enumeration (5 trees, L ≤ 3, v ≤ 6, 3 noises)", String(format: "max error %.1e (tolerance 1e-10)", worst))
}

@Test func posteriorSamplesKeepTheClassAtTheRateOfTheMeanRootBelief() throws {
    // Exact posterior draws: P(class unchanged) = E[belief in the true class], per level too.
    let model = try RandomHierarchyModel(vocabulary: 4, synonyms: 2, branching: 2, depth: 3, seed: 5)
    let h = HierarchyTransition(model: model, noises: [.epsilon(0.45), .gaussian(NoiseSchedule.vp.level(at: 0.6))], samples: 4000, threads: 2)
    for p in 0..<2 {
        for level in 0...3 {
            let b = h.belief[p][level].mean, s = h.sampled[p][level]
            #expect(b > 0.3 && b < 0.97, "point \(p), level \(level): belief \(b) is not an intermediate value")
            #expect(abs(s.mean - b) < 4 * s.standardError, "point \(p), level \(level): sampled \(s) vs belief \(b)")
        }
    }
    let c = h.sampled[0][3]
    validation("RHM unchanged-class fraction from posterior samples vs mean root belief (ε = 0.45)",
               String(format: "%.4f vs %.4f (4 SE = %.4f)", c.mean, h.belief[0][3].mean, 4 * c.standardError))
}

@Test func classTransitionSharpensWithDepthWhileLeavesDecaySmoothly() throws {
    // v = 8, m = 4, s = 2 under Gaussian one-hot noise: the slope of the normalised class
    // reconstruction at its half point, per unit of −log λ, grows with L; the leaves' stays lower.
    let logLambda = (0..<25).map { 3.0 - 6.0 * Double($0) / 24 }
    let noises = logLambda.map { LeafNoise.gaussian(NoiseSchedule.vp.level(at: NoiseSchedule.vp.time(atSignalToNoise: exp($0)))) }
    var slopes: [Double] = [], rows: [String] = []
    for depth in 2...5 {
        let h = HierarchyTransition(model: try RandomHierarchyModel(vocabulary: 8, synonyms: 4, branching: 2, depth: depth, seed: 1), noises: noises, samples: 600, threads: 2)
        let x = logLambda.map { -$0 }
        let cls = HierarchyTransition.crossing(x: x, y: h.belief.map { $0[depth].mean }, chance: 1.0 / 8)!
        let leaf = HierarchyTransition.crossing(x: x, y: h.belief.map { $0[0].mean }, chance: 1.0 / 8)!
        #expect(leaf.slope < cls.slope, "L = \(depth): leaf slope \(leaf.slope) ≥ class slope \(cls.slope)")
        slopes.append(cls.slope)
        rows.append(String(format: "L = %d: class %.3f, leaves %.3f", depth, cls.slope, leaf.slope))
    }
    validation("RHM slopes at the half point (per unit −log λ)", rows.joined(separator: "; "))
    #expect(zip(slopes, slopes.dropFirst()).allSatisfy { $0 < $1 }, "\(slopes)")
}
