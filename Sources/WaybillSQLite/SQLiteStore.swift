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
    let checkpointer: BackgroundCheckpointer
    public let path: String
    /// Whether the outbox holds deliveries numbered before schema v8 (none are added later).
    let deliveriesBeforeV8: Bool

    /// Opens (creating and migrating if needed) the store at `path`.
    public init(path: String, orderCacheCapacity: Int = 4_096, checkpoints: CheckpointSettings = CheckpointSettings()) throws {
        var config = Configuration()
        config.prepareDatabase { db in
            // A bigger page cache for the writer only (readers keep SQLite's 2 MB each).
            if !db.configuration.readonly { try db.execute(sql: "PRAGMA cache_size = -65536") }
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
        deliveriesBeforeV8 = try pool.read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM outbox WHERE id < \(DeliveryIds.base))") ?? false
        }
        let checkpointer = try BackgroundCheckpointer(path: path, settings: checkpoints)
        pool.writeWithoutTransaction { db in checkpointer.watch(writer: db) }
        self.checkpointer = checkpointer
    }

    deinit { checkpointer.stop() }

    /// How many checkpoints the background thread has completed since the store was opened.
    public var backgroundCheckpoints: Int { checkpointer.completedCheckpoints }

    public func write<T: Sendable>(_ body: @escaping @Sendable (any StoreTransaction) throws -> T) async throws -> T {
        let caches = self.caches
        let deliveriesBeforeV8 = self.deliveriesBeforeV8
        return try await pool.writeWithoutTransaction { db in
            var outcome: (T, StagedValues)?
            try db.inTransaction(.immediate) {
                let transaction = SQLiteTransaction(db: db, caches: caches, deliveriesBeforeV8: deliveriesBeforeV8)
                let result = try body(transaction)
                try transaction.writePending()
                outcome = (result, transaction.staged)
                return .commit
            }
            // Committed, and still the writer: what the transaction wrote enters the caches
            // before the next write can read them (merged after the writer is released, a
            // following transaction could read an order's state from before this one, and its
            // newer state could then be overwritten in the cache by this older one).
            let (result, staged) = outcome!
            staged.merge(into: caches)
            return result
        }
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any StoreReader) throws -> T) async throws -> T {
        let deliveriesBeforeV8 = self.deliveriesBeforeV8
        return try await pool.read { db in try body(SQLiteReader(db: db, caches: nil, deliveriesBeforeV8: deliveriesBeforeV8)) }
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
