import Foundation
import CriticalityLattice

/// The standard observables of an ensemble of fields at one time: the structure factor on
/// shells, the radial connected correlation G(r) (to half the shortest box length), the
/// magnetisation moments, and the three correlation lengths, with standard errors over members
/// (jackknife for the lengths, which are non-linear in the means). docs/theory.md §5.
public struct FieldObservables: Sendable {
    /// Non-zero shells in the Ornstein–Zernike fit.
    public static let ornsteinZernikeShells = 8

    public let lattice: Lattice
    public let structureFactor: StructureFactor
    public let correlation: CorrelationFunction
    /// Number of G(r) bins kept: those up to half the shortest box length.
    public let bins: Int
    /// What m is (docs/theory.md §12.1).
    public let orderParameter: OrderParameterField
    let transform: FourierTransform

    /// One member's measurement.
    public struct Sample: Sendable {
        public var m: Double
        public var s: [Double]
        public var g: [Double]

        /// Exact bit patterns, for gathering ensemble members over MPI ranks.
        public func encode(_ w: inout ByteWriter) {
            w.append(m)
            w.append(s)
            w.append(g)
        }

        public init(_ r: inout ByteReader) {
            m = r.double()
            s = r.doubles()
            g = r.doubles()
        }

        init(m: Double, s: [Double], g: [Double]) {
            self.m = m
            self.s = s
            self.g = g
        }
    }

    /// Ensemble summary at one time.
    public struct Summary: Sendable {
        public var s: [Double]
        public var sError: [Double]
        public var g: [Double]
        public var order: OrderParameter
        public var xiOneOverE: Estimate
        public var xiSecondMoment: Estimate
        public var xiOrnsteinZernike: Estimate
        public var xiIntegrated: Estimate
    }

    public init(_ lattice: Lattice, transform: FourierTransform, orderParameter: OrderParameterField = .uniform) {
        self.lattice = lattice
        self.transform = transform
        self.orderParameter = orderParameter
        structureFactor = StructureFactor(lattice)
        correlation = CorrelationFunction(lattice)
        let maxDistance = lattice.boxLength.min()! / 2
        bins = correlation.distance.firstIndex { $0 > maxDistance + 1e-12 } ?? correlation.binCount
    }

    public var distance: [Double] { Array(correlation.distance[0..<bins]) }

    /// Measures a field whose spectrum is known (scratch buffers are overwritten).
    public func measure(_ field: RealField, knownSpectrum spectrum: SpectralField, scratch: SpectralField, work: RealField) -> Sample {
        Sample(m: orderParameter.value(field, spectrum: spectrum, structureFactor: structureFactor), s: structureFactor.shellAverages(spectrum),
               g: Array(correlation.radialProfile(spectrum: spectrum, transform: transform, scratch: scratch, work: work)[0..<bins]))
    }

    /// Measures a field (one forward FFT into `spectrum`; all three buffers are overwritten).
    public func measure(_ field: RealField, spectrum: SpectralField, scratch: SpectralField, work: RealField) -> Sample {
        transform.forward(field, into: spectrum)
        return measure(field, knownSpectrum: spectrum, scratch: scratch, work: work)
    }

    /// Measures a field and its sign (−1, 0, 1, written into `sign`): the pair every
    /// reverse-diffusion observation records for x_t and for D(x_t).
    public func measureWithSign(_ field: RealField, sign: RealField, spectrum: SpectralField, scratch: SpectralField, work: RealField) -> [Sample] {
        let m = measure(field, spectrum: spectrum, scratch: scratch, work: work)
        for j in 0..<field.count { sign[j] = field[j] > 0 ? 1 : (field[j] < 0 ? -1 : 0) }
        return [m, measure(sign, spectrum: spectrum, scratch: scratch, work: work)]
    }

    /// Ensemble means and errors of one time's samples (one per member). `temperature` enters
    /// only the susceptibility (NaN when it is 0).
    public func summarize(_ samples: [Sample], temperature: Double) -> Summary {
        let sf = structureFactor
        let k1 = sf.waveNumber.count > 1 ? sf.waveNumber[1] : .nan
        let fitShells = Array(1..<min(sf.shellCount, 1 + FieldObservables.ornsteinZernikeShells))
        let fitK2 = fitShells.map { sf.waveNumberSquared[$0] }, r = distance
        let sRows = samples.map(\.s), gRows = samples.map(\.g)
        let s = (0..<sf.shellCount).map { k in Estimate(samples: sRows.map { $0[k] }) }
        return Summary(
            s: s.map(\.mean), sError: s.map(\.standardError),
            g: (0..<bins).map { b in gRows.reduce(0) { $0 + $1[b] } / Double(samples.count) },
            order: OrderParameter(magnetisations: samples.map(\.m), volume: lattice.volume, sites: lattice.siteCount, temperature: temperature),
            xiOneOverE: Estimate.jackknife(gRows) { CorrelationLength.oneOverE(distance: r, correlation: $0) },
            xiSecondMoment: CorrelationLength.length(fromSquared: Estimate.jackknife(sRows.map { [$0[0], $0.count > 1 ? $0[1] : .nan] }) {
                CorrelationLength.secondMomentSquared(s0: $0[0], s1: $0[1], k1: k1)
            }),
            xiOrnsteinZernike: fitShells.count < 2 ? Estimate(mean: .nan, standardError: .nan) : Estimate.jackknife(sRows.map { r in fitShells.map { r[$0] } }) {
                CorrelationLength.ornsteinZernike(waveNumberSquared: fitK2, structureFactor: $0).xi
            },
            xiIntegrated: Estimate.jackknife(gRows) { CorrelationLength.integrated(distance: r, correlation: $0) })
    }
}
