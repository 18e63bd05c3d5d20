import NIOCore
import PostgresNIO
import WaybillCore
import WaybillStore

/// Appending to the log.
///
/// **Numbers drawn under the key's lock.** A key's log numbers are drawn only while its lock is
/// held, so per key the log's order is the order in which transactions committed (the delivery
/// in-order check by `seq` relies on it, across nodes). An append either takes the lock and
/// draws its number in one statement, or — once a batch was announced — takes the next number
/// of a reserve drawn while its key was already locked (`reserveSeqs`), and the entry is held
/// back and written with the others in one statement. Numbers are handed out in ascending order
/// within the transaction, so a key's entries stay in the order they were appended; a number
/// drawn at once drops the rest of the reserve (it would be lower). Unused reserved numbers are
/// gaps, as rolled-back appends are: nothing relies on numbers without gaps.
extension PostgresTransaction {
    /// Appends an inbound (or `applied`, `reprocessed`) entry; `nil` when (source, id) is logged.
    func append(_ event: NewEvent) throws -> Int64? {
        let name = BatchOutlook.EventName(source: event.source, id: event.eventId)
        if appendedEvents.contains(name) { return nil }
        // Looked up after the batch's locks were taken: a node appending the same event under
        // the same key waits for that lock. Under another key, the held-back insert fails on
        // the unique (source, event_id) and the transaction runs again (`writePendingEvents`).
        if checkedEvents.contains(name) {
            if loggedEvents.contains(name) { return nil }
            if let seq = try reservedSeq(for: event.key) {
                hold(seq, event, render: nil)
                appendedEvents.insert(name)
                return seq
            }
        }
        guard let seq = try appendNow(event) else { return nil }
        appendedEvents.insert(name)
        return seq
    }

    /// Appends a hub event (new by contract): held back with a reserved number when it can be,
    /// its body rendered when the held-back entries are written.
    func append(_ event: NewEvent, renderingBody render: @escaping @Sendable () -> [UInt8]) throws -> Int64 {
        let name = BatchOutlook.EventName(source: event.source, id: event.eventId)
        guard !appendedEvents.contains(name) else { throw event.alreadyLogged }
        appendedEvents.insert(name)
        if let seq = try reservedSeq(for: event.key) {
            hold(seq, event, render: render)
            return seq
        }
        var rendered = event
        rendered.body = render()
        guard let seq = try appendNow(rendered) else { throw event.alreadyLogged }
        return seq
    }

    /// Appends at once, the key's lock taken by the same statement before the number is drawn.
    private func appendNow(_ event: NewEvent) throws -> Int64? {
        let lockFirst = !lockedKeys.contains(event.key)
        let seq = try db.first(
            """
            INSERT INTO events (source, event_id, type, subject, record_key, event_time, received_at, trace_id, origin, cause_seq, outcome, raw, body)
            SELECT \(event.source), \(event.eventId), \(event.type.rawValue), \(event.subject), \(event.key), \(event.eventTime.milliseconds),
                   \(event.receivedAt.milliseconds), \(event.traceId), \(event.origin.rawValue), \(event.causeSeq),
                   \(event.origin == .inbound ? IngestOutcome.accepted.rawValue : nil), \(event.raw?.bytea), \(event.body?.bytea)
            FROM (SELECT CASE WHEN \(lockFirst) THEN pg_advisory_xact_lock(\(Self.keyLockClass), hashtext(\(event.key))) END) AS locked
            ON CONFLICT (source, event_id) DO NOTHING RETURNING seq
            """)?.int64(0)
        lockedKeys.insert(event.key)
        // Drawn after the reserve: the reserve's numbers would now go backwards.
        reservedSeqs = []
        reservedNext = 0
        return seq
    }

    /// The next reserved number for an entry of `key`, drawing a new reserve when the key was
    /// locked after the last one was drawn; `nil` outside an announced batch or when the key's
    /// lock is not held (the entry is then appended at once, taking it).
    private func reservedSeq(for key: String) throws -> Int64? {
        guard prepared, lockedKeys.contains(key) else { return nil }
        if reservedNext == reservedSeqs.count || !reserveKeys.contains(key) { try reserveSeqs(256) }
        guard reservedNext < reservedSeqs.count else { return nil }
        defer { reservedNext += 1 }
        return reservedSeqs[reservedNext]
    }

    /// Draws `count` numbers for the keys locked now (the rest of the old reserve is dropped).
    func reserveSeqs(_ count: Int) throws {
        let drawn = try db.first(
            """
            SELECT array_agg(nextval(s.name)) FROM (SELECT pg_get_serial_sequence('events', 'seq')::regclass AS name) s,
                generate_series(1, \(Int64(count)))
            """)?.row[0].decode([Int64].self)
        takeReserve(drawn ?? [])
    }

