import PostgresNIO

/// Creates the store's schema and applies the migrations it lacks, in one transaction under an
/// advisory lock, so that nodes starting together migrate once and wait for each other.
enum PostgresMigrator {
    static let lockClass: Int32 = 0x5741_5940

    /// The versions applied, after migrating.
    @discardableResult
    static func migrate(_ db: BlockingConnection, schema: String) throws -> [Int] {
        try db.run("BEGIN")
        do {
            try db.run("SELECT pg_advisory_xact_lock(\(lockClass), hashtext(\(schema)))")
            try db.run("CREATE SCHEMA IF NOT EXISTS \(unescaped: schema)")
            try db.run(
                """
                CREATE TABLE IF NOT EXISTS \(unescaped: schema).schema_migrations (
                    version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now()
                )
                """)
            let applied = Set(try db.all("SELECT version FROM \(unescaped: schema).schema_migrations").map { try $0.int(0) })
            let known = PostgresSchema.migrations.map(\.version)
            if let newer = applied.subtracting(known).max() {
                throw PostgresStoreError(
                    "schema \(schema) has migration v\(newer), which this Waybill does not know (it knows up to v\(known.max() ?? 0)): it was written by a newer version"
                )
            }
            for migration in PostgresSchema.migrations where !applied.contains(migration.version) {
                for statement in migration.statements { try db.run(PostgresQuery(unsafeSQL: statement)) }
                try db.run("INSERT INTO \(unescaped: schema).schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))")
            }
            try db.run("COMMIT")
            return applied.union(known).sorted()
        } catch {
            _ = try? db.run("ROLLBACK")
            throw error
        }
    }
}
