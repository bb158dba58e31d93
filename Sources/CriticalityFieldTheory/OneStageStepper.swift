import Foundation
import CriticalityLattice

/// One-stage schemes diagonal in Fourier space: with L = Λ(k) + c(t + dt/2),
///
///     φ̂ ← E(L) φ̂ + F(L) N̂[φ] + Q(L) √(2T/v) ξ̂,
///
/// ξ̂ the DFT of unit white noise (⟨|ξ̂|²⟩ = N). Conforming types give (E, F, Q).
public protocol OneStageStepper: Stepper {
    /// (E, F, Q) for x = L·dt.
    static func coefficients(_ x: Double, dt: Double) -> (e: Double, f: Double, q: Double)
}

extension OneStageStepper {
    public var scratchCount: Int { 2 }

    /// One step, fused: the noise ξ̂ is drawn 32 slots at a time (GaussianNoise blocks over the
    /// interleaved (re, im) slots) straight into an 8-lane update, φ̂ ← ((E φ̂ + F N̂) + Q·s ξ),
    /// s = √(2T/v)·√(N/2); the Hermitian constraints of ξ̂ are restored afterwards (the later
    /// mode of each stored pair set to the conjugate of the earlier, the ≤ 2^d self-conjugate
    /// modes recomputed with real noise of variance N). Same operations in the same order as
    /// drawing ξ̂ first with `SpectralWhiteNoise` (the reference in the tests), so the same bits.
    public func step(_ state: FieldState) {
        let ctx = context, model = ctx.model, dt = ctx.dt, lattice = model.lattice
        let t = state.time(dt: dt)
        let nHat = state.scratch[0], out = state.scratch[1]
        let linear = model.isLinear, noisy = model.temperature > 0
        if !linear { ctx.nonlinearSpectrum(of: state.field, time: t, work: state.work, into: nHat) }
        let shift = model.linearShift(at: t + dt / 2)
        if state.coefficientShift != shift { prepare(state, shift: shift) }
        let slots = 2 * state.spectrum.count, norm = 1 / Double(lattice.siteCount)
        let scale = (2 * model.temperature / lattice.cellVolume).squareRoot() * (Double(lattice.siteCount) / 2).squareRoot()
        let key = ctx.noise.key(member: state.member, step: state.stepIndex)
        let symmetry = ctx.symmetry, spec = state.spectrum.values, nv = nHat.values, ov = out.values
        for (i, q) in symmetry.selfConjugate.enumerated() { state.selfConjugateOld[i] = spec[2 * q] }

        state.coefficients.withUnsafeBufferPointer { c in
            let e = UnsafeRawPointer(c.baseAddress!), f = e + 8 * slots, q = e + 16 * slots
            let s = UnsafeMutableRawPointer(spec), n = UnsafeRawPointer(nv), o = UnsafeMutableRawPointer(ov)
            @inline(__always) func update(slot: Int, noise z: Double8) {
                let b = 8 * slot
                var x = e.loadUnaligned(fromByteOffset: b, as: Double8.self) * s.loadUnaligned(fromByteOffset: b, as: Double8.self)
                if !linear { x = x + f.loadUnaligned(fromByteOffset: b, as: Double8.self) * n.loadUnaligned(fromByteOffset: b, as: Double8.self) }
                if noisy { x = x + q.loadUnaligned(fromByteOffset: b, as: Double8.self) * (z * scale) }
                s.storeBytes(of: x, toByteOffset: b, as: Double8.self)
                o.storeBytes(of: x * norm, toByteOffset: b, as: Double8.self)
            }
            let blocks = slots / 32
            for blk in 0..<blocks {
                let z = noisy ? GaussianNoise.block(key: key, block: blk) : (.zero, .zero, .zero, .zero)
                update(slot: 32 * blk, noise: z.0)
                update(slot: 32 * blk + 8, noise: z.1)
                update(slot: 32 * blk + 16, noise: z.2)
                update(slot: 32 * blk + 24, noise: z.3)
            }
            if slots > 32 * blocks {
                let z = noisy ? GaussianNoise.block(key: key, block: blocks) : (.zero, .zero, .zero, .zero)
                let ep = c.baseAddress!
                for k in (32 * blocks)..<slots {
                    var x = ep[k] * spec[k]
                    if !linear { x = x + ep[slots + k] * nv[k] }
                    if noisy { x = x + ep[2 * slots + k] * (GaussianNoise.element(z, k - 32 * blocks) * scale) }
                    spec[k] = x
                    ov[k] = x * norm
                }
            }
            guard noisy else { return }
            symmetry.mirrorPairs(state.spectrum)
            symmetry.mirrorPairs(out)
            let ep = c.baseAddress!
            for (i, mode) in symmetry.selfConjugate.enumerated() {
                let k = 2 * mode
                let z = GaussianNoise.element(GaussianNoise.block(key: key, block: k / 32), k % 32)
                var x = ep[k] * state.selfConjugateOld[i]
                if !linear { x = x + ep[slots + k] * nv[k] }
                x = x + ep[2 * slots + k] * ((z * scale) * 2.0.squareRoot())
                spec[k] = x; spec[k + 1] = 0
                ov[k] = x * norm; ov[k + 1] = 0
            }
        }
        ctx.transform.inverse(destroying: out, into: state.field)
        state.stepIndex += 1
    }

