import Testing

@testable import WaybillPostgres

@Suite("PostgreSQL store location")
struct PostgresLocationTests {
    @Test("reads user, password, host, port, database, schema and sslmode from the URL")
    func parses() throws {
        let location = try PostgresLocation(url: "postgres://hub:s%3Acret@db.internal:6543/orders?schema=hub_a&sslmode=disable", environment: [:])
        #expect(
            location
                == PostgresLocation(host: "db.internal", port: 6543, username: "hub", password: "s:cret", database: "orders", schema: "hub_a", tls: .disable))
    }

    @Test("takes the password from passwordEnv, else PGPASSWORD")
    func passwordFromEnvironment() throws {
        let named = try PostgresLocation(url: "postgres://hub@db/orders?passwordEnv=HUB_DB_PASSWORD", environment: ["HUB_DB_PASSWORD": "a", "PGPASSWORD": "b"])
        #expect(named.password == "a")
        let fallback = try PostgresLocation(url: "postgres://hub@db/orders", environment: ["PGPASSWORD": "b"])
        #expect(fallback.password == "b" && fallback.port == 5432 && fallback.schema == "waybill" && fallback.tls == .prefer)
        #expect(throws: PostgresStoreError.self) { try PostgresLocation(url: "postgres://hub@db/orders?passwordEnv=MISSING", environment: [:]) }
    }

    @Test("refuses URLs without user or database, unknown parameters and unsafe schema names, without echoing the password")
    func refuses() throws {
        for url in [
            "postgres://db/orders", "postgres://hub:pw@db/", "postgres://hub:pw@db/orders?color=blue", "postgres://hub:pw@db/orders?schema=Hub;drop",
            "postgres://hub:pw@db/orders?sslmode=sometimes",
        ] {
            #expect {
                try PostgresLocation(url: url, environment: [:])
            } throws: { error in
                !"\(error)".contains(":pw@")
            }
        }
        #expect(PostgresLocation.redacted("postgres://hub:pw@db/orders") == "postgres://hub:***@db/orders")
    }
}
