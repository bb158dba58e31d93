/// The boundary of a condition that holds on one side of a single crossing: bisection of
/// [lo, hi], where `holds` is true at lo and false at hi, to 10⁻¹³ relative (the
/// window endpoints of Li & Chen, the collapse time, the cloning half time).
public enum Bisection {
    public static func boundary(_ lo: Double, _ hi: Double, _ holds: (Double) -> Bool) -> Double {
        var (a, b) = (lo, hi)
        while abs(b - a) > 1e-13 * max(abs(a), abs(b)) {
            let m = 0.5 * (a + b)
            if m == a || m == b { break }
            if holds(m) { a = m } else { b = m }
        }
        return 0.5 * (a + b)
    }
}
