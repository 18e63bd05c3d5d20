import ArgumentParser
import Foundation
import WaybillCore
import WaybillEngine
import WaybillPostgres
import WaybillSQLite
import WaybillSamples

/// `waybill demo`: plays the order-to-cash scenario in process against a fresh SQLite file.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Play the order-to-cash scenario with simulated CRM, portal, ERP, WMS, TMS, AR and service desk."
    )

    @Option(help: "Seed for ids and jitter; the same seed prints the same output.")
    var seed: UInt64 = 42

    @Flag(help: "Print { orders, exceptions, deliveries } as JSON with sorted keys.")
    var json = false

    @Option(
        help:
            "SQLite file to use (default: a fresh temporary file, removed afterwards), or postgres://… (played in a schema of its own, dropped afterwards)."
    )
    var store: String?

    func run() async throws {
        if let store, PostgresLocation.isURL(store) {
            var location = try PostgresLocation(url: store)
            location.schema = "waybill_demo_\(getpid())"
            let postgres = try await PostgresStore(location: location)
            do {
                let run = try await DemoRun.play(store: postgres, seed: seed)
                print(json ? JSONWriter.pretty(run.json) : run.text)
            } catch {
                try? await postgres.dropSchema()
                throw error
            }
            try await postgres.dropSchema()
            return
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("waybill-demo-\(getpid())")
        let path: String
        if let store {
            path = store.hasPrefix("sqlite:") ? String(store.dropFirst(7)) : store
        } else {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            path = directory.appendingPathComponent("demo.sqlite").path
        }
        defer { if store == nil { try? FileManager.default.removeItem(at: directory) } }
        let run = try await DemoRun.play(store: try SQLiteStore(path: path), seed: seed)
        print(json ? JSONWriter.pretty(run.json) : run.text)
    }
}
