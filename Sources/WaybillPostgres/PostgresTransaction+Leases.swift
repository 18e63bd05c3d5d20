import WaybillCore
import WaybillStore

/// Leases of periodic jobs: one node at a time runs them; any node takes over when the holder's
/// lease runs out.
extension PostgresTransaction {
    func holdLease(_ name: String, holder: String, now: Timestamp, until: Timestamp) throws -> Bool {
        try db.first(
            """
            INSERT INTO leases (name, holder, until) VALUES (\(name), \(holder), \(until.milliseconds))
            ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
            WHERE leases.holder = excluded.holder OR leases.until < \(now.milliseconds)
            RETURNING holder
            """) != nil
    }
}

/// Retention: finished work removed in small batches (short transactions, so vacuum is never
/// held back by one of ours).
extension PostgresTransaction {
    func removeDelivered(before: Timestamp, limit: Int) throws -> Int {
        try run(
            """
            DELETE FROM outbox WHERE id IN (
                SELECT id FROM outbox WHERE status = 1 AND delivered_at < \(before.milliseconds) ORDER BY delivered_at LIMIT \(Int64(limit)))
            """)
    }

    func forgetNodes(seenBefore before: Timestamp) throws -> Int {
        try db.run("DELETE FROM heartbeats WHERE seen_at < \(before.milliseconds)")
    }
}
