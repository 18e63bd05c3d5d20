import WaybillCore
import WaybillStore

/// Leases of periodic jobs (one process per SQLite file, but the same rule as on PostgreSQL).
extension SQLiteTransaction {
    func holdLease(_ name: String, holder: String, now: Timestamp, until: Timestamp) throws -> Bool {
        try statement(
            """
            INSERT INTO leases (name, holder, until) VALUES (?, ?, ?)
            ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
            WHERE leases.holder = excluded.holder OR leases.until < ?
            """
        ).execute(arguments: [name, holder, until.milliseconds, now.milliseconds])
        return db.changesCount > 0
    }
}

/// Retention: finished work removed in small batches.
extension SQLiteTransaction {
    func removeDelivered(before: Timestamp, limit: Int) throws -> Int {
        try statement(
            """
            DELETE FROM outbox WHERE id IN (
                SELECT id FROM outbox WHERE status = 1 AND delivered_at < ? ORDER BY delivered_at LIMIT ?)
            """
        ).execute(arguments: [before.milliseconds, limit])
        return db.changesCount
    }

    func forgetNodes(seenBefore before: Timestamp) throws -> Int {
        try statement("DELETE FROM heartbeats WHERE seen_at < ?").execute(arguments: [before.milliseconds])
        return db.changesCount
    }
}
