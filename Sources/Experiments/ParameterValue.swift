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
        do {
            return ParameterValue(try TOMLTable(string: text))
        } catch let e as TOMLParseError {
            throw ParameterError(file: file, message: "line \(e.source.begin.line), column \(e.source.begin.column): TOML syntax error: \(e.description)")
        }
    }

    /// Parses the right-hand side of a `--set key=value` override as a TOML value; anything
    /// that is not valid TOML is taken as a bare string.
    public static func parseOverride(_ text: String) -> ParameterValue {
        if let t = try? TOMLTable(string: "v = \(text)"), let v = t["v"] { return ParameterValue(v) }
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
