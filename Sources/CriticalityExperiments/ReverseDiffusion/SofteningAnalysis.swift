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
    /// ξ_eq at k* = 0, ξ_ring around a ring.
    let homogeneousXi: [Double]
    /// The expansion's ring, when the model's first unstable mode has |k*| > 0.
    let ring: RingExpansion?
    let ginzburgLandau: [GinzburgLandauCoefficients]
    /// The analytic coefficients on the same grid: the binary patch model's closed form, or a
    /// dispersion's r and κ around its ring.
    let ginzburgLandauAnalytic: [GinzburgLandauCoefficients]?
    let crossing: (time: Double, shell: Int)?
    let exponents: (nu: PowerLawFit, gamma: PowerLawFit)?
    /// Along trajectories: batch mean σ²h per shell, [time][shell]; ξ_eq (jackknife); χ_dyn.
    let stiffness: [[Estimate]]
    let xiEq: [Estimate]
    let response: [Estimate]

    static func analyse(_ r: DiffusionResult, threads: Int, progress: Progress? = nil) throws -> SofteningResult? {
        guard let f = r.spec.softening, let probe = r.probe else { return nil }
        let spec = r.spec, lattice = spec.lattice
        let softening = ModeSoftening(probe: probe, schedule: spec.schedule, dataMean: r.prepared.critical.dataMean)
        let times = try TimeGrid.logUniform.times(from: spec.tStart, to: spec.tEnd, steps: f.times - 1, schedule: spec.schedule)
        // A ring instability is expanded around k* (docs/theory.md §11.3), a peak at k = 0 at k = 0 (§6).
        let critical = r.prepared.critical, ring = critical.ring
        struct Point: Sendable { var stiffness: [Double]; var gl: GinzburgLandauCoefficients }
        progress?.start(totalSteps: times.count, phase: "homogeneous-state scan")
        let points = Ensemble.map(members: times.count, threads: threads) { i -> Point in
            defer { progress?.advance() }
            let w = JacobianProbe.Workspace(lattice), waves = softening.waveStiffness(at: times[i], workspace: w)
            return Point(stiffness: probe.shellMeans(waves), gl: ring.map { GinzburgLandauCoefficients.measure(softening, ring: $0, at: times[i], workspace: w) }
                ?? GinzburgLandauCoefficients.measure(softening, at: times[i], waveStiffness: waves, workspace: w))
        }
        let scan = points.map(\.stiffness)
        let crossing = softening.criticalTime(times: times, scan: scan)
        var analytic: [GinzburgLandauCoefficients]?
        if let ring, let d = critical.dispersion {
            analytic = times.map { ring.coefficients(d, at: spec.schedule.level(at: $0)) }
        } else if case .binaryPatch(let p) = spec.model {
            analytic = times.map { GinzburgLandauCoefficients.binaryPatch(spec.schedule.level(at: $0), patch: p.size(at: $0)) }
        }
        let shellRows = r.probeStiffness.map { members in members.map(probe.shellMeans) }
        return SofteningResult(
            shells: probe.shells, shellWaveNumber: probe.shellWaveNumberSquared.map { $0.squareRoot() },
            homogeneousTimes: times, homogeneousStiffness: scan,
            homogeneousXi: ring == nil ? scan.map { JacobianProbe.equilibriumLength(shellStiffness: $0, lattice: lattice) }
                : points.map { RingExpansion.length(r: $0.gl.r, kappa: $0.gl.kappa) },
            ring: ring,
            ginzburgLandau: points.map(\.gl), ginzburgLandauAnalytic: analytic, crossing: crossing,
            exponents: crossing.flatMap { $0.shell == 0 ? softening.exponents(criticalTime: $0.time) : nil },
            stiffness: shellRows.map { rows in probe.shells.indices.map { s in Estimate(samples: rows.map { $0[s] }) } },
            xiEq: ring.map { ring in r.probeStiffness.map { rows in Estimate.jackknife(rows) { ring.length(waves: probe.waves, stiffness: $0) } } }
                ?? shellRows.map { rows in Estimate.jackknife(rows) { JacobianProbe.equilibriumLength(shellStiffness: $0, lattice: lattice) } },
            response: r.responses.map { Estimate(samples: $0) })
    }
}
