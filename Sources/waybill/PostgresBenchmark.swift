import Foundation
import WaybillCore
import WaybillEngine
import WaybillPostgres

/// `waybill bench --store postgres://…`: the same stream through the same pipeline into a
/// PostgreSQL database, beside the SQLite run, in a schema of its own that is dropped afterwards.
enum PostgresBenchmark {
    static func run(
        url: String, systems: [ConnectedSystem], masterData: [[UInt8]], bodies: [[UInt8]], batch: Int, concurrency: Int
    ) async throws
        -> BenchCommand.Figures
    {
        var location = try PostgresLocation(url: url)
        location.schema = "waybill_bench_\(getpid())"
        let store = try await PostgresStore(location: location)
        do {
            let hub = Hub(store: store, landscape: Landscape(systems: systems), policies: Policies(), clock: SystemClock(), random: HubRandom(seed: 1))
            _ = try await BenchCommand.drive(hub: hub, bodies: masterData, batch: 500, concurrency: 1)
            let before = try await store.read { r in try r.deliveryCounts(status: .pending).values.reduce(0, +) }
            let statementsBefore = PostgresStore.statements.load(ordering: .relaxed)
            var figures = try await BenchCommand.drive(hub: hub, bodies: bodies, batch: batch, concurrency: concurrency)
            figures.statementsPerEvent = Double(PostgresStore.statements.load(ordering: .relaxed) - statementsBefore) / Double(bodies.count)
            FileHandle.standardError.write(Data(PostgresStore.statementProfile.utf8))
            let after = try await store.read { r in try r.deliveryCounts(status: .pending).values.reduce(0, +) }
            figures.deliveriesPerEvent = Double(after - before) / Double(bodies.count)
            try await store.dropSchema()
            return figures
        } catch {
            try? await store.dropSchema()
            throw error
        }
    }
}
