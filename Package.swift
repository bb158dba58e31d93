// swift-tools-version: 6.1
import PackageDescription

// Rooms and the direction of their doors:
// CFFTW ← CriticalityLattice ← CriticalityFieldTheory, CriticalityDiffusion ← CriticalityAnalysis
// ← CriticalityExperiments ← the `criticality` command. `Criticality` re-exports every room: other
// packages depend on the library product and `import Criticality`. The optional MPI trait adds
// CMPI (Open MPI) under CriticalityLattice's `Cluster` (docs/cluster.md).
let package = Package(
    name: "Criticality",
    products: [
        .executable(name: "criticality", targets: ["CriticalityCommand"]),
        .library(name: "Criticality", targets: ["Criticality"]),
    ],
    traits: [
        .trait(name: "MPI", description: "Distribute ensembles and scans over MPI ranks (Open MPI: libopenmpi-dev; build with --traits MPI)"),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        .systemLibrary(name: "CFFTW", providers: [.apt(["libfftw3-dev"])]),
        .systemLibrary(name: "CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev"])]),
        .target(name: "CriticalityLattice", dependencies: ["CFFTW", .target(name: "CMPI", condition: .when(traits: ["MPI"]))]),
        .target(name: "CriticalityFieldTheory", dependencies: ["CriticalityLattice"]),
        .target(name: "CriticalityDiffusion", dependencies: ["CriticalityLattice"]),
        .target(name: "CriticalityAnalysis", dependencies: ["CriticalityLattice", "CriticalityDiffusion"]),
        .target(name: "CriticalityExperiments", dependencies: [
            "CriticalityLattice", "CriticalityFieldTheory", "CriticalityDiffusion", "CriticalityAnalysis", "TOMLKit",
        ]),
        .target(name: "Criticality", dependencies: [
            "CriticalityLattice", "CriticalityFieldTheory", "CriticalityDiffusion", "CriticalityAnalysis", "CriticalityExperiments",
        ]),
        .executableTarget(name: "CriticalityCommand", dependencies: [
            "CriticalityExperiments", "CriticalityDiffusion", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "LatticeTests", dependencies: ["CriticalityLattice"]),
        .testTarget(name: "FieldTheoryTests", dependencies: ["CriticalityFieldTheory", "CriticalityAnalysis"]),
        .testTarget(name: "DiffusionTests", dependencies: ["CriticalityDiffusion", "CriticalityAnalysis"]),
        .testTarget(name: "AnalysisTests", dependencies: ["CriticalityAnalysis", "CriticalityDiffusion"]),
        .testTarget(name: "ExperimentsTests", dependencies: ["CriticalityExperiments"]),
    ],
    swiftLanguageModes: [.v6]
)
