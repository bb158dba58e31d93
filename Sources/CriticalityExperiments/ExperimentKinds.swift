/// One experiment kind (a value of run.kind): what it measures, its own section, and the
/// function that runs it and writes its files.
///
/// Adding a kind: a folder of its own (copy `CriticalWindows/`: its section's declaration, its
/// spec, its run and output), and one line in ``ExperimentKinds/all``.
struct ExperimentKind: Sendable {
    typealias Output = (HTMLReport, [String: Any])
    enum Runner: Sendable {
        case fieldTheory(@Sendable (ExperimentSpec, ResultsFolder, Progress?) throws -> Output)
        case diffusion(@Sendable (PreparedDiffusion, ResultsFolder, Progress?) throws -> Output)
        case hierarchy(@Sendable (HierarchySpec, ResultsFolder, Progress?) throws -> Output)
    }

    let name: String
    /// One line for the docs.
    let summary: String
    /// The report's title after the run's name ("quench", say; diffusion kinds add the model).
    let title: String
    /// The section only this kind has, if any.
    let section: String?
    let runner: Runner

    var family: ParameterFamily {
        switch runner {
        case .fieldTheory: QuenchParameters.family
        case .diffusion: DiffusionParameters.family
        case .hierarchy: HierarchyParameters.family
        }
    }
}

/// The table of kinds.
enum ExperimentKinds {
    static let all: [ExperimentKind] = [
        ExperimentKind(name: "quench", summary: "one ensemble run of a field theory (model A or Swift–Hohenberg): S(k, t), ξ(t), order parameter",
                       title: "quench", section: nil, runner: .fieldTheory { spec, folder, bar in try QuenchOutput.write(try QuenchRun.run(spec, progress: bar), to: folder) }),
        ExperimentKind(name: "kibble-zurek", summary: "a series of model-A ramps through the critical point: ξ at freeze-out against the quench time",
                       title: "Kibble–Zurek scaling", section: "kibble_zurek", runner: .fieldTheory { spec, folder, bar in try KibbleZurek.run(spec, folder: folder, progress: bar != nil) }),
        ExperimentKind(name: "reverse-diffusion", summary: "reverse diffusion of an ensemble under a score model: ξ(t), S(k, t), mode softening, critical times, fixed points",
                       title: "reverse diffusion", section: nil, runner: .diffusion { p, folder, bar in try DiffusionOutput.write(DiffusionRun.run(p, progress: bar), to: folder, progress: bar) }),
        ExperimentKind(name: "guidance-pulse", summary: "guidance pulses at a grid of times against no pulse and a random-time control, on common noise",
                       title: "guidance pulses", section: "pulse", runner: .diffusion { p, folder, bar in try PulseOutput.write(try PulseRun.run(p, progress: bar), to: folder) }),
        ExperimentKind(name: "critical-windows", summary: "Li–Chen critical windows of a mixture: the times features are decided, against forward–reverse experiments",
                       title: "critical windows", section: "windows", runner: .diffusion(CriticalWindowsExperiment.run)),
        ExperimentKind(name: "latent-information", summary: "the information the noisy state carries about the latent, with forking and cloning along the reverse path",
                       title: "latent information", section: "information", runner: .diffusion(LatentInformationExperiment.run)),
        ExperimentKind(name: "hierarchy-transition", summary: "the Random Hierarchy Model's forward–backward class and token reconstruction against noise, by depth",
                       title: "Random Hierarchy Model transition", section: nil, runner: .hierarchy(HierarchyExperiment.run)),
    ]

    static var names: [String] { all.map(\.name) }

    static func named(_ name: String) -> ExperimentKind { all.first { $0.name == name }! }

    static let families = [QuenchParameters.family, DiffusionParameters.family, HierarchyParameters.family]
}
