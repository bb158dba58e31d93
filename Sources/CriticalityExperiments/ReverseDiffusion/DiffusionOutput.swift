import CriticalityAnalysis
import CriticalityDiffusion
import Foundation
import CriticalityLattice

/// Writes the files of a reverse-diffusion run (see docs/output.md) and returns the report and
/// summary. Arrays with a field axis list the fields x_t, sign x_t, D(x_t), sign D(x_t).
enum DiffusionOutput {
    static let fieldLabels = ["x_t", "sign x_t", "D(x_t)", "sign D(x_t)"]

    /// The axes of a field: those of the lattice, or y, x, channel for images with channels.
    static func siteAxes(_ r: DiffusionResult) -> [String] {
        r.prepared.data?.shape.count == 3 ? ["y", "x", "channel"] : ResultsFolder.siteAxes(r.spec.lattice.dimension)
    }

    static func write(_ r: DiffusionResult, to folder: ResultsFolder, progress: Progress? = nil) throws -> (HTMLReport, [String: Any]) {
        let spec = r.spec, last = r.times.count - 1, fields = 0..<4
        var report = HTMLReport(title: spec.name)
        let logLambda = r.levels.map(\.logSignalToNoise)

        let t = r.times.count
        let path = PathObservables(fieldNames: DiffusionResult.fieldNames, fieldLabels: fieldLabels, times: r.times, levels: r.levels,
                                   summaries: r.summaries, shellWaveNumber: r.shellWaveNumber, shellLabel: r.shellLabel, shellModes: r.shellModes,
                                   distance: r.distance, logTime: spec.grid != .uniform, boxLength: spec.lattice.boxLength.max()!, orderParameter: r.prepared.orderParameter.name)
        var summary: [String: Any] = [:]
        try path.write(to: folder, report: &report, summary: &summary)

        // Snapshots and samples
        let shape = spec.lattice.shape
        let image = shape.count >= 2 ? (rows: shape[0], columns: shape[1]) : nil
        func slice(_ f: [Double]) -> [Double] { firstSlice(f, shape: shape) }
        let axes = siteAxes(r)
        if !r.snapshots.isEmpty {
            let n = r.snapshots.count
            try folder.write("snapshots.npy", rows: r.snapshots, shape: [n] + shape, dims: ["snapshot_t"] + axes)
            try folder.write("denoised_snapshots.npy", rows: r.denoisedSnapshots, shape: [n] + shape, dims: ["snapshot_t"] + axes)
            try folder.write("snapshot_t.npy", array: r.snapshotLevels.map(\.time), shape: [n], dims: ["snapshot_t"])
        }
        if let image {
            let scale = max(1, 256 / max(image.rows, image.columns))
            for (i, level) in r.snapshotLevels.enumerated() {
                let x = String(format: "snapshot_%02d.png", i), d = String(format: "denoised_%02d.png", i)
                try folder.write(x, PNGImage.field(slice(r.snapshots[i]), rows: image.rows, columns: image.columns, scale: scale))
                try folder.write(d, PNGImage.field(slice(r.denoisedSnapshots[i]), rows: image.rows, columns: image.columns, scale: scale))
                let when = String(format: "t = %.4g, log λ = %.2f", level.time, level.logSignalToNoise)
                report.figures.append((x, "member 0 at \(when): x_t (left; blue < 0 < red, scaled to max |x|) and its posterior mean D(x_t) (right)"))
                report.companions[x] = d
            }
            try folder.write("samples.png", tiled(Array(r.samples.prefix(16)).map(slice), rows: image.rows, columns: image.columns))
            report.figures.append(("samples.png", "Final samples D(x_{t_end}) of the first \(min(16, r.samples.count)) members"))
        }
        try folder.write("samples.npy", rows: r.samples, shape: [r.samples.count] + shape, dims: ["member"] + axes)

        // Plots
        let logT = spec.grid != .uniform
        var sPlot = SVGPlot(title: "Structure factor of x_t", xLabel: "|k|", yLabel: "S(k)", logX: true, logY: true)
        let shown = r.snapshotLevels.isEmpty ? [r.levels[last]] : r.snapshotLevels
        for level in shown {
            guard let j = r.levels.firstIndex(where: { $0.time == level.time }) else { continue }
            sPlot.series.append(.init(label: String(format: "t = %.3g", level.time), x: Array(r.shellWaveNumber.dropFirst()), y: Array(r.summaries[j][0].s.dropFirst())))
        }
        try folder.write("structure_factor.svg", sPlot.render())
        var mPlot = SVGPlot(title: "Order parameter", xLabel: "t", yLabel: "⟨m²⟩", logX: logT)
        mPlot.series = [0, 2].map { f in .init(label: fieldLabels[f], x: r.times, y: r.summaries.map { $0[f].order.m2.mean }, error: r.summaries.map { $0[f].order.m2.standardError }) }
        try folder.write("order_parameter.svg", mPlot.render())
        let plots: [(file: String, caption: String)] = [
            ("structure_factor.svg", "Shell-averaged S(k) of x_t at the snapshot times (k = 0 not shown)"),
            ("order_parameter.svg", "⟨m²⟩ of x_t and of D(x_t)"),
        ]
        report.figures.insert(contentsOf: plots, at: report.figures.firstIndex { !$0.file.hasPrefix("xi") } ?? report.figures.count)
        if r.spec.trajectories {
            try folder.write("trajectory.npy", rows: r.trajectories.flatMap { $0 }, shape: [t, spec.members] + shape, dims: ["t", "member"] + axes)
            try folder.write("trajectory_denoised.npy", rows: r.denoisedTrajectories.flatMap { $0 }, shape: [t, spec.members] + shape, dims: ["t", "member"] + axes)
            report.dataFiles += [("trajectory.npy", "every member's x_t at the observation times, shape (T, members, *lattice.shape): the input of criticality analyze"),
                                 ("trajectory_denoised.npy", "their D(x_t)")]
        }
        report.dataFiles += [
            ("snapshots.npy", "member 0's x_t at the snapshot times, shape (n, *lattice.shape)"),
            ("denoised_snapshots.npy", "its D(x_t)"), ("snapshot_t.npy", "snapshot times"),
            ("samples.npy", "final posterior means D(x_{t_end}), shape (members ≤ 256, *lattice.shape)"),
            ("run.json", "everything needed to reproduce the run"), ("summary.json", "headline numbers"), ("parameters.toml", "effective parameters"),
        ]

        summary.merge([
            "t_end": r.times[last], "log_lambda_end": logLambda[last], "fields": DiffusionResult.fieldNames,
            "members": spec.members, "steps": spec.steps,
            "denoiser_evaluations_per_second": Double(spec.members * spec.steps * spec.method.evaluationsPerStep) / r.wallSeconds,
        ]) { a, _ in a }
        for f in fields {
            let s = r.summaries[last][f], name = DiffusionResult.fieldNames[f]
            summary["xi_1e_\(name)"] = s.xiOneOverE.mean
            summary["xi_1e_\(name)_se"] = s.xiOneOverE.standardError
        }
        if let c = spec.corrector {
            summary["corrector_time"] = c.annealingTime(times: r.prepared.sampler.times)
            summary["corrector_steps"] = c.steps
        }
        let saturated = r.samples.reduce(0) { n, f in n + f.reduce(0) { $0 + (abs($1) > 1 - 1e-3 ? 1 : 0) } }
        summary["saturated_fraction"] = Double(saturated) / Double(max(1, r.samples.reduce(0) { $0 + $1.count }))
        if case .binaryPatch(let p) = spec.model {
            let size = p.size(at: spec.tEnd)
            let fractions = DiffusionRun.locallyConsistentFractions(r.samples, lattice: spec.lattice, patch: size)
            summary["locally_consistent_fraction"] = fractions.reduce(0, +) / Double(fractions.count)
            summary["locally_consistent_fraction_min"] = fractions.min()!
        }
        if case .patchMachine(let dictionary, let patch) = spec.model {
            try PatchMachineOutput.write(r, dictionary: dictionary, patch: patch.size(at: spec.tEnd), to: folder, report: &report, summary: &summary)
        }
        if let (dictionary, patch) = spec.externalMosaic {
            try PatchMachineOutput.write(r, dictionary: dictionary, patch: patch, to: folder, report: &report, summary: &summary)
        }
        try CriticalTimesOutput.write(r, to: folder, report: &report, summary: &summary, progress: progress)
        try BifurcationOutput.write(r, to: folder, report: &report, summary: &summary)
        report.summary.insert(contentsOf: [
            ("model", spec.model.name), ("schedule", spec.schedule.name), ("sampler", "\(spec.method.rawValue), \(spec.steps) steps on a \(spec.grid.name) grid"),
            ("t (final)", String(format: "%.4g", r.times[last])),
        ] + fields.map { f in ("ξ_1/e of \(fieldLabels[f]) at the end", r.summaries[last][f].xiOneOverE.formatted) }, at: 0)
        if let c = summary["locally_consistent_fraction"] as? Double { report.summary.append(("locally consistent pixels", String(format: "%.4f", c))) }
        report.summary.append(("members × steps", "\(spec.members) × \(spec.steps)"))
        if let c = spec.corrector {
            report.summary.append(("Langevin corrector", String(format: "%d steps of δ = %g after each predictor step in t ∈ [%g, %g]: annealing time τ = %g",
                                                                 c.steps, c.stepSize, c.window.lowerBound, c.window.upperBound, c.annealingTime(times: r.prepared.sampler.times))))
        }
        return (report, summary)
    }

    /// 3-D lattices (or channels) are shown by their first slice along the last axis.
    static func firstSlice(_ f: [Double], shape: [Int]) -> [Double] {
        shape.count == 3 ? stride(from: 0, to: f.count, by: shape[2]).map { f[$0] } : f
    }

    /// Up to 16 images in a grid of 4 columns with one-pixel white (zero) gaps.
    static func tiled(_ images: [[Double]], rows: Int, columns: Int) -> Data {
        let perRow = min(4, images.count), gridRows = (images.count + perRow - 1) / perRow
        let w = perRow * (columns + 1) - 1, h = gridRows * (rows + 1) - 1
        var v = [Double](repeating: 0, count: w * h)
        for (n, im) in images.enumerated() {
            let (oy, ox) = ((n / perRow) * (rows + 1), (n % perRow) * (columns + 1))
            let limit = max(im.map(abs).max() ?? 1, 1e-300)
            for y in 0..<rows { for x in 0..<columns { v[(oy + y) * w + ox + x] = im[y * columns + x] / limit } }
        }
        return PNGImage.field(v, rows: h, columns: w, scale: max(1, (512 + max(w, h) - 1) / max(w, h)))
    }
}
