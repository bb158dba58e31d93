/// The patch size P(t) of a local score model, docs/theory.md §2 ("time-dependent locality"):
/// fixed, or a table of (t, P) pairs read as piecewise constant: P(t) is the P of the entry
/// with the largest time ≤ t (and the earliest entry's P below all of them). An entry's time
/// counts as reached within a relative 1e-12: a grid point computed as start + (end − start)·i/n
/// can miss the user's key i/n by an ulp (0.8999999999999999 for 0.9).
public enum PatchSchedule: Sendable, Equatable {
    case fixed(Int)
    /// (time, P) pairs, sorted by time on construction through ``table(_:)``.
    case piecewise([PatchEntry])

    public struct PatchEntry: Sendable, Equatable {
        public var time: Double
        public var size: Int
        public init(time: Double, size: Int) {
            self.time = time
            self.size = size
        }
    }

    public static func table(_ entries: [(time: Double, size: Int)]) -> PatchSchedule {
        .piecewise(entries.map { PatchEntry(time: $0.time, size: $0.size) }.sorted { $0.time < $1.time })
    }

    public func size(at t: Double) -> Int {
        switch self {
        case .fixed(let p): return p
        case .piecewise(let e): return (e.last { $0.time <= t * (1 + 1e-12) } ?? e[0]).size
        }
    }

    /// Every patch size the schedule can return.
    public var sizes: [Int] {
        switch self {
        case .fixed(let p): [p]
        case .piecewise(let e): Array(Set(e.map(\.size))).sorted()
        }
    }
}
