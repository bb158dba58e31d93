/// A field that has become NaN or infinite, or so large that its square overflows (every
/// observable is quadratic in it): the run must stop rather than write arrays of NaN.
///
/// Steppers and samplers check their state every ``checkInterval`` steps and at every
/// observation, so a blow-up is caught within a few steps of where it happened
/// (`lastFiniteStep` < n ≤ `step`) for the price of one reduction per interval.
public struct NonFiniteState: Error, Equatable, CustomStringConvertible {
    /// Steps between two checks.
    public static let checkInterval = 8

    public var member: Int
    /// The step at which the state was found non-finite, and the last step it was seen finite.
    public var step: Int
    public var lastFiniteStep: Int
    public var time: Double
    /// Lattice coordinates of the first non-finite site, and its value.
    public var site: [Int]
    public var value: Double
    /// Which field of the state (e.g. "x", "D(x)", "φ").
    public var field: String

    public init(member: Int, step: Int, lastFiniteStep: Int, time: Double, site: [Int], value: Double, field: String) {
        self.member = member
        self.step = step
        self.lastFiniteStep = lastFiniteStep
        self.time = time
        self.site = site
        self.value = value
        self.field = field
    }

    public var description: String {
        let at = "(" + site.map(String.init).joined(separator: ", ") + ")"
        let when = step == lastFiniteStep ? "at step \(step)" : "between step \(lastFiniteStep) and step \(step)"
        return "member \(member): \(field) became non-finite \(when) (t = \(time)): \(field)\(at) = \(value)\(value.isFinite ? ", too large to square" : "")"
    }
}

extension RealField {
    /// nil when Σ φ² is finite; otherwise the first NaN or infinite site, or (all finite but
    /// the sum overflowing) the largest one. The common case costs one vectorisable reduction.
    public func firstNonFiniteSite() -> Int? {
        var a = 0.0, b = 0.0, c = 0.0, d = 0.0
        var i = 0
        while i + 4 <= count {
            a += values[i] * values[i]; b += values[i + 1] * values[i + 1]; c += values[i + 2] * values[i + 2]; d += values[i + 3] * values[i + 3]
            i += 4
        }
        while i < count { a += values[i] * values[i]; i += 1 }
        if (a + b + c + d).isFinite { return nil }
        return (0..<count).first { !values[$0].isFinite } ?? (0..<count).max { abs(values[$0]) < abs(values[$1]) }
    }

    /// Throws ``NonFiniteState`` if any site is not finite.
    public func checkFinite(member: Int, step: Int, lastFiniteStep: Int, time: Double, field: String) throws(NonFiniteState) {
        guard let i = firstNonFiniteSite() else { return }
        throw NonFiniteState(member: member, step: step, lastFiniteStep: lastFiniteStep, time: time,
                             site: lattice.coordinates(site: i), value: values[i], field: field)
    }
}

extension Lattice {
    /// Integer coordinates (m_0, …, m_{d−1}) of a flat row-major site index.
    public func coordinates(site i: Int) -> [Int] {
        var rest = i, m = [Int](repeating: 0, count: dimension)
        for axis in stride(from: dimension - 1, through: 0, by: -1) {
            m[axis] = rest % shape[axis]
            rest /= shape[axis]
        }
        return m
    }
}
