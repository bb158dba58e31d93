import CriticalityAnalysis
import CriticalityDiffusion
import Foundation
import CriticalityLattice

/// The checks of a patch-machine run (LS / ELS), or of an external network against the ELS
/// dictionary of its data: Kamb–Ganguli's mosaic test on every stored sample, and each sample's
/// nearest training image, so that copies would show.
enum PatchMachineOutput {
    struct Check: Sendable {
        var passFraction: Double
        var nearestIndex: Int
        /// RMS distance per pixel and channel to the nearest training image.
        var nearestDistance: Double
    }

    static func write(_ r: DiffusionResult, dictionary: PatchDictionary, patch p: Int, to folder: ResultsFolder,
                      report: inout HTMLReport, summary: inout [String: Any]) throws {
        let prepared = r.prepared, spec = r.spec
        let data = prepared.data!
        let range = data.images.map { $0.max()! }.max()! - data.images.map { $0.min()! }.min()!
        let tolerance = spec.mosaicTolerance ?? 0.01 * range
        let labels: [Int?] = spec.modelLabels.isEmpty ? [nil] : spec.modelLabels
        let checks = try Dictionary(uniqueKeysWithValues: Set(labels).map { l in
            (l, try MosaicCheck(data: l.map { data.restricted(toLabel: $0)! } ?? data, dictionary: dictionary, patch: p, tolerance: tolerance))
        })
        let threads = spec.threads == 0 ? Ensemble.defaultThreads : spec.threads
        let results = Ensemble.map(members: r.samples.count, threads: threads) { m -> Check in
            let check = checks[prepared.label(member: m)]!, x = r.samples[m], set = check.data.images
            let distances = set.map { y in (zip(x, y).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / Double(x.count)).squareRoot() }
            let nearest = distances.indices.min { distances[$0] < distances[$1] }!
            return Check(passFraction: check.passFraction(x), nearestIndex: nearest, nearestDistance: distances[nearest])
        }
        let fractions = results.map(\.passFraction), distances = results.map(\.nearestDistance)
        let nearestImages = results.indices.map { checks[prepared.label(member: $0)]!.data.images[results[$0].nearestIndex] }
        let shape = spec.lattice.shape
        try folder.write("mosaic_fraction.npy", array: fractions, shape: [fractions.count], dims: ["member"])
        try folder.write("nearest.npy", array: nearestImages.flatMap { $0 }, shape: [nearestImages.count] + shape, dims: ["member"] + DiffusionOutput.siteAxes(r))
        try folder.write("nearest_distance.npy", array: distances, shape: [distances.count], dims: ["member"])
        if !spec.modelLabels.isEmpty {
            let l = r.samples.indices.map { Double(prepared.label(member: $0)!) }
            try folder.write("sample_labels.npy", array: l, shape: [l.count], dims: ["member"])
        }
        summary["mosaic_pass_fraction"] = fractions.reduce(0, +) / Double(fractions.count)
        summary["mosaic_pass_fraction_median"] = median(fractions)
        summary["mosaic_pass_fraction_min"] = fractions.min()!
        summary["mosaic_tolerance"] = tolerance
        summary["mosaic_patch"] = p
        summary["nearest_distance_median"] = median(distances)
        summary["nearest_distance_min"] = distances.min()!
        report.summary.append(("mosaic check (P = \(p), tolerance \(String(format: "%.3g", tolerance)))",
                               String(format: "%.4f of pixels pass (median sample %.4f, worst %.4f)", summary["mosaic_pass_fraction"] as! Double, median(fractions), fractions.min()!)))
        report.summary.append(("RMS distance to the nearest training image", String(format: "median %.4f, smallest %.4f", median(distances), distances.min()!)))
        report.dataFiles += [
            ("mosaic_fraction.npy", "per sample, the fraction of pixels equal (within mosaic_tolerance) to the centre of the L2-nearest patch of their dictionary"),
            ("nearest.npy", "each sample's nearest training image (L2, in the model's units)"), ("nearest_distance.npy", "its RMS distance per pixel"),
        ] + (spec.modelLabels.isEmpty ? [] : [("sample_labels.npy", "the class of each sample's conditional model")])
        if shape.count >= 2 {
            let pairs = (0..<min(8, r.samples.count)).flatMap { [r.samples[$0], nearestImages[$0]] }
            try folder.write("samples_vs_nearest.png", DiffusionOutput.tiled(pairs.map { DiffusionOutput.firstSlice($0, shape: shape) }, rows: shape[0], columns: shape[1]))
            report.figures.insert(("samples_vs_nearest.png", "Samples (1st and 3rd columns) beside their nearest training images (2nd and 4th)"), at: 0)
        }
    }
}
