// swift-tools-version: 6.1
import PackageDescription

// Rooms and the direction of their doors (../shared/DESIGN.md):
// CFFTW ← Lattice ← FieldTheory, Diffusion ← Analysis ← Experiments ← criticality.
// The optional MPI trait adds CMPI (Open MPI) under Lattice's `Cluster` (docs/cluster.md).
let package = Package(
    name: "Criticality",
    products: [
        .executable(name: "criticality", targets: ["criticality"]),
        .library(name: "Criticality", targets: ["Lattice", "FieldTheory", "Diffusion", "Analysis", "Experiments"]),
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
        .target(name: "Lattice", dependencies: ["CFFTW", .target(name: "CMPI", condition: .when(traits: ["MPI"]))]),
        .target(name: "FieldTheory", dependencies: ["Lattice"]),
        .target(name: "Diffusion", dependencies: ["Lattice"]),
        .target(name: "Analysis", dependencies: ["Lattice", "Diffusion"]),
        .target(name: "Experiments", dependencies: ["Lattice", "FieldTheory", "Diffusion", "Analysis", "TOMLKit"]),
        .executableTarget(name: "criticality", dependencies: [
            "Experiments", "Diffusion", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "LatticeTests", dependencies: ["Lattice"]),
        .testTarget(name: "FieldTheoryTests", dependencies: ["FieldTheory", "Analysis"]),
        .testTarget(name: "DiffusionTests", dependencies: ["Diffusion", "Analysis"]),
        .testTarget(name: "AnalysisTests", dependencies: ["Analysis", "Diffusion"]),
        .testTarget(name: "ExperimentsTests", dependencies: ["Experiments"]),
    ],
    swiftLanguageModes: [.v6]
)
