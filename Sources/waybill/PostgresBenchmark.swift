import Foundation
import WaybillCore
import WaybillEngine
import WaybillPostgres

/// `waybill bench --store postgres://…`: the same stream through the same pipeline into a
/// PostgreSQL database, beside the SQLite run, in a schema of its own that is dropped afterwards.
/// With `--nodes 2` it runs again on a fresh schema with two hubs (each its own store,
/// connections and group commit, as two processes would have) sharing the submitters.
enum PostgresBenchmark {
    static func run(
        url: String, systems: [ConnectedSystem], masterData: [[UInt8]], bodies: [[UInt8]], batch: Int, concurrency: Int, nodes: Int = 1
    ) async throws
        -> BenchCommand.Figures
    {
        var location = try PostgresLocation(url: url)
        location.schema = "waybill_bench_\(getpid())_\(nodes)"
        var stores: [PostgresStore] = []
        do {
            for _ in 0..<max(1, nodes) { stores.append(try await PostgresStore(location: location)) }
            let hubs = stores.map {
                Hub(store: $0, landscape: Landscape(systems: systems), policies: Policies(), clock: SystemClock(), random: HubRandom(seed: 1))
            }
            let store = stores[0]
            _ = try await BenchCommand.drive(hubs: [hubs[0]], bodies: masterData, batch: 500, concurrency: 1)
            let before = try await store.read { r in try r.deliveryCounts(status: .pending).values.reduce(0, +) }
            let statementsBefore = PostgresStore.statements.load(ordering: .relaxed)
            var figures = try await BenchCommand.drive(hubs: hubs, bodies: bodies, batch: batch, concurrency: concurrency)
            figures.statementsPerEvent = Double(PostgresStore.statements.load(ordering: .relaxed) - statementsBefore) / Double(bodies.count)
            let after = try await store.read { r in try r.deliveryCounts(status: .pending).values.reduce(0, +) }
            figures.deliveriesPerEvent = Double(after - before) / Double(bodies.count)
            FileHandle.standardError.write(Data(PostgresStore.statementProfile.utf8))
            for other in stores.dropFirst() { await other.close() }
            try await store.dropSchema()
            return figures
        } catch {
            for other in stores.dropFirst() { await other.close() }
            try? await stores.first?.dropSchema()
            throw error
        }
    }
}
