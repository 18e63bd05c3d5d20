import Testing
import WaybillTestSupport

@testable import WaybillPostgres

/// Runs `body` with a store on a schema of its own in the test server, and drops the schema
/// afterwards. Records an issue (a failure) when `WAYBILL_TEST_POSTGRES` is not set; throws when
/// the server cannot be reached.
func withFreshStore(connections: Int = 4, _ body: (PostgresStore) async throws -> Void) async throws {
    guard let location = try TestPostgres.freshLocation() else {
        Issue.record(Comment(rawValue: TestPostgres.howToSet))
        return
    }
    let store = try await PostgresStore(location: location, connections: connections)
    do {
        try await body(store)
    } catch {
        try? await store.dropSchema()
        throw error
    }
    try await store.dropSchema()
}
