import Foundation
import Testing
@testable import CriticalityDiffusion

let allSchedules: [NoiseSchedule] = [.vp, .ou, .ddpmDefault, .cosine, .ve]

@Test(arguments: allSchedules)
func ratesMatchFiniteDifferences(schedule: NoiseSchedule) {
    let times = schedule.domain.upperBound <= 1 ? [0.01, 0.2, 0.5, 0.9] : [0.01, 0.3, 1, 4]
    var worst = 0.0
    for t in times {
        let h = 1e-6 * t, l = schedule.level(at: t), up = schedule.level(at: t + h), down = schedule.level(at: t - h)
        let checks: [(Double, Double)] = [
            ((up.alpha - down.alpha) / (2 * h), l.alphaRate),
            ((up.sigma - down.sigma) / (2 * h), l.sigmaRate),
            ((up.signalToNoise - down.signalToNoise) / (2 * h), l.signalToNoiseRate),
        ]
        for (fd, exact) in checks { worst = max(worst, abs(fd - exact) / max(abs(exact), 1e-3)) }
        #expect(abs(l.alpha * l.alpha / (l.sigma * l.sigma) - l.signalToNoise) < 1e-12 * l.signalToNoise)
        // The inverse of λ_t.
        #expect(abs(schedule.time(atSignalToNoise: l.signalToNoise) - t) < 1e-9 * max(1, t))
    }
    validation("schedule \(schedule.name): worst relative error of α', σ', λ' against central differences", String(format: "%.1e", worst))
    #expect(worst < 1e-6)
}

@Test func forwardSDECoefficientsOfTheTable() {
    // docs/theory.md §1: vp has f = −½, g² = 1; ou has f = −1, g² = 2; ve has f = 0, g² = 2σ.
    for t in [0.05, 1.0, 3.0] {
        let vp = NoiseSchedule.vp.level(at: t), ou = NoiseSchedule.ou.level(at: t), ve = NoiseSchedule.ve.level(at: t)
        #expect(abs(vp.drift + 0.5) < 1e-14 && abs(vp.diffusionSquared - 1) < 1e-12)
        #expect(abs(ou.drift + 1) < 1e-14 && abs(ou.diffusionSquared - 2) < 1e-12)
        #expect(ve.drift == 0 && abs(ve.diffusionSquared - 2 * t) < 1e-14)
        // ddpm and cosine: g² = β = −d log ᾱ/dt.
        for s in [NoiseSchedule.ddpmDefault, .cosine] {
            let tt = t / 4, h = 1e-6, l = s.level(at: tt)
            let beta = -(2 * log(s.level(at: tt + h).alpha) - 2 * log(s.level(at: tt - h).alpha)) / (2 * h)
            #expect(abs(l.diffusionSquared - beta) < 1e-6 * beta)
        }
    }
}

@Test func ouTimeIsVPTwiceTime() {
    for t in [0.001, 0.1, 0.7, 2.5, 9] {
        let ou = NoiseSchedule.ou.level(at: t), vp = NoiseSchedule.vp.level(at: NoiseSchedule.vpTime(fromOU: t))
        #expect(abs(ou.alpha - vp.alpha) < 1e-15 && abs(ou.sigma - vp.sigma) < 1e-15)
        #expect(NoiseSchedule.ouTime(fromVP: 2 * t) == t)
    }
    // Two-point pitchfork times, docs/theory.md §7: vp t_c = log(1 + Λ), ou ½ log(1 + Λ), ve σ_c = √Λ.
    let lambda = 7.0
    #expect(abs(NoiseSchedule.vp.time(atSignalToNoise: 1 / lambda) - log(1 + lambda)) < 1e-14)
    #expect(abs(NoiseSchedule.ou.time(atSignalToNoise: 1 / lambda) - 0.5 * log(1 + lambda)) < 1e-14)
    #expect(abs(NoiseSchedule.ve.time(atSignalToNoise: 1 / lambda) - lambda.squareRoot()) < 1e-14)
}

@Test func timeGrids() throws {
    let u = try TimeGrid.uniform.times(from: 2, to: 0.5, steps: 3, schedule: .vp)
    #expect(u == [2, 1.5, 1, 0.5])
    let g = try TimeGrid.logUniform.times(from: 10, to: 1e-3, steps: 4, schedule: .vp)
    for i in 1...4 { #expect(abs(g[i] / g[i - 1] - 0.1) < 1e-14) }
    // For ve the EDM grid is Karras et al.'s σ grid itself.
    let (smax, smin, rho, n) = (80.0, 0.002, 7.0, 18)
    let e = try TimeGrid.edm(rho: rho).times(from: smax, to: smin, steps: n, schedule: .ve)
    for i in 0...n {
        let k = pow(pow(smax, 1 / rho) + Double(i) / Double(n) * (pow(smin, 1 / rho) - pow(smax, 1 / rho)), rho)
        #expect(abs(e[i] - k) < 1e-12 * k)
    }
    // For vp it is monotone and maps to the same noise scales σ/α.
    let v = try TimeGrid.edm(rho: rho).times(from: 12, to: 1e-3, steps: n, schedule: .vp)
    #expect(zip(v, v.dropFirst()).allSatisfy { $0 > $1 })
}
