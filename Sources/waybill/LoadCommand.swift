import ArgumentParser
import Foundation
import WaybillBench
import WaybillCore
import WaybillEngine
import WaybillSQLite
import WaybillSamples

/// `waybill load`: ingests a reproducible order-to-cash stream into a store, one small request
/// at a time, printing `ACK <source> <id>` for each event only after its commit returned.
/// The crash test kills it with SIGKILL and checks that every acknowledged event survived.
struct LoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Ingest a generated order-to-cash stream, acknowledging each event after its commit (crash testing)."
    )

    @Option(help: "The store: sqlite:PATH or PATH.")
    var store: String

    @Option(help: "Orders in the stream (5 events each).")
    var orders = 200

    @Option(help: "Events per request.")
    var batch = 5

    func run() async throws {
        let path = store.hasPrefix("sqlite:") ? String(store.dropFirst(7)) : store
        let hub = Hub(
            store: try SQLiteStore(path: path), landscape: Landscape(systems: DemoLandscape.systems()), policies: Policies(),
            clock: SystemClock(), random: HubRandom(seed: UInt64.random(in: 1...UInt64.max)))
        let workload = BenchWorkload(customers: 20, products: 100)
        let events = workload.masterData() + workload.stream(orders: 0..<orders, window: 50).map(\.0)
        var index = 0
        while index < events.count {
            let slice = Array(events[index..<min(events.count, index + batch)])
            let results = try await hub.ingest(body: BenchCommand.batchBody(slice))
            var lines = ""
            for result in results { lines += "ACK \(result.source ?? "-") \(result.id ?? "-") \(result.outcome.rawValue)\n" }
            FileHandle.standardOutput.write(Data(lines.utf8))
            index += batch
        }
        FileHandle.standardOutput.write(Data("DONE\n".utf8))
    }
}
