import CriticalityLattice

/// A run halted because a field became NaN or infinite (`NonFiniteState`), with the
/// experiment's name and the likely cause. The CLI prints it on one line and exits with 3;
/// no results folder is written.
public struct NonFiniteField: Error, CustomStringConvertible {
    public var experiment: String
    public let state: NonFiniteState
    /// The likely cause, in terms of the parameter file's keys.
    public let hint: String

    public var description: String { "\(experiment): halted, \(state); \(hint)" }

    /// The likely causes of a blow-up of a field-theory run.
    static func hint(_ spec: ExperimentSpec) -> String {
        var causes = ["integrator.dt = \(spec.dt) may be above the stability limit of the explicit nonlinear term (try a smaller dt)"]
        if spec.initialAmplitude > 10 || abs(spec.initialMean) > 10 { causes.append("the initial field (initial.amplitude, initial.mean) is large") }
        if spec.temperature > 10 { causes.append("model.temperature = \(spec.temperature) is large") }
        return "likely cause: " + causes.joined(separator: ", or ")
    }

    /// The likely causes of a blow-up of a reverse-diffusion run.
    static func hint(_ spec: DiffusionSpec) -> String {
        var causes: [String] = []
        if spec.guidance != nil { causes.append("the guidance ([guidance] weight, pulse or table) is too strong for the step size") }
        if spec.method == .reverseSDEEuler || spec.method == .probabilityFlowHeun {
            causes.append("sampler.steps = \(spec.steps) is too few for the explicit \(spec.method.rawValue) sampler (try more steps or reverse-sde-exponential)")
        }
        causes.append("the model returned a non-finite denoised field")
        return "likely cause: " + causes.joined(separator: ", or ")
    }
}
