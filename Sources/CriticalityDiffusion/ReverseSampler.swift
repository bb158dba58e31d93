import Foundation
import CriticalityLattice

/// How a reverse sampler advances from t to s < t (h = t − s), docs/theory.md §1, for the forward
/// SDE dx = f x dt + g dW and the score s(x) = (αD − x)/σ²:
///
/// - `reverseSDEEuler`: Euler–Maruyama on the reverse SDE,
///   x ← x + h(g² s − f x) + g√h ξ, coefficients at t.
/// - `reverseSDEExponential`: the reverse SDE with D frozen at D(x, t) is linear in x and is
///   integrated exactly: x ← α_s D + c(x − α_t D) + √v ξ with c = (α_t/α_s)σ_s²/σ_t² and
///   v = σ_s²(1 − (α_t/α_s)c) (the posterior q(x_s | x_t, x₀ = D), i.e. ancestral sampling).
/// - `probabilityFlowHeun`: Heun's method on the probability-flow ODE dx/dt = f x − ½g² s.
/// - `ddim`: the deterministic DDIM update x ← α_s D + (σ_s/σ_t)(x − α_t D), the PF-ODE with
///   D frozen, integrated exactly.
public enum SamplerMethod: String, Sendable, CaseIterable {
    case reverseSDEEuler = "reverse-sde-euler"
    case reverseSDEExponential = "reverse-sde-exponential"
    case probabilityFlowHeun = "pf-ode-heun"
    case ddim

    public var isStochastic: Bool { self == .reverseSDEEuler || self == .reverseSDEExponential }
    /// Denoiser evaluations per step.
    public var evaluationsPerStep: Int { self == .probabilityFlowHeun ? 2 : 1 }
}

/// Reverse diffusion of one ensemble member over a decreasing time grid t₀ > … > t_n.
///
/// The state starts at t₀ (from ``initialState(member:)`` or a forward-noised datum) and the
/// result is the posterior mean D(x_{t_n}, t_n): the sample "at t → 0". Noise is counter-based:
/// the increment of step i of member m has key (seed, m, i, stream 2), the initial state stream
/// 3, so results are bitwise independent of how members are spread over threads.
public struct ReverseSampler: Sendable {
    public let schedule: NoiseSchedule
    public let denoiser: any Denoiser
    public let method: SamplerMethod
    /// t₀ > t₁ > … > t_n.
    public let times: [Double]
    public let noise: GaussianNoise
    /// Given starting states x_{t₀}, one per member (nil: drawn from the prior).
    public let initialStates: [[Double]]?
    /// Langevin corrector steps after the predictor steps (nil: none).
    public let corrector: LangevinCorrector?

    public init(schedule: NoiseSchedule, denoiser: any Denoiser, method: SamplerMethod, times: [Double], seed: UInt64) throws(InvalidArgument) {
        guard times.count >= 2, zip(times, times.dropFirst()).allSatisfy({ $0 > $1 }), times.last! > 0 else {
            throw InvalidArgument("ReverseSampler.init", "times", times.count > 6 ? "[\(times[0]), \(times[1]), …, \(times.last!)] (\(times.count))" : "\(times)",
                                  expected: "at least two strictly decreasing positive times")
        }
        self.init(unchecked: schedule, denoiser, method, times, seed, nil, nil)
    }

    private init(unchecked schedule: NoiseSchedule, _ denoiser: any Denoiser, _ method: SamplerMethod, _ times: [Double], _ seed: UInt64,
                 _ initialStates: [[Double]]?, _ corrector: LangevinCorrector?) {
        self.schedule = schedule
        self.denoiser = denoiser
        self.method = method
        self.times = times
        noise = GaussianNoise(seed: seed)
        self.initialStates = initialStates
        self.corrector = corrector
    }

    /// The same grid and noise driving another denoiser (a guided version of this one, say).
    public func with(denoiser: any Denoiser) -> ReverseSampler { ReverseSampler(unchecked: schedule, denoiser, method, times, noise.seed, initialStates, corrector) }

