import Foundation

/// A results folder that is never half-written and never destroys what is not its own.
///
/// - Files go into a hidden sibling `.NAME.partial-PID`; `commit()` swaps it in for `NAME` in
///   one `renameat2(RENAME_EXCHANGE)` (two renames where the file system lacks it, with the
///   old folder restored by the next run if a kill falls between them), then removes the old
///   folder. A kill at any moment leaves either the complete old or the complete new folder.
/// - An existing `NAME` is replaced only if it is provably a results folder: its `run.json`
///   lists the files the run wrote (`files`) and the folder holds nothing else. The old folder
///   is removed file by file from that manifest, so a file that appears in it during the run
///   is kept (the folder is then renamed `NAME.kept-PID`, and a note says so).
/// - An advisory lock (``OutputLock``) is held from the start of the run to the commit; stale
///   `.NAME.partial-*` folders of dead runs are removed once it is held.
/// - SIGINT and SIGTERM remove the staging folder and exit with 128 + the signal number.
public final class ResultsFolder {
    public let destination: URL
    let staging: URL
    private let lock: OutputLock?
    /// False when the caller holds the lock (and releases it).
    private let ownsLock: Bool
    private var written: [String] = []
    private var arrays: [String: Any] = [:]
    private var signalSources: [DispatchSourceSignal] = []

