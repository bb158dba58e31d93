import Foundation
import CriticalityLattice

/// Data ±v with equal weights, docs/theory.md §2 and §7: D = v tanh(α vᵀx/σ²). The posterior
/// magnetisation u = vᵀD/Λ (Λ = ‖v‖²) obeys the Curie–Weiss equation with K = λΛ.
public struct TwoPointDenoiser: Denoiser {
    public let lattice: Lattice
    public let v: [Double]

    public init(lattice: Lattice, v: [Double]) {
        precondition(v.count == lattice.siteCount)
        self.lattice = lattice
        self.v = v
    }

    /// v = amplitude on every site.
    public init(lattice: Lattice, amplitude: Double) {
        self.init(lattice: lattice, v: [Double](repeating: amplitude, count: lattice.siteCount))
    }

    /// Λ = ‖v‖².
    public var squaredNorm: Double { v.reduce(0) { $0 + $1 * $1 } }

    func field(_ x: RealField, at level: NoiseLevel) -> Double {
        var overlap = 0.0
        for i in 0..<x.count { overlap += v[i] * x[i] }
        return level.alpha * overlap / level.variance
    }

    public func denoise(_ x: RealField, at level: NoiseLevel, into d: RealField, workspace: DenoiserWorkspace) {
        let m = tanh(field(x, at: level))
        for i in 0..<d.count { d[i] = v[i] * m }
    }

    /// [p(+v), p(−v)] = [1/(1 + e^{−2h}), 1/(1 + e^{2h})], h = α vᵀx/σ².
    public func posterior(_ x: RealField, at level: NoiseLevel) -> [Double]? {
        let h = field(x, at: level)
        return [1 / (1 + exp(-2 * h)), 1 / (1 + exp(2 * h))]
    }
}
