/// The declaration of every section and key a parameter file may hold: its type, default,
/// allowed values, unit, meaning and the run kinds or models it applies to.
///
/// It is the one place a key is spelled out. Parsing (`ParameterSection`) takes the allowed
/// keys, defaults, ranges and the "expected …" of every message from it; the echoed
/// `parameters.toml` records what was read through it; `docs/parameters.md` and the JSON
/// Schema of `criticality schema` are generated from it. A new numeric key is one
/// ``ParameterKey`` line here plus the line of physics that uses its value.
public struct ParameterKey: Sendable {
    /// The value's form as the file writes it.
    public enum ValueType: Sendable {
        case integer, number, boolean
        /// A string: any (`[]`) or one of the choices.
        case string([String])
        case integers(count: ClosedRange<Int>)
        case numbers(count: ClosedRange<Int>)
        /// A value of several forms (a number or a table of them, say): its description for
        /// the docs and its JSON Schema.
        case form(String, json: ParameterValue)
    }

    public enum Default: Sendable {
        case value(ParameterValue)
        /// Computed from other keys, as the text says.
        case computed(String)
        case required
        /// Required in the cases the text names.
        case requiredWhen(String)
        /// Absent by default, meaning what the text says.
        case absent(String)
    }

    public var name: String
    public var type: ValueType
    public var fallback: Default
    /// The closed or open interval a number (or every number of an array) lies in.
    public var bounds: Bounds?
    public var unit: String
    public var meaning: String
    /// What the messages say was expected.
    public var expected: String
    /// The values of the section's selector key (model.type, schedule.type …) the key applies
    /// to; nil: all.
    public var only: [String]?

    public init(_ name: String, _ type: ValueType, _ fallback: Default, bounds: Bounds? = nil, unit: String = "",
                expected: String? = nil, only: [String]? = nil, _ meaning: String) {
        self.name = name
        self.type = type
        self.fallback = fallback
        self.bounds = bounds
        self.unit = unit
        self.meaning = meaning
        self.only = only
        self.expected = expected ?? ParameterKey.describe(type, bounds)
    }

    /// Shorthands for the common forms.
    public static func integer(_ name: String, _ d: Int?, _ bounds: Bounds? = nil, unit: String = "", expected: String? = nil,
                               only: [String]? = nil, _ meaning: String) -> ParameterKey {
        ParameterKey(name, .integer, d.map { .value(.int($0)) } ?? .required, bounds: bounds, unit: unit, expected: expected, only: only, meaning)
    }

    public static func number(_ name: String, _ d: Double?, _ bounds: Bounds? = nil, unit: String = "", expected: String? = nil,
                              only: [String]? = nil, _ meaning: String) -> ParameterKey {
        ParameterKey(name, .number, d.map { .value(.double($0)) } ?? .required, bounds: bounds, unit: unit, expected: expected, only: only, meaning)
    }

    public static func choice(_ name: String, _ d: String?, _ choices: [String], only: [String]? = nil, _ meaning: String) -> ParameterKey {
        ParameterKey(name, .string(choices), d.map { .value(.string($0)) } ?? .required, only: only, meaning)
    }

    public static func boolean(_ name: String, _ d: Bool, _ meaning: String) -> ParameterKey {
        ParameterKey(name, .boolean, .value(.bool(d)), meaning)
    }

    /// The default "expected …" of a type and bounds.
    static func describe(_ type: ValueType, _ bounds: Bounds?) -> String {
        switch type {
        case .integer: return bounds.map { "an integer \($0.text)" } ?? "an integer"
        case .number: return bounds.map { "a number \($0.text)" } ?? "a finite number"
        case .boolean: return "true or false"
        case .string(let c): return c.isEmpty ? "a string" : "one of " + c.map { "\"\($0)\"" }.joined(separator: ", ")
        case .integers(let n): return "an array of \(ParameterKey.count(n)) integers" + (bounds.map { " \($0.text)" } ?? "")
        case .numbers(let n): return "an array of \(ParameterKey.count(n)) numbers" + (bounds.map { " \($0.text)" } ?? "")
        case .form(let text, _): return text
        }
    }

