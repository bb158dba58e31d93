import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A child program the package talks to over its standard input and output: started without a
/// shell (posix_spawn, its own process group), read and written with deadlines, its standard
/// error kept (the last lines name what went wrong), and always reaped: by ``terminate(grace:)``, at
/// exit, and on SIGINT or SIGTERM of the package (``ExternalProcess/installSignalHandlers()``).
public final class ExternalProcess: @unchecked Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let message: String
        public init(message: String) { self.message = message }
        public var description: String { message }
    }

    public let argv: [String]
    /// The program file argv[0] resolved to (PATH searched as a shell would).
    public let program: String
    public let pid: pid_t
    private let input: Int32
    private let output: Int32
    private let errors: Int32
    private let stderrLock = NSLock()
    private var stderrTail = Data()
    private var reaped = false
    private var closed = false
    private let reapLock = NSLock()

    /// Starts `argv` in `directory` with `environment` added to the package's own.
    public init(argv: [String], directory: String?, environment: [String: String]) throws(Failure) {
        guard let first = argv.first, !first.isEmpty else { throw Failure(message: "the command is empty") }
        // A program that dies makes a write to its input fail with EPIPE, not end the package.
        signal(SIGPIPE, SIG_IGN)
        self.argv = argv
        let dir = directory ?? FileManager.default.currentDirectoryPath
        guard let program = ExternalProcess.resolve(first, in: dir) else {
            throw Failure(message: "cannot start \(ExternalProcess.shell(argv)): no executable '\(first)'" + (first.contains("/") ? "" : " on PATH"))
        }
        self.program = program
        var toChild: [Int32] = [0, 0], fromChild: [Int32] = [0, 0], errChild: [Int32] = [0, 0]
        guard pipe(&toChild) == 0, pipe(&fromChild) == 0, pipe(&errChild) == 0 else {
            throw Failure(message: "cannot create pipes: \(String(cString: strerror(errno)))")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toChild[0], 0)
        posix_spawn_file_actions_adddup2(&actions, fromChild[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errChild[1], 2)
        for fd in [toChild[0], toChild[1], fromChild[0], fromChild[1], errChild[0], errChild[1]] { posix_spawn_file_actions_addclose(&actions, fd) }
        // glibc ≥ 2.29 has it, but Glibc's Swift overlay does not export it.
        typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addchdir_np") else {
            throw Failure(message: "this C library cannot start a program in another folder (posix_spawn_file_actions_addchdir_np)")
        }
        _ = unsafeBitCast(symbol, to: AddChdir.self)(&actions, dir)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group: a terminal's Ctrl-C reaches the package, which ends the child.
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        let env = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { "\($0)=\($1)" }.sorted()
        var child: pid_t = 0
        let status = ExternalProcess.withCStrings(argv) { args in
            ExternalProcess.withCStrings(env) { envp in posix_spawn(&child, program, &actions, &attributes, args, envp) }
        }
        close(toChild[0]); close(fromChild[1]); close(errChild[1])
        guard status == 0 else {
            close(toChild[1]); close(fromChild[0]); close(errChild[0])
            throw Failure(message: "cannot start \(ExternalProcess.shell(argv)): \(String(cString: strerror(status)))")
        }
        pid = child
        input = toChild[1]
        output = fromChild[0]
        errors = errChild[0]
        for fd in [input, output] {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            // 1 MiB pipes (Linux's default maximum) instead of 64 KiB: fewer context switches
            // per batch; F_SETPIPE_SZ = 1031.
            _ = fcntl(fd, 1031, 1 << 20)
        }
        _ = fcntl(input, F_SETFD, FD_CLOEXEC)
        _ = fcntl(output, F_SETFD, FD_CLOEXEC)
        _ = fcntl(errors, F_SETFD, FD_CLOEXEC)
        ChildRegistry.add(child)
        let thread = Thread { [errors, weak self] in
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = Glibc.read(errors, &buffer, buffer.count)
                if n <= 0 { break }
                self?.keep(Data(buffer[0..<n]))
            }
            close(errors)  // the child has ended (end of file): nothing more to read
        }
        thread.start()
    }

    deinit { terminate() }

    private func keep(_ data: Data) {
        stderrLock.withLock {
            stderrTail.append(data)
            if stderrTail.count > 8192 { stderrTail = stderrTail.suffix(4096) }
        }
    }

    /// The child's last line on standard error, if any.
    public var lastErrorLine: String? {
        let text = stderrLock.withLock { String(decoding: stderrTail, as: UTF8.self) }
        return text.split(separator: "\n").last.map { String($0.prefix(300)) }
    }

    /// Writes all of `data` within `deadline`.
    public func write(_ data: Data, deadline: Date) throws(Failure) {
        if let f = data.withUnsafeBytes({ raw -> Failure? in
            do throws(Failure) { try write(raw, deadline: deadline); return nil } catch { return error }
        }) { throw f }
    }

    /// Writes all of `raw` within `deadline`.
    public func write(_ raw: UnsafeRawBufferPointer, deadline: Date) throws(Failure) {
        var offset = 0
        while offset < raw.count {
            let n = Glibc.write(input, raw.baseAddress! + offset, raw.count - offset)
            if n > 0 { offset += n; continue }
            if n < 0 && errno == EAGAIN {
                if let f = wait(for: input, events: Int16(POLLOUT), deadline: deadline, doing: "reading the request") { throw f }
                continue
            }
            throw Failure(message: n < 0 && errno == EPIPE ? "the program closed its input (it exited?)\(exitNote())" : "cannot write to the program: \(String(cString: strerror(errno)))")
        }
    }

    /// Fills `raw` from the program's output within `deadline`.
    public func read(into raw: UnsafeMutableRawBufferPointer, deadline: Date) throws(Failure) {
        var offset = 0
        let count = raw.count
        while offset < count {
            let n = Glibc.read(output, raw.baseAddress! + offset, count - offset)
            if n > 0 { offset += n; continue }
            if n < 0 && errno == EAGAIN {
                if wait(for: output, events: Int16(POLLIN), deadline: deadline, doing: "answering") != nil {
                    throw Failure(message: offset == 0 ? "no answer within the timeout (the program hangs or is too slow answering)"
                                                       : "the program sent \(offset) of the \(count) bytes its header promised, then nothing within the timeout")
                }
                continue
            }
            throw Failure(message: n == 0 ? "the program ended its output after \(offset) of \(count) bytes\(exitNote())"
                                          : "cannot read from the program: \(String(cString: strerror(errno)))")
        }
    }

    /// Reads one line (without its newline) of at most 1 MiB within `deadline`.
    public func readLine(deadline: Date) throws(Failure) -> String {
        var bytes: [UInt8] = [], byte: UInt8 = 0
        while true {
            let n = Glibc.read(output, &byte, 1)
            if n == 1 {
                if byte == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
                bytes.append(byte)
                if bytes.count > 1 << 20 { throw Failure(message: "the program wrote a header line longer than 1 MiB") }
                continue
            }
            if n < 0 && errno == EAGAIN {
                if let f = wait(for: output, events: Int16(POLLIN), deadline: deadline, doing: "answering") { throw f }
                continue
            }
            throw Failure(message: n == 0 ? (bytes.isEmpty ? "the program closed its output\(exitNote())" : "the program ended its output inside a header line\(exitNote())")
                                          : "cannot read from the program: \(String(cString: strerror(errno)))")
        }
    }

    private func wait(for fd: Int32, events: Int16, deadline: Date, doing: String) -> Failure? {
        let remaining = deadline.timeIntervalSinceNow
        guard remaining > 0 else { return Failure(message: "no answer within the timeout (the program hangs or is too slow \(doing))") }
        var p = pollfd(fd: fd, events: events, revents: 0)
        let r = poll(&p, 1, Int32(min(remaining * 1000, 1e9).rounded(.up)))
        if r == 0 { return Failure(message: "no answer within the timeout (the program hangs or is too slow \(doing))") }
        return nil
    }

    /// ", exit status N" or ", killed by signal N" when the child has ended.
    private func exitNote() -> String {
        var status: Int32 = 0
        usleep(20_000)
        let r = reapLock.withLock { () -> pid_t in
            guard !reaped else { return 0 }
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { reaped = true; ChildRegistry.remove(pid) }
            return r
        }
        guard r == pid else { return "" }
        let code = (status >> 8) & 0xff, signal = status & 0x7f
        return signal == 0 ? ", exit status \(code)" : ", killed by signal \(signal)"
    }

    /// Closes the child's input (its cue to exit), waits up to `grace` seconds, then kills its
    /// process group; reaps it.
    public func terminate(grace: Double = 2) {
        reapLock.withLock {
            guard !closed else { return }
            closed = true
            close(input)
            if !reaped {
                var status: Int32 = 0
                let end = Date().addingTimeInterval(grace)
                while waitpid(pid, &status, WNOHANG) == 0 {
                    if Date() > end {
                        kill(-pid, SIGKILL)
                        kill(pid, SIGKILL)
                        waitpid(pid, &status, 0)
                        break
                    }
                    usleep(5_000)
                }
                reaped = true
                ChildRegistry.remove(pid)
            }
            close(output)
        }
    }

    /// argv as a shell would show it, each word quoted.
    public static func shell(_ argv: [String]) -> String {
        argv.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
    }

    /// The program file of `name`: a path (relative to `directory`) if it has a '/', else the
    /// first executable of that name on PATH.
    public static func resolve(_ name: String, in directory: String) -> String? {
        if name.contains("/") {
            let path = URL(fileURLWithPath: name, relativeTo: URL(fileURLWithPath: directory, isDirectory: true)).standardizedFileURL.path
            return access(path, X_OK) == 0 ? path : nil
        }
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return paths.lazy.map { "\($0)/\(name)" }.first { access($0, X_OK) == 0 }
    }

    static func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
        var pointers = strings.map { strdup($0) } + [nil]
        defer { for p in pointers { free(p) } }
        return pointers.withUnsafeMutableBufferPointer { body(UnsafePointer($0.baseAddress!)) }
    }

    /// Kills every running child on SIGINT or SIGTERM, then ends the package with the signal's
    /// status, so that no program is left behind.
    public static func installSignalHandlers() {
        for s in [SIGINT, SIGTERM, SIGHUP] {
            signal(s) { s in
                ChildRegistry.killAll()
                signal(s, SIG_DFL)
                raise(s)
            }
        }
        atexit { ChildRegistry.killAll() }
    }
}

/// The running children's pids in a fixed array, readable from a signal handler.
enum ChildRegistry {
    nonisolated(unsafe) static let slots = UnsafeMutablePointer<pid_t>.allocate(capacity: 64)
    static let lock = NSLock()
    nonisolated(unsafe) static var initialised: Bool = {
        slots.initialize(repeating: 0, count: 64)
        return true
    }()

    static func add(_ pid: pid_t) {
        lock.withLock {
            _ = initialised
            for i in 0..<64 where slots[i] == 0 { slots[i] = pid; return }
        }
    }

    static func remove(_ pid: pid_t) {
        lock.withLock { for i in 0..<64 where slots[i] == pid { slots[i] = 0 } }
    }

    /// Async-signal-safe: kill(2) and waitpid(2) only. Reaped here, since the process that
    /// would inherit them (pid 1 of a container, say) may never reap them.
    static func killAll() {
        guard initialised else { return }
        for i in 0..<64 where slots[i] > 0 {
            let pid = slots[i]
            kill(-pid, SIGKILL)
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            slots[i] = 0
        }
    }
}
