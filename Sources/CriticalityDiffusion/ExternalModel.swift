import Foundation
import CriticalityLattice

/// A denoising network in another program, evaluated over the denoiser protocol (version 1,
/// docs/external.md): one JSON header line, then the little-endian float64 payload, each way.
///
///     → {"protocol": "criticality-denoiser", "version": 1, "shape": [H, W], "dtype": "<f8", "schedule": "vp"}
///     ← {"protocol": "criticality-denoiser", "version": 1}          (optionally "shape": the shape it accepts)
///     → {"t": …, "alpha": …, "sigma": …, "log_lambda": …, "schedule": "vp", "count": B, "shape": [H, W],
///        "classes": [c or null, …], "dtype": "<f8"}   then B·N values
///     ← {"count": B, "dtype": "<f8"}   then B·N values           (or {"error": "…"})
///
/// Concurrent evaluations from the ensemble's threads are gathered into batches of requests at
/// the same t (at most `batch`, or what arrives within a millisecond), so that the network sees
/// large batches. Each item's result depends on that item alone for any network that treats
/// the items of a batch independently, so results do not depend on the batching.
///
/// A failure (the program exits, answers late, with the wrong length or non-finite values) is
/// recorded in ``failure``; every later evaluation returns NaN at once, which the samplers'
/// non-finite guard turns into a halt, and the run reports this failure instead.
public final class ExternalModel: @unchecked Sendable {
    /// What the network's output is, converted to D = E[x₀ | x_t] through the schedule.
    public enum Prediction: String, Sendable, CaseIterable {
        case x0, epsilon, score, v

        /// D from the output `y` at x: ε-prediction D = (x − σε)/α; score D = (x + σ²s)/α;
        /// v-prediction (v = αε − σx₀) D = (αx − σv)/(α² + σ²).
        @inline(__always) func denoised(_ y: Double, x: Double, alpha: Double, sigma: Double) -> Double {
            switch self {
            case .x0: y
            case .epsilon: (x - sigma * y) / alpha
            case .score: (x + sigma * sigma * y) / alpha
            case .v: (alpha * x - sigma * y) / (alpha * alpha + sigma * sigma)
            }
        }
    }

    public struct Configuration: Sendable {
        public var argv: [String]
        public var directory: String?
        public var environment: [String: String]
        public var predicts: Prediction
        public var batch: Int
        /// Seconds the program may take for the handshake or one batch.
        public var timeout: Double
        /// The schedule's name, sent with every request.
        public var schedule: String

        public init(argv: [String], directory: String?, environment: [String: String], predicts: Prediction, batch: Int, timeout: Double, schedule: String) {
            (self.argv, self.directory, self.environment, self.predicts, self.batch, self.timeout, self.schedule) =
                (argv, directory, environment, predicts, batch, timeout, schedule)
        }
    }

    /// One evaluation waiting for its batch.
    private final class Request {
        let x: [Double]
        let label: Int?
        let level: NoiseLevel
        var result: [Double]?
        init(x: [Double], label: Int?, level: NoiseLevel) { (self.x, self.label, self.level) = (x, label, level) }
    }

    public let configuration: Configuration
    public let lattice: Lattice
    public let process: ExternalProcess
    private let condition = NSCondition()
    private var pending: [Request] = []
    private var sending = false
    private var failed: String?
    /// Requests and batches sent, for the record.
    public private(set) var evaluations = 0
    public private(set) var batches = 0

