/// An external model's program that stopped serving during a run (it exited, crashed, hung, or
/// answered with the wrong length or non-finite values): the command, the request and what came
/// back. The run stops and writes no results folder; the CLI exits with 1.
public struct ExternalModelFailure: Error, CustomStringConvertible {
    public let experiment: String
    public let message: String

    public var description: String { "\(experiment): the external model failed: \(message); the run stopped and wrote no results folder" }
}
