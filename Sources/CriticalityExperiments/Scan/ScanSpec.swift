import Foundation

/// The `[scan]` section of a parameter file: one or two numeric parameters (dotted keys of the
/// same file) swept over a list, a linear or a log grid, times `replicas` independent seeds.
/// `docs/parameters.md` is the reference.
public struct ScanSpec: Sendable, Equatable {
    public struct Axis: Sendable, Equatable {
        public var key: String
        public var values: [ParameterValue]
        /// Plot this axis on a log scale (a log grid, or positive values spanning a decade).
        public var logarithmic: Bool
    }

    /// The first axis, then optionally a second ([scan.second]); points run over the second
    /// axis fastest.
    public var axes: [Axis]
    /// Independent runs per point; replica r uses run.seed + r (every point shares the seeds:
    /// common random numbers along the scan).
    public var replicas: Int
    /// Scan workers (0: all cores); every point runs single-threaded.
    public var threads: Int
    /// Panels of scan.svg, each a list of summary keys; empty: chosen from what the runs report.
    public var plot: [[String]]
    /// Summary keys fitted as power laws of the first axis.
    public var powerLaw: [String]
    /// `[scan.fss]`: finite-size scaling once the scan is complete.
    public var fss: FiniteSizeScan.Request?

    init(file: String, root: ParameterValue) throws {
        let s = try ParameterSection(file: file, root: root, ScanParameters.scan, echo: nil)
        var axes = [try ScanSpec.axis(s, file: file, root: root)]
        if s.has("second") {
            let second = try ParameterSection(file: file, root: root, ScanParameters.second, echo: nil)
            axes.append(try ScanSpec.axis(second, file: file, root: root))
            guard axes[1].key != axes[0].key else {
                throw ParameterError(file: file, key: "scan.second.parameter", value: .string(axes[1].key), expected: "a key other than scan.parameter")
            }
        }
        self.axes = axes
        let perReplica = axes.reduce(1) { $0 * $1.values.count }
        guard perReplica <= ScanSpec.maximumTasks else {
            throw ParameterError(file: file, message: "the scan has \(perReplica) points: expected at most \(ScanSpec.maximumTasks) (scan.points × scan.second.points)")
        }
        replicas = try s.int("replicas", { $0 <= ScanSpec.maximumTasks / perReplica },
                             expected: "a positive number of replicas, at most \(ScanSpec.maximumTasks / perReplica) (\(ScanSpec.maximumTasks) tasks in all)")
        threads = try s.int("threads")
        plot = try s.value("plot", default: []) { v -> [[String]]? in
            guard case .array(let a) = v else { return nil }
            let panels = a.compactMap { e -> [String]? in
                switch e {
                case .string(let k): return [k]
                case .array(let ks):
                    let keys = ks.compactMap { if case .string(let k) = $0 { k } else { nil } }
                    return keys.count == ks.count && !keys.isEmpty ? keys : nil
                default: return nil
                }
            }
            return panels.count == a.count ? panels : nil
        }
        powerLaw = try s.value("power_law", default: []) { v -> [String]? in
            guard case .array(let a) = v else { return nil }
            let keys = a.compactMap { if case .string(let k) = $0, !k.isEmpty { k } else { nil } }
            return keys.count == a.count ? keys : nil
        }
        if !powerLaw.isEmpty, axes.count == 2 {
            throw ParameterError(file: file, message: "scan.power_law fits against one axis: remove [scan.second]")
        }
        if s.has("fss") {
            let f = try ParameterSection(file: file, root: root, ScanParameters.fss, echo: nil)
            guard axes.contains(where: { $0.key == ScanSpec.latticeSize }) else {
                throw ParameterError(file: file, message: "[scan.fss] needs a scan over lattice.size (scan.parameter or scan.second.parameter)")
            }
            let ratios = try f.value("ratios", default: nil) { v -> [String]? in
                guard case .array(let a) = v, !a.isEmpty else { return nil }
                let keys = a.compactMap { if case .string(let k) = $0, !k.isEmpty { k } else { nil } }
                return keys.count == a.count ? keys : nil
            }
            let control = f.has("control") ? try f.string("control") : nil
            if control != nil && axes.count == 2 {
                throw ParameterError(file: file, message: "scan.fss.control applies to a scan over lattice.size alone (this scan's control is its second axis)")
            }
            fss = FiniteSizeScan.Request(ratios: ratios, susceptibility: f.has("susceptibility") ? try f.string("susceptibility") : nil, control: control,
                                         correctionExponent: try f.double("correction_exponent"), smallest: f.has("smallest") ? try f.double("smallest") : nil,
                                         resamples: try f.int("resamples"))
        }
    }

