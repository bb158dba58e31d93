import Foundation
@testable import CriticalityExperiments

/// One example of every experiment kind from parameters/, shrunk by overrides to a second or
/// less: the runs that the Python loader and the progress tests go through.
let shrunkExamples: [(name: String, overrides: [String])] = [
    ("quickstart", ["lattice.shape=[32, 32]", "lattice.box=[32.0, 32.0]", "run.members=2", "integrator.t_end=10.0", "observe.snapshots=[2.0, 10.0]"]),
    ("model-a-kibble-zurek", ["lattice.shape=[32, 32]", "run.members=2"]),
    ("binary-patch", ["lattice.shape=[16, 16]", "run.members=4", "sampler.steps=40", "observe.count=6"]),
    ("correlation-length", ["lattice.shape=[16, 16]", "run.members=4", "sampler.steps=40", "observe.count=6", "softening.members=2", "softening.times=12", "softening.response=2"]),
    ("els-digits", ["run.members=2", "sampler.steps=30", "observe.count=4"]),
    ("bifurcation-two-point", ["run.members=8", "scan.points=3", "scan.replicas=2", "sampler.steps=40"]),
    ("critical-windows", ["run.members=16", "windows.points=4", "sampler.steps=40", "windows.samples=200"]),
    ("hierarchy-transition", ["run.samples=50", "noise.points=5", "hierarchy.depths=[2, 3]"]),
    ("latent-information", ["run.members=8", "information.points=6", "information.continuations=4", "sampler.steps=40", "information.samples=200", "information.branches=3"]),
    ("pulse-binary-patch", ["lattice.shape=[16, 16]", "run.members=8", "pulse.points=3", "sampler.steps=40"]),
]

/// Runs every shrunk example into `folder`/<name>; returns the results folders.
func runShrunkExamples(into folder: URL, progress: Bool = false) throws -> [URL] {
    try shrunkExamples.map { example in
        try Experiment.run(file: parametersFolder.appendingPathComponent(example.name + ".toml").path,
                           out: folder.appendingPathComponent(example.name).path, overrides: example.overrides, progress: progress)
    }
}
