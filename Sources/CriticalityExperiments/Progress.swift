import Foundation

/// Progress of a long run, safe to advance from every worker thread. On a terminal it redraws
/// one line (`\r`); otherwise (a log file, CI) it prints a plain line every 10 %.
public final class Progress: @unchecked Sendable {
    private let label: String
    private let interactive: Bool
    private let lock = NSLock()
    private var total = 1, done = 0, lastShown = -1
    private var started = Date()

    public init(label: String, interactive: Bool = isatty(STDERR_FILENO) != 0) {
        self.label = label
        self.interactive = interactive
    }

    func start(totalSteps: Int) {
        lock.withLock { total = max(1, totalSteps); done = 0; lastShown = -1; started = Date() }
    }

    func advance() {
        lock.withLock {
            done += 1
            let percent = 100 * done / total
            let step = interactive ? 1 : 10
            guard percent / step != lastShown / step || lastShown < 0 else { return }
            lastShown = percent
            let elapsed = Date().timeIntervalSince(started)
            let rate = Double(done) / max(elapsed, 1e-9)
            let eta = Double(total - done) / max(rate, 1e-9)
            let line = String(format: "%@ %3d%%  %.0f steps/s  elapsed %.1f s  eta %.1f s", label, percent, rate, elapsed, eta)
            FileHandle.standardError.write(((interactive ? "\r" : "") + line + (interactive ? "" : "\n")).data(using: .utf8)!)
        }
    }

    func finish() {
        if interactive { lock.withLock { FileHandle.standardError.write("\n".data(using: .utf8)!) } }
    }
}
