import NIOCore
import PostgresNIO
import WaybillCore
import WaybillStore

/// Writing service-level clocks.
///
/// In an announced batch, a clock started is held back with an id drawn from the clocks'
/// identity ahead of time, and stopping it, or recording what it awaits or its breach, changes
/// it in memory: an ingest batch starts a clock for most orders, shipments and payments and
/// stops many of them again before it commits. The held-back clocks are written in one
/// statement before the commit or a query over all clocks. A clock started twice in one
/// transaction is refused in memory; one started before by another transaction is found when
/// the clocks are written (`ON CONFLICT` skips it): the answer given for it was wrong, so the
/// transaction runs again with clocks written at once (`ClockStartConflict`).
extension PostgresTransaction {
    func startClock(_ clock: ClockRecord) throws -> Int64? {
        if pendingClockIndex[ClockName(clock: clock.clock.rawValue, subject: clock.subject)] != nil { return nil }
        guard holdsClocksBack, prepared else { return try startClockNow(clock) }
        if reservedClockNext == reservedClockIds.count { try reserveClockIds(256) }
        var held = clock
        held.id = reservedClockIds[reservedClockNext]
        reservedClockNext += 1
        pendingClockIndex[ClockName(clock: clock.clock.rawValue, subject: clock.subject)] = pendingClocks.count
        pendingClocksById[held.id] = pendingClocks.count
        pendingClocks.append(held)
        return held.id
    }

    private func startClockNow(_ clock: ClockRecord) throws -> Int64? {
        try db.first(
            """
            INSERT INTO slo_clocks (clock, subject, record_key, started_at, due_at, high_value, awaited_seq, awaited_subscriptions, target)
            VALUES (\(clock.clock.rawValue), \(clock.subject), \(clock.key), \(clock.startedAt.milliseconds), \(clock.dueAt.milliseconds),
                    \(clock.highValue), \(clock.awaitedSeq), \(clock.awaitedSubscriptions.map(\.rawValue).joined(separator: ",")), \(clock.target))
            ON CONFLICT (clock, subject) DO NOTHING RETURNING id
            """)?.int64(0)
    }

    /// Draws `count` clock ids (a sequence hands each out once; the unused ones are gaps).
    func reserveClockIds(_ count: Int) throws {
        let drawn = try db.first(
            """
            SELECT array_agg(nextval(s.name)) FROM (SELECT pg_get_serial_sequence('slo_clocks', 'id')::regclass AS name) s,
                generate_series(1, \(Int64(count)))
            """)?.row[0].decode([Int64].self)
        reservedClockIds = (drawn ?? []).sorted()
        reservedClockNext = 0
    }

    func awaitDeliveries(clock id: Int64, seq: Int64, subscriptions: [SubscriptionName]) throws {
        if let i = pendingClocksById[id] {
            guard pendingClocks[i].stoppedAt == nil else { return }
            pendingClocks[i].awaitedSeq = seq
            pendingClocks[i].awaitedSubscriptions = subscriptions
            return
        }
        try db.run(
            """
            UPDATE slo_clocks SET awaited_seq = \(seq), awaited_subscriptions = \(subscriptions.map(\.rawValue).joined(separator: ","))
            WHERE id = \(id) AND stopped_at IS NULL
            """)
    }

    func stopClock(id: Int64, at: Timestamp) throws -> Bool {
        if let i = pendingClocksById[id] {
            guard pendingClocks[i].stoppedAt == nil else { return false }
            pendingClocks[i].stoppedAt = at
            return true
        }
        return try db.run("UPDATE slo_clocks SET stopped_at = \(at.milliseconds) WHERE id = \(id) AND stopped_at IS NULL") == 1
    }

    func recordBreach(clock id: Int64, exception: Int64) throws {
        if let i = pendingClocksById[id] {
            if pendingClocks[i].exceptionId == nil { pendingClocks[i].exceptionId = exception }
            return
        }
        try db.run("UPDATE slo_clocks SET exception_id = \(exception) WHERE id = \(id) AND exception_id IS NULL")
    }

    /// Writes the held-back clocks; throws `ClockStartConflict` when one had been started
    /// already (by another transaction) and so was not written.
    func writePendingClocks() throws {
        guard !pendingClocks.isEmpty else { return }
        let rows = pendingClocks
        pendingClocks = []
        pendingClockIndex = [:]
        pendingClocksById = [:]
        var nulls: [Int32] = []
        for c in rows {
            var null: Int32 = 0
            if c.awaitedSeq == nil { null |= 1 }
            if c.target == nil { null |= 2 }
            if c.stoppedAt == nil { null |= 4 }
            if c.exceptionId == nil { null |= 8 }
            nulls.append(null)
        }
        let written = try db.run(
            """
            INSERT INTO slo_clocks (id, clock, subject, record_key, started_at, due_at, high_value, awaited_seq, awaited_subscriptions, target,
                                    stopped_at, exception_id)
            OVERRIDING SYSTEM VALUE
            SELECT id, clock, subject, record_key, started_at, due_at, high_value, CASE WHEN n & 1 = 0 THEN awaited END, subscriptions,
                   CASE WHEN n & 2 = 0 THEN target END, CASE WHEN n & 4 = 0 THEN stopped END, CASE WHEN n & 8 = 0 THEN exception END
            FROM unnest(\(rows.map(\.id))::bigint[], \(rows.map(\.clock.rawValue))::text[], \(rows.map(\.subject))::text[], \(rows.map(\.key))::text[],
                        \(rows.map(\.startedAt.milliseconds))::bigint[], \(rows.map(\.dueAt.milliseconds))::bigint[], \(rows.map(\.highValue))::boolean[],
                        \(rows.map { $0.awaitedSeq ?? 0 })::bigint[], \(rows.map { $0.awaitedSubscriptions.map(\.rawValue).joined(separator: ",") })::text[],
                        \(rows.map { $0.target ?? 0 })::bigint[], \(rows.map { $0.stoppedAt?.milliseconds ?? 0 })::bigint[],
                        \(rows.map { $0.exceptionId ?? 0 })::bigint[], \(nulls)::integer[])
                AS c(id, clock, subject, record_key, started_at, due_at, high_value, awaited, subscriptions, target, stopped, exception, n)
            ON CONFLICT (clock, subject) DO NOTHING
            """)
        if written != rows.count { throw ClockStartConflict() }
    }
}

/// A clock held back as started had been started by another transaction: the transaction runs
/// again, writing clocks at once (`PostgresStore.write`).
struct ClockStartConflict: Error {}
