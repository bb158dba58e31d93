import Foundation
import TOMLKit

/// A parameter file's content as a plain value tree, detached from the TOML parser, so that
/// overrides, validation and the echo into `run.json` all work on one representation.
public indirect enum ParameterValue: Sendable, Equatable, CustomStringConvertible {
    case int(Int)
    case double(Double)
    case bool(Bool)
    case string(String)
    case array([ParameterValue])
    case table([String: ParameterValue])

    init(_ toml: TOMLValueConvertible) {
        switch toml.type {
        case .int: self = .int(toml.int!)
        case .double: self = .double(toml.double!)
        case .bool: self = .bool(toml.bool!)
        case .array: self = .array(toml.array!.map { ParameterValue($0) })
        case .table:
            let t = toml.table!
            self = .table(Dictionary(uniqueKeysWithValues: t.keys.map { ($0, ParameterValue(t[$0]!)) }))
        default: self = .string(toml.string ?? toml.debugDescription)
        }
    }

    /// Parses a TOML document; syntax errors name the file, line and column.
    public static func parse(toml text: String, file: String) throws -> ParameterValue {
        try precheck(text, file: file)
        do {
            return ParameterValue(try TOMLTable(string: text))
        } catch let e as TOMLParseError {
            throw ParameterError(file: file, message: "line \(e.source.begin.line), column \(e.source.begin.column): TOML syntax error: \(e.description)")
        }
    }

    /// What the TOML parser (toml++ in TOMLKit) does not survive, refused first (found by the
    /// parameter fuzz test): control characters other than tab, line feed and carriage return
    /// (TOML forbids them; the parser stops at a NUL, ignoring the rest, and traps on others), a
    /// table header that does not start with a key, and a `}` where an array value is expected
    /// (the parser asserts on both).
    static func precheck(_ text: String, file: String) throws {
        enum State { case code, comment, basic, literal, multilineBasic, multilineLiteral }
        let keyStart = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-\"'")
        let scalars = Array(text.unicodeScalars)
        var state = State.code, line = 1, lineStart = true, arrays: [Bool] = [], expectingValue = false
        func syntax(_ what: String) -> ParameterError { ParameterError(file: file, message: "line \(line): TOML syntax error: \(what)") }
        func starts(_ marker: String, at i: Int) -> Bool { scalars[i...].starts(with: marker.unicodeScalars) }
        var i = 0
        while i < scalars.count {
            let u = scalars[i]
            if (u.value < 0x20 && u != "\t" && u != "\n" && u != "\r") || u.value == 0x7f {
                let what = u.value == 0 ? "a NUL byte" : String(format: "the control character U+%04X", u.value)
                throw ParameterError(file: file, message: "line \(line): \(what), which a TOML parameter file cannot contain")
            }
            if u == "\n" {
                line += 1
                if state != .multilineBasic && state != .multilineLiteral { state = .code }
                lineStart = state == .code
                i += 1
                continue
            }
            switch state {
            case .comment: break
            case .basic: if u == "\\" { i += 1 } else if u == "\"" { state = .code }
            case .literal: if u == "'" { state = .code }
            case .multilineBasic: if u == "\\" { i += 1 } else if starts("\"\"\"", at: i) { state = .code; i += 2 }
            case .multilineLiteral: if starts("'''", at: i) { state = .code; i += 2 }
            case .code:
                if u == " " || u == "\t" || u == "\r" { break }
                if lineStart && arrays.isEmpty && u == "[" {
                    // A table header: one or two brackets, then a key.
                    var j = i + 1
                    if j < scalars.count && scalars[j] == "[" { j += 1 }
                    while j < scalars.count && (scalars[j] == " " || scalars[j] == "\t") { j += 1 }
                    guard j < scalars.count, keyStart.contains(scalars[j]) else {
                        throw syntax("a table header must start with a key (letters, digits, _ or -, or a quoted string)")
                    }
                    lineStart = false
                    i = j
                    continue
                }
                lineStart = false
                if u == "#" { state = .comment; break }  // a comment keeps what is expected next
                if u == "}" && expectingValue { throw syntax("'}' where an array value is expected") }
                expectingValue = false
                switch u {
                case "\"": if starts("\"\"\"", at: i) { state = .multilineBasic; i += 2 } else { state = .basic }
                case "'": if starts("'''", at: i) { state = .multilineLiteral; i += 2 } else { state = .literal }
                case "[": arrays.append(true); expectingValue = true
                case "{": arrays.append(false)
                case "]", "}": _ = arrays.popLast()
                case ",": expectingValue = arrays.last == true
                default: break
                }
            }
            i += 1
        }
    }

    /// Parses the right-hand side of a `--set key=value` override as a TOML value; anything
    /// that is not valid TOML is taken as a bare string.
    public static func parseOverride(_ text: String) -> ParameterValue {
        if !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }), let t = try? TOMLTable(string: "v = \(text)"), let v = t["v"] { return ParameterValue(v) }
        return .string(text)
    }

    /// Sets the value at a dotted path, creating tables on the way.
    public mutating func set(_ path: [String], to value: ParameterValue) throws {
        guard case .table(var t) = self else { throw ParameterError(file: "--set", message: "cannot set '\(path.joined(separator: "."))': a parent is not a table") }
        if path.count == 1 {
            t[path[0]] = value
        } else {
            var child = t[path[0]] ?? .table([:])
            try child.set(Array(path.dropFirst()), to: value)
            t[path[0]] = child
        }
        self = .table(t)
    }

    /// The tree with the value at `path` replaced (tables created on the way).
    func setting(_ path: [String], _ value: ParameterValue) -> ParameterValue {
        var t = self
        try? t.set(path, to: value)
        return t
    }

    public var description: String {
        switch self {
        case .int(let v): "\(v)"
        case .double(let v): v.isFinite ? "\(v)" : (v.isNaN ? "nan" : (v > 0 ? "inf" : "-inf"))
        case .bool(let v): "\(v)"
        case .string(let v): "\"\(v)\""
        case .array(let a): "[" + a.map(\.description).joined(separator: ", ") + "]"
        case .table(let t): "{ " + t.keys.sorted().map { "\($0) = \(t[$0]!)" }.joined(separator: ", ") + " }"
        }
    }

    /// A JSON-serialisable Foundation object.
    public var jsonObject: Any {
        switch self {
        case .int(let v): v
        case .double(let v): v
        case .bool(let v): v
        case .string(let v): v
        case .array(let a): a.map(\.jsonObject)
        case .table(let t): t.mapValues(\.jsonObject)
        }
    }

    /// The tree as a TOML document (scalars and arrays first, then sub-tables as [a.b] sections).
    public func tomlDocument(prefix: [String] = []) -> String {
        guard case .table(let t) = self else { return "" }
        var out = ""
        let keys = t.keys.sorted()
        for k in keys { if case .table = t[k]! {} else { out += "\(k) = \(t[k]!)\n" } }
        for k in keys {
            if case .table = t[k]! {
                out += "\n[\((prefix + [k]).joined(separator: "."))]\n" + t[k]!.tomlDocument(prefix: prefix + [k])
            }
        }
        return out
    }
}
