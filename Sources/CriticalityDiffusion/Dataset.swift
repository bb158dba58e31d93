import CriticalityLattice
/// A set of training images in memory: each image flattened in C order over `shape`
/// ([H, W] or [H, W, C], channels last), with optional integer class labels.
public struct Dataset: Sendable, Equatable {
    public var images: [[Double]]
    public var shape: [Int]
    public var labels: [Int]?

    public init(images: [[Double]], shape: [Int], labels: [Int]? = nil) throws(InvalidArgument) {
        guard !images.isEmpty else { throw InvalidArgument("Dataset.init", "images", "[]", expected: "at least one image") }
        let size = shape.reduce(1, *)
        if let i = images.firstIndex(where: { $0.count != size }) {
            throw InvalidArgument("Dataset.init", "images[\(i)].count", images[i].count, expected: "\(size) values (shape \(shape))")
        }
        if let labels, labels.count != images.count {
            throw InvalidArgument("Dataset.init", "labels.count", labels.count, expected: "one label per image (\(images.count))")
        }
        self.init(unchecked: images, shape: shape, labels: labels)
    }

    /// For subsets and maps of a valid dataset, valid by construction.
    init(unchecked images: [[Double]], shape: [Int], labels: [Int]?) {
        self.images = images
        self.shape = shape
        self.labels = labels
    }

    public var count: Int { images.count }

    /// The lattice the images live on: `shape`, with a single channel [H, W, 1] read as [H, W].
    public var latticeShape: [Int] { shape.count == 3 && shape[2] == 1 ? Array(shape.prefix(2)) : shape }

    /// The images of one class (the class-conditional training set). Nil when there are no
    /// labels or no image has this label.
    public func restricted(toLabel label: Int) -> Dataset? { restricted(toLabels: [label]) }

    /// The images of several classes (a feature shared by them); nil as above.
    public func restricted(toLabels wanted: Set<Int>) -> Dataset? {
        guard let labels else { return nil }
        let keep = labels.indices.filter { wanted.contains(labels[$0]) }
        guard !keep.isEmpty else { return nil }
        return Dataset(unchecked: keep.map { images[$0] }, shape: shape, labels: keep.map { labels[$0] })
    }

    /// The affine map taking the data's range [min, max] to [−1, 1].
    public var unitIntervalMap: AffineMap {
        let lo = images.map { $0.min()! }.min()!, hi = images.map { $0.max()! }.max()!
        return hi > lo ? AffineMap(scale: 2 / (hi - lo), offset: -(hi + lo) / (hi - lo)) : AffineMap(scale: 1, offset: -lo)
    }

    public func mapped(by map: AffineMap) -> Dataset {
        Dataset(unchecked: images.map { $0.map(map.callAsFunction) }, shape: shape, labels: labels)
    }
}

/// y = scale·x + offset, recorded in run.json so that outputs map back to data units.
public struct AffineMap: Sendable, Equatable {
    public var scale: Double
    public var offset: Double

    public init(scale: Double, offset: Double) {
        self.scale = scale
        self.offset = offset
    }

    public func callAsFunction(_ x: Double) -> Double { scale * x + offset }
}
