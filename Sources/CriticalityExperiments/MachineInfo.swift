import Foundation

/// The CPU a benchmark ran on, from /proc/cpuinfo: its model name, family and model numbers
/// (which tell generations apart where the name does not, e.g. AMD family 25 model 1 is Zen 3,
/// model 17 Zen 4), and the vector instruction sets the noise generator and FFTW can use.
public struct MachineInfo: Sendable, CustomStringConvertible {
    public var modelName: String
    public var family: Int?
    public var model: Int?
    /// The widest vector extensions present, widest first (AVX-512, AVX2, FMA, SSE4.2).
    public var vectorISA: [String]
    public var cores: Int

    public static let current = MachineInfo(cpuinfo: (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "")

    init(cpuinfo: String) {
        var fields: [String: String] = [:]
        for line in cpuinfo.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { if !fields.isEmpty { break } else { continue } }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces)
            if fields[key] == nil { fields[key] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces) }
        }
        modelName = fields["model name"] ?? "unknown CPU"
        family = fields["cpu family"].flatMap { Int($0) }
        model = fields["model"].flatMap { Int($0) }
        let flags = Set((fields["flags"] ?? "").split(separator: " ").map(String.init))
        let avx512 = ["avx512f", "avx512dq", "avx512vl", "avx512bw"].filter(flags.contains)
        vectorISA = (avx512.isEmpty ? [] : ["AVX-512 (\(avx512.joined(separator: ", ")))"])
            + [("avx2", "AVX2"), ("fma", "FMA"), ("sse4_2", "SSE4.2")].filter { flags.contains($0.0) }.map(\.1)
        cores = ProcessInfo.processInfo.activeProcessorCount
    }

    public var description: String {
        let id = [family.map { "family \($0)" }, model.map { "model \($0)" }].compactMap { $0 }.joined(separator: ", ")
        return "\(modelName)\(id.isEmpty ? "" : " (\(id))"), \(vectorISA.isEmpty ? "no AVX" : vectorISA.joined(separator: ", ")), \(cores) cores"
    }
}
