import CriticalityLattice
import Foundation

/// Test hooks of the executable, driven by the environment (docs/robustness.md): faults that
/// tests inject where a real fault cannot be had on demand.
enum TestHooks {
    /// With CRITICALITY_PAUSE_AT=`point`, prints "paused at `point`" on stderr and sleeps 60 s,
    /// so that a test can kill -9 the process exactly there (the commit's "before-swap" and
    /// "after-swap").
    static func pause(at point: String) {
        guard ProcessInfo.processInfo.environment["CRITICALITY_PAUSE_AT"] == point else { return }
        FileHandle.standardError.write(Data("paused at \(point)\n".utf8))
        sleep(60)
    }

    /// With CRITICALITY_FAIL_RANK=r (`make test-mpi`), rank r fails as its run starts, while the
    /// other ranks go on to wait for it.
    static func failIfRequested() throws {
        struct InjectedFailure: Error, CustomStringConvertible {
            var description: String { "failed on purpose (CRITICALITY_FAIL_RANK)" }
        }
        if let r = ProcessInfo.processInfo.environment["CRITICALITY_FAIL_RANK"].flatMap(Int.init), r == Cluster.rank { throw InjectedFailure() }
    }
}
