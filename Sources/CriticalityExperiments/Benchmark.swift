import Foundation
import CriticalityAnalysis
import CriticalityDiffusion
import CriticalityFieldTheory
import CriticalityLattice

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

extension Benchmark {
    public struct DiffusionRow: Sendable {
        public let n: Int
        public let members: Int
        public let threads: Int
        /// Member-steps per second with the whole ensemble on `threads` workers.
        public let memberStepsPerSecond: Double
        /// One member-step on one thread, and a bare FFT round trip of the same lattice.
        public let stepMicroseconds: Double
        public let roundTripMicroseconds: Double
        public var ratio: Double { stepMicroseconds / roundTripMicroseconds }
    }

    /// Reverse-SDE (exponential integrator) steps of the binary patch model, P = 5, `vp`, on an
    /// n×n lattice: the ensemble's throughput on `threads` workers, and the single-thread cost
    /// of one step against a bare FFT round trip timed in alternation with it.
    public static func measureReverseDiffusion(n: Int, members: Int, threads: Int, samples: Int = 5, sampleSeconds: Double = 0.5) throws -> DiffusionRow {
        let lattice = try Lattice(shape: [n, n])
        let model = try BinaryPatchDenoiser(lattice: lattice, patch: .fixed(5))
        func sampler(_ steps: Int) throws -> ReverseSampler {
            try ReverseSampler(schedule: .vp, denoiser: model, method: .reverseSDEExponential,
                           times: try TimeGrid.logUniform.times(from: 12, to: 1e-3, steps: steps, schedule: .vp), seed: 1)
        }
        // Single-thread step cost against the round trip.
        let t = FourierTransform.plan(lattice), x = RealField(lattice), s = SpectralField(lattice)
        var a = now()
        _ = try sampler(20).run(member: 0, from: RealField(lattice))
        let steps = max(10, Int(sampleSeconds / max((now() - a) / 20, 1e-9)))
        let timed = try sampler(steps)
        var stepTimes: [Double] = [], fftTimes: [Double] = []
        for _ in 0..<samples {
            a = now()
            _ = try timed.run(member: 0, from: timed.initialState(member: 0))
            stepTimes.append((now() - a) / Double(steps + 1))
            a = now()
            for _ in 0..<steps { t.forward(x, into: s); t.inverse(destroying: s, into: x) }
            fftTimes.append((now() - a) / Double(steps))
        }
        // Ensemble throughput.
        let perMember = max(10, steps / max(1, members / threads))
        let ensemble = try sampler(perMember)
        a = now()
        _ = try Ensemble.map(members: members, threads: threads) { (m: Int) throws(NonFiniteState) in try ensemble.run(member: m, from: ensemble.initialState(member: m)).count }
        let wall = now() - a
        return DiffusionRow(n: n, members: members, threads: threads, memberStepsPerSecond: Double(members * (perMember + 1)) / wall,
                            stepMicroseconds: median(stepTimes) * 1e6, roundTripMicroseconds: median(fftTimes) * 1e6)
    }
}

extension Benchmark {
    /// The ensemble of `parameters/binary-patch.toml` (80², P = 5, vp, 400 exponential steps,
    /// 64 members) through ``DiffusionRun`` with one thread per rank: its wall time on this
    /// rank and the part spent in collective calls (gathering the members' records, waiting for
    /// the slowest rank included). Under `mpirun -np N` the members are split over N ranks.
    public static func measureEnsemble(members: Int = 64) throws -> (wall: Double, communication: Double) {
        let text = """
        [run]
        kind = "reverse-diffusion"
        members = \(members)
        threads = 1
        [lattice]
        shape = [80, 80]
        [model]
        type = "binary-patch"
        patch = 5
        [sampler]
        steps = 400
        [observe]
        count = 60
        """
        let root = try ParameterValue.parse(toml: text, file: "bench")
        let prepared = try DiffusionSpec(file: "bench", root: root, defaultName: "bench").prepare()
        Cluster.barrier()
        let before = Cluster.communicationSeconds, a = now()
        _ = try DiffusionRun.run(prepared)
        return (now() - a, Cluster.communicationSeconds - before)
    }
}

extension Benchmark {
    public struct PatchRow: Sendable {
        public let machine: String
        public let n: Int
        public let images: Int
        public let patch: Int
        public let threads: Int
        public let milliseconds: Double
        /// A bare r2c + c2r round trip of the same n×n lattice, timed in the same process.
        public let roundTripMicroseconds: Double
        /// Candidate comparisons per evaluation: pixels × candidates per pixel.
        public let pairs: Int
        public var nanosecondsPerPair: Double { milliseconds * 1e6 / Double(pairs) }
    }

