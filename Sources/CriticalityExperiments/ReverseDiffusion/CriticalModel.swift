import CriticalityAnalysis
import CriticalityDiffusion
import Foundation
import CriticalityLattice

/// What the analytic critical-time estimators know of a run's model (docs/theory.md §4, §7):
/// the softening dispersion where the model is (or contains) a circular patch or memorising
/// machine, the data mean that fixes its homogeneous state, and the data covariance's top
/// eigenvalue for the speciation time. Class-conditional runs use the first class's data.
public struct CriticalModel: Sendable {
    /// Nil for models without a translation-invariant Jacobian at the homogeneous state (LS,
    /// Gaussian fields) and for multi-channel data.
    public let dispersion: Dispersion?
    /// The window of the dispersion (P, or nil for the whole lattice).
    public let window: Int?
    /// ȳ: the homogeneous state is α_t ȳ.
    public let dataMean: Double
    /// Λ_max of the data covariance.
    public let topEigenvalue: Double?
    /// For models of a finite training set: its size, the sites per image, and the data
    /// covariance's spectrum (the collapse time).
    public var trainingSet: (size: Int, dimension: Int, eigenvalues: [Double])? = nil
    /// The data's autocovariance C(δ), where the model has training data on a 1-D or 2-D lattice
    /// (for `[softening] windows`).
    public let autocovariance: [Double]?
    /// Where the model has no dispersion of its own (the ideal model, an external network with
    /// data): the peak mode of the data's dispersion (under the first `[softening] windows` size,
    /// else the whole lattice), probed as k*.
    public var dataPeakMode: Int? = nil
    /// The ideal model's C1 eigenvalue: its Jacobian at a state of uniform posterior weights is
    /// (α/σ²) Cov[y], so its first unstable direction is the data covariance's top eigenvector and
    /// C1 reads λ_t Λ_max = 1, not λ_t max Ĉ = 1 (equal only for shift-invariant data).
    public var c1Eigenvalue: Double? = nil

    /// The mode probed beside the lowest shells: k* of the model's dispersion, or of its data.
    public var probeMode: Int? { dispersion?.peakMode ?? dataPeakMode }

    /// The expansion around k* when the first unstable mode is on a ring (docs/theory.md §11.3).
    public var ring: RingExpansion? { probeMode.flatMap { RingExpansion(lattice: lattice, peakMode: $0) } }

    /// The modes probed beside the lowest shells: k*, and on a ring its two radial neighbours.
    public var probeModes: [Int] { ring?.modes ?? probeMode.map { [$0] } ?? [] }

    /// The probe direction of the dynamic response: the cos wave of k* (k = 0 without one).
    public var responseWave: PlaneWave {
        PlaneWave(lattice: lattice, mode: lattice.modeIntegers(spectralIndex: probeMode ?? 0), sine: false)
    }
    let lattice: Lattice
}

extension CriticalModel {
    /// C1 and C2 of the dispersion's peak mode (docs/theory.md §8 (1)); `window` names the window.
    func dispersionEstimates(schedule: NoiseSchedule) -> [CriticalTime] {
        if dispersion == nil, let top = c1Eigenvalue {
            var out: [CriticalTime] = []
            if let t = Dispersion.criticalTime(top, schedule: schedule) {
                out.append(.init(key: "t_c_analytic_c1", estimator: String(format: "C1: λ_t Λ_max = 1, Λ_max = %.6g the data covariance's top eigenvalue (the ideal model's Jacobian (α/σ²) Cov[y] with uniform posterior weights)", top), time: t))
            }
            if let t = Dispersion.criticalTimeC2(top, schedule: schedule) {
                out.append(.init(key: "t_c_analytic_c2", estimator: "C2: the linearised reverse drift along the top eigenvector changes sign", time: t))
            }
            return out
        }
        guard let d = dispersion else { return [] }
        let window = self.window.map { "P = \($0)" } ?? "whole lattice"
        let k = lattice.waveVector(spectralIndex: d.peakMode).reduce(0) { $0 + $1 * $1 }.squareRoot()
        var out: [CriticalTime] = []
        if let t = d.criticalTime(mode: d.peakMode, schedule: schedule) {
            out.append(.init(key: "t_c_analytic_c1", estimator: String(format: "C1: λ_t Λ* = 1, Λ* = max Ĉ = %.6g at |k*| = %.4g (windowed autocovariance, %@)", d.peak, k, window), time: t))
        }
        if let t = Dispersion.criticalTimeC2(d.peak, schedule: schedule) {
            out.append(.init(key: "t_c_analytic_c2", estimator: "C2: the linearised reverse drift of k* changes sign", time: t))
        }
        return out
    }

    /// Speciation, α_t² Λ_max = 1 (docs/theory.md §8 (5)), where the schedule reaches it.
    func speciationEstimate(schedule: NoiseSchedule) -> CriticalTime? {
        guard let top = topEigenvalue, let t = Speciation.time(topEigenvalue: top, schedule: schedule) else { return nil }
        return .init(key: "t_speciation", estimator: String(format: "speciation: α_t² Λ_max = 1, Λ_max = %.6g of the data covariance", top), time: t)
    }

