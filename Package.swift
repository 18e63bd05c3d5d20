// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Waybill",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "waybill", targets: ["waybill"]),
        .library(name: "WaybillCore", targets: ["WaybillCore"]),
        .library(name: "WaybillEngine", targets: ["WaybillEngine"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // Pure domain: canonical model, event catalog, lifecycle, rules. Foundation only.
        .target(name: "WaybillCore"),
        // The store protocol and its conformance suite.
        .target(name: "WaybillStore", dependencies: ["WaybillCore"]),
        // The embedded SQLite store.
        .target(
            name: "WaybillSQLite",
            dependencies: ["WaybillStore", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // Ingest pipeline, delivery scheduler, adapters, the demo landscape, the bench.
        .target(
            name: "WaybillEngine",
            dependencies: ["WaybillCore", "WaybillStore", .product(name: "Logging", package: "swift-log")]
        ),
        .executableTarget(
            name: "waybill",
            dependencies: [
                "WaybillCore", "WaybillStore", "WaybillSQLite", "WaybillEngine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "WaybillCoreTests", dependencies: ["WaybillCore"]),
        .testTarget(name: "WaybillSQLiteTests", dependencies: ["WaybillSQLite", "WaybillStore", "WaybillCore"]),
        .testTarget(
            name: "WaybillEngineTests",
            dependencies: ["WaybillEngine", "WaybillSQLite", "WaybillStore", "WaybillCore"]
        ),
        .testTarget(name: "WaybillCLITests", dependencies: ["waybill", "WaybillCore", "WaybillSQLite", "WaybillStore"]),
    ],
    swiftLanguageModes: [.v6]
)
