/// A problem with an experiment's input, with everything a person needs to fix it: the file,
/// the key and value, and what was expected. The CLI prints it on one line and exits with 2.
public struct ParameterError: Error, Equatable, CustomStringConvertible {
    public let file: String
    public let message: String

    public init(file: String, message: String) {
        self.file = file
        self.message = message
    }

    public init(file: String, key: String, value: ParameterValue?, expected: String) {
        self.file = file
        message = value.map { "\(key) = \($0): expected \(expected)" } ?? "\(key) is missing: expected \(expected)"
    }

    public var description: String { "\(file): \(message)" }
}
