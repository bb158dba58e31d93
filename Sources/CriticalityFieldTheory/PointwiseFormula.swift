import CriticalityLattice

/// A pointwise nonlinearity written once for eight lanes and once for one.
protocol PointwiseFormula {
    func vector(_ p: Double8) -> Double8
    func scalar(_ p: Double) -> Double
}

/// out[i] = f(φ[i]) for i < count: whole eight-lane blocks by `vector`, the last count mod 8
/// by `scalar`, the same formula (without fused operations, so with the same bits). LLVM
/// vectorises a plain loop only after checking at run time that `out` and `phi` do not overlap,
/// so in place it ran lane by lane. A generic formula, not closures: closures that capture
/// vectors were called, not inlined.
@inline(__always)
func pointwise<F: PointwiseFormula>(_ phi: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>, count: Int, _ f: F) {
    let full = count / 8
    let p = UnsafeRawPointer(phi), o = UnsafeMutableRawPointer(out)
    for b in 0..<full {
        o.storeBytes(of: f.vector(p.loadUnaligned(fromByteOffset: 64 * b, as: Double8.self)), toByteOffset: 64 * b, as: Double8.self)
    }
    for i in (8 * full)..<count { out[i] = f.scalar(phi[i]) }
}
