// swift-tools-version: 6.1
// FieldSync: offline-first sync for field service.
//
// Layers point one way (see ../shared/DESIGN.md):
//   FieldModel (pure CRDT) <- FieldWire (binary + zstd) <- FieldStore (SQLite/GRDB)
//     <- FieldClient / FieldNode <- executables (fieldsync, fieldsync-node)
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "FieldSync",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "fieldsync", targets: ["fieldsync"]),
        .executable(name: "fieldsync-node", targets: ["fieldsync-node"]),
        .library(name: "FieldModel", targets: ["FieldModel"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CZstd",
            pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"])]
        ),
        .target(name: "FieldModel", swiftSettings: strict),
        // Seeded generators and fixtures shared by the test targets and benchmarks.
        .target(name: "FieldTestSupport", dependencies: ["FieldModel", "FieldWire"], swiftSettings: strict),
        .target(name: "FieldWire", dependencies: ["FieldModel", "CZstd"], swiftSettings: strict),
        .target(
            name: "FieldStore",
            dependencies: ["FieldModel", "FieldWire", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict
        ),
        .target(name: "FieldClient", dependencies: ["FieldModel", "FieldWire", "FieldStore"], swiftSettings: strict),
        .target(name: "FieldNode", dependencies: ["FieldModel", "FieldWire", "FieldStore"], swiftSettings: strict),
        .executableTarget(
            name: "fieldsync",
            dependencies: ["FieldClient", "FieldModel", "FieldStore", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "fieldsync-node",
            dependencies: ["FieldNode", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "fieldsync-bench",
            dependencies: ["FieldModel", "FieldWire", "FieldStore", .product(name: "GRDB", package: "GRDB.swift")],
            path: "Tools/BenchSources",
            swiftSettings: strict
        ),
        .testTarget(name: "FieldModelTests", dependencies: ["FieldModel", "FieldTestSupport"], swiftSettings: strict),
        .testTarget(name: "FieldWireTests", dependencies: ["FieldWire", "FieldModel", "FieldTestSupport"], swiftSettings: strict),
        .testTarget(name: "FieldStoreTests", dependencies: ["FieldStore", "FieldModel", "FieldWire"], swiftSettings: strict),
        .testTarget(name: "FieldClientTests", dependencies: ["FieldClient", "FieldStore", "FieldModel"], swiftSettings: strict),
        // Drives the real `fieldsync` binary in temporary homes.
        .testTarget(
            name: "FieldsyncCLITests",
            dependencies: ["fieldsync", "FieldClient", "FieldStore", "FieldModel"],
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)