    /// The same sampler with the noise of another seed.
    public func reseeded(_ seed: UInt64) -> ReverseSampler { ReverseSampler(unchecked: schedule, denoiser, method, times, seed, initialStates, corrector) }

    /// The same sampler starting member m from `states[m]` (each a field of `lattice.siteCount`
    /// values, used as x_{t₀} unscaled) instead of the prior.
    public func starting(from states: [[Double]]) throws(InvalidArgument) -> ReverseSampler {
        if let bad = states.firstIndex(where: { $0.count != lattice.siteCount }) {
            throw InvalidArgument("ReverseSampler.starting", "states[\(bad)]", "\(states[bad].count) values", expected: "\(lattice.siteCount) values, one per site")
        }
        return ReverseSampler(unchecked: schedule, denoiser, method, times, noise.seed, states, corrector)
    }

    /// The same sampler with Langevin corrector steps (a predictor–corrector sampler).
    public func correcting(_ corrector: LangevinCorrector?) -> ReverseSampler {
        ReverseSampler(unchecked: schedule, denoiser, method, times, noise.seed, initialStates, corrector)
    }

    public var lattice: Lattice { denoiser.lattice }
    public var steps: Int { times.count - 1 }

    /// x_{t₀} ~ N(0, (α² + σ²) I): the stationary prior of the variance-preserving schedules
    /// (α² + σ² = 1); for `ve` it assumes data of unit variance per site. Given starting states
    /// replace it.
    public func initialState(member: Int) -> RealField {
        if let initialStates { return RealField(lattice) { initialStates[member][$0] } }
        let l = schedule.level(at: times[0]), x = RealField(lattice)
        noise.fill(x.values, count: x.count, scale: (l.alpha * l.alpha + l.variance).squareRoot(), member: member, step: 0, stream: 3)
        return x
    }

    /// Runs one member from `x` (at t_start, grid index `startingAt`; overwritten) and returns
    /// D(x_{t_n}, t_n). Steps draw the same noise whatever the start, so a run from an
    /// intermediate state continues on the member's Brownian path (common random numbers).
    /// `observe(i, level, x_{t_i}, D(x_{t_i}))` is called at every grid index i in `observing`,
    /// `afterStep` after each step (for progress reports). Throws `NonFiniteState` when x or
    /// D(x) stops being finite (checked every `NonFiniteState.checkInterval` steps, at every
    /// observation and at the end), before anything non-finite is observed.
    public func run(member: Int, from x: RealField, startingAt start: Int = 0, observing: Set<Int> = [],
                    observe: (Int, NoiseLevel, RealField, RealField) throws(NonFiniteState) -> Void = { _, _, _, _ in },
                    afterStep: () -> Void = {}) throws(NonFiniteState) -> RealField {
        let w = DenoiserWorkspace(lattice), d = RealField(lattice), xi = RealField(lattice)
        let trial = RealField(lattice), trialD = RealField(lattice)
        var lastFinite = start
        for i in start...steps {
            let now = schedule.level(at: times[i])
            denoiser.denoise(x, at: now, into: d, workspace: w)
            if i == steps || observing.contains(i) || (i - start) % NonFiniteState.checkInterval == 0 {
                try x.checkFinite(member: member, step: i, lastFiniteStep: lastFinite, time: now.time, field: "x")
                try d.checkFinite(member: member, step: i, lastFiniteStep: lastFinite, time: now.time, field: "D(x)")
                lastFinite = i
            }
            if observing.contains(i) { try observe(i, now, x, d) }
            if i == steps { break }
            let next = schedule.level(at: times[i + 1]), h = now.time - next.time
            switch method {
            case .reverseSDEEuler:
                let (f, g2) = (now.drift, now.diffusionSquared)
                noise.fill(xi.values, count: xi.count, scale: (g2 * h).squareRoot(), member: member, step: i, stream: 2)
                for j in 0..<x.count { x[j] += h * (g2 * now.score(x: x[j], denoised: d[j]) - f * x[j]) + xi[j] }
            case .reverseSDEExponential:
                let (c, v) = ReverseSampler.exponentialStep(now, next)
                ReverseSampler.exponentialUpdate(x, d, contraction: c, noiseScale: v.squareRoot(), now: now, next: next,
                                                 key: noise.key(member: member, step: i, stream: 2))
            case .ddim:
                let c = next.sigma / now.sigma
                for j in 0..<x.count { x[j] = next.alpha * d[j] + c * (x[j] - now.alpha * d[j]) }
            case .probabilityFlowHeun:
                for j in 0..<x.count {
                    xi[j] = ReverseSampler.flow(now, x[j], d[j])
                    trial[j] = x[j] - h * xi[j]
                }
                denoiser.denoise(trial, at: next, into: trialD, workspace: w)
                for j in 0..<x.count { x[j] -= 0.5 * h * (xi[j] + ReverseSampler.flow(next, trial[j], trialD[j])) }
            }
            corrector?.correct(x, at: next, denoiser: denoiser, noise: noise, member: member, step: i, d: trialD, xi: xi, workspace: w)
            afterStep()
        }
        return d
    }