    /// Makes `seqs` (drawn while every key locked now was locked) the reserve.
    func takeReserve(_ seqs: [Int64]) {
        reservedSeqs = seqs.sorted()
        reservedNext = 0
        reserveKeys = lockedKeys
    }

    private func hold(_ seq: Int64, _ event: NewEvent, render: (@Sendable () -> [UInt8])?) {
        pendingEventIndex[seq] = pendingEvents.count
        pendingEvents.append(
            PendingEvent(seq: seq, event: event, outcome: event.origin == .inbound ? IngestOutcome.accepted.rawValue : nil, code: nil, render: render))
    }

    func recordOutcome(seq: Int64, outcome: IngestOutcome, code: String?) throws {
        if let i = pendingEventIndex[seq] {
            pendingEvents[i].outcome = outcome.rawValue
            pendingEvents[i].code = code
            return
        }
        try db.run("UPDATE events SET outcome = \(outcome.rawValue), code = \(code) WHERE seq = \(seq)")
    }

    func setTraceId(seq: Int64, traceId: String) throws {
        if let i = pendingEventIndex[seq] {
            pendingEvents[i].event.traceId = traceId
            return
        }
        try db.run("UPDATE events SET trace_id = \(traceId) WHERE seq = \(seq)")
    }

    /// Writes the held-back entries in one statement, hub events' bodies rendered first. The
    /// nullable columns go as arrays with a bit per column set when the value is NULL (arrays
    /// of optionals do not bind).
    func writePendingEvents() throws {
        guard !pendingEvents.isEmpty else { return }
        let rows = pendingEvents
        pendingEvents = []
        pendingEventIndex = [:]
        var seqs: [Int64] = [], sources: [String] = [], ids: [String] = [], types: [String] = [], subjects: [String] = []
        var keys: [String] = [], times: [Int64] = [], received: [Int64] = [], traces: [String] = [], origins: [String] = []
        var causes: [Int64] = [], outcomes: [String] = [], codes: [String] = [], raws: [ByteBuffer] = [], bodies: [ByteBuffer] = []
        var nulls: [Int32] = []
        for row in rows {
            let e = row.event
            let body = row.render?() ?? e.body
            seqs.append(row.seq)
            sources.append(e.source)
            ids.append(e.eventId)
            types.append(e.type.rawValue)
            keys.append(e.key)
            times.append(e.eventTime.milliseconds)
            received.append(e.receivedAt.milliseconds)
            traces.append(e.traceId)
            origins.append(e.origin.rawValue)
            subjects.append(e.subject ?? "")
            causes.append(e.causeSeq ?? 0)
            outcomes.append(row.outcome ?? "")
            codes.append(row.code ?? "")
            raws.append(e.raw?.bytea ?? ByteBuffer())
            bodies.append(body?.bytea ?? ByteBuffer())
            var null: Int32 = 0
            if e.subject == nil { null |= 1 }
            if e.causeSeq == nil { null |= 2 }
            if row.outcome == nil { null |= 4 }
            if row.code == nil { null |= 8 }
            if e.raw == nil { null |= 16 }
            if body == nil { null |= 32 }
            nulls.append(null)
        }
        do {
            try db.run(
                """
                INSERT INTO events (seq, source, event_id, type, subject, record_key, event_time, received_at, trace_id, origin, cause_seq, outcome, code, raw, body)
                OVERRIDING SYSTEM VALUE
                SELECT seq, source, event_id, type, CASE WHEN n & 1 = 0 THEN subject END, record_key, event_time, received_at, trace_id, origin,
                       CASE WHEN n & 2 = 0 THEN cause END, CASE WHEN n & 4 = 0 THEN outcome END, CASE WHEN n & 8 = 0 THEN code END,
                       CASE WHEN n & 16 = 0 THEN raw END, CASE WHEN n & 32 = 0 THEN body END
                FROM unnest(\(seqs)::bigint[], \(sources)::text[], \(ids)::text[], \(types)::text[], \(subjects)::text[], \(keys)::text[],
                            \(times)::bigint[], \(received)::bigint[], \(traces)::text[], \(origins)::text[], \(causes)::bigint[],
                            \(outcomes)::text[], \(codes)::text[], \(raws)::bytea[], \(bodies)::bytea[], \(nulls)::integer[])
                    AS e(seq, source, event_id, type, subject, record_key, event_time, received_at, trace_id, origin, cause, outcome, code, raw, body, n)
                """)
        } catch let error as PostgresQueryError where error.sqlState == "23505" {
            // Another node logged one of these events (under another key) since `prepare`
            // looked: running the transaction again finds it logged.
            throw error.transient()
        }
    }
}
