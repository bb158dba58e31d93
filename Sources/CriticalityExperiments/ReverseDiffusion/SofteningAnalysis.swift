import CriticalityAnalysis
import CriticalityDiffusion
import Foundation
import CriticalityLattice

/// The softening analysis of a reverse-diffusion run with a [softening] section: the
/// homogeneous-state scan (stiffness per shell, ξ_eq, GL coefficients, the zero crossing and
/// the exponent fits) and the batch statistics of the probes along the trajectories.
struct SofteningResult {
    let shells: [Int]
    let shellWaveNumber: [Double]
    let homogeneousTimes: [Double]
    /// σ²h per shell at the homogeneous state, [time][shell].
    let homogeneousStiffness: [[Double]]
    let homogeneousXi: [Double]
    let ginzburgLandau: [GinzburgLandauCoefficients]
    /// The binary patch model's analytic coefficients on the same grid.
    let ginzburgLandauAnalytic: [GinzburgLandauCoefficients]?
    let crossing: (time: Double, shell: Int)?
    let exponents: (nu: PowerLawFit, gamma: PowerLawFit)?
    /// Along trajectories: batch mean σ²h per shell, [time][shell]; ξ_eq (jackknife); χ_dyn.
    let stiffness: [[Estimate]]
    let xiEq: [Estimate]
    let response: [Estimate]

    static func analyse(_ r: DiffusionResult, threads: Int) throws -> SofteningResult? {
        guard let f = r.spec.softening, let probe = r.probe else { return nil }
        let spec = r.spec, lattice = spec.lattice
        let softening = ModeSoftening(probe: probe, schedule: spec.schedule, dataMean: r.prepared.critical.dataMean)
        let times = try TimeGrid.logUniform.times(from: spec.tStart, to: spec.tEnd, steps: f.times - 1, schedule: spec.schedule)
        struct Point: Sendable { var stiffness: [Double]; var gl: GinzburgLandauCoefficients }
        let points = Ensemble.map(members: times.count, threads: threads) { i -> Point in
            let w = JacobianProbe.Workspace(lattice), waves = softening.waveStiffness(at: times[i], workspace: w)
            return Point(stiffness: probe.shellMeans(waves), gl: GinzburgLandauCoefficients.measure(softening, at: times[i], waveStiffness: waves, workspace: w))
        }
        let scan = points.map(\.stiffness)
        let crossing = softening.criticalTime(times: times, scan: scan)
        var analytic: [GinzburgLandauCoefficients]?
        if case .binaryPatch(let p) = spec.model {
            analytic = times.map { GinzburgLandauCoefficients.binaryPatch(spec.schedule.level(at: $0), patch: p.size(at: $0)) }
        }
        let shellRows = r.probeStiffness.map { members in members.map(probe.shellMeans) }
        return SofteningResult(
            shells: probe.shells, shellWaveNumber: probe.shellWaveNumberSquared.map { $0.squareRoot() },
            homogeneousTimes: times, homogeneousStiffness: scan,
            homogeneousXi: scan.map { JacobianProbe.equilibriumLength(shellStiffness: $0, lattice: lattice) },
            ginzburgLandau: points.map(\.gl), ginzburgLandauAnalytic: analytic, crossing: crossing,
            exponents: crossing.flatMap { $0.shell == 0 ? softening.exponents(criticalTime: $0.time) : nil },
            stiffness: shellRows.map { rows in probe.shells.indices.map { s in Estimate(samples: rows.map { $0[s] }) } },
            xiEq: shellRows.map { rows in Estimate.jackknife(rows) { JacobianProbe.equilibriumLength(shellStiffness: $0, lattice: lattice) } },
            response: r.responses.map { Estimate(samples: $0) })
    }
}
