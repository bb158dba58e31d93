import Foundation
import Testing
import CriticalityLattice
@testable import CriticalityFieldTheory

/// The one-stage update written plainly: draw ξ̂ into its own array (SpectralWhiteNoise), then
/// φ̂ ← E φ̂ + F N̂ + Q √(2T/v) ξ̂ mode by mode. The stepper's fused, vectorised loop must give
/// the same bits.
func referenceStep<S: OneStageStepper>(_ stepper: S, _ state: FieldState) {
    let ctx = stepper.context, model = ctx.model, dt = ctx.dt, l = model.lattice
    let t = state.time(dt: dt), n = l.spectralCount
    let nHat = SpectralField(l), xi = SpectralField(l), out = SpectralField(l)
    if !model.isLinear { ctx.nonlinearSpectrum(destroying: state.field.copy(), time: t, into: nHat) }
    let noisy = model.temperature > 0
    if noisy {
        SpectralWhiteNoise(lattice: l, noise: ctx.noise)
            .fill(xi, amplitude: (2 * model.temperature / l.cellVolume).squareRoot(), member: state.member, step: state.stepIndex)
    }
    let shift = model.linearShift(at: t + dt / 2)
    let s = state.spectrum.values, norm = 1 / Double(l.siteCount)
    for k in 0..<n {
        let c = S.coefficients((ctx.symbol[k] + shift) * dt, dt: dt), f = c.f * ctx.dealiasing.mask[k]
        var re = c.e * s[2 * k], im = c.e * s[2 * k + 1]
        if !model.isLinear { re += f * nHat.values[2 * k]; im += f * nHat.values[2 * k + 1] }
        if noisy { re += c.q * xi.values[2 * k]; im += c.q * xi.values[2 * k + 1] }
        s[2 * k] = re; s[2 * k + 1] = im
        out.values[2 * k] = re * norm; out.values[2 * k + 1] = im * norm
    }
    ctx.transform.inverse(destroying: out, into: state.field)
    state.stepIndex += 1
}

@Test(arguments: [[12, 10], [9, 7], [16], [6, 5, 4], [48, 48]])
func oneStageSteppersMatchThePlainReferenceBitForBit(shape: [Int]) throws {
    let l = try Lattice(shape: shape)
    let models: [any FieldModel] = [
        ModelA(lattice: l, r: .ramp(criticalTime: 0.5, quenchTime: 2), u: 1, kappa: 0.7, h: 0.1, temperature: 0.05),
        ModelA(lattice: l, r: .constant(0.5), u: 0, temperature: 0.3),
        SwiftHohenberg(lattice: l, r: 0.2, wavenumber: 0.8, temperature: 0),
    ]
    for model in models {
        let context = SpectralContext(model: model, dt: 0.05, seed: 9)
        for exponential in [true, false] {
            let start = RealField(l)
            GaussianNoise(seed: 4).fill(start.values, count: start.count, scale: 0.3, member: 0, step: 0)
            let a = FieldState(initial: start, member: 2, stepper: ExponentialEulerMaruyama(context))
            let b = FieldState(initial: start, member: 2, stepper: ExponentialEulerMaruyama(context))
            for _ in 0..<20 {
                if exponential {
                    ExponentialEulerMaruyama(context).step(a); referenceStep(ExponentialEulerMaruyama(context), b)
                } else {
                    SemiImplicitEuler(context).step(a); referenceStep(SemiImplicitEuler(context), b)
                }
            }
            #expect(a.field.array == b.field.array, "\(type(of: model)) \(exponential ? "exponential" : "semi-implicit") on \(shape)")
            #expect((0..<2 * a.spectrum.count).allSatisfy { a.spectrum.values[$0] == b.spectrum.values[$0] })
        }
    }
}

/// The models' nonlinear terms run eight lanes at a time, in place: the same bits as the
/// formulas written lane by lane, on a count with a partial last block.
@Test func nonlinearTermsInPlaceMatchTheScalarFormulas() throws {
    let l = try Lattice(shape: [5, 7])
    let phi = RealField(l)
    GaussianNoise(seed: 3).fill(phi.values, count: phi.count, scale: 1.5, member: 0, step: 0)
    phi[0] = -0.0
    let cases: [(any FieldModel, (Double) -> Double)] = [
        (ModelA(lattice: l, r: .constant(1), u: 0.7, h: 0.2, temperature: 0), { p in 0.2 - 0.7 * p * p * p }),
        (SwiftHohenberg(lattice: l, r: 0.2, wavenumber: 1, temperature: 0), { p in -p * p * p }),
        (SwiftHohenberg(lattice: l, r: 0.2, wavenumber: 1, quadratic: 0.4, temperature: 0), { p in (0.4 - p) * p * p }),
    ]
    for (model, formula) in cases {
        let out = phi.copy()
        model.nonlinearTerm(out.values, into: out.values, count: out.count, time: 0)
        #expect((0..<phi.count).allSatisfy { out[$0].bitPattern == formula(phi[$0]).bitPattern }, "\(model)")
    }
}
