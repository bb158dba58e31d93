import Foundation
import Lattice

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
    public var scratchCount: Int { 3 }

    public func step(_ state: FieldState) {
        let ctx = context, model = ctx.model, dt = ctx.dt
        let t = state.time(dt: dt)
        let spec = state.spectrum.values
        let nHat = state.scratch[0], xi = state.scratch[1], out = state.scratch[2]
        let linear = model.isLinear, noisy = model.temperature > 0
        if !linear { ctx.nonlinearSpectrum(of: state.field, time: t, work: state.work, into: nHat) }
        if noisy {
            let amplitude = (2 * model.temperature / model.lattice.cellVolume).squareRoot()
            ctx.noise.fill(xi, amplitude: amplitude, member: state.member, step: state.stepIndex)
        }
        let shift = model.linearShift(at: t + dt / 2)
        if state.coefficientShift != shift { prepare(state, shift: shift) }
        let nv = nHat.values, xv = xi.values, ov = out.values, modes = state.spectrum.count
        let norm = 1 / Double(model.lattice.siteCount)
        state.coefficients.withUnsafeBufferPointer { c in
            let e = c.baseAddress!, f = e + modes, q = e + 2 * modes
            for k in 0..<modes {
                var re = e[k] * spec[2 * k], im = e[k] * spec[2 * k + 1]
                if !linear { re += f[k] * nv[2 * k]; im += f[k] * nv[2 * k + 1] }
                if noisy { re += q[k] * xv[2 * k]; im += q[k] * xv[2 * k + 1] }
                spec[2 * k] = re; spec[2 * k + 1] = im
                ov[2 * k] = re * norm; ov[2 * k + 1] = im * norm
            }
        }
        ctx.transform.inverse(destroying: out, into: state.field)
        state.stepIndex += 1
    }

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
