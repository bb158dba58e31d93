import Foundation

/// Reading a parameter file: TOML text, then `--set key=value` overrides, as one value tree.
enum ParameterFile {
    /// Every `run.kind` (``ExperimentKinds``).
    static var kinds: [String] { ExperimentKinds.names }

    static func load(_ path: String, overrides: [String]) throws -> ParameterValue {
        let text = try readText(path)
        var root = try ParameterValue.parse(toml: text, file: path)
        for o in overrides {
            guard let eq = o.firstIndex(of: "="), eq != o.startIndex else {
                throw ParameterError(file: "--set", message: "'\(o)' is not of the form key=value")
            }
            let key = String(o[..<eq]), value = String(o[o.index(after: eq)...])
            try root.set(key.split(separator: ".").map(String.init), to: ParameterValue.parseOverride(value))
        }
        return root
    }

    /// A parameter file's text. A folder, an unreadable file and bytes that are not UTF-8 are
    /// each refused by name (control characters by ``ParameterValue/parse(toml:file:)``).
    static func readText(_ path: String) throws -> String {
        let fail = { (reason: String) in ParameterError(file: path, message: "cannot read the parameter file: \(reason)") }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw fail("no such file") }
        guard !isDirectory.boolValue else { throw fail("it is a folder, not a file") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw fail(access(path, R_OK) != 0 ? "permission denied" : "the file cannot be read")
        }
        guard let text = String(validating: data, as: UTF8.self) else { throw fail("the file is not readable UTF-8 text") }
        return text
    }

    /// The run name when run.name is absent: the file name without its extension.
    static func defaultName(_ path: String) -> String {
        ((path as NSString).lastPathComponent as NSString).deletingPathExtension
    }

    /// run.kind, validated (default "quench").
    static func kind(_ root: ParameterValue, file: String) throws -> String {
        guard case .table(let t) = root, case .table(let run)? = t["run"], let k = run["kind"] else { return "quench" }
        guard case .string(let s) = k, kinds.contains(s) else {
            throw ParameterError(file: file, key: "run.kind", value: k, expected: "one of " + kinds.map { "\"\($0)\"" }.joined(separator: ", "))
        }
        return s
    }
}
