import Foundation
import GRDB
import WaybillCore
import WaybillStore

/// The embedded store: one SQLite file in WAL mode with `synchronous=FULL`, one writer.
///
/// ```swift
/// let store = try SQLiteStore(path: "waybill.sqlite")
/// ```
public final class SQLiteStore: Store {
    let pool: DatabasePool
    let caches: WriterCaches
    public let path: String

    /// Opens (creating and migrating if needed) the store at `path`.
    public init(path: String, orderCacheCapacity: Int = 4_096) throws {
        var config = Configuration()
        config.prepareDatabase { db in
            // A bigger page cache for the writer, and checkpoints every ~32 MB of WAL rather than
            // 4 MB, so that pages rewritten by consecutive events of an order are copied once.
            try db.execute(sql: "PRAGMA cache_size = -65536")
            let pages = ProcessInfo.processInfo.environment["WAYBILL_EXPERIMENT_CHECKPOINT_PAGES"].flatMap(Int.init) ?? 8192
            try db.execute(sql: "PRAGMA wal_autocheckpoint = \(pages)")
        }
        config.busyMode = .timeout(10)
        pool = try DatabasePool(path: path, configuration: config)
        // GRDB switches WAL pools to synchronous=NORMAL when it opens them; the hub acknowledges
        // an event only once it is durable, so the writer runs with FULL (checked, not assumed).
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            guard try Int.fetchOne(db, sql: "PRAGMA synchronous") == 2 else {
                throw DatabaseError(message: "could not set synchronous=FULL on \(path)")
            }
        }
        caches = WriterCaches(orderCapacity: orderCacheCapacity)
        self.path = path
        try SQLiteSchema.migrator().migrate(pool)
    }

    public func write<T: Sendable>(_ body: @escaping @Sendable (any StoreTransaction) throws -> T) async throws -> T {
        let caches = self.caches
        let (result, staged) = try await pool.write { db in
            let transaction = SQLiteTransaction(db: db, caches: caches)
            let result = try body(transaction)
            return (result, transaction.staged)
        }
        // The transaction is committed: what it wrote may now be served from the caches.
        staged.merge(into: caches)
        return result
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any StoreReader) throws -> T) async throws -> T {
        try await pool.read { db in try body(SQLiteReader(db: db, caches: nil)) }
    }

    /// The file's `synchronous` and `journal_mode` settings, to check durability.
    public func durabilitySettings() async throws -> (synchronous: Int, journalMode: String) {
        try await pool.write { db in
            (try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1, try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "")
        }
    }

}

extension Array where Element == UInt8 {
    var data: Data { Data(self) }
}
