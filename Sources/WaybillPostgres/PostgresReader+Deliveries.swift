import PostgresNIO
import WaybillCore
import WaybillStore

/// Reading the outbox.
extension PostgresReader {
    static func statusCode(_ status: DeliveryStatus) -> Int16 {
        switch status {
        case .pending: return 0
        case .delivered: return 1
        case .dead: return 2
        }
    }

    static let deliveryColumns = "id, seq, subscription, record_key, type, status, attempts, last_status, last_error, next_attempt_at, created_at, delivered_at"

    static func deliveryRecord(_ row: Cells) throws -> DeliveryRecord? {
        guard let type = EventType(rawValue: try row.string(4)) else { return nil }
        let status = try row.int(5)
        return DeliveryRecord(
            id: try row.int64(0), seq: try row.int64(1), subscription: SubscriptionName(try row.string(2)), key: try row.string(3), type: type,
            status: status == 0 ? .pending : status == 1 ? .delivered : .dead, attempts: try row.int(6), lastStatusCode: try row.intOrNil(7),
            lastError: try row.stringOrNil(8), nextAttemptAt: status == 0 ? try row.timestampOrNil(9) : nil, createdAt: try row.timestamp(10),
            deliveredAt: try row.timestampOrNil(11))
    }

    /// The head of each (subscription, key) queue that is due: no earlier event of the key is
    /// still undelivered to the subscription (pending, retrying or dead), read from the partial
    /// index of undelivered rows.
    func dueDeliveries(now: Timestamp, excluding: Set<Int64>, limit: Int) throws -> [DeliveryJob] {
        let rows = try all(
            """
            SELECT \(unescaped: Self.jobColumns)
            FROM outbox o JOIN events e ON e.seq = o.seq
            WHERE o.status = 0 AND o.next_attempt_at <= \(now.milliseconds)
              AND o.subscription NOT IN (SELECT name FROM subscription_state WHERE disabled)
              AND NOT EXISTS (
                  SELECT 1 FROM outbox p
                  WHERE p.record_key = o.record_key AND p.subscription = o.subscription AND p.status <> 1 AND p.seq < o.seq)
            ORDER BY o.next_attempt_at, o.id LIMIT \(Int64(max(0, limit) + excluding.count))
            """)
        return try Self.jobs(rows, excluding: excluding, limit: limit)
    }

    /// What a delivery job is read with: the outbox row `o` and its event `e`.
    static let jobColumns = """
        o.id, o.seq, o.subscription, o.record_key, o.type, o.attempts, e.body, e.trace_id, e.received_at, e.raw,
        e.event_id, e.source, e.subject, e.event_time
        """

    /// Jobs from rows of `jobColumns`, in their order, leaving out `excluding`.
    static func jobs(_ rows: [Cells], excluding: Set<Int64> = [], limit: Int = .max) throws -> [DeliveryJob] {
        var jobs: [DeliveryJob] = []
        // An event goes to several subscribers: its stored body is turned into JSON once.
        var bodies: [Int64: [UInt8]] = [:]
        for row in rows {
            let id = try row.int64(0)
            let seq = try row.int64(1)
            guard !excluding.contains(id), let type = EventType(rawValue: try row.string(4)) else { continue }
            if bodies[seq] == nil, let stored = try row.bytesOrNil(6) {
                bodies[seq] = try HubEvent.cloudEvent(
                    storedBody: stored, id: try row.string(10), source: try row.string(11), type: type, subject: try row.stringOrNil(12),
                    time: try row.timestamp(13))
            }
            jobs.append(
                DeliveryJob(
                    id: id, seq: seq, subscription: SubscriptionName(try row.string(2)), key: try row.string(3), type: type, attempts: try row.int(5),
                    body: bodies[seq], raw: try row.bytesOrNil(9), traceId: try row.string(7), receivedAt: try row.timestamp(8)))
            if jobs.count == limit { break }
        }
        return jobs
    }

    func deliveries(_ filter: DeliveryFilter) throws -> [DeliveryRecord] {
        var query = FilteredQuery()
        query.filter("subscription = ?", filter.subscription?.rawValue)
        query.filter("status = ?", filter.status.map(Self.statusCode))
        query.filter("record_key = ?", filter.key)
        return try all(query.select(Self.deliveryColumns, from: "outbox", orderBy: "id", limit: filter.limit)).compactMap(Self.deliveryRecord)
    }

    func delivery(_ id: Int64) throws -> DeliveryRecord? {
        try first("SELECT \(unescaped: Self.deliveryColumns) FROM outbox WHERE id = \(id)").flatMap(Self.deliveryRecord)
    }

