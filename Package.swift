// swift-tools-version: 6.1
// FieldSync: offline-first sync for field service.
//
// Layers point one way (see ../shared/DESIGN.md):
//   FieldModel (pure CRDT) <- FieldWire (binary + zstd) <- FieldStore (SQLite/GRDB, and the
//     NodeStore protocol) <- FieldCentral (the node's store on PostgreSQL) <- FieldClient / FieldNode
//     <- executables (fieldsync, fieldsync-node)
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
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        // Front matter of knowledge-base articles (`fieldsync-node kb import`).
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CZstd",
            pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"])]
        ),
        // Blobs are hashed with Debian's libcrypto: the model's pure-Swift SHA-256 is fine
        // for summaries and states, but photos are tens of MB.
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        // sync_file_range for blob writes: Glibc's Swift module leaves GNU extensions out.
        .target(name: "CFileSync"),
        .target(name: "FieldModel", swiftSettings: strict),
        // Seeded generators and fixtures shared by the test targets and benchmarks.
        .target(
            name: "FieldTestSupport",
            dependencies: ["FieldModel", "FieldWire", .product(name: "PostgresNIO", package: "postgres-nio")], swiftSettings: strict),
        .target(name: "FieldWire", dependencies: ["FieldModel", "CZstd"], swiftSettings: strict),
        .target(
            name: "FieldStore",
            dependencies: [
                "FieldModel", "FieldWire", "CCrypto", "CFileSync", .product(name: "GRDB", package: "GRDB.swift"),
                // SQLite's C API, for the FTS5 ranking function (Search/SearchRanking.swift)
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                // BlockingWork's threads (NIOThreadPool)
                .product(name: "NIOPosix", package: "swift-nio"),
                // Blob pieces (NodeBlobStore) are ByteBuffers, as HTTP bodies are
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // A central's store on PostgreSQL (M9): several stateless nodes on one database.
        .target(
            name: "FieldCentral",
            dependencies: [
                "FieldModel", "FieldWire", "FieldStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "FieldClient",
            dependencies: [
                "FieldModel", "FieldWire", "FieldStore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "FieldNode",
            dependencies: [
                // FieldClient: a depot reaches its upstream as a device reaches its node (M8).
                "FieldModel", "FieldWire", "FieldStore", "FieldCentral", "FieldClient",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "fieldsync",
            dependencies: ["FieldClient", "FieldModel", "FieldStore", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "fieldsync-node",
            dependencies: [
                "FieldNode", "FieldStore", "FieldModel", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "fieldsync-bench",
            dependencies: [
                "FieldModel", "FieldWire", "FieldStore", "FieldClient", "FieldNode", "FieldTestSupport", "FieldCentral",
                .product(name: "GRDB", package: "GRDB.swift"),
                // `pg`: PostgresNodeStore in-process, its logs to standard error; a round trip timed
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Tools/BenchSources",
            swiftSettings: strict
        ),
        // Chaos campaigns (Tools/chaos): a real node and real replicas under hostile input,
        // kill -9 and a cutting link.
        .executableTarget(
            name: "fieldsync-chaos",
            dependencies: [
                "FieldModel", "FieldWire", "FieldStore", "FieldTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            path: "Tools/ChaosSources",
            swiftSettings: strict
        ),
        .testTarget(name: "FieldModelTests", dependencies: ["FieldModel", "FieldTestSupport"], swiftSettings: strict),
        .testTarget(name: "FieldWireTests", dependencies: ["FieldWire", "FieldModel", "FieldTestSupport"], swiftSettings: strict),
        .testTarget(
            name: "FieldCentralTests",
            dependencies: [
                "FieldCentral", "FieldModel", "FieldWire", "FieldStore", "FieldTestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .testTarget(name: "FieldStoreTests", dependencies: ["FieldStore", "FieldModel", "FieldWire", "FieldTestSupport"], swiftSettings: strict),
        .testTarget(
            name: "FieldClientTests",
            dependencies: ["FieldClient", "FieldStore", "FieldModel", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "FieldNodeTests",
            dependencies: [
                "FieldNode",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // Drives the real `fieldsync` binary in temporary homes.
        .testTarget(
            name: "FieldsyncCLITests",
            dependencies: ["fieldsync", "FieldClient", "FieldStore", "FieldModel", "FieldTestSupport"],
            swiftSettings: strict
        ),
        // Starts the real node on loopback and drives real `fieldsync` replicas against it.
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "fieldsync", "fieldsync-node", "FieldModel", "FieldWire", "FieldStore", "FieldClient", "FieldCentral", "FieldTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)
