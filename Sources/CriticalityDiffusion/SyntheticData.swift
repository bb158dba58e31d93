import CriticalityLattice

/// Built-in training sets, all with values in [−1, 1] except the Gaussian fields.
public enum SyntheticData {
    /// The two uniform images +1 (label 0) and −1 (label 1): the binary patch model's data.
    public static func twoUniform(shape: [Int]) throws(InvalidArgument) -> Dataset {
        let n = shape.reduce(1, *)
        return try Dataset(images: [[Double](repeating: 1, count: n), [Double](repeating: -1, count: n)], shape: shape, labels: [0, 1])
    }

    /// `count` images of independent fair ±1 pixels.
    public static func randomBinary(count: Int, shape: [Int], seed: UInt64) throws(InvalidArgument) -> Dataset {
        let n = shape.reduce(1, *), g = GaussianNoise(seed: seed)
        let images = (0..<count).map { i -> [Double] in
            var z = [Double](repeating: 0, count: n)
            z.withUnsafeMutableBufferPointer { g.fill($0.baseAddress!, count: n, member: i, step: 0, stream: 5) }
            return z.map { $0 >= 0 ? 1 : -1 }
        }
        return try Dataset(images: images, shape: shape)
    }

    /// ±1 square-wave stripes of period `wavelength` sites along each of the first (up to two)
    /// axes, at every integer phase; the label is the axis the stripes vary along.
    public static func stripes(shape: [Int], wavelength: Int) throws(InvalidArgument) -> Dataset {
        var images: [[Double]] = [], labels: [Int] = []
        for axis in 0..<min(2, shape.count) {
            for phase in 0..<wavelength {
                images.append(image(shape) { square($0[axis] + phase, wavelength) })
                labels.append(axis)
            }
        }
        return try Dataset(images: images, shape: shape, labels: labels)
    }

    /// ±1 checkerboards of period `wavelength` on the first two axes, every distinct phase.
    public static func checkerboards(shape: [Int], wavelength: Int) throws(InvalidArgument) -> Dataset {
        guard shape.count >= 2 else { throw InvalidArgument("SyntheticData.checkerboards", "shape", shape, expected: "at least two axes") }
        var images: [[Double]] = []
        for p0 in 0..<wavelength { for p1 in 0..<wavelength {
            let im = image(shape) { square($0[0] + p0, wavelength) * square($0[1] + p1, wavelength) }
            if !images.contains(im) { images.append(im) }
        } }
        return try Dataset(images: images, shape: shape)
    }

    /// `count` independent stationary Gaussian random fields of the given spectrum.
    public static func gaussianFields(count: Int, lattice: Lattice, spectrum: PowerSpectrum, seed: UInt64) throws(InvalidArgument) -> Dataset {
        let model = GaussianFieldDenoiser(lattice: lattice, spectrum: spectrum), w = DenoiserWorkspace(lattice)
        let images = (0..<count).map { i -> [Double] in
            let x = RealField(lattice)
            model.sample(noise: GaussianNoise(seed: seed), member: i, stream: 6, into: x, workspace: w)
            return x.array
        }
        return try Dataset(images: images, shape: lattice.shape)
    }

    /// +1 on the first half of each period, −1 on the second.
    static func square(_ x: Int, _ period: Int) -> Double { 2 * (x % period) < period ? 1 : -1 }

    static func image(_ shape: [Int], _ value: ([Int]) -> Double) -> [Double] {
        (0..<shape.reduce(1, *)).map { i in
            var rest = i, index = [Int](repeating: 0, count: shape.count)
            for axis in stride(from: shape.count - 1, through: 0, by: -1) { index[axis] = rest % shape[axis]; rest /= shape[axis] }
            return value(index)
        }
    }
}
