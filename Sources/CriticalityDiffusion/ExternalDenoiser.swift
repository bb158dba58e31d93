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
        denoise([x], at: level, into: [d], workspace: workspace)
    }

    public func denoise(_ xs: [RealField], at level: NoiseLevel, into ds: [RealField], workspace: DenoiserWorkspace) {
        model.evaluate(xs.map { UnsafeBufferPointer(start: $0.values, count: $0.count) }, label: label, level: level,
                       into: ds.map { UnsafeMutableBufferPointer(start: $0.values, count: $0.count) })
    }
}
