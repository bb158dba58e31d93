import Foundation

/// Progress of a long run, safe to advance from every worker thread. A run goes through phases
/// (sampling, then analyses such as the homogeneous-state scan), each with its own step count,
/// fraction and ETA; every phase that takes time reports. On a terminal it redraws one line
/// (`\r`); otherwise (a log file, CI) it prints a plain line at the start of each named phase,
/// every 10 % and at least every `interval` seconds.
public final class Progress: @unchecked Sendable {
    private let label: String
    /// What a step is: "steps" of a sampler, "tasks" of a scan.
    private let unit: String
    private let interactive: Bool
    private let interval: TimeInterval = 2
    private let lock = NSLock()
    private var phase: String?
    private var total = 1, done = 0, lastShown = -1
    private var started = Date(), lastLine = Date()

    public init(label: String, unit: String = "steps", interactive: Bool = isatty(STDERR_FILENO) != 0) {
        self.label = label
        self.unit = unit
        self.interactive = interactive
    }

    /// Starts a phase of `totalSteps` steps, named in the lines when `phase` is given.
    func start(totalSteps: Int, phase: String? = nil) {
        lock.withLock {
            if interactive, done > 0 { FileHandle.standardError.write("\n".data(using: .utf8)!) }
            total = max(1, totalSteps); done = 0; lastShown = 0; started = Date(); lastLine = started; self.phase = phase
            if phase != nil { show(percent: 0) }
        }
    }

    func advance() {
        lock.withLock {
            done += 1
            let percent = 100 * done / total, step = interactive ? 1 : 10
            guard percent / step != lastShown / step || Date().timeIntervalSince(lastLine) >= interval else { return }
            show(percent: percent)
        }
    }

    /// One line (under the lock).
    private func show(percent: Int) {
        lastShown = percent
        lastLine = Date()
        let elapsed = lastLine.timeIntervalSince(started)
        let rate = Double(done) / max(elapsed, 1e-9)
        // An ETA once it means something: after a second or 5 % of the phase.
        let eta = elapsed < 1 && 20 * done < total ? "" : String(format: "  eta %.1f s", Double(total - done) / max(rate, 1e-9))
        let name = phase.map { "\(label) [\($0)]" } ?? label
        let line = String(format: "%@ %3d%%  %@ %@/s  elapsed %.1f s", name, percent, String(format: rate >= 100 ? "%.0f" : "%.3g", rate), unit, elapsed) + eta
        FileHandle.standardError.write(((interactive ? "\r\u{1B}[K" : "") + line + (interactive ? "" : "\n")).data(using: .utf8)!)
    }

    func finish() {
        if interactive { lock.withLock { FileHandle.standardError.write("\n".data(using: .utf8)!) } }
    }
}
