import Foundation
import CriticalityLattice

/// The binary patch model [reconstructed, docs/theory.md §2]: the equivariant local (ELS) score
/// machine trained on the two uniform images ±1. Every candidate patch has the same norm, so
/// the patch softmax reduces to a local mean field,
///
///     D(u) = tanh(α h(u) / σ²),   h = K ∗ x,
///
/// with K the P×P (P per axis) box kernel of ones centred on u, circular boundaries. The
/// convolution is one FFT round trip with the kernel's transform precomputed for every P of
/// the patch schedule; tanh is `VectorMath.tanh` (absolute error a few 1e-16). A Kac/Ising-type lattice field: the canonical test bed.
public struct BinaryPatchDenoiser: Denoiser {
    public let lattice: Lattice
    public let patch: PatchSchedule
    /// K̂(k)/N per stored mode, for each patch size (K is even, so K̂ is real).
    let kernels: [Int: [Double]]
    let transform: FourierTransform

    public enum Error: Swift.Error, CustomStringConvertible {
        case patchSize(Int, lattice: [Int])
        public var description: String {
            switch self {
            case .patchSize(let p, let shape): "patch size \(p) must be odd, positive and at most the lattice size \(shape.min()!)"
            }
        }
    }

    public init(lattice: Lattice, patch: PatchSchedule, effort: PlannerEffort = .estimate) throws {
        for p in patch.sizes where p < 1 || p % 2 == 0 || p > lattice.shape.min()! {
            throw Error.patchSize(p, lattice: lattice.shape)
        }
        self.lattice = lattice
        self.patch = patch
        transform = FourierTransform.plan(lattice, effort: effort)
        var kernels: [Int: [Double]] = [:]
        for p in patch.sizes {
            let k = BinaryPatchDenoiser.boxKernel(lattice, size: p), s = SpectralField(lattice)
            transform.forward(k, into: s)
            kernels[p] = (0..<s.count).map { s[$0].re / Double(lattice.siteCount) }
        }
        self.kernels = kernels
    }

    /// K(δ) = 1 where every minimum-image component |δ_i| ≤ P/2, else 0.
    public static func boxKernel(_ lattice: Lattice, size p: Int) -> RealField {
        RealField(lattice) { i in
            var rest = i
            for axis in stride(from: lattice.dimension - 1, through: 0, by: -1) {
                let n = lattice.shape[axis], m = Lattice.modeInteger(rest % n, count: n)
                rest /= n
                if abs(m) > p / 2 { return 0 }
            }
            return 1
        }
    }

    /// The local field h = K ∗ x (the patch sum around every site) by FFT.
    public func localField(_ x: RealField, time t: Double, into h: RealField, workspace w: DenoiserWorkspace) {
        let kernel = kernels[patch.size(at: t)]!, s = w.spectrum, v = s.values
        transform.forward(x, into: s)
        for q in 0..<s.count {
            v[2 * q] *= kernel[q]
            v[2 * q + 1] *= kernel[q]
        }
        transform.inverse(destroying: s, into: h)
    }

    public func denoise(_ x: RealField, at level: NoiseLevel, into d: RealField, workspace w: DenoiserWorkspace) {
        localField(x, time: level.time, into: d, workspace: w)
        let gain = level.alpha / level.variance, raw = UnsafeMutableRawPointer(d.values), full = d.count / 8
        for b in 0..<full {
            let h = raw.load(fromByteOffset: 64 * b, as: Double8.self)
            raw.storeBytes(of: VectorMath.tanh(gain * h), toByteOffset: 64 * b, as: Double8.self)
        }
        if d.count > 8 * full {
            var h = Double8()
            for i in (8 * full)..<d.count { h[i - 8 * full] = d[i] }
            let y = VectorMath.tanh(gain * h)
            for i in (8 * full)..<d.count { d[i] = y[i - 8 * full] }
        }
    }
}
