/// Typed, validated access to one table of a parameter file, as its ``ParameterTable``
/// declares it. Every key must be declared (or be a declared sub-table): others are rejected
/// first, naming the allowed keys, so a misspelt key is reported as such rather than as a
/// missing one. Defaults, ranges and the "expected …" of every message come from the
/// declaration; a caller adds only what depends on other keys (t_end below t_start, say).
/// Every value read, default or given, is recorded in the ``ParameterEcho``: that record is the
/// run's effective parameters.
struct ParameterSection {
    let file: String
    let declaration: ParameterTable
    let displayPath: String
    let table: [String: ParameterValue]
    let echo: ParameterEcho?

    /// `name` is how the section is called in messages when it is not its path (an element of
    /// an array of tables, say); such sections are not echoed key by key.
    init(file: String, root: ParameterValue, _ declaration: ParameterTable, echo: ParameterEcho?, name: String? = nil) throws {
        self.file = file
        self.declaration = declaration
        displayPath = name ?? declaration.path
        self.echo = name == nil ? echo : nil
        let path = declaration.path
        var node = root
        for part in path.split(separator: ".") where !path.isEmpty {
            guard case .table(let t) = node else { throw ParameterError(file: file, message: "\(path) must be a table") }
            guard let next = t[String(part)] else { node = .table([:]); break }
            node = next
        }
        guard case .table(let t) = node else {
            throw ParameterError(file: file, key: displayPath, value: node, expected: "a table ([\(displayPath)] section)")
        }
        table = t
        let allowed = Set(declaration.keys.map(\.name)).union(declaration.subtables)
        for k in t.keys.sorted() where !allowed.contains(k) {
            throw ParameterError(file: file, message: "unknown key '\(key(k))' (expected one of: \(allowed.sorted().joined(separator: ", ")))")
        }
    }

    func key(_ k: String) -> String { displayPath.isEmpty ? k : "\(displayPath).\(k)" }

    func has(_ k: String) -> Bool { table[k] != nil }

    func declared(_ k: String) -> ParameterKey {
        guard let d = declaration.key(k) else { fatalError("\(key(k)) is read but not declared in the parameter schema") }
        return d
    }

    /// Refuses keys that do not apply to the selector's value (`model.patch` with a
    /// Gaussian-field model, say).
    func checkApplicable(_ selected: String) throws {
        guard let selector = declaration.selector else { return }
        for d in declaration.keys where has(d.name) {
            if let only = d.only, !only.contains(selected) {
                throw ParameterError(file: file, message: "\(key(d.name)) does not apply to \(key(selector)) = \"\(selected)\" (only to " + only.map { "\"\($0)\"" }.joined(separator: ", ") + ")")
            }
        }
    }

    /// Records a value under this section in the echo (one the run derived, say).
    func record(_ k: String, _ v: ParameterValue) {
        echo?.record(displayPath.isEmpty ? [k] : displayPath.split(separator: ".").map(String.init) + [k], v)
    }

    /// The value of key `k` converted by `convert` (nil: wrong type or out of range), or the
    /// default when the key is absent; `echo` is how it is recorded (nil: not recorded).
    func value<T>(_ k: String, default d: T?, expected: String? = nil, echo: ((T) -> ParameterValue)? = nil, _ convert: (ParameterValue) -> T?) throws -> T {
        let expected = expected ?? declared(k).expected
        let x: T
        if let v = table[k] {
            guard let y = convert(v) else { throw ParameterError(file: file, key: key(k), value: v, expected: expected) }
            x = y
        } else {
            guard let d else { throw ParameterError(file: file, key: key(k), value: nil, expected: expected) }
            x = d
        }
        if let echo { record(k, echo(x)) }
        return x
    }

    /// A finite TOML float or integer as a Double.
    static func number(_ v: ParameterValue) -> Double? {
        switch v {
        case .double(let y): y.isFinite ? y : nil
        case .int(let i): Double(i)
        default: nil
        }
    }