    static func axis(_ s: ParameterSection, file: String, root: ParameterValue) throws -> Axis {
        let key = try s.value("parameter", default: nil) { v -> String? in
            if case .string(let k) = v, !k.isEmpty, !k.hasPrefix("scan") { k } else { nil }
        }
        if key == "run.seed" { throw ParameterError(file: file, key: s.key("parameter"), value: .string(key), expected: "another key: seeds are scanned by scan.replicas") }
        if ["run.name", "run.kind", "run.threads"].contains(key) {
            throw ParameterError(file: file, key: s.key("parameter"), value: .string(key), expected: "a numeric physics or numerics parameter")
        }
        if key == latticeSize {
            // Sizes are lattice shapes: an integer L (L^d), or an explicit shape with the file's number of axes.
            guard let shape = lookup(root, "lattice.shape"), case .array(let fileAxes) = shape, !fileAxes.isEmpty else {
                throw ParameterError(file: file, key: s.key("parameter"), value: .string(key), expected: "lattice.shape in the file, whose number of axes the sizes keep")
            }
            let d = fileAxes.count
            let values = try s.value("values", default: nil, expected: "a non-empty array of integer sizes L ≥ 2, or of shapes with \(d) integers ≥ 2 each") { v -> [ParameterValue]? in
                guard case .array(let a) = v, !a.isEmpty, a.allSatisfy({ v in
                    switch v {
                    case .int(let n): n >= 2
                    case .array(let axes): axes.count == d && axes.allSatisfy { if case .int(let n) = $0 { n >= 2 } else { false } }
                    default: false
                    }
                }) else { return nil }
                return a
            }
            let sizes = values.compactMap(ScanSpec.number)
            return Axis(key: key, values: values, logarithmic: sizes.min()! > 0 && sizes.max()! >= 4 * sizes.min()!)
        }
        if let current = lookup(root, key), ParameterSection.number(current) == nil {
            throw ParameterError(file: file, key: s.key("parameter"), value: .string(key), expected: "a numeric parameter (\(key) = \(current) in the file)")
        }
        if s.has("values") {
            for k in ["from", "to", "points", "grid"] where s.has(k) {
                throw ParameterError(file: file, message: "\(s.key("values")) and \(s.key(k)) exclude each other: give a list or a grid")
            }
            let values = try s.value("values", default: nil) { v -> [ParameterValue]? in
                guard case .array(let a) = v, !a.isEmpty, a.allSatisfy({ ParameterSection.number($0) != nil }) else { return nil }
                return a
            }
            let x = values.compactMap(ParameterSection.number)
            return Axis(key: key, values: values, logarithmic: x.allSatisfy { $0 > 0 } && x.max()! >= 10 * x.min()!)
        }
        let grid = try s.string("grid")
        let from = try s.double("from", { grid == "linear" || $0 > 0 }, expected: grid == "log" ? "a positive number (log grid)" : "a finite number")
        let to = try s.double("to", { $0 != from && (grid == "linear" || $0 > 0) }, expected: "a number other than \(s.key("from")) = \(from)\(grid == "log" ? ", positive (log grid)" : "")")
        let n = try s.int("points", expected: "an integer in 2…\(ScanSpec.maximumTasks)")
        let values = (0..<n).map { i -> ParameterValue in
            let f = Double(i) / Double(n - 1)
            return .double(grid == "log" ? exp(log(from) + f * (log(to) - log(from))) : from + f * (to - from))
        }
        return Axis(key: key, values: values, logarithmic: grid == "log")
    }

