import Foundation
import Testing
@testable import CriticalityExperiments

// The parameter schema is the one declaration of every key; these tests check that what is
// generated from it agrees with the parser and with the committed documentation.

@Test func theParameterReferenceIsGeneratedAndCurrent() throws {
    let committed = try String(contentsOf: repositoryRoot.appendingPathComponent("docs/parameters.md"), encoding: .utf8)
    #expect(committed == ParameterSchema.markdownReference(),
            "docs/parameters.md is not what the schema generates: run `criticality schema --markdown > docs/parameters.md`")
}

/// Out-of-range values and unknown keys, derived from the schema, for every example file:
/// one override each. The parser must refuse every one naming the key; a JSON Schema
/// validator from PyPI (jsonschema) must accept every example as it is and refuse every
/// mutation. Two implementations of the same declarations, which must agree.
@Test func theJSONSchemaAndTheParserAgreeOnEveryExampleAndMutation() throws {
    struct Case: Codable { var file: String; var path: String; var value: String }
    var cases: [Case] = []
    for (name, _) in exampleFiles {
        let file = repositoryRoot.appendingPathComponent("parameters/" + name).path
        guard case .table(let root) = try ParameterFile.load(file, overrides: []) else { continue }
        let kind = try ParameterFile.kind(.table(root), file: file)
        let family = ExperimentKinds.named(kind).family
        for table in family.tables + ParameterSchema.scanTables where !table.path.isEmpty && table.path != "model.components" {
            let parts = table.path.split(separator: ".").map(String.init)
            var node = ParameterValue.table(root)
            for p in parts { guard case .table(let t) = node, let next = t[p] else { node = .int(0); break }; node = next }
            guard case .table(let present) = node else { continue }
            cases.append(Case(file: file, path: table.path + ".no_such_key", value: "1"))
            for key in table.keys where present[key.name] != nil {
                guard let b = key.bounds, let lower = b.lower else { continue }
                let bad = b.lowerOpen ? lower : lower - 1
                let scalar: String
                switch key.type {
                case .integer, .integers: scalar = String(Int(bad))
                case .number, .numbers: scalar = String(bad)
                default: continue
                }
                let isArray = { if case .integers = key.type { true } else if case .numbers = key.type { true } else { false } }()
                cases.append(Case(file: file, path: table.path + "." + key.name, value: isArray ? "[\(scalar)]" : scalar))
            }
        }
    }
    #expect(cases.count > 150, "too few mutations (\(cases.count)) to mean anything")
    // The parser.
    for c in cases {
        do {
            _ = try Experiment.check(file: c.file, overrides: ["\(c.path)=\(c.value)"])
            Issue.record("the parser accepted \(c.path) = \(c.value) in \(c.file)")
        } catch let e as ParameterError {
            #expect(e.message.contains(c.path), "\(c.file), \(c.path) = \(c.value): the message does not name the key: \(e.message)")
        }
    }
    // The JSON Schema, through jsonschema (PyPI).
    let work = FileManager.default.temporaryDirectory.appendingPathComponent("criticality-schema-\(getpid())")
    try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: work) }
    try ParameterSchema.jsonSchemaText().write(to: work.appendingPathComponent("schema.json"), atomically: true, encoding: .utf8)
    try JSONEncoder().encode(cases).write(to: work.appendingPathComponent("cases.json"))
    let script = """
        import json, sys, tomllib
        try:
            import jsonschema
        except ImportError:
            sys.exit("jsonschema is not installed: python3 -m pip install jsonschema (make test does)")
        schema = json.load(open(sys.argv[1]))
        jsonschema.Draft7Validator.check_schema(schema)
        v = jsonschema.Draft7Validator(schema)
        cases = json.load(open(sys.argv[2]))
        failures = []
        for f in sorted({c["file"] for c in cases}):
            errors = [e.message for e in v.iter_errors(tomllib.load(open(f, "rb")))]
            if errors: failures.append(f"{f}: an example is invalid: {errors[:2]}")
        for c in cases:
            d = tomllib.load(open(c["file"], "rb"))
            node, parts = d, c["path"].split(".")
            for p in parts[:-1]: node = node.setdefault(p, {})
            node[parts[-1]] = tomllib.loads("v = " + c["value"])["v"]
            if v.is_valid(d): failures.append(f"{c['file']}: {c['path']} = {c['value']} is valid under the schema")
        print(f"{len(cases)} mutations of {len({c['file'] for c in cases})} examples")
        print("\\n".join(failures)); sys.exit(1 if failures else 0)
        """
    try script.write(to: work.appendingPathComponent("check.py"), atomically: true, encoding: .utf8)
    let (code, text) = try runProcess(["python3", work.appendingPathComponent("check.py").path, work.appendingPathComponent("schema.json").path, work.appendingPathComponent("cases.json").path])
    print("validation: JSON Schema (jsonschema) against the parser: \(text.split(separator: "\n").first ?? "")")
    #expect(code == 0, "\(text)")
}
