import Foundation
import CriticalityLattice

/// The guidance strength w(t) of classifier-free guidance, docs/theory.md §2 and §9.
public enum GuidanceSchedule: Sendable, Equatable {
    /// w(t) = w.
    case constant(Double)
    /// w = strength for |log t − log center| ≤ width/2, base elsewhere (width in units of log t).
    case pulse(center: Double, width: Double, strength: Double, base: Double)
    /// (t, w) pairs, interpolated linearly in log t and held constant beyond the ends.
    case table([GuidanceEntry])

    public struct GuidanceEntry: Sendable, Equatable {
        public var time: Double
        public var weight: Double
        public init(time: Double, weight: Double) {
            self.time = time
            self.weight = weight
        }
    }

    public func weight(at t: Double) -> Double {
        switch self {
        case .constant(let w): return w
        case .pulse(let c, let width, let strength, let base):
            return abs(log(t) - log(c)) <= width / 2 ? strength : base
        case .table(let entries):
            let e = entries.sorted { $0.time < $1.time }
            guard t > e[0].time else { return e[0].weight }
            guard let j = e.firstIndex(where: { $0.time >= t }) else { return e[e.count - 1].weight }
            let f = (log(t) - log(e[j - 1].time)) / (log(e[j].time) - log(e[j - 1].time))
            return e[j - 1].weight + f * (e[j].weight - e[j - 1].weight)
        }
    }
}

/// Classifier-free guidance on the denoiser: D_w = D_u + w(t)(D_c − D_u), equivalent to
/// s_w = s_u + w(t)(s_c − s_u) because the score is affine in D with the same coefficients for
/// both models. w = 0 is the unconditional model, w = 1 the conditional one (a class-restricted
/// training set or mixture), w > 1 over-guides.
public struct GuidedDenoiser: Denoiser {
    public let unconditional: any Denoiser
    public let conditional: any Denoiser
    public let weight: GuidanceSchedule

    public init(unconditional: any Denoiser, conditional: any Denoiser, weight: GuidanceSchedule) {
        precondition(unconditional.lattice == conditional.lattice)
        self.unconditional = unconditional
        self.conditional = conditional
        self.weight = weight
    }

    public var lattice: Lattice { unconditional.lattice }

    public func denoise(_ x: RealField, at level: NoiseLevel, into d: RealField, workspace w: DenoiserWorkspace) {
        let g = weight.weight(at: level.time)
        unconditional.denoise(x, at: level, into: d, workspace: w)
        guard g != 0 else { return }
        conditional.denoise(x, at: level, into: w.guided, workspace: w)
        for i in 0..<d.count { d[i] += g * (w.guided[i] - d[i]) }
    }

    public func denoise(_ xs: [RealField], at level: NoiseLevel, into ds: [RealField], workspace w: DenoiserWorkspace) {
        let g = weight.weight(at: level.time)
        unconditional.denoise(xs, at: level, into: ds, workspace: w)
        guard g != 0 else { return }
        let guided = xs.map { _ in RealField(lattice) }
        conditional.denoise(xs, at: level, into: guided, workspace: w)
        for (d, c) in zip(ds, guided) { for i in 0..<d.count { d[i] += g * (c[i] - d[i]) } }
    }
}
