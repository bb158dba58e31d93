import CriticalityLattice

/// The state of one ensemble member: the field φ(x) and its spectrum φ̂(k), kept in sync by
/// every stepper, the time t = t₀ + n·dt, the step count n (which keys the noise), and the
/// workspace a stepper needs. One state belongs to one thread at a time.
public final class FieldState: @unchecked Sendable {
    public let lattice: Lattice
    /// Ensemble member index: the second component of the noise key.
    public let member: Int
    public let startTime: Double
    public internal(set) var stepIndex = 0
    /// φ(x), normalised.
    public let field: RealField
    /// φ̂(k), the unnormalised DFT of `field`.
    public let spectrum: SpectralField

    /// A stage field for multi-stage steppers (``ETDRK4``).
    lazy var stage = RealField(lattice)
    let scratch: [SpectralField]
    /// A stepper's per-mode coefficient tables, stored one after the other (table j of mode k at
    /// j·modes + k), valid for the linear shift `coefficientShift`; rewritten in place when a
    /// ramp changes the shift, so stepping allocates nothing.
    var coefficients: [Double] = []
    var coefficientShift: Double?
    /// The self-conjugate modes' values before a step (see ``OneStageStepper``).
    var selfConjugateOld: [Double]
    /// Their N̂ values (the update overwrites N̂).
    var selfConjugateNonlinear: [Double]

    /// A state starting from `initial` (copied) at `startTime`.
    public init(initial: RealField, member: Int, startTime: Double = 0, stepper: some Stepper) {
        let lattice = initial.lattice
        self.lattice = lattice
        self.member = member
        self.startTime = startTime
        field = initial.copy()
        spectrum = SpectralField(lattice)
        scratch = (0..<stepper.scratchCount).map { _ in SpectralField(lattice) }
        selfConjugateOld = [Double](repeating: 0, count: stepper.context.symmetry.selfConjugate.count)
        selfConjugateNonlinear = selfConjugateOld
        stepper.context.transform(field, into: spectrum)
    }

    /// The current time.
    public func time(dt: Double) -> Double { startTime + Double(stepIndex) * dt }
}
