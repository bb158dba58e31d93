/// Typed, validated access to one table of a parameter file. Every key must be one the section
/// declares (or one of its sub-tables): others are rejected first, naming the allowed keys, so a
/// misspelt key is reported as such rather than as a missing one.
struct ParameterSection {
    let file: String
    let path: String
    let table: [String: ParameterValue]
    let allowed: Set<String>

    init(file: String, root: ParameterValue, path: String, allowed: Set<String>, subtables: Set<String> = []) throws {
        self.file = file
        self.path = path
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

    func key(_ k: String) -> String { path.isEmpty ? k : "\(path).\(k)" }

    func has(_ k: String) -> Bool { table[k] != nil }

    func double(_ k: String, default d: Double? = nil, _ valid: (Double) -> Bool = { $0.isFinite }, expected: String = "a finite number") throws -> Double {
        guard let v = table[k] else {
            if let d { return d }
            throw ParameterError(file: file, key: key(k), value: nil, expected: expected)
        }
        let x: Double
        switch v {
        case .double(let y): x = y
        case .int(let i): x = Double(i)
        default: throw ParameterError(file: file, key: key(k), value: v, expected: expected)
        }
        guard x.isFinite, valid(x) else { throw ParameterError(file: file, key: key(k), value: v, expected: expected) }
        return x
    }

    func int(_ k: String, default d: Int? = nil, _ valid: (Int) -> Bool = { _ in true }, expected: String = "an integer") throws -> Int {
        guard let v = table[k] else {
            if let d { return d }
            throw ParameterError(file: file, key: key(k), value: nil, expected: expected)
        }
        guard case .int(let i) = v, valid(i) else { throw ParameterError(file: file, key: key(k), value: v, expected: expected) }
        return i
    }

    func string(_ k: String, default d: String? = nil, oneOf choices: [String]) throws -> String {
        let expected = "one of " + choices.map { "\"\($0)\"" }.joined(separator: ", ")
        guard let v = table[k] else {
            if let d { return d }
            throw ParameterError(file: file, key: key(k), value: nil, expected: expected)
        }
        guard case .string(let s) = v, choices.isEmpty || choices.contains(s) else {
            throw ParameterError(file: file, key: key(k), value: v, expected: choices.isEmpty ? "a string" : expected)
        }
        return s
    }

    func doubles(_ k: String, default d: [Double]? = nil, count: ClosedRange<Int> = 1...Int.max,
                 _ valid: (Double) -> Bool = { $0.isFinite }, expected: String) throws -> [Double] {
        guard let v = table[k] else {
            if let d { return d }
            throw ParameterError(file: file, key: key(k), value: nil, expected: expected)
        }
        guard case .array(let a) = v, count.contains(a.count) else { throw ParameterError(file: file, key: key(k), value: v, expected: expected) }
        return try a.map { e in
            let x: Double
            switch e {
            case .double(let y): x = y
            case .int(let i): x = Double(i)
            default: throw ParameterError(file: file, key: key(k), value: v, expected: expected)
            }
            guard x.isFinite, valid(x) else { throw ParameterError(file: file, key: key(k), value: v, expected: expected) }
            return x
        }
    }

    func ints(_ k: String, count: ClosedRange<Int>, _ valid: (Int) -> Bool, expected: String) throws -> [Int] {
        guard let v = table[k] else { throw ParameterError(file: file, key: key(k), value: nil, expected: expected) }
        guard case .array(let a) = v, count.contains(a.count) else { throw ParameterError(file: file, key: key(k), value: v, expected: expected) }
        return try a.map { e in
            guard case .int(let i) = e, valid(i) else { throw ParameterError(file: file, key: key(k), value: v, expected: expected) }
            return i
        }
    }
}