    static func count(_ n: ClosedRange<Int>) -> String {
        n.upperBound == Int.max ? "at least \(n.lowerBound)" : n.lowerBound == n.upperBound ? "\(n.lowerBound)" : "\(n.lowerBound) to \(n.upperBound)"
    }
}

/// An interval of allowed numbers, with open or closed ends.
public struct Bounds: Sendable, Equatable {
    public var lower: Double?
    public var lowerOpen = false
    public var upper: Double?
    public var upperOpen = false

    public static let positive = Bounds(lower: 0, lowerOpen: true)
    public static let nonNegative = Bounds(lower: 0)
    public static func atLeast(_ x: Double) -> Bounds { Bounds(lower: x) }
    public static func within(_ r: ClosedRange<Double>) -> Bounds { Bounds(lower: r.lowerBound, upper: r.upperBound) }
    public static func open(_ a: Double, _ b: Double) -> Bounds { Bounds(lower: a, lowerOpen: true, upper: b, upperOpen: true) }

    public func contains(_ x: Double) -> Bool {
        if let l = lower, lowerOpen ? !(x > l) : !(x >= l) { return false }
        if let u = upper, upperOpen ? !(x < u) : !(x <= u) { return false }
        return true
    }

    /// "> 0", "≥ 1", "in (0, 1)", "in [2, 1000]".
    public var text: String {
        func f(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : "\(x)" }
        switch (lower, upper) {
        case let (l?, u?): return "in \(lowerOpen ? "(" : "[")\(f(l)), \(f(u))\(upperOpen ? ")" : "]")"
        case let (l?, nil): return lowerOpen ? "> \(f(l))" : "≥ \(f(l))"
        case let (nil, u?): return upperOpen ? "< \(f(u))" : "≤ \(f(u))"
        default: return ""
        }
    }
}

/// One table of a parameter file: its keys and sub-tables, and the run kinds it belongs to.
public struct ParameterTable: Sendable {
    /// The dotted path, e.g. "model.ramp"; "" for the file's top level.
    public var path: String
    /// Markdown: what the section does, equations and conventions.
    public var about: String
    public var keys: [ParameterKey]
    /// Sub-tables that are sections of their own (declared separately).
    public var subtables: [String]
    /// The key whose value selects which other keys apply (model.type, say).
    public var selector: String?

    public init(_ path: String, selector: String? = nil, subtables: [String] = [], about: String, _ keys: [ParameterKey]) {
        self.path = path
        self.about = about
        self.keys = keys
        self.subtables = subtables
        self.selector = selector
    }

    public func key(_ name: String) -> ParameterKey? { keys.first { $0.name == name } }
}

/// A family of run kinds that share one set of sections and one specification type.
public struct ParameterFamily: Sendable {
    public var name: String
    public var kinds: [String]
    public var tables: [ParameterTable]

    public func table(_ path: String) -> ParameterTable? { tables.first { $0.path == path } }
}

/// Every family's tables and the `[scan]` any file may add: the whole schema.
public enum ParameterSchema {
    static var families: [ParameterFamily] { ExperimentKinds.families }
    static let scanTables = [ScanParameters.scan, ScanParameters.second, ScanParameters.fss]

    /// A table of a family (or the scan's) by its path.
    static func table(_ path: String, in family: ParameterFamily) -> ParameterTable? {
        family.table(path) ?? scanTables.first { $0.path == path }
    }

    /// The sub-tables of a table, as declared tables.
    static func children(of table: ParameterTable, in family: ParameterFamily) -> [ParameterTable] {
        let subtables = table.path.isEmpty ? table.subtables + ["scan"] : table.subtables
        return subtables.compactMap { Self.table(table.path.isEmpty ? $0 : "\(table.path).\($0)", in: family) }
    }
}
