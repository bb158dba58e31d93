import Foundation

/// Observation times on the step grid t = n·dt: `linear` gives t_end·j/count for j = 0…count,
/// `log` gives count log-spaced times from `start` to t_end; snapshot times are added. Times
/// are rounded to the nearest step, so every observation is of a state actually computed.
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
        times.append(spec.tEnd)
        steps = Array(Set(times.map { Int(($0 / dt).rounded()) } + snapshotSteps)).sorted()
    }

    public var finalStep: Int { steps.last! }
}
