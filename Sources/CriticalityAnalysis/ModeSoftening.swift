import CriticalityDiffusion
import Foundation
import CriticalityLattice

/// Mode softening at the homogeneous state x = α_t ȳ (ȳ the training data's mean per site;
/// 0 for symmetric data), docs/theory.md §4: Jacobian-probe stiffness σ²h(k, t) per shell against
/// time, the time at which the softest shell crosses zero (critical-time estimator 2), and the
/// Jacobian proxy ξ_eq(t).
public struct ModeSoftening: Sendable {
    public let probe: JacobianProbe
    public let schedule: NoiseSchedule
    /// ȳ: the homogeneous state is the uniform field α_t ȳ.
    public let dataMean: Double

    public init(probe: JacobianProbe, schedule: NoiseSchedule, dataMean: Double = 0) {
        self.probe = probe
        self.schedule = schedule
        self.dataMean = dataMean
    }

    public var lattice: Lattice { probe.denoiser.lattice }

    public func homogeneousState(_ level: NoiseLevel) -> RealField {
        RealField(lattice) { _ in level.alpha * dataMean }
    }

    /// σ²h per wave (``JacobianProbe/waves`` order) at the homogeneous state at time t.
    public func waveStiffness(at t: Double, workspace: JacobianProbe.Workspace) -> [Double] {
        let level = schedule.level(at: t)
        return probe.stiffness(at: homogeneousState(level), level: level, workspace: workspace)
    }

    /// σ²h per shell (``JacobianProbe/shells`` order) at the homogeneous state at time t.
    public func shellStiffness(at t: Double, workspace: JacobianProbe.Workspace) -> [Double] {
        probe.shellMeans(waveStiffness(at: t, workspace: workspace))
    }

    /// σ²h per shell at each time, times shared out over `threads` (bitwise independent of it).
    public func scan(times: [Double], threads: Int = 1) -> [[Double]] {
        Ensemble.map(members: times.count, threads: threads) { i in
            shellStiffness(at: times[i], workspace: JacobianProbe.Workspace(lattice))
        }
    }

    /// The zero crossing of the softest shell: on the scanned grid, the latest time (largest t)
    /// at which some shell's σ²h ≤ 0 while every shell is still positive at the next larger
    /// grid time, refined on that shell's waves alone by the Illinois (modified regula falsi)
    /// method to |Δt| ≤ 1e-12 t. Nil without a crossing.
    public func criticalTime(times: [Double], scan: [[Double]]) -> (time: Double, shell: Int)? {
        let order = times.indices.sorted { times[$0] > times[$1] }
        for (a, b) in zip(order, order.dropFirst()) where scan[a].allSatisfy({ $0 > 0 }) && scan[b].contains(where: { $0 <= 0 }) {
            let s = scan[b].indices.min { scan[b][$0] < scan[b][$1] }!
            let waves = probe.waves.indices.filter { probe.waves[$0].shell == probe.shells[s] }
            let w = JacobianProbe.Workspace(lattice)
            func f(_ t: Double) -> Double {
                let level = schedule.level(at: t)
                let h = probe.stiffness(at: homogeneousState(level), level: level, workspace: w, indices: waves)
                return h.reduce(0, +) / Double(h.count)
            }
            var (hi, fHi, lo, fLo) = (times[a], scan[a][s], times[b], scan[b][s])  // fHi > 0 ≥ fLo
            var (side, iterations) = (0, 0)
            while hi - lo > 1e-12 * hi && fLo != 0 && iterations < 200 {
                iterations += 1
                let t = min(max((lo * fHi - hi * fLo) / (fHi - fLo), lo), hi), ft = f(t)
                if ft > 0 {
                    (hi, fHi) = (t, ft)
                    if side == 1 { fLo /= 2 }
                    side = 1
                } else {
                    (lo, fLo) = (t, ft)
                    if side == -1 { fHi /= 2 }
                    side = -1
                }
            }
            return (fLo == 0 ? lo : (abs(fLo) < abs(fHi) ? lo : hi), probe.shells[s])
        }
        return nil
    }

    /// ξ_eq at the homogeneous state at time t.
    public func equilibriumLength(at t: Double, workspace: JacobianProbe.Workspace) -> Double {
        JacobianProbe.equilibriumLength(shellStiffness: shellStiffness(at: t, workspace: workspace), lattice: lattice)
    }

    /// Mean-field exponents from the approach to t_c from above (noise side): ν from
    /// ξ_eq ∝ (t − t_c)^{−ν} and γ from χ(0) = 1/h(0) ∝ (t − t_c)^{−γ}, each a least-squares fit
    /// on `points` times t_c(1 + ε), ε log-spaced over `reducedRange`.
    public func exponents(criticalTime tc: Double, reducedRange: ClosedRange<Double> = 1e-3...3e-2, points: Int = 12) -> (nu: PowerLawFit, gamma: PowerLawFit) {
        let w = JacobianProbe.Workspace(lattice)
        let eps = (0..<points).map { reducedRange.lowerBound * pow(reducedRange.upperBound / reducedRange.lowerBound, Double($0) / Double(points - 1)) }
        var xi: [Double] = [], chi: [Double] = []
        for e in eps {
            let t = tc * (1 + e), level = schedule.level(at: t), h = shellStiffness(at: t, workspace: w)
            xi.append(JacobianProbe.equilibriumLength(shellStiffness: h, lattice: lattice))
            chi.append(level.variance / h[0])
        }
        let distance = eps.map { $0 * tc }
        return (PowerLawFit(x: distance, y: xi).negated, PowerLawFit(x: distance, y: chi).negated)
    }
}