    /// Opens a results folder at `destination`, taking its lock (or using `lock`, already held
    /// for it by the caller, a scan). Throws ``ParameterError`` when the destination is not ours
    /// to replace or is held by another run.
    public init(destination out: URL, lock held: OutputLock? = nil) throws {
        destination = out.standardizedFileURL
        let parent = destination.deletingLastPathComponent(), name = destination.lastPathComponent
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).resolvingSymlinksInPath().path
        let resolved = destination.resolvingSymlinksInPath().path
        if cwd == resolved || cwd.hasPrefix(resolved + "/") || resolved == "/" {
            throw ParameterError(file: destination.path, message: "is the current folder or contains it: a results folder is replaced as a whole, so choose another --out")
        }
        do {
            try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        } catch {
            throw OutputError(path: parent.path, action: "cannot create the folder", error: error)
        }
        // Under the lock, what is there can no longer change under our feet.
        lock = try held ?? OutputLock(destination)
        ownsLock = held == nil
        do { try ResultsFolder.checkReplaceable(destination) } catch {
            if ownsLock { lock?.release() }
            throw error
        }
        ResultsFolder.removeStale(name: name, in: parent)
        staging = parent.appendingPathComponent(".\(name).partial-\(getpid())")
        guard mkdir(staging.path, 0o755) == 0 else {
            let e = OutputError(path: staging.path, action: "cannot create the staging folder", errno: errno)
            if ownsLock { lock?.release() }
            throw e
        }
        let path = staging.path, lockPath = lock?.path
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                try? FileManager.default.removeItem(atPath: path)
                if let lockPath { unlink(lockPath) }
                FileHandle.standardError.write(Data("\ninterrupted: removed the partial results folder \(path)\n".utf8))
                exit(128 + sig)
            }
            source.resume()
            signalSources.append(source)
        }
    }

    /// A plain working folder (a scan point's run): written in place, no staging, lock or
    /// signal handling; the caller removes it.
    init(scratch directory: URL) throws {
        destination = directory
        staging = directory
        lock = nil
        ownsLock = false
        try? FileManager.default.removeItem(at: directory)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw OutputError(path: directory.path, action: "cannot create the folder", error: error)
        }
    }

    /// Restores the default signal handling.
    private func closeSignals() {
        for s in signalSources { s.cancel() }
        signalSources = []
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }

    public func write(_ name: String, _ data: Data) throws {
        let path = staging.appendingPathComponent(name).path
        try OutputError.writeFile(path, data)
        if !written.contains(name) { written.append(name) }
    }

    public func write(_ name: String, _ text: String) throws { try write(name, Data(text.utf8)) }

    /// Writes a float64 array as .npy and records its axes in run.json's `arrays`: a name per
    /// dimension and, for categorical axes, their entries' labels. An axis named like a
    /// one-dimensional array of the folder (axis `t`, file t.npy) has that array as coordinate.
    public func write(_ name: String, array values: [Double], shape: [Int], dims: [String], labels: [String: [String]] = [:]) throws {
        try write(name, rows: [values], shape: shape, dims: dims, labels: labels)
    }

    /// `write(_:array:shape:dims:labels:)` for an array given as rows (C order: the first axes
    /// index the rows), written from the rows' own buffers.
    public func write(_ name: String, rows: [[Double]], shape: [Int], dims: [String], labels: [String: [String]] = [:]) throws {
        precondition(dims.count == shape.count && labels.allSatisfy { l in dims.firstIndex(of: l.key).map { shape[$0] == l.value.count } ?? false })
        precondition(shape.reduce(1, *) == rows.reduce(0) { $0 + $1.count }, "npy shape does not match the data")
        try OutputError.writeFile(staging.appendingPathComponent(name).path) { emit in
            try NPY.header(shape: shape).withUnsafeBytes(emit)
            for r in rows { try r.withUnsafeBytes(emit) }
        }
        if !written.contains(name) { written.append(name) }
        arrays[name] = labels.isEmpty ? ["dims": dims] : ["dims": dims, "labels": labels]
    }

    /// The axes of a field on a lattice of `dimension` axes: x; y, x; z, y, x.
    public static func siteAxes(_ dimension: Int) -> [String] {
        dimension <= 3 ? Array(["z", "y", "x"].suffix(dimension)) : (0..<dimension).map { "axis\($0)" }
    }

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

    /// Writes `run.json` (the record plus the manifest of every file written) and swaps the
    /// folder in.
    func commit(record: [String: Any]) throws {
        var record = record
        record["files"] = (written + ["run.json"]).sorted()
        if !arrays.isEmpty { record["arrays"] = arrays }
        try writeJSON("run.json", record)
        try commit()
    }

    /// Swaps the staging folder in for the destination, then removes the old folder's files.
    public func commit() throws {
        defer { closeSignals(); if ownsLock { lock?.release() } }
        TestHooks.pause(at: "before-swap")
        let exists = access(destination.path, F_OK) == 0
        if exists, ResultsFolder.exchange(staging.path, destination.path) {
            TestHooks.pause(at: "after-swap")
            closeSignals()  // the staging path now holds the old folder: no signal may remove it whole
            ResultsFolder.removeOwn(staging, keepingLeftoversAs: destination.path + ".kept-\(getpid())")
            return
        }
        let aside = destination.deletingLastPathComponent().appendingPathComponent(".\(destination.lastPathComponent).replaced-\(getpid())")
        if exists, rename(destination.path, aside.path) != 0 {
            throw OutputError(path: destination.path, action: "cannot move the previous results aside", errno: errno)
        }
        TestHooks.pause(at: "after-swap")
        guard rename(staging.path, destination.path) == 0 else {
            let e = OutputError(path: destination.path, action: "cannot move the results folder in", errno: errno)
            if exists { rename(aside.path, destination.path) }
            throw e
        }
        closeSignals()
        if exists { ResultsFolder.removeOwn(aside, keepingLeftoversAs: destination.path + ".kept-\(getpid())") }
    }

    public func abandon() {
        if staging != destination { try? FileManager.default.removeItem(at: staging) }
        closeSignals()
        if ownsLock { lock?.release() }
    }

    // MARK: ownership

    /// The files a results folder's `run.json` says its run wrote, or nil when the folder has no
    /// readable manifest.
    static func manifest(_ folder: URL) -> [String]? {
        guard let data = try? Data(contentsOf: folder.appendingPathComponent("run.json")),
              let run = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              run["package"] as? String == "Criticality", let files = run["files"] as? [String],
              files.allSatisfy({ !$0.contains("/") && $0 != "." && $0 != ".." }) else { return nil }
        return files
    }

    /// Throws unless `destination` is absent or a results folder holding only its manifest's files.
    static func checkReplaceable(_ destination: URL) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: destination.path, isDirectory: &isDirectory) else { return }
        let refuse = { (why: String) in ParameterError(file: destination.path, message: "\(why): choose another --out, or move it away yourself") }
        guard isDirectory.boolValue, FileManager.default.fileExists(atPath: destination.appendingPathComponent("run.json").path) else {
            throw refuse("exists and is not a Criticality results folder (no run.json)")
        }
        guard let files = manifest(destination) else {
            throw refuse("has a run.json without the list of files its run wrote (another program's, or an older Criticality's), so it is not replaced")
        }
        let present = (try? FileManager.default.contentsOfDirectory(atPath: destination.path)) ?? []
        let foreign = present.filter { !files.contains($0) }.sorted()
        guard foreign.isEmpty else {
            let shown = foreign.prefix(3).joined(separator: ", ") + (foreign.count > 3 ? " and \(foreign.count - 3) more" : "")
            throw refuse("holds files that no run wrote (\(shown)), so it is not replaced")
        }
    }

    /// Removes the files of a results folder's manifest, then the folder; what else is in it
    /// (a file added during the run) is kept, renamed to `kept`.
    static func removeOwn(_ folder: URL, keepingLeftoversAs kept: String) {
        for f in manifest(folder) ?? [] { unlink(folder.appendingPathComponent(f).path) }
        if rmdir(folder.path) != 0, rename(folder.path, kept) == 0 {
            FileHandle.standardError.write(Data("note: the previous results held files no run wrote; they are kept in \(kept)\n".utf8))
        }
    }

    /// Stale staging folders of runs that died (kill -9, power loss) into `name`; a previous
    /// folder moved aside by a two-rename commit that was cut short is restored.
    static func removeStale(name: String, in parent: URL) {
        let fm = FileManager.default
        let destination = parent.appendingPathComponent(name).path
        for entry in (try? fm.contentsOfDirectory(atPath: parent.path)) ?? [] {
            let path = parent.appendingPathComponent(entry).path
            if entry.hasPrefix(".\(name).partial-") {
                try? fm.removeItem(atPath: path)
            } else if entry.hasPrefix(".\(name).replaced-") {
                if access(destination, F_OK) != 0 { rename(path, destination) } else { removeOwn(URL(fileURLWithPath: path), keepingLeftoversAs: destination + ".kept-\(getpid())") }
            }
        }
    }

    /// Atomically exchanges two paths (Linux renameat2 with RENAME_EXCHANGE, looked up at run
    /// time because Glibc's Swift overlay does not export it); false where unsupported.
    static func exchange(_ a: String, _ b: String) -> Bool {
        typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "renameat2") else { return false }
        let renameat2 = unsafeBitCast(symbol, to: RenameAt2.self)
        let renameExchange: UInt32 = 1 << 1
        return renameat2(AT_FDCWD, a, AT_FDCWD, b, renameExchange) == 0
    }
}

extension ResultsFolder {
    /// Runs `body`, which writes the folder's files and returns its summary, run record and
    /// report; writes `summary.json`, `index.html` and `run.json` and commits, or abandons the
    /// folder when anything throws.
    func complete(_ body: () throws -> (summary: [String: Any], record: [String: Any], report: HTMLReport)) throws {
        do {
            let (summary, record, report) = try body()
            try writeJSON("summary.json", summary)
            try write("index.html", report.render())
            try commit(record: record)
        } catch {
            abandon()
            throw error
        }
    }
}
