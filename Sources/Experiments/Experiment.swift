import Analysis
import Foundation
import Lattice

/// Runs the experiment described by a parameter file and writes its results folder; the
/// library equivalent of `criticality run`.
public enum Experiment {
    public static let version = "0.1.0"

    /// Returns the results folder. Throws ``ParameterError`` for bad input (nothing is left
    /// behind in that case).
    @discardableResult
    public static func run(file: String, out: String? = nil, seed: UInt64? = nil, overrides: [String] = [],
                           progress: Bool = true, commandLine: String? = nil) throws -> URL {
        let spec = try ExperimentSpec.load(file: file, overrides: overrides, seed: seed)
        let destination = URL(fileURLWithPath: out ?? "results/\(spec.name)")
        let folder = try ResultsFolder(destination: destination)
        do {
            let started = Date()
            let reproduce = commandLine ?? "criticality run \(destination.path)/parameters.toml --out \(destination.path)"
            var report: HTMLReport
            var summary: [String: Any]
            switch spec.kind {
            case .quench:
                let result = try QuenchRun.run(spec, progress: progress ? Progress(label: spec.name) : nil)
                (report, summary) = try QuenchOutput.write(result, to: folder)
            case .kibbleZurek:
                (report, summary) = try KibbleZurek.run(spec, folder: folder, progress: progress)
            }
            let wall = Date().timeIntervalSince(started)
            summary["wall_seconds"] = wall
            report.title = "\(spec.name): \(spec.kind == .quench ? "quench" : "Kibble–Zurek scaling")"
            report.parameters = spec.effectiveParameters.tomlDocument()
            report.reproduce = reproduce
            report.summary.append(("wall time", String(format: "%.2f s", wall)))
            try folder.write("parameters.toml", "# Effective parameters of this run (all defaults filled in).\n" + spec.effectiveParameters.tomlDocument())
            try folder.writeJSON("summary.json", summary)
            try folder.writeJSON("run.json", runRecord(spec, wall: wall, reproduce: reproduce))
            try folder.write("index.html", report.render())
            try folder.commit()
            return destination
        } catch {
            folder.abandon()
            throw error
        }
    }

    static func runRecord(_ spec: ExperimentSpec, wall: Double, reproduce: String) -> [String: Any] {
        [
            "parameters": spec.effectiveParameters.jsonObject,
            "parameter_file": spec.file,
            "seed": Int(spec.seed),
            "package": "Criticality", "version": version, "git_revision": gitRevision(),
            "fftw_version": FFTWInfo.version, "fftw_planner": spec.planner.rawValue,
            "threads": spec.threads == 0 ? ProcessInfo.processInfo.activeProcessorCount : spec.threads,
            "fft_threads": spec.fftThreads,
            "wall_seconds": wall,
            "date": ISO8601DateFormatter().string(from: Date()),
            "host": ProcessInfo.processInfo.hostName,
            "reproduce": reproduce,
            "conventions": "S(k) = (v/N)<|phi_k|^2> on integer shells round((|k|/k_f)^2), k_f = 2 pi / max L; noise variance 2T dt / v per site and step; see docs/output.md",
        ]
    }

    static func gitRevision() -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["git", "rev-parse", "--short=12", "HEAD"]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return "unknown" }
        p.waitUntilExit()
        let s = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return p.terminationStatus == 0 && !s.isEmpty ? s : "unknown"
    }
}
