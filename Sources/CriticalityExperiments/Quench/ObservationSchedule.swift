import Foundation

/// Observation times on the step grid t = n·dt: `linear` gives t_end·j/count for j = 0…count,
/// `log` gives count log-spaced times from `start` to t_end; snapshot times are added. Times
/// are rounded to the nearest step, so every observation is of a state actually computed, and
/// targets that round to one step move to the next free steps, so that there are exactly
/// count (+ 1 for `linear`) of them (the parameters are checked to leave room).
public struct ObservationSchedule: Sendable, Equatable {
    public let steps: [Int]
    public let snapshotSteps: [Int]

    public init(spec: ExperimentSpec) {
        let dt = spec.dt, count = spec.observationCount
        var times: [Double]
        switch spec.schedule {
        case .linear: times = (0...count).map { spec.tEnd * Double($0) / Double(count) }
        case .log:
            times = count == 1 ? [spec.tEnd]
                : (0..<count).map { spec.scheduleStart * pow(spec.tEnd / spec.scheduleStart, Double($0) / Double(count - 1)) }
        }
        snapshotSteps = Array(Set(spec.snapshots.map { Int(($0 / dt).rounded()) })).sorted()
        var s = times.map { Int(($0 / dt).rounded()) }
        for j in s.indices.dropFirst() where s[j] <= s[j - 1] { s[j] = s[j - 1] + 1 }
        let last = Int((spec.tEnd / dt).rounded())
        for j in s.indices.reversed() { s[j] = min(s[j], j == s.count - 1 ? last : s[j + 1] - 1) }
        steps = Array(Set(s + [last] + snapshotSteps)).sorted()
    }

    public var finalStep: Int { steps.last! }
}
