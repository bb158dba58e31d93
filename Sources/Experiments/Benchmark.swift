import Foundation
import FieldTheory
import Lattice

/// Throughput of one stochastic model-A step (exponential Euler–Maruyama, u = 1, T = 0.01,
/// 2-D, double; the pointwise passes on one thread, the FFTs on `fftThreads`) against one bare r2c + c2r round trip of the same plans, timed
/// in alternating samples in the same process so that machine noise cancels in the ratio.
public enum Benchmark {
    public struct Row: Sendable {
        public let n: Int
        public let stepsPerSecond: Double
        public let stepMicroseconds: Double
        public let roundTripMicroseconds: Double
        /// Median over samples of (step time / round-trip time).
        public let ratio: Double
        /// Nanoseconds per Gaussian deviate of the noise generator alone.
        public let noiseNanoseconds: Double
    }

    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }

    static func median(_ x: [Double]) -> Double {
        let s = x.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : 0.5 * (s[s.count / 2 - 1] + s[s.count / 2])
    }

    public static func measure(n: Int, samples: Int = 7, sampleSeconds: Double = 0.25, planner: PlannerEffort = .estimate, fftThreads: Int = 1) throws -> Row {
        let lattice = try Lattice(shape: [n, n])
        let model = ModelA(lattice: lattice, r: .constant(1), u: 1, kappa: 1, temperature: 0.01)
        let stepper = ExponentialEulerMaruyama(SpectralContext(model: model, dt: 0.05, seed: 1, effort: planner, fftThreads: fftThreads))
        let start = RealField(lattice)
        GaussianNoise(seed: 2).fill(start.values, count: start.count, scale: 0.1, member: 0, step: 0)
        let state = FieldState(initial: start, member: 0, stepper: stepper)
        let t = stepper.context.transform, x = RealField(lattice), s = SpectralField(lattice)

        var w = 0
        let t0 = now()
        while now() - t0 < sampleSeconds / 2 || w < 3 { stepper.step(state); w += 1 }
        let perStep = (now() - t0) / Double(w)
        let count = max(3, Int(sampleSeconds / perStep))
        var stepTimes: [Double] = [], fftTimes: [Double] = [], ratios: [Double] = []
        for _ in 0..<samples {
            var a = now()
            for _ in 0..<count { stepper.step(state) }
            let ts = (now() - a) / Double(count)
            a = now()
            for _ in 0..<count { t.forward(x, into: s); t.inverse(destroying: s, into: x) }
            let tf = (now() - a) / Double(count)
            stepTimes.append(ts); fftTimes.append(tf); ratios.append(ts / tf)
        }
        let buffer = UnsafeMutablePointer<Double>.allocate(capacity: n * n)
        defer { buffer.deallocate() }
        let g = GaussianNoise(seed: 3), a = now()
        for i in 0..<count { g.fill(buffer, count: n * n, member: 0, step: i) }
        let noise = (now() - a) / Double(count * n * n) * 1e9
        let ts = median(stepTimes)
        return Row(n: n, stepsPerSecond: 1 / ts, stepMicroseconds: ts * 1e6, roundTripMicroseconds: median(fftTimes) * 1e6,
                   ratio: median(ratios), noiseNanoseconds: noise)
    }
}
