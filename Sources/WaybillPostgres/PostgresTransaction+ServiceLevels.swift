import PostgresNIO
import WaybillCore
import WaybillStore

/// Writing service-level clocks and KPI rollups.
extension PostgresTransaction {
    func startClock(_ clock: ClockRecord) throws -> Int64? {
        try db.first(
            """
            INSERT INTO slo_clocks (clock, subject, record_key, started_at, due_at, high_value, awaited_seq, awaited_subscriptions, target)
            VALUES (\(clock.clock.rawValue), \(clock.subject), \(clock.key), \(clock.startedAt.milliseconds), \(clock.dueAt.milliseconds),
                    \(clock.highValue), \(clock.awaitedSeq), \(clock.awaitedSubscriptions.map(\.rawValue).joined(separator: ",")), \(clock.target))
            ON CONFLICT (clock, subject) DO NOTHING RETURNING id
            """)?.int64(0)
    }

    func awaitDeliveries(clock id: Int64, seq: Int64, subscriptions: [SubscriptionName]) throws {
        try db.run(
            """
            UPDATE slo_clocks SET awaited_seq = \(seq), awaited_subscriptions = \(subscriptions.map(\.rawValue).joined(separator: ","))
            WHERE id = \(id) AND stopped_at IS NULL
            """)
    }

    func stopClock(id: Int64, at: Timestamp) throws -> Bool {
        try db.run("UPDATE slo_clocks SET stopped_at = \(at.milliseconds) WHERE id = \(id) AND stopped_at IS NULL") == 1
    }

    func recordBreach(clock id: Int64, exception: Int64) throws {
        try db.run("UPDATE slo_clocks SET exception_id = \(exception) WHERE id = \(id) AND exception_id IS NULL")
    }
}