    func deliveries(ofEvent seq: Int64) throws -> [DeliveryRecord] {
        try all("SELECT \(unescaped: Self.deliveryColumns) FROM outbox WHERE seq = \(seq) ORDER BY id").compactMap(Self.deliveryRecord)
    }

    func deliveryProgress(key: String) throws -> [SubscriptionName: SubscriptionProgress] {
        var progress: [SubscriptionName: SubscriptionProgress] = [:]
        let rows = try all(
            """
            SELECT subscription, COUNT(*) FILTER (WHERE status = 1), COUNT(*) FILTER (WHERE status = 0), COUNT(*) FILTER (WHERE status = 2),
                   (array_agg(type ORDER BY id DESC) FILTER (WHERE status = 1))[1]
            FROM outbox WHERE record_key = \(key) GROUP BY subscription
            """)
        for row in rows {
            progress[SubscriptionName(try row.string(0))] = SubscriptionProgress(
                delivered: try row.int(1), pending: try row.int(2), dead: try row.int(3), lastType: try row.stringOrNil(4).flatMap(EventType.init(rawValue:)))
        }
        return progress
    }

    func deliveryCounts(status: DeliveryStatus) throws -> [SubscriptionName: Int] {
        var counts: [SubscriptionName: Int] = [:]
        // The status is written into the SQL (not bound) so that the planner can use the partial
        // indexes on pending (`outbox_due`) and dead (`outbox_dead`) rows.
        for row in try all("SELECT subscription, COUNT(*) FROM outbox WHERE status = \(unescaped: String(Self.statusCode(status))) GROUP BY subscription") {
            counts[SubscriptionName(try row.string(0))] = try row.int(1)
        }
        return counts
    }

    func oldestPending() throws -> [SubscriptionName: Timestamp] {
        var oldest: [SubscriptionName: Timestamp] = [:]
        for row in try all("SELECT subscription, MIN(created_at) FROM outbox WHERE status = 0 GROUP BY subscription") {
            oldest[SubscriptionName(try row.string(0))] = try row.timestamp(1)
        }
        return oldest
    }

    func queueDepths(of subscriptions: [SubscriptionName], cap: Int) throws -> [SubscriptionName: QueueDepth] {
        var depths: [SubscriptionName: QueueDepth] = [:]
        for name in subscriptions {
            let row = try first(
                """
                SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM outbox WHERE status = 0 AND subscription = \(name.rawValue) LIMIT \(Int64(cap + 1))) AS capped),
                       (SELECT MIN(created_at) FROM outbox WHERE status = 0 AND subscription = \(name.rawValue))
                """)
            let count = try row.map { try $0.int(0) } ?? 0
            let oldest = try row.flatMap { try $0.int64OrNil(1) }
            depths[name] = QueueDepth(pending: min(count, cap), capped: count > cap, oldestPending: oldest.map { Timestamp(milliseconds: $0) })
        }
        return depths
    }

    static func exceptionRecord(_ row: Cells) throws -> ExceptionRecord? {
        guard let kind = ExceptionKind(rawValue: try row.string(1)) else { return nil }
        return ExceptionRecord(
            id: try row.int64(0), kind: kind, code: try row.string(2), key: try row.stringOrNil(3), eventSeq: try row.int64OrNil(4),
            message: try row.string(5), status: ExceptionRecord.Status(rawValue: try row.string(6)) ?? .open, raisedAt: try row.timestamp(7),
            resolvedAt: try row.timestampOrNil(8), resolvedBy: try row.stringOrNil(9))
    }

    static let exceptionColumns = "id, kind, code, record_key, event_seq, message, status, raised_at, resolved_at, resolved_by"

    func exceptions(_ filter: ExceptionFilter) throws -> [ExceptionRecord] {
        var query = FilteredQuery()
        query.filter("kind = ?", filter.kind?.rawValue)
        query.filter("status = ?", filter.status?.rawValue)
        query.filter("record_key = ?", filter.key)
        query.filter("code = ANY(?::text[])", filter.codes)
        return try all(query.select(Self.exceptionColumns, from: "exceptions", orderBy: "id", limit: filter.limit)).compactMap(Self.exceptionRecord)
    }

    func exception(_ id: Int64) throws -> ExceptionRecord? {
        try first("SELECT \(unescaped: Self.exceptionColumns) FROM exceptions WHERE id = \(id)").flatMap(Self.exceptionRecord)
    }

    func openExceptionCounts() throws -> [ExceptionKind: Int] {
        var counts: [ExceptionKind: Int] = [:]
        for row in try all("SELECT kind, COUNT(*) FROM exceptions WHERE status = 'open' GROUP BY kind") {
            if let kind = ExceptionKind(rawValue: try row.string(0)) { counts[kind] = try row.int(1) }
        }
        return counts
    }
}
