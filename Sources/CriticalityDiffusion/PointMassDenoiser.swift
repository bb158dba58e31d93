import Foundation
import CriticalityLattice

/// The denoiser of data concentrated on one image y: D(x, t) = y for every x and t. It is the
/// class-conditional model of a two-image training set (the ideal, ELS or two-point model
/// restricted to one of ±v), so classifier-free guidance of the binary patch and two-point
/// models towards a class mixes it in, docs/theory.md §2 and §9.
public struct PointMassDenoiser: Denoiser {
    public let lattice: Lattice
    public let image: [Double]

    public init(lattice: Lattice, image: [Double]) {
        precondition(image.count == lattice.siteCount)
        self.lattice = lattice
        self.image = image
    }

    public func denoise(_ x: RealField, at level: NoiseLevel, into d: RealField, workspace: DenoiserWorkspace) {
        for i in 0..<d.count { d[i] = image[i] }
    }
}
