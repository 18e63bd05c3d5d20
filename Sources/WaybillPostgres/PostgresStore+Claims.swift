import PostgresNIO
import WaybillCore
import WaybillStore

/// Deliveries claimed across nodes (`DeliveryClaims`): `FOR UPDATE SKIP LOCKED` and a lease in
/// the outbox row (`claimed_by`, `claimed_until`, migration 6).
///
/// A claim transaction first takes one advisory lock shared by all nodes' claims, so the count
/// of deliveries claimed per subscription is exact when a claim adds to it (claims are short:
/// one statement). Rows another transaction is changing (a result being recorded) are skipped,
/// not waited for. Recording an attempt's result clears its claim (`recordAttempt`).
extension PostgresStore: DeliveryClaims {
    /// The second number of the advisory lock claims take (the first is `keyLockClass`).
    static let claimLock: Int32 = 0x434C_4149

    public func claimDeliveries(
        node: String, now: Timestamp, until: Timestamp, limit: Int, perSubscription: Int, skipping: Set<SubscriptionName>
    ) async throws -> [DeliveryJob] {
        let skipped = skipping.map(\.rawValue)
        guard limit > 0 else { return [] }
        return try await withConnection { db in
            try Self.transaction(db, begin: "BEGIN") { db in
                try db.run("SELECT pg_advisory_xact_lock(\(PostgresTransaction.keyLockClass), \(Self.claimLock))")
                // Subscriptions with pending deliveries come from the index of pending rows by
                // subscription, one probe each (a loose index scan); each gets up to its room
                // (`perSubscription` less what is claimed and not expired), heads only, oldest
                // due first, so a long backlog of one subscription never starves the others.
                let rows = try db.all(
                    """
                    WITH RECURSIVE pending(subscription) AS (
                        (SELECT subscription FROM outbox WHERE status = 0 ORDER BY subscription LIMIT 1)
                        UNION ALL
                        SELECT (SELECT n.subscription FROM outbox n WHERE n.status = 0 AND n.subscription > p.subscription ORDER BY n.subscription LIMIT 1)
                        FROM pending p WHERE p.subscription IS NOT NULL
                    ),
                    room AS (
                        SELECT p.subscription, \(Int64(perSubscription)) - (
                            SELECT count(*) FROM outbox c
                            WHERE c.subscription = p.subscription AND c.claimed_by IS NOT NULL AND c.claimed_until >= \(now.milliseconds) AND c.status = 0
                        ) AS free
                        FROM pending p
                        WHERE p.subscription IS NOT NULL AND p.subscription NOT IN (SELECT name FROM subscription_state WHERE disabled)
                          AND p.subscription <> ALL(\(skipped)::text[])
                    ),
                    chosen AS (
                        SELECT h.id, h.next_attempt_at FROM room r CROSS JOIN LATERAL (
                            SELECT o.id, o.next_attempt_at FROM outbox o
                            WHERE o.subscription = r.subscription AND o.status = 0 AND o.next_attempt_at <= \(now.milliseconds)
                              AND (o.claimed_until IS NULL OR o.claimed_until < \(now.milliseconds))
                              AND NOT EXISTS (
                                  SELECT 1 FROM outbox p
                                  WHERE p.record_key = o.record_key AND p.subscription = o.subscription AND p.status <> 1 AND p.seq < o.seq)
                            ORDER BY o.next_attempt_at, o.id
                            LIMIT greatest(r.free, 0)
                            FOR UPDATE OF o SKIP LOCKED
                        ) h
                        ORDER BY h.next_attempt_at, h.id
                        LIMIT \(Int64(limit))
                    ),
                    claimed AS (
                        UPDATE outbox SET claimed_by = \(node), claimed_until = \(until.milliseconds)
                        FROM chosen WHERE outbox.id = chosen.id
                        RETURNING outbox.*
                    )
                    SELECT \(unescaped: PostgresReader.jobColumns)
                    FROM claimed o JOIN events e ON e.seq = o.seq
                    ORDER BY o.next_attempt_at, o.id
                    """)
                return try PostgresReader.jobs(rows)
            }
        }
    }

    @discardableResult
    public func renewClaims(node: String, ids: [Int64], until: Timestamp) async throws -> Int {
        guard !ids.isEmpty else { return 0 }
        return try await withConnection { db in
            try db.run(
                "UPDATE outbox SET claimed_until = \(until.milliseconds) WHERE claimed_by = \(node) AND status = 0 AND id = ANY(\(ids)::bigint[])")
        }
    }

    public func releaseClaims(node: String, ids: [Int64]?) async throws {
        try await withConnection { db in
            if let ids {
                guard !ids.isEmpty else { return }
                try db.run("UPDATE outbox SET claimed_by = NULL, claimed_until = NULL WHERE claimed_by = \(node) AND id = ANY(\(ids)::bigint[])")
            } else {
                try db.run("UPDATE outbox SET claimed_by = NULL, claimed_until = NULL WHERE claimed_by = \(node)")
            }
        }
    }

    public func openCircuits(now: Timestamp) async throws -> [String: Timestamp] {
        try await withConnection { db in
            try db.all("SELECT endpoint, open_until FROM circuits WHERE open_until > \(now.milliseconds)").reduce(into: [:]) {
                $0[try $1.string(0)] = try $1.timestamp(1)
            }
        }
    }

    public func setCircuit(endpoint: String, openUntil until: Timestamp?) async throws {
        try await withConnection { db in
            if let until {
                try db.run(
                    """
                    INSERT INTO circuits (endpoint, open_until) VALUES (\(endpoint), \(until.milliseconds))
                    ON CONFLICT (endpoint) DO UPDATE SET open_until = greatest(circuits.open_until, excluded.open_until)
                    """)
            } else {
                try db.run("DELETE FROM circuits WHERE endpoint = \(endpoint)")
            }
        }
    }
}
