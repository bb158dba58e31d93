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
        let work = { @Sendable (w: Int) in
            for m in stride(from: w, to: members, by: workers) where !failed.isSet {
                do throws(E) { out[m] = .success(try body(m)) } catch {
                    out[m] = .failure(error)
                    failed.set()
                }
            }
        }
        if workers <= ProcessInfo.processInfo.activeProcessorCount {
            DispatchQueue.concurrentPerform(iterations: workers, execute: work)
        } else {
            // More workers than cores (members waiting on an external model, whose requests are
            // batched): threads of their own, since Dispatch runs at most one per core.
            withoutActuallyEscaping(work) { (work: @escaping @Sendable (Int) -> Void) in
                // pthreads joined before returning: each thread releases its closure before it
                // ends, so none outlives this call.
                let threads = (0..<workers).map { w -> pthread_t in
                    let task = Unmanaged.passRetained(Task { work(w) }).toOpaque()
                    var attributes = pthread_attr_t()
                    pthread_attr_init(&attributes)
                    pthread_attr_setstacksize(&attributes, 8 << 20)
                    var thread = pthread_t()
                    let status = pthread_create(&thread, &attributes, { context in
                        Unmanaged<Task>.fromOpaque(context!).takeRetainedValue().run()
                        return nil
                    }, task)
                    precondition(status == 0, "cannot start a worker thread")
                    pthread_attr_destroy(&attributes)
                    return thread
                }
                for t in threads { pthread_join(t, nil) }
            }
        }
        return try slots.map { slot throws(E) in
            guard let slot else { throw slots.lazy.compactMap { if case .failure(let e)? = $0 { e } else { nil } }.first! }
            return try slot.get()
        }
    }

    /// A worker thread's body.
    private final class Task {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
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
