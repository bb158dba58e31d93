/// Typed, validated access to one table of a parameter file. Every key must be one the section
/// declares (or one of its sub-tables): others are rejected first, naming the allowed keys, so a
/// misspelt key is reported as such rather than as a missing one.
struct ParameterSection {
    let file: String
    let path: String
    let displayPath: String
    let table: [String: ParameterValue]
    let allowed: Set<String>

    /// `name` is how the section is called in messages when it is not its path in `root` (an
    /// element of an array of tables, say).
    init(file: String, root: ParameterValue, path: String, allowed: Set<String>, subtables: Set<String> = [], name: String? = nil) throws {
        self.file = file
        self.path = path
        displayPath = name ?? path
        self.allowed = allowed
        var node = root
        for part in path.split(separator: ".") where !path.isEmpty {
            guard case .table(let t) = node else { throw ParameterError(file: file, message: "\(path) must be a table") }
            guard let next = t[String(part)] else { node = .table([:]); break }
            node = next
        }
        guard case .table(let t) = node else {
            throw ParameterError(file: file, key: path, value: node, expected: "a table ([\(path)] section)")
        }
        table = t
        for k in t.keys.sorted() where !allowed.contains(k) && !subtables.contains(k) {
            throw ParameterError(file: file, message: "unknown key '\(key(k))' (expected one of: \(allowed.union(subtables).sorted().joined(separator: ", ")))")
        }
    }

    func key(_ k: String) -> String { displayPath.isEmpty ? k : "\(displayPath).\(k)" }

    func has(_ k: String) -> Bool { table[k] != nil }

    /// The value of key `k` converted by `convert` (nil: wrong type or out of range), or the
    /// default when the key is absent.
    func value<T>(_ k: String, default d: T?, expected: String, _ convert: (ParameterValue) -> T?) throws -> T {
        guard let v = table[k] else {
            if let d { return d }
            throw ParameterError(file: file, key: key(k), value: nil, expected: expected)
        }
        guard let x = convert(v) else { throw ParameterError(file: file, key: key(k), value: v, expected: expected) }
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

    func double(_ k: String, default d: Double? = nil, _ valid: (Double) -> Bool = { _ in true }, expected: String = "a finite number") throws -> Double {
        try value(k, default: d, expected: expected) { Self.number($0).flatMap { valid($0) ? $0 : nil } }
    }

    func int(_ k: String, default d: Int? = nil, _ valid: (Int) -> Bool = { _ in true }, expected: String = "an integer") throws -> Int {
        try value(k, default: d, expected: expected) { if case .int(let i) = $0, valid(i) { i } else { nil } }
    }

    func string(_ k: String, default d: String? = nil, oneOf choices: [String]) throws -> String {
        let expected = choices.isEmpty ? "a string" : "one of " + choices.map { "\"\($0)\"" }.joined(separator: ", ")
        return try value(k, default: d, expected: expected) {
            if case .string(let s) = $0, choices.isEmpty || choices.contains(s) { s } else { nil }
        }
    }

    func doubles(_ k: String, default d: [Double]? = nil, count: ClosedRange<Int> = 1...Int.max,
                 _ valid: (Double) -> Bool = { _ in true }, expected: String) throws -> [Double] {
        try value(k, default: d, expected: expected) { v in
            guard case .array(let a) = v, count.contains(a.count) else { return nil }
            let x = a.compactMap { Self.number($0).flatMap { valid($0) ? $0 : nil } }
            return x.count == a.count ? x : nil
        }
    }

    func ints(_ k: String, count: ClosedRange<Int>, _ valid: (Int) -> Bool, expected: String) throws -> [Int] {
        try value(k, default: nil, expected: expected) { v in
            guard case .array(let a) = v, count.contains(a.count) else { return nil }
            let x = a.compactMap { e -> Int? in if case .int(let i) = e, valid(i) { i } else { nil } }
            return x.count == a.count ? x : nil
        }
    }
}
