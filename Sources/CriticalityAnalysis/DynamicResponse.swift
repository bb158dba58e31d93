import CriticalityDiffusion
import Foundation
import CriticalityLattice

/// The dynamic response of a reverse-diffusion sample to a small mode perturbation, docs/theory.md
/// §5: at grid index i the state becomes x_{t_i} ± ε e_k and both copies run to the end with
/// the same noise (common random numbers), giving
///
///     χ_dyn(t_i) = [⟨e_k, D₊⟩ − ⟨e_k, D₋⟩] / (2ε),   ε = η σ_{t_i} √N,
///
/// the response of the final sample's e_k amplitude to the e_k amplitude at t_i.
public struct DynamicResponse: Sendable {
    public let wave: PlaneWave
    public let relativeStep: Double

    public static let defaultRelativeStep = 1e-3

    public init(wave: PlaneWave, relativeStep: Double = DynamicResponse.defaultRelativeStep) {
        self.wave = wave
        self.relativeStep = relativeStep
    }

    public func measure(sampler: ReverseSampler, member: Int, state x: RealField, index i: Int) throws(NonFiniteState) -> Double {
        let level = sampler.schedule.level(at: sampler.times[i])
        let eps = relativeStep * level.sigma * Double(x.count).squareRoot()
        let amplitude = try [eps, -eps].map { (shift: Double) throws(NonFiniteState) -> Double in
            let start = RealField(x.lattice) { x[$0] + shift * wave.values[$0] }
            let d = try sampler.run(member: member, from: start, startingAt: i)
            var s = 0.0
            for j in 0..<d.count { s += wave.values[j] * d[j] }
            return s
        }
        return (amplitude[0] - amplitude[1]) / (2 * eps)
    }
}
