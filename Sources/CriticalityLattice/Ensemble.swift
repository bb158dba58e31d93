import Foundation

/// Independent ensemble members run in parallel. Members are dealt to workers round-robin and
/// every member draws its own counter-based noise, so results are bitwise the same whatever
/// the number of threads.
public enum Ensemble {
    /// body(member) for member in 0..<members, on up to `threads` threads (0: all cores);
    /// results in member order. If bodies throw, members not yet started are skipped and the
    /// error of the lowest failing member is rethrown.
    public static func map<T: Sendable, E: Error>(members: Int, threads: Int, _ body: @Sendable (Int) throws(E) -> T) throws(E) -> [T] {
        let workers = workerCount(threads: threads, members: members)
        let slots = UnsafeMutableBufferPointer<Result<T, E>?>.allocate(capacity: members)
        slots.initialize(repeating: nil)
        defer { slots.deinitialize(); slots.deallocate() }
        nonisolated(unsafe) let out = slots
        let failed = Flag()
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            for m in stride(from: w, to: members, by: workers) where !failed.isSet {
                do throws(E) { out[m] = .success(try body(m)) } catch {
                    out[m] = .failure(error)
                    failed.set()
                }
            }
        }
        return try slots.map { slot throws(E) in
            guard let slot else { throw slots.lazy.compactMap { if case .failure(let e)? = $0 { e } else { nil } }.first! }
            return try slot.get()
        }
    }

    /// A flag one thread sets and the others read.
    private final class Flag: @unchecked Sendable {
        private let lock = NSLock()
        private var value = false
        var isSet: Bool { lock.withLock { value } }
        func set() { lock.withLock { value = true } }
    }

    /// The threads `map` uses: `threads` (0: all cores), at most one per member.
    public static func workerCount(threads: Int, members: Int) -> Int {
        max(1, min(threads == 0 ? defaultThreads : threads, members))
    }

    /// The default worker count: the number of active cores.
    public static var defaultThreads: Int { ProcessInfo.processInfo.activeProcessorCount }
}
