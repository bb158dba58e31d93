import Foundation
import Testing
@testable import CriticalityExperiments

/// The effective parameters (parameters.toml) of every example, as read and prepared, compared
/// with the committed Tests/golden/parameters/*.toml: the echo comes from the parameter schema,
/// and a change to it must be deliberate. The repository's path is written as `$ROOT`.
/// `CRITICALITY_RECORD_ECHO=1` rewrites the files. The trained-network examples start their
/// numpy servers (the handshake is part of preparing a run).
@Test func everyExampleEchoesTheRecordedParameters() throws {
    let golden = repositoryRoot.appendingPathComponent("Tests/golden/parameters")
    let record = ProcessInfo.processInfo.environment["CRITICALITY_RECORD_ECHO"] == "1"
    let files = try FileManager.default.contentsOfDirectory(atPath: repositoryRoot.appendingPathComponent("parameters").path)
        .filter { $0.hasSuffix(".toml") }.sorted()
    #expect(files.count >= 19)
    if record { try FileManager.default.createDirectory(at: golden, withIntermediateDirectories: true) }
    for name in files {
        let path = repositoryRoot.appendingPathComponent("parameters/" + name).path
        let echo = try Experiment.effectiveParameters(file: path, allowExternal: true).tomlDocument()
            .replacingOccurrences(of: repositoryRoot.path, with: "$ROOT")
        let url = golden.appendingPathComponent(name)
        if record { try echo.write(to: url, atomically: true, encoding: .utf8); continue }
        let expected = try String(contentsOf: url, encoding: .utf8)
        #expect(echo == expected, "\(name): the effective parameters differ from Tests/golden/parameters/\(name)")
    }
}
