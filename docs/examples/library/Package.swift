// swift-tools-version: 6.1
// Criticality used from another Swift package: depend on the library product `Criticality`
// and `import Criticality`. Here the dependency is this repository, three folders up; in your
// own package it would be `.package(url: "…/criticality", from: "0.1.0")`.
import Foundation
import PackageDescription

let repository = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

let package = Package(
    name: "LibraryExample",
    dependencies: [.package(path: repository.path)],
    targets: [
        .executableTarget(name: "LibraryExample", dependencies: [.product(name: "Criticality", package: repository.lastPathComponent)]),
    ],
    swiftLanguageModes: [.v6]
)
