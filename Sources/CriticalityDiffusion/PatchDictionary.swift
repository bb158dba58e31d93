/// Which training patches a pixel's window is compared with in a patch-score machine,
/// docs/theory.md §2 (Kamb & Ganguli). For an image of H×W pixels, window offsets δ ∈ Ω and a
/// training image y, pixel u is compared with the candidate patches y_{Ω_v} at the positions v
/// of its dictionary:
///
/// - ``Locality/local`` (LS): v = u only, the co-located window of every training image.
/// - ``Locality/equivariant`` with ``Boundary/circular`` (ELS): every position v; windows wrap,
///   so the machine is exactly translation-equivariant. With ``Candidates/interior`` (the
///   published reference code's convention) the input window still wraps but v runs only over
///   the windows lying fully inside the training image.
/// - ``Locality/equivariant`` with ``Boundary/zero`` (boundary-broken ELS): windows are
///   zero-padded; along each axis a pixel within P//2 of a border matches only patches at the
///   same distance from that border, an interior pixel any interior patch. Corner pixels thus
///   match only the same corner position; when P ≥ the image size every pixel is an edge pixel
///   and the machine is the zero-padded LS.
///
/// The rule factorises over the axes, which is what ``PatchAxis`` records: for each relative
/// shift s = v − u along an axis, the interval of pixels u for which u + s is a candidate.
public struct PatchDictionary: Sendable, Equatable {
    public enum Locality: String, Sendable { case local, equivariant }
    public enum Boundary: String, Sendable { case circular, zero }
    public enum Candidates: String, Sendable { case all, interior }

    public var locality: Locality
    public var boundary: Boundary
    public var candidates: Candidates

    public init(_ locality: Locality, boundary: Boundary = .circular, candidates: Candidates = .all) {
        self.locality = locality
        self.boundary = boundary
        self.candidates = candidates
    }

    public enum Error: Swift.Error, CustomStringConvertible, Equatable {
        case patchSize(Int)
        case interiorNeedsCircularELS
        case noInteriorWindow(patch: Int, size: Int)
        public var description: String {
            switch self {
            case .patchSize(let p): "patch size \(p) must be odd and positive"
            case .interiorNeedsCircularELS: "interior candidates apply only to the equivariant machine with circular boundaries"
            case .noInteriorWindow(let p, let n): "interior candidates need patch size \(p) ≤ the image size \(n)"
            }
        }
    }

    /// The rule along one axis of `size` pixels for windows of `patch` pixels.
    public func axis(size n: Int, patch p: Int) throws -> PatchAxis {
        guard p >= 1, p % 2 == 1 else { throw Error.patchSize(p) }
        guard candidates == .all || (locality == .equivariant && boundary == .circular) else { throw Error.interiorNeedsCircularELS }
        let h = p / 2
        let window: ClosedRange<Int>
        switch boundary {
        // A circular window of P ≥ n covers the whole circle once (not several times), so
        // that LS and ELS reach the ideal and ES machines in that limit.
        case .circular: window = p < n ? -h...h : -(n / 2)...(n - 1 - n / 2)
        case .zero: window = -min(h, n - 1)...min(h, n - 1)
        }
        var shifts: [PatchAxis.Shift] = []
        switch (locality, boundary, candidates) {
        case (.local, _, _):
            shifts = [.init(offset: 0, pixels: 0...(n - 1))]
        case (.equivariant, .circular, .all):
            shifts = (-(n / 2)...(n - 1 - n / 2)).map { .init(offset: $0, pixels: 0...(n - 1)) }
        case (.equivariant, .circular, .interior):
            guard p <= n else { throw Error.noInteriorWindow(patch: p, size: n) }
            for s in (h - (n - 1))...(n - 1 - h) {
                let first = max(0, h - s), last = min(n - 1, n - 1 - h - s)
                if first <= last { shifts.append(.init(offset: s, pixels: first...last)) }
            }
        case (.equivariant, .zero, _):
            shifts = [.init(offset: 0, pixels: 0...(n - 1))]
            let reach = n - 1 - 2 * h  // interior positions span [h, n − 1 − h]
            if reach >= 1 {
                for s in -reach...reach where s != 0 {
                    shifts.append(.init(offset: s, pixels: max(h, h - s)...min(n - 1 - h, n - 1 - h - s)))
                }
                shifts.sort { $0.offset < $1.offset }
            }
        }
        return PatchAxis(size: n, window: window, circular: boundary == .circular, shifts: shifts)
    }
}

/// The dictionary rule along one image axis: window offsets, boundary, and for each relative
/// shift s = v − u the pixels u whose dictionary contains position u + s.
public struct PatchAxis: Sendable, Equatable {
    public struct Shift: Sendable, Equatable {
        public var offset: Int
        public var pixels: ClosedRange<Int>
    }

    public let size: Int
    public let window: ClosedRange<Int>
    /// Circular (wrap) or zero padding of both the input and the training windows.
    public let circular: Bool
    public let shifts: [Shift]

    /// The value at index i (any integer) of a line of this axis, padded by the boundary rule.
    @inlinable
    public func padded(_ i: Int, _ value: (Int) -> Double) -> Double {
        if circular { return value(((i % size) + size) % size) }
        return (0..<size).contains(i) ? value(i) : 0
    }

    /// Every index of a training image a window or centre can touch: the padded extent.
    public var trainingExtent: ClosedRange<Int> {
        let lo = shifts.map { $0.pixels.lowerBound + $0.offset }.min()! + window.lowerBound
        let hi = shifts.map { $0.pixels.upperBound + $0.offset }.max()! + window.upperBound
        return lo...hi
    }

    /// Every index of the input a window can touch.
    public var inputExtent: ClosedRange<Int> { window.lowerBound...(size - 1 + window.upperBound) }
}
