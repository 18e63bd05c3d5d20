import Foundation
import WaybillPostgres

/// The PostgreSQL server the tests use, from `WAYBILL_TEST_POSTGRES`.
///
/// `.ci/run` starts a local PostgreSQL 15 and sets it; elsewhere, set it yourself:
///
///     export WAYBILL_TEST_POSTGRES=postgres://waybill:waybill@127.0.0.1:5432/waybill_test
///
/// Each test makes its own schema in that database and drops it afterwards.
public enum TestPostgres {
    public static let variable = "WAYBILL_TEST_POSTGRES"

    /// What to do when the variable is not set (the tests record it as an issue: they never pass
    /// without having run).
    public static let howToSet = """
        \(variable) is not set, so the PostgreSQL store was not tested. Start a PostgreSQL 15 server and set it, e.g. \
        (as in .ci/run): pg_ctlcluster 15 main start; su postgres -c "psql -c \\"CREATE ROLE waybill LOGIN PASSWORD 'waybill'\\""; \
        su postgres -c "createdb -O waybill waybill_test"; export \(variable)=postgres://waybill:waybill@127.0.0.1:5432/waybill_test
        """

    /// The error of a test that needs the server when the variable is not set.
    public struct NotConfigured: Error, CustomStringConvertible {
        public init() {}
        public var description: String { TestPostgres.howToSet }
    }

    /// The server's URL, or nil when the variable is not set.
    public static var url: String? {
        guard let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty else { return nil }
        return value
    }

    /// The test server with a schema of its own for one test (created when a store opens it;
    /// `PostgresStore.dropSchema()` removes it), or nil when the variable is not set.
    public static func freshLocation() throws -> PostgresLocation? {
        guard let url else { return nil }
        var location = try PostgresLocation(url: url)
        location.schema = schemaName()
        return location
    }

    /// A schema name of its own for one test.
    public static func schemaName() -> String {
        "wbt_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
    }
}
