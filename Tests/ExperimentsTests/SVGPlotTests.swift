import Foundation
import Testing
@testable import CriticalityExperiments
import CriticalityAnalysis

// The plots' geometry, read back from the SVG: marker labels never overlap each other or the
// legend, and shaded windows lie whole inside the plotted range.

/// Boxes (x, y, width, height) of the rotated marker labels and of the legend panel.
private func boxes(_ svg: String) -> (labels: [(Double, Double, Double, Double)], legend: (Double, Double, Double, Double)?) {
    let marker = /<text class="marker" transform="translate\(([0-9.]+) ([0-9.]+)\) rotate\(90\)"[^>]*><title>[^<]*<\/title>([^<]*)<\/text>/
    let labels = svg.matches(of: marker).map { m -> (Double, Double, Double, Double) in
        // Upright 9 px glyphs extend from 2 px left of the anchor to 9 px right of it.
        (Double(m.1)! - 2, Double(m.2)!, SVGPlot.labelHeight, SVGPlot.labelCharacterWidth * Double(m.3.count))
    }
    let rect = /<rect class="legend" x="([0-9.]+)" y="([0-9.]+)" width="([0-9.]+)" height="([0-9.]+)"/
    let legend = svg.firstMatch(of: rect).map { (Double($0.1)!, Double($0.2)!, Double($0.3)!, Double($0.4)!) }
    return (labels, legend)
}

private func overlap(_ a: (Double, Double, Double, Double), _ b: (Double, Double, Double, Double)) -> Bool {
    a.0 < b.0 + b.2 && b.0 < a.0 + a.2 && a.1 < b.1 + b.3 && b.1 < a.1 + a.3
}

@Test func markerLabelsNeverOverlapEachOtherOrTheLegend() {
    // Nine estimates, several within a few pixels of each other (as critical times are), and a
    // legend that would sit on the top-left labels.
    var plot = SVGPlot(title: "t", xLabel: "t", yLabel: "ξ", logX: true)
    let t = (0..<50).map { 0.01 * pow(1000, Double($0) / 49) }
    plot.series = [.init(label: "ξ_1/e of sign D(x_t)", x: t, y: t.map { 1 / (1 + $0) }), .init(label: "ξ_eq", x: t, y: t.map { 0.5 / (1 + $0) })]
    plot.verticalLines = [(0.012, "t_c_a"), (0.0125, "t_c_b"), (0.013, "t_peak_xi_growth"), (0.5, "t_c_analytic_c1"), (0.5, "t_c_analytic_c2"),
                          (0.52, "t_c_jacobian_homogeneous"), (0.56, "t_min_stiffness_trajectory"), (2.0, "t_speciation"), (9.0, "t_collapse")]
    let svg = plot.render(), (labels, legend) = boxes(svg)
    #expect(labels.count >= 4, "\(svg)")
    for i in labels.indices {
        for j in labels.indices where j > i { #expect(!overlap(labels[i], labels[j]), "labels \(i) and \(j): \(labels[i]) \(labels[j])") }
        if let legend { #expect(!overlap(labels[i], legend), "label \(i) under the legend") }
    }
    // Every estimate is still named (merged labels keep every name).
    for name in ["t_c_a", "t_c_b", "t_peak_xi_growth", "t_c_analytic_c1", "t_c_analytic_c2", "t_c_jacobian_homogeneous", "t_min_stiffness_trajectory", "t_speciation", "t_collapse"] {
        #expect(svg.contains(name), "\(name)")
    }
}

@Test func windowsLieWholeInsideThePlot() {
    // The windows reach below the data's first time (0.03 against 0.06).
    var plot = SVGPlot(title: "keep", xLabel: "T̂", yLabel: "p", logX: true)
    plot.series = [.init(label: "p", x: [0.06, 0.3, 1, 3], y: [0.9, 0.8, 0.6, 0.5])]
    plot.bands = [(from: 0.03, to: 0.2, color: 1), (from: 0.5, to: 6, color: 2)]
    let svg = plot.render()
    let band = /<rect class="band" x="([0-9.]+)" y="[0-9.]+" width="([0-9.]+)"/
    let rects = svg.matches(of: band).map { (Double($0.1)!, Double($0.2)!) }
    #expect(rects.count == 2)
    for (x, w) in rects { #expect(x >= plot.left - 1e-9 && x + w <= plot.width - plot.right + 1e-9, "band \(x) + \(w)") }
}

@Test func estimatesPrintToTheirErrorsSignificantDigits() {
    #expect(Estimate(mean: 1, standardError: 4.5e-17).formatted == "1")
    #expect(Estimate(mean: -0.05078, standardError: 0.61).formatted == "-0.05 ± 0.61")
    #expect(Estimate(mean: 6.6637, standardError: 0.0213).formatted == "6.664 ± 0.021")
    #expect(Estimate(mean: 12345, standardError: 670).formatted == "12350 ± 670")
    #expect(Estimate(mean: .nan, standardError: 1).formatted == "n/a")
    #expect(Estimate(mean: 2.5, standardError: .nan).formatted == "2.5")
}
