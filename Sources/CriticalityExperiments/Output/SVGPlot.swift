import Foundation

/// A small SVG line plot: several series, linear or logarithmic axes, optional error bars and
/// vertical markers, axis labels and a legend. Non-finite or (on log axes) non-positive points
/// are skipped, and a line breaks there rather than bridging the gap.
public struct SVGPlot {
    public struct Series {
        public var label: String
        public var x: [Double]
        public var y: [Double]
        public var error: [Double]? = nil
        public var dashed = false
        public var markers = false
        /// Draw the connecting line (false: markers only).
        public var line = true
        /// Palette index; nil: the series' position. Series with an empty label stay out of the legend.
        public var color: Int?
        public init(label: String, x: [Double], y: [Double], error: [Double]? = nil, dashed: Bool = false, markers: Bool = false,
                    line: Bool = true, color: Int? = nil) {
            self.label = label; self.x = x; self.y = y; self.error = error; self.dashed = dashed; self.markers = markers
            self.line = line; self.color = color
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var logX = false
    public var logY = false
    public var series: [Series] = []
    /// Labelled vertical lines (estimates on the x axis), drawn grey and dotted.
    public var verticalLines: [(x: Double, label: String)] = []
    /// Shaded x intervals drawn behind the series (windows), coloured like series `color`.
    public var bands: [(from: Double, to: Double, color: Int)] = []
    /// Fixed y range (data outside are clipped); nil: fitted to the data.
    public var yRange: ClosedRange<Double>?

    public init(title: String, xLabel: String, yLabel: String, logX: Bool = false, logY: Bool = false) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.logX = logX; self.logY = logY
    }

    /// Marker labels: 9 px text turned upright, about 5.4 px per character.
    static let labelHeight = 11.0, labelCharacterWidth = 5.4
    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]
    let width = 640.0, height = 420.0
    let left = 72.0, right = 24.0, top = 36.0, bottom = 56.0

    func usable(_ x: Double, log: Bool) -> Bool { x.isFinite && (!log || x > 0) }