    /// The declared default, if it is a value.
    func fallback(_ k: String) -> ParameterValue? {
        if case .value(let v) = declared(k).fallback { v } else { nil }
    }

    /// `recorded` false: not echoed (a value the run records in another form).
    func double(_ k: String, default d: Double? = nil, _ valid: (Double) -> Bool = { _ in true }, expected: String? = nil, recorded: Bool = true) throws -> Double {
        let bounds = declared(k).bounds
        return try value(k, default: d ?? fallback(k).flatMap(Self.number), expected: expected, echo: recorded ? { .double($0) } : nil) {
            Self.number($0).flatMap { (bounds?.contains($0) ?? true) && valid($0) ? $0 : nil }
        }
    }

    func int(_ k: String, default d: Int? = nil, _ valid: (Int) -> Bool = { _ in true }, expected: String? = nil, recorded: Bool = true) throws -> Int {
        let bounds = declared(k).bounds, fallback = fallback(k).flatMap { v -> Int? in if case .int(let i) = v { i } else { nil } }
        return try value(k, default: d ?? fallback, expected: expected, echo: recorded ? { .int($0) } : nil) {
            if case .int(let i) = $0, bounds?.contains(Double(i)) ?? true, valid(i) { i } else { nil }
        }
    }

    func bool(_ k: String, default d: Bool? = nil) throws -> Bool {
        let fallback = fallback(k).flatMap { v -> Bool? in if case .bool(let b) = v { b } else { nil } }
        return try value(k, default: d ?? fallback, echo: { .bool($0) }) { if case .bool(let b) = $0 { b } else { nil } }
    }

    /// A string, one of the declared choices.
    func string(_ k: String, default d: String? = nil) throws -> String {
        guard case .string(let choices) = declared(k).type else { fatalError("\(key(k)) is not declared a string") }
        let fallback = fallback(k).flatMap { v -> String? in if case .string(let s) = v { s } else { nil } }
        return try value(k, default: d ?? fallback, echo: { .string($0) }) {
            if case .string(let s) = $0, choices.isEmpty || choices.contains(s) { s } else { nil }
        }
    }

    func doubles(_ k: String, default d: [Double]? = nil, count: ClosedRange<Int>? = nil, _ valid: (Double) -> Bool = { _ in true },
                 expected: String? = nil) throws -> [Double] {
        let decl = declared(k)
        guard case .numbers(let declaredCount) = decl.type else { fatalError("\(key(k)) is not declared an array of numbers") }
        let count = count ?? declaredCount, bounds = decl.bounds
        let fallback = fallback(k).flatMap { v -> [Double]? in if case .array(let a) = v { a.compactMap(Self.number) } else { nil } }
        return try value(k, default: d ?? fallback, expected: expected, echo: { .array($0.map { .double($0) }) }) { v in
            guard case .array(let a) = v, count.contains(a.count) else { return nil }
            let x = a.compactMap { Self.number($0).flatMap { (bounds?.contains($0) ?? true) && valid($0) ? $0 : nil } }
            return x.count == a.count ? x : nil
        }
    }

    func ints(_ k: String, _ valid: (Int) -> Bool = { _ in true }, expected: String? = nil) throws -> [Int] {
        let decl = declared(k)
        guard case .integers(let count) = decl.type else { fatalError("\(key(k)) is not declared an array of integers") }
        let bounds = decl.bounds
        return try value(k, default: nil, expected: expected, echo: { .array($0.map { .int($0) }) }) { v in
            guard case .array(let a) = v, count.contains(a.count) else { return nil }
            let x = a.compactMap { e -> Int? in if case .int(let i) = e, bounds?.contains(Double(i)) ?? true, valid(i) { i } else { nil } }
            return x.count == a.count ? x : nil
        }
    }
}

/// The effective parameters of a run as they are read: every value a ``ParameterSection``
/// returns, default or given, at its path.
final class ParameterEcho {
    private(set) var tree: ParameterValue = .table([:])

    func record(_ path: [String], _ value: ParameterValue) {
        try? tree.set(path, to: value)
    }
}
