#if MPI
import CMPI
#endif
import Foundation

/// The processes of a run: one, or the ranks of an MPI job (the `MPI` package trait, launched by
/// `mpirun` or `srun`). Ensembles and scans split their work over the ranks; every rank ends
/// with the same numbers, and rank 0 writes the results (docs/cluster.md).
///
/// Without the trait, or when the process was not started by an MPI launcher, there is one
/// rank and every call is local.
public enum Cluster {
    nonisolated(unsafe) private static var started = false
    nonisolated(unsafe) public private(set) static var rank = 0
    nonisolated(unsafe) public private(set) static var size = 1

    public static var isRoot: Bool { rank == 0 }

    /// Seconds this rank spent in collective calls (all-gathers and barriers), waiting for the
    /// slowest rank included: the communication share of a benchmark.
    nonisolated(unsafe) public private(set) static var communicationSeconds = 0.0

    /// Whether ``Ensemble/distributedMap(members:threads:encode:decode:_:)`` splits members over the ranks. A scan, which splits
    /// its tasks over the ranks instead, turns it off while the ranks run different tasks.
    nonisolated(unsafe) public static var ensemblesSpanRanks = true

    /// Starts MPI when built with the trait and launched by an MPI launcher (its environment
    /// variables are set); otherwise a single process.
    public static func start() {
        #if MPI
        let env = ProcessInfo.processInfo.environment
        guard !started, ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"].contains(where: { env[$0] != nil }) else { return }
        var provided: Int32 = 0
        MPI_Init_thread(nil, nil, Int32(MPI_THREAD_FUNNELED), &provided)
        var r: Int32 = 0, s: Int32 = 0
        MPI_Comm_rank(cmpi_comm_world(), &r)
        MPI_Comm_size(cmpi_comm_world(), &s)
        (rank, size, started) = (Int(r), Int(s), true)
        #endif
    }

    /// Ends MPI (a no-op for a single process).
    public static func stop() {
        #if MPI
        if started { MPI_Finalize(); started = false }
        #endif
    }

    /// Every rank's `bytes`, in rank order, on every rank.
    public static func allGather(_ bytes: [UInt8]) -> [[UInt8]] {
        #if MPI
        guard started, size > 1 else { return [bytes] }
        let begin = Date()
        defer { communicationSeconds += Date().timeIntervalSince(begin) }
        var mine = Int64(bytes.count)
        var lengths = [Int64](repeating: 0, count: size)
        MPI_Allgather(&mine, 1, cmpi_int64(), &lengths, 1, cmpi_int64(), cmpi_comm_world())
        precondition(lengths.allSatisfy { $0 < Int64(Int32.max) }, "a rank's results exceed 2 GiB")
        let counts = lengths.map { Int32($0) }
        var offsets = [Int32](repeating: 0, count: size)
        for r in 1..<size { offsets[r] = offsets[r - 1] + counts[r - 1] }
        var all = [UInt8](repeating: 0, count: Int(offsets[size - 1] + counts[size - 1]))
        var send = bytes
        MPI_Allgatherv(&send, counts[rank], cmpi_byte(), &all, counts, offsets, cmpi_byte(), cmpi_comm_world())
        return (0..<size).map { Array(all[Int(offsets[$0])..<Int(offsets[$0] + counts[$0])]) }
        #else
        return [bytes]
        #endif
    }

    /// Waits for every rank.
    public static func barrier() {
        #if MPI
        if started, size > 1 {
            let begin = Date()
            MPI_Barrier(cmpi_comm_world())
            communicationSeconds += Date().timeIntervalSince(begin)
        }
        #endif
    }

    /// Ends the whole job with `code` (MPI_Abort: the launcher stops every rank); a single
    /// process just exits.
    public static func abort(code: Int32) -> Never {
        #if MPI
        if started, size > 1 { MPI_Abort(cmpi_comm_world(), code) }
        #endif
        exit(code)
    }

    /// The members [lo, hi) of rank r's contiguous block (of `ranks` blocks).
    public static func block(_ r: Int, of members: Int, ranks: Int = size) -> Range<Int> { (r * members / ranks)..<((r + 1) * members / ranks) }
}

/// A byte stream of exact bit patterns (the host's byte order: every rank of a job runs the
/// same build on the same kind of machine), for gathering results over ranks. Arrays are
/// copied in bulk: member records can be megabytes.
public struct ByteWriter {
    public private(set) var bytes: [UInt8] = []
    public init() {}
    public mutating func append(_ x: Int) { withUnsafeBytes(of: Int64(x)) { bytes.append(contentsOf: $0) } }
    public mutating func append(_ x: Double) { withUnsafeBytes(of: x) { bytes.append(contentsOf: $0) } }
    public mutating func append(_ x: [Double]) {
        append(x.count)
        x.withUnsafeBytes { bytes.append(contentsOf: $0) }
    }
    public mutating func append(_ x: [[Double]]) { append(x.count); for v in x { append(v) } }
}

public struct ByteReader {
    let bytes: [UInt8]
    var position = 0
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public var atEnd: Bool { position == bytes.count }
    mutating func take(_ n: Int, into destination: UnsafeMutableRawPointer) {
        precondition(n >= 0 && position + n <= bytes.count, "truncated result stream")
        bytes.withUnsafeBytes { destination.copyMemory(from: $0.baseAddress! + position, byteCount: n) }
        position += n
    }
    public mutating func int() -> Int {
        var v: Int64 = 0
        take(8, into: &v)
        return Int(v)
    }
    public mutating func double() -> Double {
        var v = 0.0
        take(8, into: &v)
        return v
    }
    public mutating func doubles() -> [Double] {
        let n = int()
        var out = [Double](repeating: 0, count: n)
        out.withUnsafeMutableBytes { take(8 * n, into: $0.baseAddress!) }
        return out
    }
    public mutating func doubleArrays() -> [[Double]] { (0..<int()).map { _ in doubles() } }
}

extension Ensemble {
    /// The members this rank runs in ``distributedMap(members:threads:encode:decode:_:)`` (for
    /// progress totals).
    public static func localMembers(_ members: Int) -> Range<Int> {
        Cluster.size > 1 && Cluster.ensemblesSpanRanks ? Cluster.block(Cluster.rank, of: members) : 0..<members
    }

    /// ``map(members:threads:_:)`` with the members split over the cluster's ranks in
    /// contiguous blocks; each rank runs its block on `threads` threads, then every rank gets
    /// every member's result (encoded as exact bit patterns and all-gathered), in member order.
    /// With one rank it is `map`, without encoding.
    public static func distributedMap<T: Sendable, E: Error>(members: Int, threads: Int, encode: (T, inout ByteWriter) -> Void,
                                                             decode: (inout ByteReader) -> T, _ body: @Sendable (Int) throws(E) -> T) throws(E) -> [T] {
        guard Cluster.size > 1, Cluster.ensemblesSpanRanks else { return try map(members: members, threads: threads, body) }
        let mine = localMembers(members)
        let local = try map(members: mine.count, threads: threads) { (m: Int) throws(E) -> T in try body(mine.lowerBound + m) }
        var w = ByteWriter()
        for t in local { encode(t, &w) }
        return Cluster.allGather(w.bytes).enumerated().flatMap { r, bytes -> [T] in
            var reader = ByteReader(bytes)
            let out = Cluster.block(r, of: members).map { _ in decode(&reader) }
            precondition(reader.atEnd, "rank \(r) sent more than its members' results")
            return out
        }
    }
}