    public func render() -> String {
        let points = series.flatMap { s in zip(s.x, s.y).filter { usable($0.0, log: logX) && usable($0.1, log: logY) } }
        var xs = points.map { logX ? log10($0.0) : $0.0 }, ys = points.map { logY ? log10($0.1) : $0.1 }
        if xs.isEmpty { xs = [0, 1]; ys = [0, 1] }
        // Every band (a window) lies inside the plot, whole.
        xs += bands.flatMap { [$0.from, $0.to] }.filter { usable($0, log: logX) }.map { logX ? log10($0) : $0 }
        var (x0, x1) = (xs.min()!, xs.max()!), (y0, y1) = (ys.min()!, ys.max()!)
        if x1 - x0 < 1e-12 { x0 -= 0.5; x1 += 0.5 }
        if y1 - y0 < 1e-12 { y0 -= 0.5; y1 += 0.5 }
        let pad = 0.05 * (y1 - y0)
        y0 -= pad; y1 += pad
        if let r = yRange { (y0, y1) = logY ? (log10(r.lowerBound), log10(r.upperBound)) : (r.lowerBound, r.upperBound) }
        let pw = width - left - right, ph = height - top - bottom
        func px(_ x: Double) -> Double { left + ((logX ? log10(x) : x) - x0) / (x1 - x0) * pw }
        func py(_ y: Double) -> Double { top + ph - ((logY ? log10(y) : y) - y0) / (y1 - y0) * ph }
        var out = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(width / 2)" y="20" text-anchor="middle" font-size="14">\(escape(title))</text>
        <rect x="\(left)" y="\(top)" width="\(pw)" height="\(ph)" fill="none" stroke="#444"/>

        """
        for (v, label) in ticks(x0, x1, log: logX) {
            let x = left + (v - x0) / (x1 - x0) * pw
            out += "<line x1=\"\(f(x))\" y1=\"\(f(top + ph))\" x2=\"\(f(x))\" y2=\"\(f(top + ph + 5))\" stroke=\"#444\"/><text x=\"\(f(x))\" y=\"\(f(top + ph + 18))\" text-anchor=\"middle\">\(label)</text>\n"
        }
        for (v, label) in ticks(y0, y1, log: logY) {
            let y = top + ph - (v - y0) / (y1 - y0) * ph
            out += "<line x1=\"\(f(left - 5))\" y1=\"\(f(y))\" x2=\"\(f(left))\" y2=\"\(f(y))\" stroke=\"#444\"/><text x=\"\(f(left - 8))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(label)</text>\n"
        }
        out += "<text x=\"\(f(left + pw / 2))\" y=\"\(f(height - 14))\" text-anchor=\"middle\">\(escape(xLabel))</text>\n"
        out += "<text transform=\"translate(16 \(f(top + ph / 2))) rotate(-90)\" text-anchor=\"middle\">\(escape(yLabel))</text>\n"
        out += "<g clip-path=\"url(#plot)\"><clipPath id=\"plot\"><rect x=\"\(left)\" y=\"\(top)\" width=\"\(pw)\" height=\"\(ph)\"/></clipPath>\n"
        for b in bands where usable(b.from, log: logX) && usable(b.to, log: logX) {
            let (a, c) = (px(min(b.from, b.to)), px(max(b.from, b.to)))
            out += "<rect class=\"band\" x=\"\(f(a))\" y=\"\(f(top))\" width=\"\(f(max(c - a, 1)))\" height=\"\(f(ph))\" fill=\"\(SVGPlot.palette[b.color % SVGPlot.palette.count])\" fill-opacity=\"0.15\"/>\n"
        }
        for (i, s) in series.enumerated() {
            let color = SVGPlot.palette[(s.color ?? i) % SVGPlot.palette.count]
            let pts = zip(s.x, s.y).enumerated().filter { usable($0.element.0, log: logX) && usable($0.element.1, log: logY) }
            if let e = s.error {
                for (j, p) in pts where e[j].isFinite && e[j] > 0 {
                    let lo = logY ? max(p.1 - e[j], p.1 * 1e-3) : p.1 - e[j]
                    out += "<line x1=\"\(f(px(p.0)))\" y1=\"\(f(py(lo)))\" x2=\"\(f(px(p.0)))\" y2=\"\(f(py(p.1 + e[j])))\" stroke=\"\(color)\" stroke-opacity=\"0.5\"/>\n"
                }
            }
            if s.line {
                // A line never bridges a missing (NaN) value: one polyline per run of consecutive
                // points, a dot for a point alone.
                var runs: [[(offset: Int, element: (Double, Double))]] = []
                for p in pts {
                    if let last = runs.last?.last, last.offset == p.offset - 1 { runs[runs.count - 1].append(p) } else { runs.append([p]) }
                }
                for run in runs {
                    if run.count == 1, !s.markers {
                        out += "<circle cx=\"\(f(px(run[0].element.0)))\" cy=\"\(f(py(run[0].element.1)))\" r=\"2\" fill=\"\(color)\"/>\n"
                        continue
                    }
                    let path = run.map { "\(f(px($0.element.0))),\(f(py($0.element.1)))" }.joined(separator: " ")
                    out += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.6\"\(s.dashed ? " stroke-dasharray=\"6 4\"" : "") points=\"\(path)\"/>\n"
                }
            }
            if s.markers { for p in pts { out += "<circle cx=\"\(f(px(p.element.0)))\" cy=\"\(f(py(p.element.1)))\" r=\"3\" fill=\"\(color)\"/>\n" } }
        }
        // Lines closer than 4 px are one estimate ("a = b"); labels of lines closer than a
        // label's height share one rotated label ("a, b"), so that no two labels overlap.
        var merged: [(x: Double, label: String)] = []
        for v in verticalLines.sorted(by: { $0.x < $1.x }) where usable(v.x, log: logX) && px(v.x) >= left && px(v.x) <= left + pw {
            if let last = merged.last, abs(px(last.x) - px(v.x)) < 4 { merged[merged.count - 1].label += " = " + v.label } else { merged.append(v) }
        }
        var clusters: [(x: Double, label: String)] = []
        for v in merged {
            out += "<line x1=\"\(f(px(v.x)))\" y1=\"\(f(top))\" x2=\"\(f(px(v.x)))\" y2=\"\(f(top + ph))\" stroke=\"#555\" stroke-dasharray=\"2 3\"/>\n"
            if let last = clusters.last, px(v.x) - px(last.x) < SVGPlot.labelHeight + 2 { clusters[clusters.count - 1].label += ", " + v.label } else { clusters.append(v) }
        }
        let labelBoxes = clusters.map { c -> (x: Double, y: Double, w: Double, h: Double) in
            let length = min(ph - 8, SVGPlot.labelCharacterWidth * Double(c.label.count))
            return (px(c.x) + 1, top + 4, SVGPlot.labelHeight, length)
        }
        for (c, box) in zip(clusters, labelBoxes) {
            // Longer than the plot is high: cut, the whole label kept as a tooltip.
            let fits = Int((ph - 8) / SVGPlot.labelCharacterWidth)
            let text = c.label.count <= fits ? c.label : String(c.label.prefix(fits - 1)) + "…"
            out += "<text class=\"marker\" transform=\"translate(\(f(box.x + 2)) \(f(box.y))) rotate(90)\" font-size=\"9\" fill=\"#333\"><title>\(escape(c.label))</title>\(escape(text))</text>\n"
        }
        out += "</g>\n"
        // The legend sits on a translucent panel in the corner that hides the fewest data points
        // and no marker label (top left on ties).
        let legend = series.enumerated().filter { !$0.element.label.isEmpty }
        if !legend.isEmpty {
            let (w, h) = (48 + 7 * Double(legend.map(\.element.label.count).max() ?? 0), 16 * Double(legend.count) + 4)
            let corners = [(left + 4, top + 2), (left + pw - 4 - w, top + 2), (left + 4, top + ph - 2 - h), (left + pw - 4 - w, top + ph - 2 - h)]
            let inPlot = points.map { (px($0.0), py($0.1)) }
            func cost(_ c: (Double, Double)) -> Int {
                let hidden = inPlot.filter { $0.0 >= c.0 && $0.0 <= c.0 + w && $0.1 >= c.1 && $0.1 <= c.1 + h }.count
                let labels = labelBoxes.filter { $0.x < c.0 + w && $0.x + $0.w > c.0 && $0.y < c.1 + h && $0.y + $0.h > c.1 }.count
                return hidden + 1_000_000 * labels
            }
            let (lx, ly) = corners.min { cost($0) < cost($1) }!
            out += "<rect class=\"legend\" x=\"\(f(lx))\" y=\"\(f(ly))\" width=\"\(f(w))\" height=\"\(f(h))\" fill=\"white\" fill-opacity=\"0.75\"/>\n"
            for (row, (i, s)) in legend.enumerated() {
                let color = SVGPlot.palette[(s.color ?? i) % SVGPlot.palette.count], y = ly + 12 + 16 * Double(row)
                out += "<line x1=\"\(f(lx + 6))\" y1=\"\(f(y - 4))\" x2=\"\(f(lx + 30))\" y2=\"\(f(y - 4))\" stroke=\"\(color)\" stroke-width=\"2\"\(s.dashed ? " stroke-dasharray=\"6 4\"" : "")/><text x=\"\(f(lx + 36))\" y=\"\(f(y))\">\(escape(s.label))</text>\n"
            }
        }
        return out + "</svg>\n"
    }

    /// Several plots stacked vertically in one SVG (panels sharing a time axis, say).
    public static func stacked(_ plots: [SVGPlot]) -> String {
        let w = plots.map(\.width).max() ?? 0, h = plots.reduce(0) { $0 + $1.height }
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(h))\" viewBox=\"0 0 \(Int(w)) \(Int(h))\">\n"
        var y = 0.0
        for p in plots {
            out += p.render().replacingOccurrences(of: "<svg xmlns=\"http://www.w3.org/2000/svg\" ", with: "<svg y=\"\(Int(y))\" ")
            y += p.height
        }
        return out + "</svg>\n"
    }

    /// Tick positions (in plot coordinates) with labels: decades on log axes (1, 2 and 5 times
    /// each decade when fewer than two decades show), 1–2–5 steps otherwise.
    func ticks(_ a: Double, _ b: Double, log: Bool) -> [(Double, String)] {
        if log {
            let lo = Int(ceil(a - 1e-9)), hi = Int(floor(b + 1e-9))
            if hi > lo { return (lo...hi).map { (Double($0), label(pow(10, Double($0)))) } }
            let fine = (Int(floor(a))...Int(ceil(b))).flatMap { d in [1.0, 2, 5].map { log10($0) + Double(d) } }
            let inside = fine.filter { $0 >= a - 1e-9 && $0 <= b + 1e-9 }
            if inside.count >= 2 { return inside.map { ($0, label(pow(10, $0))) } }
        }
        let raw = (b - a) / 5, mag = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * mag }.first { $0 >= raw }!
        var v = ceil(a / step) * step, out: [(Double, String)] = []
        while v <= b + 1e-9 * step { out.append((v, label(log ? pow(10, v) : v))); v += step }
        return out
    }

    func label(_ v: Double) -> String {
        if v == 0 { return "0" }
        if abs(v) >= 1e4 || abs(v) < 1e-3 { return String(format: "%.0e", v) }
        return String(format: "%g", (v * 1e6).rounded() / 1e6)
    }

    func f(_ v: Double) -> String { String(format: "%.1f", v) }
    func escape(_ s: String) -> String { s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;") }
}
