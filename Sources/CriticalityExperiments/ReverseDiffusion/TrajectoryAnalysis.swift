import CriticalityAnalysis
import CriticalityDiffusion
import Foundation
import CriticalityLattice

/// `criticality analyze`: the sample-based observables of trajectories written by any
/// framework (a trained network's sampler, say) — arrays x_t of shape (T, B, *lattice) at
/// times t of shape (T,), optionally D(x_t) of the same shape — in the results-folder layout
/// of a reverse-diffusion run: ξ_1/e, ξ_2nd, ξ_OZ and S(k, t), G(r, t) of x, sign x (and D,
/// sign D), −dξ/dlog t and its peak.
public enum TrajectoryAnalysis {
    public static func run(trajectory: String, times timesFile: String, denoised: String? = nil, schedule: NoiseSchedule? = nil,
                           name: String? = nil, out: String? = nil, threads: Int = 0, commandLine: String) throws -> URL {
        let x = try DiffusionSpec.readNPY(trajectory), t = try DiffusionSpec.readNPY(timesFile)
        guard (3...5).contains(x.shape.count), x.shape.allSatisfy({ $0 >= 1 }) else {
            throw ParameterError(file: trajectory, message: "shape \(x.shape): expected (T, B, H, W), (T, B, H, W, C) or (T, B, L): times × batch × lattice")
        }
        let (nt, batch, shape) = (x.shape[0], x.shape[1], Array(x.shape.dropFirst(2)))
        guard t.shape == [nt] else { throw ParameterError(file: timesFile, message: "shape \(t.shape): expected (\(nt),), one time per slice of \(trajectory)") }
        let times = t.values
        if let schedule, let bad = times.first(where: { !schedule.domain.contains($0) || !schedule.level(at: $0).logSignalToNoise.isFinite }) {
            throw ParameterError(file: timesFile, message: "t = \(bad) is outside the range of schedule \(schedule.name) (log λ_t is not finite there): expected times in (0, \(schedule.domain.upperBound))")
        }
        for (path, array) in [(trajectory, x), (timesFile, t)] where array.isInteger {
            FileHandle.standardError.write(Data("note: \(path) holds integers (\(array.dtype)); they are read as float64\n".utf8))
        }
        guard times.allSatisfy({ $0 > 0 && $0.isFinite }),
              zip(times, times.dropFirst()).allSatisfy({ $0 > $1 }) || zip(times, times.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw ParameterError(file: timesFile, message: "times must be positive, finite and strictly monotone")
        }
        guard x.values.allSatisfy(\.isFinite) else { throw ParameterError(file: trajectory, message: "the trajectory contains NaN or infinite values") }
        var d: NPY.Decoded?
        if let denoised {
            d = try DiffusionSpec.readNPY(denoised)
            guard d!.shape == x.shape else { throw ParameterError(file: denoised, message: "shape \(d!.shape): expected \(x.shape), the shape of \(trajectory)") }
            guard d!.values.allSatisfy(\.isFinite) else { throw ParameterError(file: denoised, message: "the array contains NaN or infinite values") }
        }
        let lattice: Lattice
        do { lattice = try Lattice(shape: shape) } catch { throw ParameterError(file: trajectory, message: "lattice shape \(shape): \(error)") }
        let runName = name ?? ((trajectory as NSString).lastPathComponent as NSString).deletingPathExtension
        guard !runName.isEmpty, !runName.contains("/") else { throw ParameterError(file: "--name", message: "\(runName): expected a non-empty name without '/'") }
        let destination = URL(fileURLWithPath: out ?? "results/\(runName)")
        let folder = try ResultsFolder(destination: destination)
        try folder.complete {
            let started = Date()
            let sites = lattice.siteCount, fieldCount = d == nil ? 2 : 4
            let observables = FieldObservables(lattice, transform: FourierTransform.plan(lattice))
            let sources = [x.values] + (d.map { [$0.values] } ?? [])
            // samples[member][time][field]
            let samples = Ensemble.map(members: batch, threads: threads == 0 ? Ensemble.defaultThreads : threads) { b -> [[FieldObservables.Sample]] in
                let spectrum = SpectralField(lattice), scratch = SpectralField(lattice), work = RealField(lattice)
                let field = RealField(lattice), sign = RealField(lattice)
                return (0..<nt).map { j in
                    let offset = (j * batch + b) * sites
                    return sources.flatMap { source in
                        for i in 0..<sites { field[i] = source[offset + i] }
                        return observables.measureWithSign(field, sign: sign, spectrum: spectrum, scratch: scratch, work: work)
                    }
                }
            }
            let summaries = (0..<nt).map { j in (0..<fieldCount).map { f in observables.summarize(samples.map { $0[j][f] }, temperature: 0) } }
            let sf = observables.structureFactor
            let path = PathObservables(fieldNames: Array(DiffusionResult.fieldNames.prefix(fieldCount)), fieldLabels: Array(DiffusionOutput.fieldLabels.prefix(fieldCount)),
                                       times: times, levels: schedule.map { s in times.map { s.level(at: $0) } },
                                       summaries: summaries, shellWaveNumber: sf.waveNumber, shellLabel: sf.shellLabel, shellModes: sf.modeCount,
                                       distance: observables.distance, logTime: true, boxLength: lattice.boxLength.max()!, orderParameter: observables.orderParameter.name)
            var report = HTMLReport(title: "\(runName): analysis of external trajectories")
            var summary: [String: Any] = ["fields": path.fieldNames, "members": batch, "times": nt, "lattice_shape": shape]
            try path.write(to: folder, report: &report, summary: &summary)
            var rows: [[String]] = []
            for (f, field) in path.fieldNames.enumerated() {
                guard let peak = path.growth(field: f).peakTime else { continue }
                let key = field == "sign_D" ? "t_peak_xi_growth" : "t_peak_xi_growth_\(field)"
                rows.append([key, "argmax −dξ_1/e/dlog t of \(path.fieldLabels[f])", String(format: "%.6g", peak)])
                if let schedule { summary[key + "_log_lambda"] = schedule.level(at: peak).logSignalToNoise }
            }
            report.tables.append((title: "Critical times from the samples (docs/theory.md §8, estimator 4)", header: ["key", "estimator", "t"], rows: rows))
            let wall = Date().timeIntervalSince(started)
            summary["wall_seconds"] = wall
            report.reproduce = commandLine
            report.parameters = [("trajectory", trajectory), ("times", timesFile), ("denoised", denoised ?? "none (x and sign x only)"),
                                 ("schedule", schedule?.name ?? "none (no log λ)"), ("lattice", shape.map(String.init).joined(separator: " × ") + ", unit spacing"),
                                 ("members", "\(batch)"), ("observation times", "\(nt), from \(times.first!) to \(times.last!)")]
                .map { "\($0.0) = \($0.1)" }.joined(separator: "\n")
            report.summary = [("trajectory", "\(trajectory): \(nt) times × \(batch) members on \(shape)"), ("fields", path.fieldLabels.joined(separator: ", ")),
                              ("wall time", String(format: "%.2f s", wall))]
            let record: [String: Any] = [
                "kind": "analyze", "trajectory": trajectory, "times_file": timesFile, "denoised": denoised ?? NSNull(),
                "schedule": schedule?.name ?? NSNull(), "lattice_shape": shape, "members": batch, "times": times,
                "package": "Criticality", "version": Experiment.version, "git_revision": Experiment.revision, "fftw_version": FFTWInfo.version,
                "date": ISO8601DateFormatter().string(from: Date()), "reproduce": commandLine, "wall_seconds": wall,
                "conventions": "fields x, sign x (and D, sign D); S(k) = (v/N)<|phi_k|^2> on integer shells; unit lattice spacing; see docs/output.md",
            ]
            return (summary, record, report)
        }
        return destination
    }
}
