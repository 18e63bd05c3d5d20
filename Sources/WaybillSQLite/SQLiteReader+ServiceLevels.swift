import GRDB
import WaybillCore
import WaybillStore

/// Service-level clocks and KPI rollups (schema v14).
extension SQLiteReader {
    static let clockColumns =
        "id, clock, subject, record_key, started_at, due_at, high_value, awaited_seq, awaited_subscriptions, target, stopped_at, exception_id"

    static func clockRecord(_ row: Row) -> ClockRecord? {
        guard let clock = ServiceLevelClock(rawValue: row[1]) else { return nil }
        let awaited: String = row[8]
        let stopped: Int64? = row[10]
        return ClockRecord(
            id: row[0], clock: clock, subject: row[2], key: row[3], startedAt: Timestamp(milliseconds: row[4]), dueAt: Timestamp(milliseconds: row[5]),
            highValue: row[6], awaitedSeq: row[7], awaitedSubscriptions: awaited.split(separator: ",").map { SubscriptionName(String($0)) },
            target: row[9], stoppedAt: stopped.map(Timestamp.init(milliseconds:)), exceptionId: row[11])
    }

    func deliveries(ofEvent seq: Int64) throws -> [DeliveryRecord] {
        let first = DeliveryIds.first(of: seq)
        let older = deliveriesBeforeV8 ? " OR (seq = ?3 AND id < \(DeliveryIds.base))" : ""
        return try Row.fetchAll(
            query("SELECT \(Self.deliveryColumns) FROM outbox WHERE id BETWEEN ?1 AND ?2\(older) ORDER BY id"),
            arguments: deliveriesBeforeV8 ? [first, first + DeliveryIds.perEvent - 1, seq] : [first, first + DeliveryIds.perEvent - 1]
        ).compactMap(Self.deliveryRecord)
    }

    func clock(_ clock: ServiceLevelClock, subject: String) throws -> ClockRecord? {
        try Row.fetchOne(query("SELECT \(Self.clockColumns) FROM slo_clocks WHERE clock = ? AND subject = ?"), arguments: [clock.rawValue, subject])
            .flatMap(Self.clockRecord)
    }

    func runningClocks(_ clock: ServiceLevelClock, key: String) throws -> [ClockRecord] {
        try Row.fetchAll(
            query("SELECT \(Self.clockColumns) FROM slo_clocks WHERE record_key = ? AND clock = ? AND stopped_at IS NULL ORDER BY id"),
            arguments: [key, clock.rawValue]
        ).compactMap(Self.clockRecord)
    }

    func runningClocks(awaiting seq: Int64) throws -> [ClockRecord] {
        try Row.fetchAll(
            query("SELECT \(Self.clockColumns) FROM slo_clocks WHERE awaited_seq = ? AND stopped_at IS NULL ORDER BY id"), arguments: [seq]
        ).compactMap(Self.clockRecord)
    }

    func dueClocks(now: Timestamp, limit: Int) throws -> [ClockRecord] {
        try Row.fetchAll(
            query(
                "SELECT \(Self.clockColumns) FROM slo_clocks WHERE due_at <= ? AND stopped_at IS NULL AND exception_id IS NULL ORDER BY due_at, id LIMIT ?"),
            arguments: [now.milliseconds, limit]
        ).compactMap(Self.clockRecord)
    }

    func breachedClocks(limit: Int) throws -> [ClockRecord] {
        try Row.fetchAll(
            query("SELECT \(Self.clockColumns) FROM slo_clocks WHERE stopped_at IS NULL AND exception_id IS NOT NULL ORDER BY id LIMIT ?"),
            arguments: [limit]
        ).compactMap(Self.clockRecord)
    }

    func openBreachCounts() throws -> [ServiceLevelClock: Int] {
        var counts: [ServiceLevelClock: Int] = [:]
        let rows = try Row.fetchAll(
            query("SELECT clock, COUNT(*) FROM slo_clocks WHERE stopped_at IS NULL AND exception_id IS NOT NULL GROUP BY clock"))
        for row in rows {
            if let clock = ServiceLevelClock(rawValue: row[0]) { counts[clock] = row[1] }
        }
        return counts
    }

    func kpiRollups(days: ClosedRange<Int64>, measures: [String]?) throws -> [KPIRollup] {
        var sql = "SELECT day, measure, dimension, count, total, maximum FROM kpi_days WHERE day BETWEEN ? AND ?"
        var arguments: StatementArguments = [days.lowerBound, days.upperBound]
        if let measures {
            sql += " AND measure IN (\(measures.map { _ in "?" }.joined(separator: ", ")))"
            _ = arguments.append(contentsOf: StatementArguments(measures))
        }
        return try Row.fetchAll(query(sql + " ORDER BY day, measure, dimension"), arguments: arguments).map { row in
            KPIRollup(day: row[0], measure: row[1], dimension: row[2], count: row[3], total: row[4], maximum: row[5])
        }
    }
}
