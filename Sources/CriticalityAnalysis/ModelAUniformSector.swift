import Foundation

/// The spatially uniform sector of model A (docs/theory.md §3, §6): for φ(x) = φ the Ginzburg–Landau
/// relaxation is the flow
///
///     dφ/dt = −(r φ + u φ³) + h,
///
/// with a pitchfork at r = 0 when h = 0 (branches ±√(−r/u), stable for r < 0) and folds at
/// h = ±2u(−r/(3u))^{3/2} when r < 0. The continuation parameter is r or h.
public struct ModelAUniformSector: Sendable {
    public var r: Double
    public var u: Double
    public var h: Double

    public init(r: Double = 0, u: Double = 1, h: Double = 0) {
        self.r = r
        self.u = u
        self.h = h
    }

    public enum Parameter: Sendable { case r, h }

    public func problem(in parameter: Parameter) -> FixedPointProblem {
        let (r0, u, h0) = (r, self.u, h)
        let useR = parameter == .r
        return FixedPointProblem(kind: .flow, dimension: 1, parameterName: useR ? "r" : "h", function: { phi, p in
            let (r, h) = useR ? (p, h0) : (r0, p)
            return [-(r * phi[0] + u * phi[0] * phi[0] * phi[0]) + h]
        }, derivative: { phi, p in
            let r = useR ? p : r0
            return [-r - 3 * u * phi[0] * phi[0], useR ? -phi[0] : 1]
        })
    }
}
