/// One critical-time estimate of docs/theory.md §8, under the stable key it has in `summary.json`
/// (docs/output.md lists them all).
public struct CriticalTime: Sendable, Equatable {
    public var key: String
    /// What was measured, in words.
    public var estimator: String
    public var time: Double

    public init(key: String, estimator: String, time: Double) {
        self.key = key
        self.estimator = estimator
        self.time = time
    }
}
