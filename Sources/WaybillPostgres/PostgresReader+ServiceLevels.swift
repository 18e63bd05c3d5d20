import PostgresNIO
import WaybillCore
import WaybillStore

/// Service-level clocks and KPI rollups.
extension PostgresReader {
    static let clockColumns =
        "id, clock, subject, record_key, started_at, due_at, high_value, awaited_seq, awaited_subscriptions, target, stopped_at, exception_id"

    static func clockRecord(_ row: Cells) throws -> ClockRecord? {
        guard let clock = ServiceLevelClock(rawValue: try row.string(1)) else { return nil }
        return ClockRecord(
            id: try row.int64(0), clock: clock, subject: try row.string(2), key: try row.string(3), startedAt: try row.timestamp(4),
            dueAt: try row.timestamp(5), highValue: try row.bool(6), awaitedSeq: try row.int64OrNil(7),
            awaitedSubscriptions: try row.string(8).split(separator: ",").map { SubscriptionName(String($0)) }, target: try row.int64OrNil(9),
            stoppedAt: try row.timestampOrNil(10), exceptionId: try row.int64OrNil(11))
    }

    // The three lookups of running clocks the ingest step makes read the stored clocks without
    // writing the held-back ones first, and add those (`heldClock`, `heldClocks`).

    func clock(_ clock: ServiceLevelClock, subject: String) throws -> ClockRecord? {
        if let held = heldClock(clock, subject: subject) { return held }
        return try db.first("SELECT \(unescaped: Self.clockColumns) FROM slo_clocks WHERE clock = \(clock.rawValue) AND subject = \(subject)")
            .flatMap(Self.clockRecord)
    }

    func runningClocks(_ clock: ServiceLevelClock, key: String) throws -> [ClockRecord] {
        let stored = try db.all(
            """
            SELECT \(unescaped: Self.clockColumns) FROM slo_clocks WHERE record_key = \(key) AND clock = \(clock.rawValue) AND stopped_at IS NULL
            ORDER BY id
            """
        ).compactMap(Self.clockRecord)
        return stored + heldClocks { $0.key == key && $0.clock == clock && $0.stoppedAt == nil }
    }

    func runningClocks(awaiting seq: Int64) throws -> [ClockRecord] {
        let stored = try db.all("SELECT \(unescaped: Self.clockColumns) FROM slo_clocks WHERE awaited_seq = \(seq) AND stopped_at IS NULL ORDER BY id")
            .compactMap(Self.clockRecord)
        return stored + heldClocks { $0.awaitedSeq == seq && $0.stoppedAt == nil }
    }

    func dueClocks(now: Timestamp, limit: Int) throws -> [ClockRecord] {
        try all(
            """
            SELECT \(unescaped: Self.clockColumns) FROM slo_clocks WHERE due_at <= \(now.milliseconds) AND stopped_at IS NULL AND exception_id IS NULL
            ORDER BY due_at, id LIMIT \(Int64(max(0, limit)))
            """
        ).compactMap(Self.clockRecord)
    }

    func breachedClocks(limit: Int) throws -> [ClockRecord] {
        try all(
            """
            SELECT \(unescaped: Self.clockColumns) FROM slo_clocks WHERE stopped_at IS NULL AND exception_id IS NOT NULL
            ORDER BY id LIMIT \(Int64(max(0, limit)))
            """
        ).compactMap(Self.clockRecord)
    }

    func openBreachCounts() throws -> [ServiceLevelClock: Int] {
        var counts: [ServiceLevelClock: Int] = [:]
        for row in try all("SELECT clock, COUNT(*) FROM slo_clocks WHERE stopped_at IS NULL AND exception_id IS NOT NULL GROUP BY clock") {
            if let clock = ServiceLevelClock(rawValue: try row.string(0)) { counts[clock] = try row.int(1) }
        }
        return counts
    }

    func kpiRollups(days: ClosedRange<Int64>, measures: [String]?) throws -> [KPIRollup] {
        try all(
            """
            SELECT day, measure, dimension, count, total, maximum FROM kpi_days
            WHERE day BETWEEN \(days.lowerBound) AND \(days.upperBound) AND (\(measures == nil) OR measure = ANY(\(measures ?? [])::text[]))
            ORDER BY day, measure, dimension
            """
        ).map { row in
            KPIRollup(
                day: try row.int64(0), measure: try row.string(1), dimension: try row.string(2), count: try row.int64(3), total: try row.int64(4),
                maximum: try row.int64(5))
        }
    }
}
