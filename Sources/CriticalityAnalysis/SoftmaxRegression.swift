import Foundation

/// Multinomial logistic regression, p(c | y) = softmax_c(W_c·y + b_c), fitted by accelerated
/// gradient descent (FISTA) on the mean cross-entropy plus (ℓ₂/2)‖W‖². The loss is convex and
/// its gradient is Lipschitz with constant ≤ ½ max‖(y, 1)‖² + ℓ₂, which fixes the step; the fit
/// is deterministic. The fixed classifier of guidance-pulse runs on data without an exact class
/// posterior (docs/theory.md §9).
public struct SoftmaxRegression: Sendable {
    public let classes: [Int]
    /// Row c: the weights of class classes[c], then its bias.
    let weights: [[Double]]

    public init(features: [[Double]], labels: [Int], l2: Double = 1e-3, iterations: Int = 500) {
        precondition(features.count == labels.count && !features.isEmpty)
        classes = Array(Set(labels)).sorted()
        let n = features.count, d = features[0].count + 1, k = classes.count
        let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        let target = labels.map { index[$0]! }
        let step = 1 / (0.5 * features.map { $0.reduce(1) { $0 + $1 * $1 } }.max()! + l2)
        var w = [[Double]](repeating: [Double](repeating: 0, count: d), count: k), previous = w, z = w
        var momentum = 1.0
        for _ in 0..<iterations {
            var gradient = [[Double]](repeating: [Double](repeating: 0, count: d), count: k)
            for (y, c) in zip(features, target) {
                let p = SoftmaxRegression.probabilities(z, y)
                for j in 0..<k {
                    let r = (p[j] - (j == c ? 1 : 0)) / Double(n)
                    for i in 0..<(d - 1) { gradient[j][i] += r * y[i] }
                    gradient[j][d - 1] += r
                }
            }
            previous = w
            for j in 0..<k { for i in 0..<d {
                w[j][i] = z[j][i] - step * (gradient[j][i] + (i < d - 1 ? l2 * z[j][i] : 0))
            } }
            let next = 0.5 * (1 + (1 + 4 * momentum * momentum).squareRoot()), beta = (momentum - 1) / next
            momentum = next
            for j in 0..<k { for i in 0..<d { z[j][i] = w[j][i] + beta * (w[j][i] - previous[j][i]) } }
        }
        weights = w
    }

    static func probabilities(_ w: [[Double]], _ y: [Double]) -> [Double] {
        var logits = w.map { row in zip(row, y).reduce(row[row.count - 1]) { $0 + $1.0 * $1.1 } }
        let m = logits.max()!
        var total = 0.0
        for j in logits.indices { logits[j] = exp(logits[j] - m); total += logits[j] }
        return logits.map { $0 / total }
    }

    /// p(c | y) in the order of ``classes``.
    public func probabilities(_ y: [Double]) -> [Double] { SoftmaxRegression.probabilities(weights, y) }

    /// The most probable class.
    public func predict(_ y: [Double]) -> Int {
        let p = probabilities(y)
        return classes[p.indices.max { p[$0] < p[$1] }!]
    }

    /// The fraction of correctly classified examples.
    public func accuracy(features: [[Double]], labels: [Int]) -> Double {
        Double(zip(features, labels).filter { predict($0) == $1 }.count) / Double(labels.count)
    }
}