    /// One LS or circular ELS evaluation in the setting of the W3 anchor (docs/benchmarks.md):
    /// n×n single-channel, `images` training images uniform in [0, 1), ᾱ = 0.5, the input
    /// √ᾱ y₀ + √(1 − ᾱ) ε. Median over samples, each a loop of evaluations at least `sampleSeconds` long.
    public static func measurePatchMachine(equivariant: Bool, n: Int, images: Int, patch: Int, threads: Int,
                                           samples: Int = 5, sampleSeconds: Double = 0.2) throws -> PatchRow {
        let lattice = try Lattice(shape: [n, n])
        // Uniform [0, 1) pixels: the SplitMix64 finaliser of a counter.
        let data = try Dataset(images: (0..<images).map { k in (0..<(n * n)).map { i in
            Double(GaussianNoise.mix(UInt64(k * n * n + i)) >> 11) * 0x1p-53
        } }, shape: [n, n])
        let machine = try PatchScoreMachine(lattice: lattice, data: data, dictionary: PatchDictionary(equivariant ? .equivariant : .local), patch: .fixed(patch), threads: threads)
        let level = NoiseLevel(time: 0, alpha: 0.5.squareRoot(), sigma: 0.5.squareRoot(), alphaRate: 0, sigmaRate: 0)
        let noise = RealField(lattice)
        GaussianNoise(seed: 7).fill(noise.values, count: noise.count, scale: level.sigma, member: 0, step: 0)
        let x = RealField(lattice) { level.alpha * data.images[0][$0] + noise[$0] }
        let d = RealField(lattice), w = DenoiserWorkspace(lattice)
        var a = now()
        machine.denoise(x, at: level, into: d, workspace: w)
        let reps = max(1, Int(sampleSeconds / max(now() - a, 1e-9)))
        var times: [Double] = [], fft: [Double] = []
        let t = FourierTransform.plan(lattice), s = SpectralField(lattice), f = RealField(lattice)
        for _ in 0..<samples {
            a = now()
            for _ in 0..<reps { machine.denoise(x, at: level, into: d, workspace: w) }
            times.append((now() - a) / Double(reps))
            a = now()
            for _ in 0..<1000 { t.forward(f, into: s); t.inverse(destroying: s, into: f) }
            fft.append((now() - a) / 1000)
        }
        return PatchRow(machine: equivariant ? "ELS" : "LS", n: n, images: images, patch: patch, threads: threads,
                        milliseconds: median(times) * 1e3, roundTripMicroseconds: median(fft) * 1e6, pairs: machine.candidatePairs(at: 0))
    }
}

extension Benchmark {
    public struct ExternalRow: Sendable {
        public let n: Int
        public let members: Int
        public let evaluationsPerSecond: Double
        /// float64 payload moved per second, both directions.
        public let gigabytesPerSecond: Double
        public let batches: Int
        public let evaluations: Int
    }

    /// Evaluations of the identity network (`python3 -m criticality_denoiser.identity`, with
    /// `Sources/Python` on PYTHONPATH) by `members` threads at one t, so that every request
    /// travels in a batch of `members`: the cost of the transport alone.
    public static func measureExternal(n: Int, members: Int, python: String, seconds: Double = 2) throws -> ExternalRow {
        let lattice = try Lattice(shape: [n, n])
        let model = try ExternalModel(.init(argv: ["python3", "-m", "criticality_denoiser.identity"], directory: nil, environment: ["PYTHONPATH": python],
                                            predicts: .x0, batch: members, timeout: 60, schedule: "vp"), lattice: lattice)
        defer { model.close() }
        let level = NoiseSchedule.vp.level(at: 1), denoiser = ExternalDenoiser(model)
        func round(_ count: Int) {
            _ = Ensemble.map(members: members, threads: members) { m in
                let x = RealField(lattice), d = RealField(lattice), w = DenoiserWorkspace(lattice)
                for _ in 0..<count { denoiser.denoise(x, at: level, into: d, workspace: w) }
                return 0
            }
        }
        round(2)
        let before = (model.evaluations, model.batches), a = now()
        var rounds = 0
        while now() - a < seconds { round(20); rounds += 20 }
        let elapsed = now() - a, evaluations = model.evaluations - before.0
        if let f = model.failure { throw ExternalProcess.Failure(message: f) }
        return ExternalRow(n: n, members: members, evaluationsPerSecond: Double(evaluations) / elapsed,
                           gigabytesPerSecond: 2 * Double(evaluations * n * n * 8) / elapsed / 1e9, batches: model.batches - before.1, evaluations: evaluations)
    }
}
