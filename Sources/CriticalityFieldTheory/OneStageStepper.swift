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
    public var scratchCount: Int { 1 }

    /// One step, fused: the noise ξ̂ is drawn 32 slots at a time (GaussianNoise blocks over the
    /// interleaved (re, im) slots) straight into an 8-lane update, φ̂ ← ((E φ̂ + F N̂) + Q·s ξ),
    /// s = √(2T/v)·√(N/2); the Hermitian constraints of ξ̂ are restored afterwards (the later
    /// mode of each stored pair set to the conjugate of the earlier, the ≤ 2^d self-conjugate
    /// modes recomputed with real noise of variance N). Same operations in the same order as
    /// drawing ξ̂ first with `SpectralWhiteNoise` (the reference in the tests), so the same bits.
    public func step(_ state: FieldState) {
        let ctx = context, model = ctx.model, dt = ctx.dt, lattice = model.lattice
        let t = state.time(dt: dt)
        // The update writes φ̂/N over N̂ slot by slot after reading it: one array fewer in cache.
        let nHat = state.scratch[0], out = nHat
        let linear = model.isLinear, noisy = model.temperature > 0
        if !linear { ctx.nonlinearSpectrum(destroying: state.field, time: t, into: nHat) }
        let shift = model.linearShift(at: t + dt / 2)
        if state.coefficientShift != shift { prepare(state, shift: shift) }
        let slots = 2 * state.spectrum.count, norm = 1 / Double(lattice.siteCount)
        let scale = (2 * model.temperature / lattice.cellVolume).squareRoot() * (Double(lattice.siteCount) / 2).squareRoot()
        let key = ctx.noise.key(member: state.member, step: state.stepIndex)
        let symmetry = ctx.symmetry, spec = state.spectrum.values, nv = nHat.values, ov = out.values
        for (i, q) in symmetry.selfConjugate.enumerated() {
            state.selfConjugateOld[i] = spec[2 * q]
            state.selfConjugateNonlinear[i] = linear ? 0 : nv[2 * q]
        }

        state.coefficients.withUnsafeBufferPointer { c in
            let modes = slots / 2
            let e = UnsafeRawPointer(c.baseAddress!), f = e + 8 * modes, q = e + 16 * modes
            let s = UnsafeMutableRawPointer(spec), n = UnsafeRawPointer(nv), o = UnsafeMutableRawPointer(ov)
            // A mode's coefficient for its (re, im) slots: four modes read, each used twice.
            @inline(__always) func paired(_ table: UnsafeRawPointer, slot: Int) -> Double8 {
                let m = table.loadUnaligned(fromByteOffset: 4 * slot, as: SIMD4<Double>.self)
                return Double8(lowHalf: SIMD4(m[0], m[0], m[1], m[1]), highHalf: SIMD4(m[2], m[2], m[3], m[3]))
            }
            @inline(__always) func update(slot: Int, noise z: Double8) {
                let b = 8 * slot
                var x = paired(e, slot: slot) * s.loadUnaligned(fromByteOffset: b, as: Double8.self)
                if !linear { x = x + paired(f, slot: slot) * n.loadUnaligned(fromByteOffset: b, as: Double8.self) }
                if noisy { x = x + paired(q, slot: slot) * (z * scale) }
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
                    var x = ep[k / 2] * spec[k]
                    if !linear { x = x + ep[modes + k / 2] * nv[k] }
                    if noisy { x = x + ep[2 * modes + k / 2] * (GaussianNoise.element(z, k - 32 * blocks) * scale) }
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
                var x = ep[mode] * state.selfConjugateOld[i]
                if !linear { x = x + ep[modes + mode] * state.selfConjugateNonlinear[i] }
                x = x + ep[2 * modes + mode] * ((z * scale) * 2.0.squareRoot())
                spec[k] = x; spec[k + 1] = 0
                ov[k] = x * norm; ov[k + 1] = 0
            }
        }
        ctx.transform.inverse(destroying: out, into: state.field)
        state.stepIndex += 1
    }

    /// Per-mode tables E, F·mask, Q (the update pairs each with the mode's re and im slots: half
    /// the memory traffic of per-slot tables).
    private func prepare(_ state: FieldState, shift: Double) {
        let ctx = context, n = ctx.symbol.count
        if state.coefficients.count != 3 * n { state.coefficients = [Double](repeating: 0, count: 3 * n) }
        state.coefficients.withUnsafeMutableBufferPointer { t in
            for k in 0..<n {
                let c = Self.coefficients((ctx.symbol[k] + shift) * ctx.dt, dt: ctx.dt)
                t[k] = c.e
                t[n + k] = c.f * ctx.dealiasing.mask[k]
                t[2 * n + k] = c.q
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
