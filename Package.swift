// swift-tools-version:6.1
import PackageDescription

/// The allocator is an explicit choice, never guessed from what the build machine has installed.
/// The `Jemalloc` trait links jemalloc into the executable, as the Swift server images do: the hub
/// allocates and frees many small values per event from several threads, and glibc's allocator
/// took about a tenth of the process's CPU (docs/performance.md). It needs the library
/// (Debian: `apt-get install libjemalloc2`):
///
///     swift build -c release --traits Jemalloc
///
/// Without it (the default) the executable uses the system allocator; `waybill bench` says which
/// it ran on.
let jemalloc: [LinkerSetting] = [.linkedLibrary(":libjemalloc.so.2", .when(platforms: [.linux], traits: ["Jemalloc"]))]

let package = Package(
    name: "Waybill",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "waybill", targets: ["waybill"]),
        .library(name: "WaybillCore", targets: ["WaybillCore"]),
        .library(name: "WaybillEngine", targets: ["WaybillEngine"]),
    ],
    traits: [.trait(name: "Jemalloc", description: "Link jemalloc into the waybill executable (needs libjemalloc.so.2 at build and run time).")],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/jpsim/Yams", "5.0.1"..<"7.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.2"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // Pure domain: canonical model, event catalog, lifecycle, rules. Foundation only.
        .target(name: "WaybillCore"),
        // X12 EDI: reader and writer. Foundation only.
        .target(name: "WaybillX12", dependencies: ["WaybillCore"]),
        // The mapping language: system payloads <-> canonical events, from YAML mapping files and packs.
        .target(name: "WaybillMapping", dependencies: ["WaybillCore", .product(name: "Yams", package: "Yams")]),
        // The store protocol and its conformance suite.
        .target(name: "WaybillStore", dependencies: ["WaybillCore"]),
        // The embedded SQLite store.
        .target(
            name: "WaybillSQLite",
            dependencies: [
                "WaybillStore", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]
        ),
        // The PostgreSQL store, for many hub nodes on one database.
        .target(
            name: "WaybillPostgres",
            dependencies: [
                "WaybillStore", "WaybillCore", .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"), .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Ingest pipeline, delivery scheduler, adapters, EDI gateway, CSV files: the hub itself.
        .target(
            name: "WaybillEngine",
            dependencies: [
                "WaybillCore", "WaybillStore", "WaybillX12", "WaybillMapping", .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "CSV", package: "CSV.swift"),
            ]
        ),
        // The sample distributor `waybill demo` plays: its landscape, simulated systems and scenario.
        .target(
            name: "WaybillSamples",
            dependencies: [
                "WaybillEngine", "WaybillCore", "WaybillStore", "WaybillMapping", "WaybillWebhooks", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"), .product(name: "CSV", package: "CSV.swift"),
            ]),
        // The `waybill bench` workloads: the order stream, the store-free lifecycle run, the raw SQLite append baseline.
        .target(name: "WaybillBench", dependencies: ["WaybillCore", .product(name: "GRDB", package: "GRDB.swift")]),
        // The configuration file (waybill.yml): decoded and validated with key paths and lines.
        .target(name: "WaybillConfig", dependencies: ["WaybillEngine", "WaybillCore", "WaybillMapping", .product(name: "Yams", package: "Yams")]),
        // Signed webhook delivery (Standard Webhooks) over AsyncHTTPClient.
        .target(
            name: "WaybillWebhooks",
            dependencies: [
                "WaybillEngine", "WaybillCore", "WaybillMapping",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // The HTTP API on Hummingbird.
        .target(
            name: "WaybillHTTP",
            dependencies: [
                "WaybillEngine", "WaybillCore", "WaybillStore", "WaybillConfig",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "waybill",
            dependencies: [
                "WaybillCore", "WaybillStore", "WaybillSQLite", "WaybillPostgres", "WaybillEngine", "WaybillSamples", "WaybillBench", "WaybillConfig",
                "WaybillWebhooks", "WaybillHTTP", "WaybillX12", "WaybillMapping", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            linkerSettings: jemalloc
        ),
        // Helpers the test targets share (repository paths, temporary directories, python3).
        .target(name: "WaybillTestSupport", dependencies: ["WaybillPostgres"], path: "Tests/WaybillTestSupport"),
        .testTarget(name: "WaybillCoreTests", dependencies: ["WaybillCore", "WaybillTestSupport"]),
        .testTarget(
            name: "WaybillHTTPTests",
            dependencies: [
                "WaybillHTTP", "WaybillConfig", "WaybillEngine", "WaybillSQLite", "WaybillStore", "WaybillCore", "WaybillTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(name: "WaybillX12Tests", dependencies: ["WaybillX12", "WaybillCore", "WaybillTestSupport"]),
        .testTarget(name: "WaybillMappingTests", dependencies: ["WaybillMapping", "WaybillCore", "WaybillTestSupport"]),
        .testTarget(
            name: "WaybillSQLiteTests",
            dependencies: ["WaybillSQLite", "WaybillStore", "WaybillCore", "WaybillTestSupport", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(
            name: "WaybillPostgresTests",
            dependencies: [
                "WaybillPostgres", "WaybillStore", "WaybillCore", "WaybillTestSupport", "WaybillSamples", "WaybillSQLite", "WaybillEngine",
                .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "WaybillEngineTests",
            dependencies: [
                "WaybillEngine", "WaybillSamples", "WaybillSQLite", "WaybillPostgres", "WaybillStore", "WaybillCore", "WaybillX12", "WaybillTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "CSV", package: "CSV.swift"),
            ]
        ),
        .testTarget(
            name: "WaybillSamplesTests",
            dependencies: ["WaybillSamples", "WaybillEngine", "WaybillSQLite", "WaybillStore", "WaybillCore", "WaybillTestSupport"]),
        .testTarget(
            name: "WaybillCLITests",
            dependencies: [
                "waybill", "WaybillCore", "WaybillSQLite", "WaybillPostgres", "WaybillStore", "WaybillConfig", "WaybillWebhooks", "WaybillEngine",
                "WaybillSamples", "WaybillTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
