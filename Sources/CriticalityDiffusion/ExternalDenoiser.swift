import CriticalityLattice

/// The denoiser of an ``ExternalModel`` for one class (nil: the unconditional model, sent as a
/// null class): D(x, t) converted from whatever the network predicts (x₀, ε, score or v).
/// Class-conditional views of one program share its process and its batches.
public struct ExternalDenoiser: Denoiser {
    public let model: ExternalModel
    public let label: Int?

    public init(_ model: ExternalModel, label: Int? = nil) {
        self.model = model
        self.label = label
    }

    public var lattice: Lattice { model.lattice }

    public func denoise(_ x: RealField, at level: NoiseLevel, into d: RealField, workspace: DenoiserWorkspace) {
        model.evaluate(UnsafeBufferPointer(start: x.values, count: x.count), label: label, level: level,
                       into: UnsafeMutableBufferPointer(start: d.values, count: d.count))
    }
}
