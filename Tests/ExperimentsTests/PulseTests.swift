import CriticalityAnalysis
import CriticalityDiffusion
import Foundation
import CriticalityLattice
import Testing
@testable import CriticalityExperiments

/// Two-point data ±v on 4×4 sites (Λ = 16, t_c = log 17 ≈ 2.83), guided towards +v.
let twoPointPulse = """
[run]
name = "pulse-two-point"
kind = "guidance-pulse"
seed = 3
members = 4000
[lattice]
shape = [4, 4]
[model]
type = "two-point"
amplitude = 1.0
[guidance]
class = 0
[sampler]
t_start = 8.0
t_end = 0.05
steps = 60
[pulse]
centers = [0.5, 1.0, 2.0, 4.0]
width = 0.5
strength = 0.3
resamples = 200
"""

func prepared(_ text: String, _ overrides: [String] = []) throws -> PreparedDiffusion {
    let file = try writeTiny(text)
    let root = try ParameterFile.load(file, overrides: overrides)
    return try DiffusionSpec(file: file, root: root, defaultName: "pulse").prepare()
}

@Test func withoutAPulseEveryConditionGivesBitwiseTheSameSamples() throws {
    // Every condition runs on its own from x_{t₀} (no shared prefix): common random numbers
    // must make them identical when the pulse adds nothing (w_p = w_base, here 0 and 0.2).
    for base in [0.0, 0.2] {
        let p = try prepared(twoPointPulse, ["run.members=16", "pulse.strength=\(base)", "guidance.weight=\(base)"])
        let r = try PulseRun.run(p, sharedPrefix: false)
        for c in r.conditions.indices {
            #expect(r.probability[0][c] == r.probability[0][0], "condition \(r.conditions[c].name), w = \(base)")
            #expect(r.firstSamples[0][c] == r.firstSamples[0][0])
        }
    }
    let binary = try prepared(try String(contentsOfFile: "parameters/pulse-binary-patch.toml", encoding: .utf8), ["run.members=6", "pulse.strength=0.0"])
    let r = try PulseRun.run(binary, sharedPrefix: false)
    #expect(r.conditions.indices.allSatisfy { r.probability[0][$0] == r.probability[0][0] && r.firstSamples[0][$0] == r.firstSamples[0][0] })
}

@Test func sharedPrefixRunsEqualIndependentRunsBitForBit() throws {
    // The fast path (the no-pulse trajectory continued where each window opens) against every
    // condition run from the start, with a pulse, a base weight, Heun's two evaluations per step
    // and windows given in grid steps.
    let steps = twoPointPulse.replacingOccurrences(of: "width = 0.5\n", with: "width_steps = 3\n")
    for (text, o) in [(twoPointPulse, ["guidance.weight=0.1"]), (steps, ["sampler.method=\"pf-ode-heun\""])] {
        let p = try prepared(text, ["run.members=12"] + o)
        let fast = try PulseRun.run(p), slow = try PulseRun.run(p, sharedPrefix: false)
        #expect(fast.probability == slow.probability, "\(o)")
        #expect(fast.firstSamples == slow.firstSamples)
        #expect(fast.probability[0][1] != fast.probability[0][0], "the pulse must change something")
    }
}

@Test func twoPointPulseEffectMatchesTheExactCurieWeissChain() throws {
    let p = try prepared(twoPointPulse)
    let r = try PulseRun.run(p)
    let chain = TwoPointGuidanceChain(schedule: .vp, times: p.sampler.times, norm: 4)
    let none = chain.targetProbability(weight: .constant(0))
    #expect(abs(none.mass - 1) < 1e-9 && abs(none.probability - 0.5) < 1e-9, "symmetric without guidance: \(none)")
    let windows = Windows(pulse: p.spec.pulse!, times: p.sampler.times)
    for (c, condition) in r.conditions.enumerated() where condition.kind == .grid {
        let exact = chain.targetProbability(weight: windows.schedule(at: condition.center, reference: (1, 2))).probability
        let measured = Estimate(samples: r.probability[0][c])
        let effect = Estimate(samples: zip(r.probability[0][c], r.probability[0][0]).map { $0 - $1 })
        let exactEffect = exact - none.probability
        validation("two-point pulse at t₀ = \(condition.center): p(+v)", String(format: "%.5f ± %.5f (exact chain %.5f); paired effect %.5f ± %.5f (exact %.5f)",
                                                                                  measured.mean, measured.standardError, exact, effect.mean, effect.standardError, exactEffect))
        #expect(abs(measured.mean - exact) < 4 * measured.standardError)
        // When no member flips the sample SE is 0; the SE the exact chain implies for n paired
        // 0/±1 differences, √(|effect|/n), is the floor.
        let floor = (abs(exactEffect) / Double(r.probability[0][c].count)).squareRoot()
        #expect(abs(effect.mean - exactEffect) < 4 * max(effect.standardError, floor))
    }
    // The exact effect is resolved: it grows from t₀ = 0.5 (class decided) towards t_c.
    let exact = [0.5, 2.0].map { chain.targetProbability(weight: windows.schedule(at: $0, reference: (1, 2))).probability - 0.5 }
    #expect(exact[0] < 0.01 && exact[1] > 0.05, "\(exact)")
}

@Test func binaryPatchPulseEffectPeaksNearTheCriticalTime() throws {
    let out = try Experiment.run(file: "parameters/pulse-binary-patch.toml", out: temporaryDirectory().appendingPathComponent("pulse").path, progress: false)
    let s = try json(out)
    let tc = log(26.0), peak = s["t_peak_pulse"] as! Double, peakEffect = s["pulse_peak_effect"] as! Double
    let rows = try String(contentsOf: out.appendingPathComponent("pulse.csv"), encoding: .utf8).split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
    let grid = rows.filter { $0[1].hasPrefix("t0=") }.map { (t0: Double($0[2])!, effect: Double($0[12])!) }
    let early = grid.first!, late = grid.last!
    // The samples' order parameter per condition: ⟨|m|⟩² ≤ ⟨m²⟩ ≤ 1 (samples in [−1, 1]) and U₄ ≤ 2/3.
    for row in rows {
        let (absM, m2, binder) = (Double(row[18])!, Double(row[20])!, Double(row[22])!)
        #expect(absM * absM <= m2 + 1e-12 && m2 <= 1 && binder <= 2.0 / 3 + 1e-12, "\(row)")
    }
    validation("binary patch P = 5 pulse: peak t₀ / t_c", String(format: "%.3f (interval %.3f–%.3f), peak effect %.4f; effect at %.2f t_c %.4f, at %.2f t_c %.4f",
                                                                 peak / tc, (s["t_peak_pulse_lower"] as! Double) / tc, (s["t_peak_pulse_upper"] as! Double) / tc,
                                                                 peakEffect, early.t0 / tc, early.effect, late.t0 / tc, late.effect))
    #expect(abs(early.t0 / tc - 0.1) < 1e-3 && abs(late.t0 / tc - 3) < 1e-3)
    #expect(peak >= 0.6 * tc && peak <= 1.2 * tc)
    #expect(late.effect < 0.1 * peakEffect)
    #expect(early.effect < peakEffect / 3)
    #expect((s["pulse_critical_vs_random_lower"] as! Double) > 0, "critical pulses beat random ones")
    let probability = try NPY.decode(bytes(out, "pulse_probability.npy"), file: "p")
    #expect(probability.shape == [1, 19, 128])
}
