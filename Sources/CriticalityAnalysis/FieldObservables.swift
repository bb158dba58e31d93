import Foundation
import CriticalityLattice

/// The standard observables of an ensemble of fields at one time: the structure factor on
/// shells, the radial connected correlation G(r) (to half the shortest box length), the
/// magnetisation moments, and the three correlation lengths, with standard errors over members
/// (jackknife for the lengths, which are non-linear in the means). docs/theory.md §5.
///
/// S(k) and G(r) are recorded on binned shells and distances (exact up to |n|² = 256, unit-width
/// bins of |n| beyond), and members are reduced in the fixed blocks of `MemberBlocks`: an
/// ensemble keeps one `BlockSum` per block and time, and every member's m.
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
    let exactShells: StructureFactor
    let transform: FourierTransform

    /// One member's measurement.
    public struct Sample: Sendable {
        public var m: Double
        public var s: [Double]
        public var g: [Double]

        init(m: Double, s: [Double], g: [Double]) {
            self.m = m
            self.s = s
            self.g = g
        }
    }

    /// The sums of S and G over the members of one block (`MemberBlocks`), in member order.
    public struct BlockSum: Sendable {
        public var count = 0
        public var s: [Double]
        public var g: [Double]

        public init(shells: Int, bins: Int) {
            s = [Double](repeating: 0, count: shells)
            g = [Double](repeating: 0, count: bins)
        }

        public mutating func add(_ x: Sample) {
            count += 1
            for k in s.indices { s[k] += x.s[k] }
            for b in g.indices { g[b] += x.g[b] }
        }

        /// Exact bit patterns, for gathering blocks over MPI ranks.
        public func encode(_ w: inout ByteWriter) {
            w.append(count)
            w.append(s)
            w.append(g)
        }

        public init(_ r: inout ByteReader) {
            count = r.int()
            s = r.doubles()
            g = r.doubles()
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
        structureFactor = StructureFactor(lattice, binned: true)
        correlation = CorrelationFunction(lattice, binned: true)
        // A ring order parameter needs its exact shell, which binning may merge with others.
        if case .shell = orderParameter { exactShells = StructureFactor(lattice) } else { exactShells = structureFactor }
        let maxDistance = lattice.boxLength.min()! / 2
        bins = correlation.distance.firstIndex { $0 > maxDistance + 1e-12 } ?? correlation.binCount
    }

    public var distance: [Double] { Array(correlation.distance[0..<bins]) }

    /// Measures a field whose spectrum is known (scratch buffers are overwritten).
    public func measure(_ field: RealField, knownSpectrum spectrum: SpectralField, scratch: SpectralField, work: RealField) -> Sample {
        Sample(m: orderParameter.value(field, spectrum: spectrum, structureFactor: exactShells), s: structureFactor.shellAverages(spectrum),
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

    /// An empty block sum of this ensemble's shells and bins.
    public func emptyBlock() -> BlockSum { BlockSum(shells: structureFactor.shellCount, bins: bins) }

    /// Ensemble means and errors of one time's samples (one per member, in member order),
    /// reduced in the blocks of `MemberBlocks`. `temperature` enters only the susceptibility
    /// (NaN when it is 0).
    public func summarize(_ samples: [Sample], temperature: Double) -> Summary {
        let blocks = MemberBlocks(members: samples.count)
        let sums = (0..<blocks.count).map { b in
            blocks.members(ofBlock: b).reduce(into: emptyBlock()) { $0.add(samples[$1]) }
        }
        return summarize(blocks: sums, magnetisations: samples.map(\.m), temperature: temperature)
    }

    /// Ensemble means and errors from block sums (in block order) and every member's m (in
    /// member order): S with its delete-a-block jackknife error, G, the magnetisation moments,
    /// and the correlation lengths by the block jackknife.
    public func summarize(blocks: [BlockSum], magnetisations: [Double], temperature: Double) -> Summary {
        let sf = structureFactor
        let k1 = sf.waveNumber.count > 1 ? sf.waveNumber[1] : .nan
        let fitShells = Array(1..<min(sf.shellCount, 1 + FieldObservables.ornsteinZernikeShells))
        let fitK2 = fitShells.map { sf.waveNumberSquared[$0] }, r = distance
        let counts = blocks.map(\.count), n = Double(counts.reduce(0, +))
        var sTotal = [Double](repeating: 0, count: sf.shellCount), gTotal = [Double](repeating: 0, count: bins)
        for b in blocks {
            for k in sTotal.indices { sTotal[k] += b.s[k] }
            for i in gTotal.indices { gTotal[i] += b.g[i] }
        }
        let sError = sTotal.indices.map { k in Estimate.jackknife(sums: blocks.map { [$0.s[k]] }, counts: counts) { $0[0] }.standardError }
        let gSums = blocks.map(\.g)
        return Summary(
            s: sTotal.map { $0 / n }, sError: sError, g: gTotal.map { $0 / n },
            order: OrderParameter(magnetisations: magnetisations, volume: lattice.volume, sites: lattice.siteCount, temperature: temperature),
            xiOneOverE: Estimate.jackknife(sums: gSums, counts: counts) { CorrelationLength.oneOverE(distance: r, correlation: $0) },
            xiSecondMoment: CorrelationLength.length(fromSquared: Estimate.jackknife(sums: blocks.map { [$0.s[0], $0.s.count > 1 ? $0.s[1] : .nan] }, counts: counts) {
                CorrelationLength.secondMomentSquared(s0: $0[0], s1: $0[1], k1: k1)
            }),
            xiOrnsteinZernike: fitShells.count < 2 ? Estimate(mean: .nan, standardError: .nan) : Estimate.jackknife(sums: blocks.map { b in fitShells.map { b.s[$0] } }, counts: counts) {
                CorrelationLength.ornsteinZernike(waveNumberSquared: fitK2, structureFactor: $0).xi
            },
            xiIntegrated: Estimate.jackknife(sums: gSums, counts: counts) { CorrelationLength.integrated(distance: r, correlation: $0) })
    }
}
