import Foundation

/// A file-system failure in the package's own words: the path, what could not be done and the
/// operating system's reason (no space left on device, permission denied, …). The CLI prints
/// it on one line and exits with 1: the input was fine, the machine refused.
public struct OutputError: Error, CustomStringConvertible {
    public let path: String
    public let action: String
    public let reason: String

    public var description: String { "\(path): \(action): \(reason)" }

    init(path: String, action: String, errno code: Int32) {
        self.path = path
        self.action = action
        reason = String(cString: strerror(code)).lowercased()
    }

    /// From a Foundation error: its POSIX cause where it carries one.
    init(path: String, action: String, error: Error) {
        self.path = path
        self.action = action
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            reason = String(cString: strerror(Int32(underlying.code))).lowercased()
        } else if ns.domain == NSPOSIXErrorDomain {
            reason = String(cString: strerror(Int32(ns.code))).lowercased()
        } else {
            switch CocoaError.Code(rawValue: ns.code) {
            case .fileWriteOutOfSpace: reason = "no space left on device"
            case .fileWriteNoPermission, .fileReadNoPermission: reason = "permission denied"
            case .fileNoSuchFile, .fileReadNoSuchFile: reason = "no such file or directory"
            case .fileWriteVolumeReadOnly: reason = "read-only file system"
            case .fileWriteFileExists: reason = "file exists"
            default: reason = "file-system error \(ns.code)"
            }
        }
    }

    /// Writes `data` to a new file at `path` with POSIX calls, so that a failure carries errno.
    static func writeFile(_ path: String, _ data: Data) throws {
        try writeFile(path) { emit in try data.withUnsafeBytes(emit) }
    }

    /// Writes what `produce` hands to its argument, chunk by chunk, so that large arrays go to
    /// the file from their own buffers.
    static func writeFile(_ path: String, _ produce: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw OutputError(path: path, action: "cannot write", errno: errno) }
        defer { close(fd) }
        try produce { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw OutputError(path: path, action: "cannot write", errno: errno)
                }
                offset += n
            }
        }
    }
}
