/// Comma-separated tables with a header row; numbers in full precision, NaN as `nan`.
public enum CSV {
    public static func table(header: [String], rows: [[Double]]) -> String {
        ([header.joined(separator: ",")] + rows.map { $0.map(format).joined(separator: ",") }).joined(separator: "\n") + "\n"
    }

    static func format(_ x: Double) -> String { x.isNaN ? "nan" : "\(x)" }
}
