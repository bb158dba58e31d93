import Foundation

/// A results folder written atomically: files go into a hidden sibling `.NAME.partial-PID`,
/// which replaces `NAME` only when `commit()` is called, so an interrupted or failed run never
/// leaves a folder that looks complete (and never destroys the previous complete one). Only a
/// previous results folder (one holding `run.json`) is ever replaced; any other existing file
/// or folder at the destination is refused before the run starts. An
/// interrupt (SIGINT, SIGTERM) while the folder is open removes the staging folder and exits
/// with 128 + the signal number.
public final class ResultsFolder {
    public let destination: URL
    let staging: URL
    private var signalSources: [DispatchSourceSignal] = []

    public init(destination: URL) throws {
        self.destination = destination
        let parent = destination.deletingLastPathComponent()
        staging = parent.appendingPathComponent(".\(destination.lastPathComponent).partial-\(getpid())")
        let fm = FileManager.default
        if fm.fileExists(atPath: destination.path), !fm.fileExists(atPath: destination.appendingPathComponent("run.json").path) {
            throw ParameterError(file: destination.path, message: "exists and is not a Criticality results folder (no run.json): choose another --out or remove it")
        }
        do {
            try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
            try? FileManager.default.removeItem(at: staging)
            try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: false)
        } catch {
            throw ParameterError(file: destination.path, message: "cannot create the results folder: \(error.localizedDescription)")
        }
        let path = staging.path
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                try? FileManager.default.removeItem(atPath: path)
                FileHandle.standardError.write(Data("\ninterrupted: removed the partial results folder \(path)\n".utf8))
                exit(128 + sig)
            }
            source.resume()
            signalSources.append(source)
        }
    }

    /// A plain working folder (a scan point's run): written in place, no staging and no
    /// signal handling; the caller removes it.
    init(scratch directory: URL) throws {
        destination = directory
        staging = directory
        try? FileManager.default.removeItem(at: directory)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// Restores the default signal handling.
    private func closeSignals() {
        for s in signalSources { s.cancel() }
        signalSources = []
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }

    public func write(_ name: String, _ data: Data) throws {
        try data.write(to: staging.appendingPathComponent(name))
    }

    public func write(_ name: String, _ text: String) throws { try write(name, Data(text.utf8)) }

    public func writeJSON(_ name: String, _ object: Any) throws {
        try write(name, try JSONSerialization.data(withJSONObject: sanitise(object), options: [.prettyPrinted, .sortedKeys]))
    }

    /// JSON has no NaN or infinity: write them as null.
    func sanitise(_ o: Any) -> Any {
        switch o {
        case let d as Double: d.isFinite ? d : NSNull()
        case let a as [Any]: a.map(sanitise)
        case let t as [String: Any]: t.mapValues(sanitise)
        default: o
        }
    }

    public func commit() throws {
        let fm = FileManager.default
        if fm.fileExists(atPath: destination.path) { try fm.removeItem(at: destination) }
        try fm.moveItem(at: staging, to: destination)
        closeSignals()
    }

    public func abandon() {
        try? FileManager.default.removeItem(at: staging)
        closeSignals()
    }
}

extension ResultsFolder {
    /// Runs `body`, which writes the folder's files and returns its summary, run record and
    /// report; writes `summary.json`, `run.json` and `index.html` and commits, or abandons the
    /// folder when anything throws.
    func complete(_ body: () throws -> (summary: [String: Any], record: [String: Any], report: HTMLReport)) throws {
        do {
            let (summary, record, report) = try body()
            try writeJSON("summary.json", summary)
            try writeJSON("run.json", record)
            try write("index.html", report.render())
            try commit()
        } catch {
            abandon()
            throw error
        }
    }
}