    /// The contraction c = (α_t/α_s)σ_s²/σ_t² and the variance v = σ_s²(1 − (α_t/α_s)c) (clamped
    /// at 0) of the exponential reverse-SDE step from `now` to `next`.
    public static func exponentialStep(_ now: NoiseLevel, _ next: NoiseLevel) -> (c: Double, v: Double) {
        let ratio = now.alpha / next.alpha, c = ratio * next.variance / now.variance
        return (c, max(next.variance * (1 - ratio * c), 0))
    }

    /// x ← α_s D + c (x − α_t D) + √v z, with z the deviates of stream `key` drawn 32 at a time into
    /// the update (as `GaussianNoise.fill` draws them, and the same bits as filling a noise field
    /// first: one pass over x instead of two, and no noise field).
    static func exponentialUpdate(_ x: RealField, _ d: RealField, contraction c: Double, noiseScale s: Double,
                                  now: NoiseLevel, next: NoiseLevel, key: UInt64) {
        let xp = UnsafeMutableRawPointer(x.values), dp = UnsafeRawPointer(d.values)
        let a = Double8(repeating: next.alpha), b = Double8(repeating: now.alpha), c8 = Double8(repeating: c)
        @inline(__always) func update(_ offset: Int, _ z: Double8) {
            let dv = dp.loadUnaligned(fromByteOffset: 8 * offset, as: Double8.self)
            let xv = xp.loadUnaligned(fromByteOffset: 8 * offset, as: Double8.self)
            xp.storeBytes(of: a * dv + c8 * (xv - b * dv) + z * s, toByteOffset: 8 * offset, as: Double8.self)
        }
        let full = x.count / 32
        for blk in 0..<full {
            let z = GaussianNoise.block(key: key, block: blk)
            update(32 * blk, z.0); update(32 * blk + 8, z.1); update(32 * blk + 16, z.2); update(32 * blk + 24, z.3)
        }
        guard x.count > 32 * full else { return }
        let z = GaussianNoise.block(key: key, block: full)
        for j in (32 * full)..<x.count {
            x[j] = next.alpha * d[j] + c * (x[j] - now.alpha * d[j]) + GaussianNoise.element(z, j - 32 * full) * s
        }
    }

    /// The probability-flow velocity dx/dt = f x − ½ g² s.
    @inline(__always) static func flow(_ l: NoiseLevel, _ x: Double, _ d: Double) -> Double {
        l.drift * x - 0.5 * l.diffusionSquared * l.score(x: x, denoised: d)
    }
}

/// Forward noising of data, x_t = α_t x₀ + σ_t ε, with ε keyed by (seed, member, 0, stream).
public enum ForwardNoising {
    public static func noised(_ x0: RealField, at level: NoiseLevel, noise: GaussianNoise, member: Int, stream: UInt64 = 4) -> RealField {
        let x = RealField(x0.lattice)
        noise.fill(x.values, count: x.count, scale: level.sigma, member: member, step: 0, stream: stream)
        for i in 0..<x.count { x[i] += level.alpha * x0[i] }
        return x
    }
}