    /// Starts the program and checks the protocol version and the lattice shape.
    public init(_ configuration: Configuration, lattice: Lattice) throws(ExternalProcess.Failure) {
        self.configuration = configuration
        self.lattice = lattice
        process = try ExternalProcess(argv: configuration.argv, directory: configuration.directory, environment: configuration.environment)
        let hello = ExternalModel.json(["protocol": "criticality-denoiser", "version": 1, "shape": lattice.shape, "dtype": "<f8", "schedule": configuration.schedule])
        let deadline = Date().addingTimeInterval(configuration.timeout)
        do throws(ExternalProcess.Failure) {
            try process.write(hello, deadline: deadline)
            let line = try process.readLine(deadline: deadline)
            guard let reply = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw ExternalProcess.Failure(message: "the handshake's answer is not a JSON object: \(ExternalModel.shown(line))")
            }
            if let e = reply["error"] as? String { throw ExternalProcess.Failure(message: "the program refused the handshake: \(e)") }
            guard reply["protocol"] as? String == "criticality-denoiser", let v = reply["version"] as? Int else {
                throw ExternalProcess.Failure(message: "the handshake's answer lacks \"protocol\": \"criticality-denoiser\" and \"version\": \(ExternalModel.shown(line))")
            }
            guard v == 1 else { throw ExternalProcess.Failure(message: "the program speaks protocol version \(v); this package speaks version 1") }
            if let shape = reply["shape"] as? [Int], shape != lattice.shape {
                throw ExternalProcess.Failure(message: "the network accepts fields of shape \(shape), not lattice.shape \(lattice.shape)")
            }
        } catch {
            process.terminate(grace: 0.2)
            throw ExternalProcess.Failure(message: error.message + (process.lastErrorLine.map { "; its last words: \($0)" } ?? ""))
        }
    }

    /// Why the program stopped serving, if it did: the command, the request and what came back.
    public var failure: String? { condition.withLock { failed } }

    /// D(x, t) of each field of `xs` (N values each) for class `label` (nil: unconditional),
    /// written to `outs` in order. The fields join the pending requests together, so that a
    /// caller's fields (a probe's plane waves) travel in one batch with other threads' requests.
    func evaluate(_ xs: [UnsafeBufferPointer<Double>], label: Int?, level: NoiseLevel, into outs: [UnsafeMutableBufferPointer<Double>]) {
        let requests = xs.map { Request(x: Array($0), label: label, level: level) }
        condition.lock()
        if failed != nil {
            condition.unlock()
            for out in outs { out.update(repeating: .nan) }
            return
        }
        pending += requests
        let deadline = Date().addingTimeInterval(0.001)
        // `result` is written by the flushing thread outside the lock while `sending`, so it is
        // read only when no exchange is under way.
        while true {
            if sending {
                condition.wait()
            } else if requests.allSatisfy({ $0.result != nil }) {
                break
            } else if pending.count >= configuration.batch || Date() >= deadline {
                flush()
            } else {
                _ = condition.wait(until: deadline)
            }
        }
        condition.unlock()
        let p = configuration.predicts, (a, s) = (level.alpha, level.sigma)
        for ((x, out), request) in zip(zip(xs, outs), requests) {
            let y = request.result!
            for i in 0..<out.count { out[i] = p.denoised(y[i], x: x[i], alpha: a, sigma: s) }
        }
    }

    /// Sends what is pending, in batches of one t each; called with the lock held, which it
    /// releases during the exchange (other threads queue meanwhile).
    private func flush() {
        sending = true
        var groups: [[Request]] = []
        for r in pending {
            if let g = groups.firstIndex(where: { $0[0].level.time == r.level.time && $0.count < configuration.batch }) { groups[g].append(r) } else { groups.append([r]) }
        }
        pending = []
        condition.unlock()
        var message: String?
        for group in groups {
            if message == nil {
                do throws(ExternalProcess.Failure) { try exchange(group) } catch { message = error.message }
            }
            if message != nil { for r in group where r.result == nil { r.result = [Double](repeating: .nan, count: lattice.siteCount) } }
        }
        condition.lock()
        if let message, failed == nil { failed = message + (process.lastErrorLine.map { "; its last words: \($0)" } ?? "") }
        sending = false
        condition.broadcast()
    }

    private func exchange(_ group: [Request]) throws(ExternalProcess.Failure) {
        let n = lattice.siteCount, level = group[0].level
        let header: [String: Any] = [
            "t": level.time, "alpha": level.alpha, "sigma": level.sigma, "log_lambda": level.logSignalToNoise, "schedule": configuration.schedule,
            "count": group.count, "shape": lattice.shape, "classes": group.map { $0.label.map { $0 as Any } ?? NSNull() }, "dtype": "<f8",
        ]
        let described = "the request of \(group.count) field\(group.count == 1 ? "" : "s") at t = \(level.time)"
        let deadline = Date().addingTimeInterval(configuration.timeout)
        do throws(ExternalProcess.Failure) {
            try process.write(ExternalModel.json(header), deadline: deadline)
            for r in group {
                if let f = r.x.withUnsafeBytes({ b -> ExternalProcess.Failure? in
                    do throws(ExternalProcess.Failure) { try process.write(b, deadline: deadline); return nil } catch { return error }
                }) { throw f }
            }
            let line = try process.readLine(deadline: deadline)
            guard let reply = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw ExternalProcess.Failure(message: "the answer's header is not a JSON object: \(ExternalModel.shown(line))")
            }
            if let e = reply["error"] as? String { throw ExternalProcess.Failure(message: "the program answered with an error: \(e)") }
            guard reply["count"] as? Int == group.count, (reply["dtype"] as? String ?? "<f8") == "<f8" else {
                throw ExternalProcess.Failure(message: "the answer's header \(ExternalModel.shown(line)) does not promise \(group.count) fields of dtype \"<f8\"")
            }
            var results: [[Double]] = []
            for i in 0..<group.count {
                var y = [Double](repeating: 0, count: n)
                if let f = y.withUnsafeMutableBytes({ b -> ExternalProcess.Failure? in
                    do throws(ExternalProcess.Failure) { try process.read(into: b, deadline: deadline); return nil } catch { return error }
                }) { throw f }
                if let bad = y.firstIndex(where: { !$0.isFinite }) {
                    throw ExternalProcess.Failure(message: "the answer holds \(y[bad]) at field \(i), site \(bad)")
                }
                results.append(y)
            }
            for (r, y) in zip(group, results) { r.result = y }
            condition.withLock { evaluations += group.count; batches += 1 }
        } catch {
            throw ExternalProcess.Failure(message: "\(ExternalProcess.shell(configuration.argv)), \(described): \(error.message)")
        }
    }

    /// Ends the program (closing its input, then killing it after a grace period).
    public func close() { process.terminate() }

    static func json(_ object: [String: Any]) -> Data {
        var d = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        d.append(UInt8(ascii: "\n"))
        return d
    }

    static func shown(_ line: String) -> String { line.count > 200 ? "\"\(line.prefix(200))…\"" : "\"\(line)\"" }
}
