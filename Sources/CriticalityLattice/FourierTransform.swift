import CFFTW
import Foundation

/// How hard FFTW's planner works. `estimate` (the default) gives deterministic plans and so
/// bitwise-reproducible results; `measure` times candidate plans, which may differ run to run.
public enum PlannerEffort: String, Sendable, CaseIterable {
    case estimate, measure

    var flags: UInt32 { self == .estimate ? UInt32(FFTW_ESTIMATE) : UInt32(FFTW_MEASURE) }
}

/// FFTW's planner is not thread-safe: every plan creation and destruction, and every call that
/// changes planner state, happens under this one lock.
enum FFTWPlanner {
    static let lock = NSLock()
    nonisolated(unsafe) private static var threadsInitialised = false

    /// Runs `body` under the planner lock, with FFTW's thread support initialised.
    static func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        if !threadsInitialised {
            fftw_init_threads()
            threadsInitialised = true
        }
        return body()
    }
}

/// The r2c and c2r transforms of one lattice, planned once and cached.
///
/// Forward: φ̂(k) = Σ_x φ(x) e^{−ik·x}; inverse: φ(x) = Σ_k φ̂(k) e^{ik·x} (unnormalised, so
/// inverse(forward(φ)) = N·φ). Execution uses FFTW's new-array functions, which are
/// thread-safe, on any ``RealField`` / ``SpectralField`` of the lattice.
public final class FourierTransform: @unchecked Sendable {
    public let lattice: Lattice
    public let effort: PlannerEffort
    public let threads: Int
    private let forwardPlan: OpaquePointer
    private let inversePlan: OpaquePointer

    private struct Key: Hashable { let lattice: Lattice; let effort: PlannerEffort; let threads: Int }
    nonisolated(unsafe) private static var cache: [Key: FourierTransform] = [:]
    private static let cacheLock = NSLock()

    /// The cached transform for a lattice (planned on first use).
    public static func plan(_ lattice: Lattice, effort: PlannerEffort = .estimate, threads: Int = 1) -> FourierTransform {
        let key = Key(lattice: lattice, effort: effort, threads: max(1, threads))
        cacheLock.lock()
        defer { cacheLock.unlock() }
        if let t = cache[key] { return t }
        let t = FourierTransform(lattice: lattice, effort: effort, threads: key.threads)
        cache[key] = t
        return t
    }

    private init(lattice: Lattice, effort: PlannerEffort, threads: Int) {
        self.lattice = lattice
        self.effort = effort
        self.threads = threads
        // Plan on scratch arrays: FFTW_MEASURE overwrites them.
        let x = RealField(lattice), s = SpectralField(lattice)
        let dims = lattice.shape.map { Int32($0) }
        let plans: (OpaquePointer, OpaquePointer) = FFTWPlanner.locked {
            fftw_plan_with_nthreads(Int32(threads))
            let f = fftw_plan_dft_r2c(Int32(dims.count), dims, x.values, s.complexPointer, effort.flags)!
            let b = fftw_plan_dft_c2r(Int32(dims.count), dims, s.complexPointer, x.values, effort.flags)!
            return (f, b)
        }
        forwardPlan = plans.0
        inversePlan = plans.1
    }

    deinit {
        let f = forwardPlan, b = inversePlan
        FFTWPlanner.locked {
            fftw_destroy_plan(f)
            fftw_destroy_plan(b)
        }
    }

    /// φ̂ = DFT(φ). `field` is left unchanged.
    public func forward(_ field: RealField, into spectrum: SpectralField) {
        precondition(field.lattice == lattice && spectrum.lattice == lattice)
        fftw_execute_dft_r2c(forwardPlan, field.values, spectrum.complexPointer)
    }

    /// φ = Σ_k φ̂ e^{ik·x}, unnormalised. **Destroys `spectrum`** (FFTW's multi-dimensional c2r
    /// cannot preserve its input): pass a scratch copy when the spectrum is still needed.
    public func inverse(destroying spectrum: SpectralField, into field: RealField) {
        precondition(field.lattice == lattice && spectrum.lattice == lattice)
        fftw_execute_dft_c2r(inversePlan, spectrum.complexPointer, field.values)
    }
}

/// Library versions, for `run.json` and `criticality info`.
public enum FFTWInfo {
    public static var version: String { String(cString: criticality_fftw_version()) }
}