    /// Per-slot tables (each mode's coefficient twice, for its re and im slots): E, F·mask, Q.
    private func prepare(_ state: FieldState, shift: Double) {
        let ctx = context, n = ctx.symbol.count, slots = 2 * n
        if state.coefficients.count != 3 * slots { state.coefficients = [Double](repeating: 0, count: 3 * slots) }
        state.coefficients.withUnsafeMutableBufferPointer { t in
            for k in 0..<n {
                let c = Self.coefficients((ctx.symbol[k] + shift) * ctx.dt, dt: ctx.dt)
                let f = c.f * ctx.dealiasing.mask[k]
                t[2 * k] = c.e; t[2 * k + 1] = c.e
                t[slots + 2 * k] = f; t[slots + 2 * k + 1] = f
                t[2 * slots + 2 * k] = c.q; t[2 * slots + 2 * k + 1] = c.q
            }
        }
        state.coefficientShift = shift
    }
}

/// Exponential (ETD1) Euler–Maruyama with the exact Ornstein–Uhlenbeck noise variance:
/// E = e^x, F = dt(e^x − 1)/x, Q² = dt(e^{2x} − 1)/(2x), x = L·dt. Exact for a linear model
/// (u = 0) at any dt; first order in dt for the nonlinear term. The default for noisy runs.
public struct ExponentialEulerMaruyama: OneStageStepper {
    public let context: SpectralContext
    public init(_ context: SpectralContext) { self.context = context }

    public static func coefficients(_ x: Double, dt: Double) -> (e: Double, f: Double, q: Double) {
        let phi1 = x == 0 ? 1 : expm1(x) / x
        let var1 = x == 0 ? 1 : expm1(2 * x) / (2 * x)
        return (exp(x), dt * phi1, (dt * var1).squareRoot())
    }
}

/// Semi-implicit Euler–Maruyama: linear part implicit, nonlinear term and noise explicit,
/// φ̂ ← (φ̂ + dt N̂ + √(2T dt/v) ξ̂)/(1 − L dt). Unconditionally stable for L ≤ 0; its
/// stationary variance carries an O(dt) bias (T/(|L|(1 + |L|dt/2)) per mode).
public struct SemiImplicitEuler: OneStageStepper {
    public let context: SpectralContext
    public init(_ context: SpectralContext) { self.context = context }

    public static func coefficients(_ x: Double, dt: Double) -> (e: Double, f: Double, q: Double) {
        let d = 1 / (1 - x)
        return (d, dt * d, dt.squareRoot() * d)
    }
}
