import GRDB
import WaybillCore
import WaybillStore

/// Writing service-level clocks and KPI rollups (schema v14).
extension SQLiteTransaction {
    func startClock(_ clock: ClockRecord) throws -> Int64? {
        try statement(
            """
            INSERT INTO slo_clocks (clock, subject, record_key, started_at, due_at, high_value, awaited_seq, awaited_subscriptions, target)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (clock, subject) DO NOTHING
            """
        ).execute(arguments: [
            clock.clock.rawValue, clock.subject, clock.key, clock.startedAt.milliseconds, clock.dueAt.milliseconds, clock.highValue,
            clock.awaitedSeq, clock.awaitedSubscriptions.map(\.rawValue).joined(separator: ","), clock.target,
        ])
        return db.changesCount == 1 ? db.lastInsertedRowID : nil
    }

    func awaitDeliveries(clock id: Int64, seq: Int64, subscriptions: [SubscriptionName]) throws {
        try statement("UPDATE slo_clocks SET awaited_seq = ?, awaited_subscriptions = ? WHERE id = ? AND stopped_at IS NULL")
            .execute(arguments: [seq, subscriptions.map(\.rawValue).joined(separator: ","), id])
    }

    func stopClock(id: Int64, at: Timestamp) throws -> Bool {
        try statement("UPDATE slo_clocks SET stopped_at = ? WHERE id = ? AND stopped_at IS NULL").execute(arguments: [at.milliseconds, id])
        return db.changesCount == 1
    }

    func recordBreach(clock id: Int64, exception: Int64) throws {
        try statement("UPDATE slo_clocks SET exception_id = ? WHERE id = ? AND exception_id IS NULL").execute(arguments: [exception, id])
    }

    func addToKPI(_ rollup: KPIRollup) throws {
        try statement(
            """
            INSERT INTO kpi_days (measure, dimension, day, count, total, maximum) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (measure, dimension, day) DO UPDATE SET
                count = count + excluded.count, total = total + excluded.total, maximum = MAX(maximum, excluded.maximum)
            """
        ).execute(arguments: [rollup.measure, rollup.dimension, rollup.day, rollup.count, rollup.total, rollup.maximum])
    }

    /// Adds resolved exceptions (kind, raised at) to the `exception_resolution` rollup of the day
    /// they were resolved, by kind.
    func countResolutions(_ rows: [Row], at: Timestamp) throws {
        for row in rows {
            let kind: String = row[0]
            let raisedAt: Int64 = row[1]
            let took = max(0, at.milliseconds - raisedAt)
            try addToKPI(KPIRollup(day: KPIRollup.day(of: at), measure: KPIMeasure.exceptionResolution, dimension: kind, total: took, maximum: took))
        }
    }
}
