import Foundation
import CriticalityLattice

/// Fourth-order exponential time differencing Runge–Kutta (Cox & Matthews 2002), with the
/// coefficients evaluated by Kassam & Trefethen's contour integral (64 points on a unit circle
/// around x = L·dt) so that they stay accurate as x → 0. Deterministic only: it refuses a
/// model with T > 0, because its stages have no consistent stochastic extension, and a ramped
/// linear part, for which frozen coefficients would lower its order.
public struct ETDRK4: Stepper {
    public let context: SpectralContext
    public var scratchCount: Int { 8 }

    public init(_ context: SpectralContext) throws {
        guard context.model.temperature == 0 else { throw StepperError.noiseNotSupported(stepper: "etdrk4") }
        guard !context.model.hasTimeDependentShift else { throw StepperError.timeDependentLinearPart(stepper: "etdrk4") }
        self.context = context
    }

    /// (E, E½, Q, f1, f2, f3) for x = L·dt.
    static func coefficients(_ x: Double, dt: Double) -> [Double] {
        let m = 64
        var q = 0.0, f1 = 0.0, f2 = 0.0, f3 = 0.0
        for j in 0..<m {
            let theta = 2 * Double.pi * (Double(j) + 0.5) / Double(m)
            let z = Complex(x + cos(theta), sin(theta))
            let ez = z.exp, ez2 = (z * 0.5).exp
            let z3 = z * z * z
            q += ((ez2 - 1) / z).re
            f1 += ((-4 - z + ez * (4 - 3 * z + z * z)) / z3).re
            f2 += ((2 + z + ez * (z - 2)) / z3).re
            f3 += ((-4 - 3 * z - z * z + ez * (4 - z)) / z3).re
        }
        let s = dt / Double(m)
        return [exp(x), exp(x / 2), q * s, f1 * s, f2 * s, f3 * s]
    }

    public func step(_ state: FieldState) {
        let ctx = context, dt = ctx.dt, t = state.time(dt: dt)
        let v = state.spectrum, count = 2 * v.count
        let shift = ctx.model.linearShift(at: t)
        if state.coefficientShift != shift { prepare(state, shift: shift) }
        // tables of mode k: E at k, E½ at m + k, Q at 2m + k, f1, f2, f3 at 3m, 4m, 5m + k
        let m = v.count, c = state.coefficients
        let s = state.scratch
        let (nv, na, nb, nc, a, b, cc, tmp) = (s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7])

        func nonlinear(_ u: SpectralField, _ time: Double, _ out: SpectralField) {
            ctx.synchronise(u, into: state.stage, scratch: tmp)
            ctx.nonlinearSpectrum(destroying: state.stage, time: time, into: out)
        }
        ctx.nonlinearSpectrum(destroying: state.field, time: t, into: nv)
        for i in 0..<count { a.values[i] = c[m + i / 2] * v.values[i] + c[2 * m + i / 2] * nv.values[i] }
        nonlinear(a, t + dt / 2, na)
        for i in 0..<count { b.values[i] = c[m + i / 2] * v.values[i] + c[2 * m + i / 2] * na.values[i] }
        nonlinear(b, t + dt / 2, nb)
        for i in 0..<count { cc.values[i] = c[m + i / 2] * a.values[i] + c[2 * m + i / 2] * (2 * nb.values[i] - nv.values[i]) }
        nonlinear(cc, t + dt, nc)
        for i in 0..<count {
            let k = i / 2
            v.values[i] = c[k] * v.values[i] + c[3 * m + k] * nv.values[i] + 2 * c[4 * m + k] * (na.values[i] + nb.values[i]) + c[5 * m + k] * nc.values[i]
        }
        ctx.synchronise(v, into: state.field, scratch: tmp)
        state.stepIndex += 1
    }

    private func prepare(_ state: FieldState, shift: Double) {
        let ctx = context, n = ctx.symbol.count
        var tables = [Double](repeating: 0, count: 6 * n)
        for k in 0..<n {
            let c = ETDRK4.coefficients((ctx.symbol[k] + shift) * ctx.dt, dt: ctx.dt)
            let mask = ctx.dealiasing.mask[k]
            tables[k] = c[0]; tables[n + k] = c[1]
            for j in 2..<6 { tables[j * n + k] = c[j] * mask }
        }
        state.coefficients = tables
        state.coefficientShift = shift
    }
}

/// The few complex operations the contour integral needs.
struct Complex {
    var re, im: Double
    init(_ re: Double, _ im: Double) { self.re = re; self.im = im }
    var exp: Complex { let m = Foundation.exp(re); return Complex(m * cos(im), m * sin(im)) }
    static func + (a: Complex, b: Complex) -> Complex { Complex(a.re + b.re, a.im + b.im) }
    static func - (a: Complex, b: Complex) -> Complex { Complex(a.re - b.re, a.im - b.im) }
    static func * (a: Complex, b: Complex) -> Complex { Complex(a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re) }
    static func / (a: Complex, b: Complex) -> Complex {
        let d = b.re * b.re + b.im * b.im
        return Complex((a.re * b.re + a.im * b.im) / d, (a.im * b.re - a.re * b.im) / d)
    }
    static func + (a: Double, b: Complex) -> Complex { Complex(a + b.re, b.im) }
    static func - (a: Double, b: Complex) -> Complex { Complex(a - b.re, -b.im) }
    static func - (a: Complex, b: Double) -> Complex { Complex(a.re - b, a.im) }
    static func * (a: Double, b: Complex) -> Complex { Complex(a * b.re, a * b.im) }
    static func * (a: Complex, b: Double) -> Complex { Complex(a.re * b, a.im * b) }
}
