import Foundation
import CriticalityLattice

/// A time stepper for a ``FieldModel``: advances a ``FieldState`` by one step of size dt.
/// Steppers hold only read-only tables, so one stepper serves every member of an ensemble
/// concurrently; all mutable data lives in the states.
public protocol Stepper: Sendable {
    var context: SpectralContext { get }
    /// Spectral scratch buffers each state needs.
    var scratchCount: Int { get }
    func step(_ state: FieldState)
}

extension Stepper {
    public var dt: Double { context.dt }
}

public enum StepperError: Error, Equatable, CustomStringConvertible {
    case noiseNotSupported(stepper: String)
    case timeDependentLinearPart(stepper: String)

    public var description: String {
        switch self {
        case .noiseNotSupported(let s): "the \(s) stepper is deterministic and cannot integrate noise (T > 0); use exponential-euler-maruyama or semi-implicit-euler"
        case .timeDependentLinearPart(let s): "the \(s) stepper needs a time-independent linear part; for a ramp r(t) use exponential-euler-maruyama"
        }
    }
}

/// What every stepper shares: the model, dt, the transform, Λ(k), the dealiasing mask for
/// the nonlinear term (folded into each stepper's coefficient tables), and the noise source.
public struct SpectralContext: Sendable {
    public let model: any FieldModel
    public let dt: Double
    public let transform: FourierTransform
    public let symbol: [Double]
    public let dealiasing: Dealiasing
    public let noise: GaussianNoise
    public let symmetry: HermitianSymmetry

    /// `fftThreads` > 1 lets FFTW split each transform over threads: for single large lattices
    /// (ensembles are better parallelised over members).
    public init(model: any FieldModel, dt: Double, dealiasFraction: Double = Dealiasing.cubicFraction,
                seed: UInt64, effort: PlannerEffort = .estimate, fftThreads: Int = 1) {
        precondition(dt > 0, "dt must be positive")
        self.model = model
        self.dt = dt
        transform = FourierTransform.plan(model.lattice, effort: effort, threads: fftThreads)
        symbol = model.linearSymbol()
        dealiasing = Dealiasing(model.lattice, fraction: dealiasFraction)
        noise = GaussianNoise(seed: seed)
        symmetry = HermitianSymmetry(model.lattice)
    }

    /// spectrum = DFT(field), made exactly Hermitian (see ``HermitianSymmetry``): with real,
    /// k ↦ −k symmetric coefficient tables every update then keeps the state exactly Hermitian.
    func transform(_ field: RealField, into spectrum: SpectralField) {
        transform.forward(field, into: spectrum)
        symmetry.project(spectrum)
    }

    /// out = DFT N[φ], Hermitian-projected, with φ given in real space (the dealiasing mask is in
    /// the steppers' tables). N overwrites φ: every stepper rewrites the field at the end of its
    /// step, and one array fewer stays in cache.
    func nonlinearSpectrum(destroying phi: RealField, time: Double, into out: SpectralField) {
        model.nonlinearTerm(phi.values, into: phi.values, count: phi.count, time: time)
        transform(phi, into: out)
    }

    /// field = IDFT(spectrum)/N, through `scratch` (c2r destroys its input).
    func synchronise(_ spectrum: SpectralField, into field: RealField, scratch: SpectralField) {
        let n = 2 * spectrum.count, s = 1 / Double(model.lattice.siteCount)
        for i in 0..<n { scratch.values[i] = spectrum.values[i] * s }
        transform.inverse(destroying: scratch, into: field)
    }
}
