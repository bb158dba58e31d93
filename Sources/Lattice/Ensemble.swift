import Foundation

/// Independent ensemble members run in parallel. Members are dealt to workers round-robin and
/// every member draws its own counter-based noise, so results are bitwise the same whatever
/// the number of threads.
public enum Ensemble {
    /// body(member) for member in 0..<members, on up to `threads` threads (0: all cores);
    /// results in member order.
    public static func map<T: Sendable>(members: Int, threads: Int, _ body: @Sendable (Int) -> T) -> [T] {
        let workers = max(1, min(threads == 0 ? defaultThreads : threads, members))
        let slots = UnsafeMutableBufferPointer<T?>.allocate(capacity: members)
        slots.initialize(repeating: nil)
        defer { slots.deinitialize(); slots.deallocate() }
        nonisolated(unsafe) let out = slots
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            for m in stride(from: w, to: members, by: workers) { out[m] = body(m) }
        }
        return slots.map { $0! }
    }

    /// The default worker count: the number of active cores.
    public static var defaultThreads: Int { ProcessInfo.processInfo.activeProcessorCount }
}