    /// The pseudo-parameter of finite-size scans: an integer L that makes the lattice L^d (d the
    /// file's number of axes) at the file's spacing, box_i = L·a_i; or an explicit shape
    /// [n₁, …, n_d], box_i = n_i·a_i, whose size in tables is the geometric mean (n₁⋯n_d)^{1/d}.
    static let latticeSize = "lattice.size"

    /// An axis value as a number: the value, or the size of an explicit shape.
    static func number(_ v: ParameterValue) -> Double? {
        if case .array(let axes) = v {
            let n = axes.compactMap(ParameterSection.number)
            return n.count == axes.count && !n.isEmpty ? exp(n.map(log).reduce(0, +) / Double(n.count)) : nil
        }
        return ParameterSection.number(v)
    }

    /// Sets one axis's value in a parameter tree (`lattice.size` as its shape and box).
    static func set(_ key: String, _ value: ParameterValue, in root: inout ParameterValue) throws {
        guard key == latticeSize else {
            try root.set(key.split(separator: ".").map(String.init), to: value)
            return
        }
        guard case .array(let shape)? = lookup(root, "lattice.shape") else { return }
        let n = shape.compactMap(ParameterSection.number)
        let box = lookup(root, "lattice.box").flatMap { v -> [Double]? in if case .array(let b) = v { b.compactMap(ParameterSection.number) } else { nil } } ?? n
        let spacing = zip(box, n).map { $0 / $1 }
        let new: [Int]
        switch value {
        case .int(let size): new = n.map { _ in size }
        case .array(let axes): new = axes.compactMap { if case .int(let k) = $0 { k } else { nil } }
        default: return
        }
        try root.set(["lattice", "shape"], to: .array(new.map { .int($0) }))
        try root.set(["lattice", "box"], to: .array(zip(spacing, new).map { .double($0 * Double($1)) }))
    }

    /// The value at a dotted key, if the file sets it.
    static func lookup(_ root: ParameterValue, _ key: String) -> ParameterValue? {
        var node = root
        for part in key.split(separator: ".") {
            guard case .table(let t) = node, let next = t[String(part)] else { return nil }
            node = next
        }
        return node
    }

    /// Points × replicas a scan may have: each task is a run and a stored record.
    static let maximumTasks = 1_000_000

    /// Every point's values, one per axis; the second axis runs fastest.
    public var points: [[ParameterValue]] {
        axes.count == 1 ? axes[0].values.map { [$0] } : axes[0].values.flatMap { a in axes[1].values.map { [a, $0] } }
    }

    /// What the numbers depend on: the axes and replicas (the resume check compares this).
    var definition: ParameterValue {
        func axis(_ a: Axis) -> [String: ParameterValue] { ["parameter": .string(a.key), "values": .array(a.values)] }
        var t = axis(axes[0])
        t["replicas"] = .int(replicas)
        if axes.count == 2 { t["second"] = .table(axis(axes[1])) }
        return .table(t)
    }

    /// The section as a parameter tree (for parameters.toml).
    var parameters: ParameterValue {
        guard case .table(var t) = definition else { return definition }
        t["threads"] = .int(threads)
        if !plot.isEmpty { t["plot"] = .array(plot.map { .array($0.map { .string($0) }) }) }
        if !powerLaw.isEmpty { t["power_law"] = .array(powerLaw.map { .string($0) }) }
        if let fss {
            var f: [String: ParameterValue] = ["ratios": .array(fss.ratios.map { .string($0) }), "correction_exponent": .double(fss.correctionExponent),
                                               "resamples": .int(fss.resamples)]
            if let s = fss.susceptibility { f["susceptibility"] = .string(s) }
            if let c = fss.control { f["control"] = .string(c) }
            if let l = fss.smallest { f["smallest"] = .double(l) }
            t["fss"] = .table(f)
        }
        return .table(t)
    }
}
