import Foundation

/// An advisory lock on an output path, so that two runs (or two scans) never write the same
/// results folder: `flock` on the hidden file `.NAME.lock` beside it, which holds the owner's
/// pid, host, start time and command line for the refusal message. The kernel drops the lock
/// when its process dies, so a lock file left by a killed run is simply taken over.
public final class OutputLock: @unchecked Sendable {
    let path: String
    private var descriptor: Int32

    public init(_ destination: URL) throws {
        let destination = destination.standardizedFileURL
        path = destination.deletingLastPathComponent().appendingPathComponent(".\(destination.lastPathComponent).lock").path
        while true {
            let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw OutputError(path: path, action: "cannot create the lock file", errno: errno) }
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
                let holder = String(decoding: (try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data(), as: UTF8.self)
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                close(fd)
                throw ParameterError(file: destination.path, message: "is being written by another run (\(holder.isEmpty ? "holder unknown" : holder)): wait for it to finish or choose another --out")
            }
            // The previous holder may have unlinked the file between our open and flock: then
            // the lock is on an orphan inode, and we start again on the new file.
            var held = stat(), named = stat()
            if fstat(fd, &held) == 0, stat(path, &named) == 0, held.st_ino == named.st_ino, held.st_dev == named.st_dev {
                descriptor = fd
                break
            }
            close(fd)
        }
        let owner = "pid \(getpid()) on \(ProcessInfo.processInfo.hostName) since \(ISO8601DateFormatter().string(from: Date())): "
            + CommandLine.arguments.joined(separator: " ")
        ftruncate(descriptor, 0)
        _ = owner.withCString { write(descriptor, $0, strlen($0)) }
    }

    /// Removes the lock file and drops the lock (idempotent).
    public func release() {
        guard descriptor >= 0 else { return }
        unlink(path)
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }
}
