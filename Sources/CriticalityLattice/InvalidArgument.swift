/// A public initialiser's or function's refusal of an argument, instead of a trap: which
/// function, which argument, its value, and what was expected.
public struct InvalidArgument: Error, Equatable, CustomStringConvertible {
    public let function: String
    public let argument: String
    public let value: String
    public let expected: String

    public init(_ function: String, _ argument: String, _ value: Any, expected: String) {
        self.function = function
        self.argument = argument
        self.value = "\(value)"
        self.expected = expected
    }

    public var description: String { "\(function): \(argument) = \(value): expected \(expected)" }
}