    /// Collapse onto the training set (docs/theory.md §7): the excess entropy of the n training
    /// points vanishes, with the population entropy in the Gaussian approximation of the data
    /// covariance (``Collapse``; the package's definition for general data).
    func collapseEstimate(schedule: NoiseSchedule) -> CriticalTime? {
        guard let set = trainingSet, schedule != .ve else { return nil }
        let d = schedule.domain
        guard let t = Collapse.time(trainingSize: set.size, dimension: set.dimension, eigenvalues: set.eigenvalues, schedule: schedule,
                                    range: max(d.lowerBound, 1e-9)...d.upperBound) else { return nil }
        return .init(key: "t_collapse", estimator: "collapse: excess entropy log n/d + (1/2d) Σ log(σ²/(σ² + α²λ_k)) = 0, n = \(set.size), d = \(set.dimension)", time: t)
    }
}

extension DiffusionSpec {
    /// The analytic side of the softening analysis for this spec and its (mapped) data.
    func criticalModel(data: Dataset?) -> CriticalModel {
        let n = Double(lattice.siteCount), flat = lattice.dimension <= 2
        let set = data.map { d in modelLabels.first.flatMap { d.restricted(toLabel: $0) } ?? d }
        let mean = set.map { s in s.images.reduce(0) { $0 + $1.reduce(0, +) } / (Double(s.count) * n) } ?? 0
        /// k* of the data themselves, for models without a dispersion of their own.
        func dataPeak(_ c: [Double]) -> Int { Dispersion(autocovariance: c, lattice: lattice, window: softening?.windows.first).peakMode }
        /// P of a patch schedule: the size whose own C1 time lies where the schedule uses it
        /// (the latest such), else the largest.
        func window(_ p: PatchSchedule, _ make: (Int) -> Dispersion) -> (Dispersion, Int) {
            let candidates = p.sizes.map { ($0, make($0)) }
            let consistent = candidates.compactMap { size, d -> (Double, Dispersion, Int)? in
                guard let t = d.criticalTime(mode: d.peakMode, schedule: schedule), p.size(at: t) == size else { return nil }
                return (t, d, size)
            }
            if let best = consistent.max(by: { $0.0 < $1.0 }) { return (best.1, best.2) }
            return (candidates.last!.1, candidates.last!.0)
        }
        switch model {
        case .binaryPatch(let p):
            let (d, w) = window(p) { Dispersion.binaryPatch(lattice: lattice, patch: $0) }
            return CriticalModel(dispersion: d, window: w, dataMean: 0, topEigenvalue: n, autocovariance: [Double](repeating: 1, count: lattice.siteCount), lattice: lattice)
        case .twoPoint(let a):
            let c = [Double](repeating: a * a, count: lattice.siteCount)
            return CriticalModel(dispersion: Dispersion(autocovariance: c, lattice: lattice, window: nil), window: nil, dataMean: 0, topEigenvalue: a * a * n,
                                 autocovariance: c, lattice: lattice)
        case .gaussianMixture:
            let m = mixture
            return CriticalModel(dispersion: nil, window: nil, dataMean: 0, topEigenvalue: Speciation.topCovarianceEigenvalue(m), autocovariance: nil, lattice: lattice)
        case .external:
            // A network's dispersion is not known in closed form: only the measured estimates
            // (probes, ξ) enter its critical-time table. Its data, if given, fix the homogeneous
            // state, the speciation time and the windowed C1 times of `[softening] windows`.
            guard let set else { return CriticalModel(dispersion: nil, window: nil, dataMean: 0, topEigenvalue: nil, autocovariance: nil, lattice: lattice) }
            let c = flat ? Dispersion.autocovariance(set, lattice: lattice) : nil
            return CriticalModel(dispersion: nil, window: nil, dataMean: mean, topEigenvalue: Speciation.topCovarianceEigenvalue(set),
                                 autocovariance: c, dataPeakMode: c.map(dataPeak), lattice: lattice)
        case .gaussianField(let s):
            return CriticalModel(dispersion: nil, window: nil, dataMean: 0, topEigenvalue: s.values(on: lattice).max(), autocovariance: nil, lattice: lattice)
        case .equivariantIdeal:
            let c = flat ? Dispersion.autocovariance(set!, lattice: lattice) : nil, spectrum = Speciation.covarianceEigenvalues(set!)
            return CriticalModel(dispersion: c.map { Dispersion(autocovariance: $0, lattice: lattice, window: nil) }, window: nil, dataMean: mean,
                                 topEigenvalue: spectrum.max(), trainingSet: (set!.count, set!.images[0].count, spectrum), autocovariance: c, lattice: lattice)
        case .ideal:
            // Plane waves diagonalise the shift-averaged covariance of the equivariant model only.
            let c = flat ? Dispersion.autocovariance(set!, lattice: lattice) : nil, spectrum = Speciation.covarianceEigenvalues(set!)
            return CriticalModel(dispersion: nil, window: nil, dataMean: mean, topEigenvalue: spectrum.max(), trainingSet: (set!.count, set!.images[0].count, spectrum),
                                 autocovariance: c, dataPeakMode: c.map(dataPeak),
                                 c1Eigenvalue: spectrum.max(), lattice: lattice)
        case .patchMachine(let dictionary, let p):
            let spectrum = Speciation.covarianceEigenvalues(set!), c = flat ? Dispersion.autocovariance(set!, lattice: lattice) : nil
            let training = (set!.count, set!.images[0].count, spectrum)
            guard dictionary.locality == .equivariant, let c else {
                return CriticalModel(dispersion: nil, window: nil, dataMean: mean, topEigenvalue: spectrum.max(), trainingSet: training, autocovariance: c, lattice: lattice)
            }
            let (d, w) = window(p) { Dispersion(autocovariance: c, lattice: lattice, window: $0) }
            return CriticalModel(dispersion: d, window: w, dataMean: mean, topEigenvalue: spectrum.max(), trainingSet: training, autocovariance: c, lattice: lattice)
        }
    }
}
