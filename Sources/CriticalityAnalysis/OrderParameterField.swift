import Foundation
import CriticalityLattice

/// The order parameter m of a field φ on N sites (docs/theory.md §12.1):
///
/// - `uniform`: the k = 0 mode, m = (1/N) Σ_x φ(x) (model A, the binary patch and two-point
///   models: φ → −φ symmetric with a uniform ordered state);
/// - `shell(label)`: the amplitude of one shell of wavevectors (a ring instability at |k*|),
///   m = (1/N) (Σ_{k in the shell} |φ̂_k|²)^{1/2}, the rms of the field's component on the
///   shell (a/√2 for a·cos(k*·x)). Non-negative: |m| = m;
/// - `projection(w)`: the overlap with a given pattern, m = Σ_x φ(x) w(x) / Σ_x w(x)², which
///   is the uniform mode for w = 1.
public enum OrderParameterField: Sendable, Equatable {
    case uniform
    case shell(label: Int)
    case projection([Double])

    /// Its name in outputs.
    public var name: String {
        switch self {
        case .uniform: "uniform mode m = mean of the field"
        case .shell(let label): "amplitude of the shell |k|² = \(label)·k_f² (rms of that component)"
        case .projection: "projection m = Σ φ w / Σ w² on the given field w"
        }
    }

    /// m of a field whose spectrum is `spectrum`.
    public func value(_ field: RealField, spectrum: SpectralField, structureFactor sf: StructureFactor) -> Double {
        switch self {
        case .uniform:
            return field.mean
        case .shell(let label):
            guard let shell = sf.shellLabel.firstIndex(of: label) else { return .nan }
            // shellAverages gives (v/N) ⟨|φ̂|²⟩ over the shell's weighted modes, v the cell volume.
            let s = sf.shellAverages(spectrum)[shell]
            return (s * sf.modeCount[shell] / sf.lattice.cellVolume).squareRoot() / Double(sf.lattice.siteCount).squareRoot()
        case .projection(let w):
            var num = 0.0, den = 0.0
            for i in 0..<field.count { num += field[i] * w[i]; den += w[i] * w[i] }
            return num / den
        }
    }
}
