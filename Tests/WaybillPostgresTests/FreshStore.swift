import Testing
import WaybillTestSupport

@testable import WaybillPostgres

/// Runs `body` with a store on a schema of its own in the test server, and drops the schema
/// afterwards. Records an issue (a failure) when `WAYBILL_TEST_POSTGRES` is not set; throws when
/// the server cannot be reached.
func withFreshStore(connections: Int = 4, _ body: (PostgresStore) async throws -> Void) async throws {
    guard let url = TestPostgres.url else {
        Issue.record(Comment(rawValue: TestPostgres.howToSet))
        return
    }
    var location = try PostgresLocation(url: url)
    location.schema = TestPostgres.schemaName()
    let store = try await PostgresStore(location: location, connections: connections)
    do {
        try await body(store)
    } catch {
        await dropAndClose(store)
        throw error
    }
    await dropAndClose(store)
}

/// Drops the store's schema (its tables, sequences, migrations) and closes it.
func dropAndClose(_ store: PostgresStore) async {
    let schema = store.location.schema
    _ = try? await store.withConnection { db in try db.run("DROP SCHEMA \(unescaped: schema) CASCADE") }
    await store.close()
}
