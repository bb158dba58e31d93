import CFFTW

/// A real field on a lattice, stored in FFTW-aligned memory (`fftw_alloc_real`), so that
/// any field can be passed to the new-array execute functions of any plan.
///
/// A class because it owns a C allocation; copy explicitly with ``copy()``.
public final class RealField: @unchecked Sendable {
    public let lattice: Lattice
    public let count: Int
    public let values: UnsafeMutablePointer<Double>

    /// A zero field.
    public init(_ lattice: Lattice) {
        self.lattice = lattice
        count = lattice.siteCount
        values = fftw_alloc_real(count)!
        values.initialize(repeating: 0, count: count)
    }

    public convenience init(_ lattice: Lattice, _ body: (Int) -> Double) {
        self.init(lattice)
        for i in 0..<count { values[i] = body(i) }
    }

    deinit { fftw_free(values) }

    @inlinable public subscript(i: Int) -> Double {
        get { values[i] }
        set { values[i] = newValue }
    }

    public var array: [Double] { Array(UnsafeBufferPointer(start: values, count: count)) }

    public func copy() -> RealField {
        let c = RealField(lattice)
        c.values.update(from: values, count: count)
        return c
    }

    /// Spatial mean, φ̄ = (1/N) Σ φ.
    public var mean: Double {
        var s = 0.0
        for i in 0..<count { s += values[i] }
        return s / Double(count)
    }
}

/// The r2c spectrum of a real field: N_0 × … × (N_{d−1}/2 + 1) complex modes, interleaved
/// (re, im) in FFTW-aligned memory. Holds the **unnormalised** DFT φ̂(k) = Σ_x φ(x) e^{−ik·x}.
public final class SpectralField: @unchecked Sendable {
    public let lattice: Lattice
    /// Number of complex modes.
    public let count: Int
    /// Interleaved real and imaginary parts, 2·count doubles.
    public let values: UnsafeMutablePointer<Double>

    public init(_ lattice: Lattice) {
        self.lattice = lattice
        count = lattice.spectralCount
        let raw = fftw_alloc_complex(count)!
        values = UnsafeMutableRawPointer(raw).bindMemory(to: Double.self, capacity: 2 * count)
        values.initialize(repeating: 0, count: 2 * count)
    }

    deinit { fftw_free(values) }

    public subscript(q: Int) -> (re: Double, im: Double) {
        get { (values[2 * q], values[2 * q + 1]) }
        set { values[2 * q] = newValue.re; values[2 * q + 1] = newValue.im }
    }

    public func assign(_ other: SpectralField) {
        precondition(other.count == count)
        values.update(from: other.values, count: 2 * count)
    }

    var complexPointer: UnsafeMutablePointer<fftw_complex> {
        UnsafeMutableRawPointer(values).assumingMemoryBound(to: fftw_complex.self)
    }
}
