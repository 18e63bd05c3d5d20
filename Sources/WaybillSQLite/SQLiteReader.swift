import Foundation
import GRDB
import WaybillCore
import WaybillStore

/// Reads over one GRDB connection; inside a write transaction it also sees the orders the
/// transaction has saved and the writer's cache.
///
/// Every query gets its statement from `query(_:)`, the one entry point to the connection: a
/// write transaction holds rows it has not written yet (hub events, order rows; see
/// `writePending`), and a statement that reads their tables has them written first. Which
/// tables a statement reads is what SQLite reported when it was prepared, not something each
/// query has to remember.
class SQLiteReader: StoreReader {
    /// Reached only through `query(_:)` and `queryBehindStaged(_:)`.
    private let connection: Database
    let caches: WriterCaches?
    /// Whether the outbox holds deliveries written before schema v8 (see `DeliveryIds`).
    let deliveriesBeforeV8: Bool
    /// Records saved by this transaction, not yet committed.
    var staged = StagedValues()

    init(db: Database, caches: WriterCaches?, deliveriesBeforeV8: Bool) {
        self.connection = db
        self.caches = caches
        self.deliveriesBeforeV8 = deliveriesBeforeV8
    }

    /// The writer's caches, unless this transaction emptied the projections.
    var liveCaches: WriterCaches? { staged.clearedProjections ? nil : caches }

    /// The tables a write transaction may hold rows for that it has not written yet.
    private static let pendingTables: [DatabaseEventKind] = [.insert(tableName: "events"), .insert(tableName: "orders")]

    /// Whether each statement this reader has run reads `pendingTables`, found once per statement.
    /// (The statement is kept with its answer, so that its identifier is not reused meanwhile.)
    private var readsPending: [ObjectIdentifier: (statement: Statement, reads: Bool)] = [:]

    /// The statement for `sql`, after writing the rows this transaction holds back if it reads
    /// their tables (`events`, `orders`, also through joins and subqueries).
    func query(_ sql: String) throws -> Statement {
        let statement = try connection.cachedStatement(sql: sql)
        if hasPendingRows {
            let key = ObjectIdentifier(statement)
            let reads: Bool
            if let known = readsPending[key] {
                reads = known.reads
            } else {
                let region = statement.databaseRegion
                reads = Self.pendingTables.contains { region.isModified(byEventsOfKind: $0) }
                readsPending[key] = (statement, reads)
            }
            if reads { try writePending() }
        }
        return statement
    }

    /// The statement for `sql`, without writing pending rows: only for a query that the staged
    /// values answer first (`order(_:)` looks in `staged.orders`, which holds every order whose
    /// row is pending, so a row it reads is never one held back).
    func queryBehindStaged(_ sql: String) throws -> Statement { try connection.cachedStatement(sql: sql) }

    /// Whether this transaction holds rows it has not written yet. A reader outside a
    /// transaction has none.
    var hasPendingRows: Bool { false }

    /// Writes the rows a transaction has staged but not written yet (order rows, hub events);
    /// `query(_:)` calls it before a statement that reads their tables.
    func writePending() throws {}

    static func decodeOrder(_ data: Data) throws -> OrderState {
        try OrderState(storage: [UInt8](data))
    }

    /// Orders this write transaction looked for and did not find (a new order is looked up
    /// several times before it is saved).
    var absentOrders: Set<OrderID> = []

    func order(_ id: OrderID) throws -> OrderState? {
        if let state = staged.orders[id] { return state }
        if let state = liveCaches?.orders.get(id) { return state }
        if absentOrders.contains(id) { return nil }
        let bytes = try queryBehindStaged("SELECT state FROM orders WHERE order_id = ?").first({ $0.bind(id.rawValue) }) { $0.bytes(0) }
        guard let bytes else {
            if caches != nil { absentOrders.insert(id) }
            return nil
        }
        return try OrderState(storage: bytes)
    }

    func orders(status: OrderStatus?, customer: CustomerID?, updatedSince: Timestamp?, after: OrderID?, limit: Int) throws -> [OrderState] {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let status { conditions.append("derived_status = ?"); _ = arguments.append(contentsOf: [status.rawValue]) }
        if let customer { conditions.append("customer_id = ?"); _ = arguments.append(contentsOf: [customer.rawValue]) }
        if let updatedSince { conditions.append("updated_at >= ?"); _ = arguments.append(contentsOf: [updatedSince.milliseconds]) }
        if let after { conditions.append("order_id > ?"); _ = arguments.append(contentsOf: [after.rawValue]) }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        _ = arguments.append(contentsOf: [limit])
        return try Data.fetchAll(query("SELECT state FROM orders \(whereClause) ORDER BY order_id LIMIT ?"), arguments: arguments)
            .map(Self.decodeOrder)
    }

    func orderCount() throws -> Int {
        return try Int.fetchOne(query("SELECT COUNT(*) FROM orders")) ?? 0
    }

    func ordersAwaitingMasterData() throws -> [OrderID] {
        return try String.fetchAll(query("SELECT order_id FROM orders WHERE awaiting_master_data = 1 ORDER BY order_id")).map(OrderID.init)
    }

    func customer(_ id: CustomerID) throws -> CustomerRecord? {
        if let c = staged.customers[id] ?? liveCaches?.customers.get(id) { return c }
        guard let data = try Data.fetchOne(query("SELECT record FROM customers WHERE customer_id = ?"), arguments: [id.rawValue]) else { return nil }
        let record = try CustomerRecord(PayloadReader.object(try JSONParser.parse([UInt8](data)), at: "$"))
        if caches != nil { staged.customers[id] = record }
        return record
    }

    func product(_ sku: SKU) throws -> ProductRecord? {
        if let p = staged.products[sku] ?? liveCaches?.products.get(sku) { return p }
        guard let data = try Data.fetchOne(query("SELECT record FROM products WHERE sku = ?"), arguments: [sku.rawValue]) else { return nil }
        let record = try ProductRecord(PayloadReader.object(try JSONParser.parse([UInt8](data)), at: "$"))
        if caches != nil { staged.products[sku] = record }
        return record
    }

    func crossReference(kind: String, system: SystemName, external: String) throws -> String? {
        let bind: (inout DirectBinding) -> Void = {
            $0.bind(kind); $0.bind(system.rawValue); $0.bind(external)
        }
        if let canonical = try query("SELECT canonical FROM cross_references WHERE kind = ? AND system = ? AND external = ?").first(bind, { $0.string(0) }) {
            return canonical
        }
        return try query("SELECT canonical FROM external_ids WHERE kind = ? AND system = ? AND external = ?").first(bind) { $0.string(0) }
    }

    func systemsWithOwnIds() throws -> Set<SystemName> {
        // Distinct systems by walking each table's (kind, system, …) key from one system to the
        // next: a few index seeks per system, however many ids there are.
        var systems: Set<SystemName> = []
        for table in ["cross_references", "external_ids"] {
            for kind in ["customer", "product", "order"] {
                var after = ""
                while let next = try query("SELECT system FROM \(table) WHERE kind = ? AND system > ? ORDER BY system LIMIT 1").first(
                    {
                        $0.bind(kind); $0.bind(after)
                    }, { $0.string(0) })
                {
                    systems.insert(SystemName(next))
                    after = next
                }
            }
        }
        return systems
    }

    func externalId(kind: String, system: SystemName, canonical: String) throws -> String? {
        try query("SELECT external FROM external_ids WHERE kind = ? AND system = ? AND canonical = ?").first(
            {
                $0.bind(kind); $0.bind(system.rawValue); $0.bind(canonical)
            }
        ) { $0.string(0) }
    }

    func openReceivables(of customer: CustomerID) throws -> Int64 {
        try query("SELECT open_minor FROM receivables WHERE customer_id = ?").first({ $0.bind(customer.rawValue) }) { $0.int64(0) } ?? 0
    }

    func orderForInvoice(_ invoice: InvoiceID) throws -> OrderID? {
        try query("SELECT order_id FROM invoice_index WHERE invoice_id = ?").first({ $0.bind(invoice.rawValue) }) { $0.string(0) }
            .map(OrderID.init)
    }

    static let eventColumns = "seq, source, event_id, type, subject, record_key, event_time, received_at, trace_id, origin, cause_seq, raw, body, outcome, code"

    static func storedEvent(_ row: Row) throws -> StoredEvent? {
        guard let type = EventType(rawValue: row[3]) else { return nil }
        let raw: Data? = row[11]
        let body: Data? = row[12]
        let eventTime = Timestamp(milliseconds: row[6])
        let event = NewEvent(
            source: row[1], eventId: row[2], type: type, subject: row[4], key: row[5],
            eventTime: eventTime, receivedAt: Timestamp(milliseconds: row[7]), traceId: row[8],
            origin: EventOrigin(rawValue: row[9]) ?? .inbound, causeSeq: row[10], raw: raw.map { [UInt8]($0) },
            body: try body.map { try HubEvent.cloudEvent(storedBody: [UInt8]($0), id: row[2], source: row[1], type: type, subject: row[4], time: eventTime) })
        let outcome: String? = row[13]
        return StoredEvent(seq: row[0], event: event, outcome: outcome.flatMap(IngestOutcome.init(rawValue:)), code: row[14])
    }

    func event(_ seq: Int64) throws -> StoredEvent? {
        return try Row.fetchOne(query("SELECT \(Self.eventColumns) FROM events WHERE seq = ?"), arguments: [seq]).flatMap(Self.storedEvent)
    }

    func eventSeq(source: String, eventId: String) throws -> Int64? {
        return try Int64.fetchOne(query("SELECT seq FROM events WHERE source = ? AND event_id = ?"), arguments: [source, eventId])
    }

    func events(key: String) throws -> [StoredEvent] {
        return try Row.fetchAll(query("SELECT \(Self.eventColumns) FROM events WHERE record_key = ? ORDER BY seq"), arguments: [key]).compactMap(
            Self.storedEvent)
    }

    func inboundEvents(after seq: Int64, limit: Int) throws -> [StoredEvent] {
        return try Row.fetchAll(
            query("SELECT \(Self.eventColumns) FROM events WHERE seq > ? AND origin IN ('inbound', 'reprocessed') ORDER BY seq LIMIT ?"),
            arguments: [seq, limit]
        ).compactMap(Self.storedEvent)
    }

    func eventCount() throws -> Int {
        return try Int.fetchOne(query("SELECT COUNT(*) FROM events")) ?? 0
    }

    func heartbeats() throws -> [String: Timestamp] {
        var beats: [String: Timestamp] = [:]
        for row in try Row.fetchAll(query("SELECT node, seen_at FROM heartbeats")) { beats[row[0]] = Timestamp(milliseconds: row[1]) }
        return beats
    }

    func refusedEvents(code: String?, limit: Int) throws -> [RefusedEvent] {
        try Row.fetchAll(
            query("SELECT seq, record_key, code, refused_at FROM refused WHERE ? IS NULL OR code = ? ORDER BY seq LIMIT ?"),
            arguments: [code, code, max(1, limit)]
        ).map { RefusedEvent(seq: $0[0], key: $0[1], code: $0[2], refusedAt: Timestamp(milliseconds: $0[3])) }
    }

    static func keptPayload(_ row: Row) -> KeptPayload {
        var headers: [String: String] = [:]
        if case .object(let members)? = try? JSONParser.parse(Array((row[4] as String).utf8)) {
            for (name, value) in members { if case .string(let text) = value { headers[name] = text } }
        }
        return KeptPayload(
            id: row[0], system: SystemName(row[1]), deliveryId: row[2], receivedAt: Timestamp(milliseconds: row[3]), headers: headers,
            body: [UInt8](row[5] as Data), error: row[6])
    }

    func keptPayload(id: Int64) throws -> KeptPayload? {
        try Row.fetchOne(query("SELECT id, system, delivery_id, received_at, headers, body, error FROM kept_payloads WHERE id = ?"), arguments: [id])
            .map(Self.keptPayload)
    }

    func keptPayloads(system: SystemName?, limit: Int) throws -> [KeptPayload] {
        try Row.fetchAll(
            query("SELECT id, system, delivery_id, received_at, headers, body, error FROM kept_payloads WHERE ? IS NULL OR system = ? ORDER BY id LIMIT ?"),
            arguments: [system?.rawValue, system?.rawValue, max(1, limit)]
        ).map(Self.keptPayload)
    }

    func refusedEvent(seq: Int64) throws -> RefusedEvent? {
        try Row.fetchOne(query("SELECT seq, record_key, code, refused_at FROM refused WHERE seq = ?"), arguments: [seq])
            .map { RefusedEvent(seq: $0[0], key: $0[1], code: $0[2], refusedAt: Timestamp(milliseconds: $0[3])) }
    }

    static func parked(_ row: Row) -> ParkedEvent {
        ParkedEvent(
            seq: row[0], key: row[1], eventTime: Timestamp(milliseconds: row[2]), receivedAt: Timestamp(milliseconds: row[3]), awaiting: row[4])
    }

    func parkedEvents(key: String) throws -> [ParkedEvent] {
        var parked: [ParkedEvent] = []
        try query("SELECT seq, record_key, event_time, received_at, awaiting FROM parked WHERE record_key = ? ORDER BY event_time, seq").query(
            { $0.bind(key) }
        ) {
            parked.append(
                ParkedEvent(
                    seq: $0.int64(0), key: $0.string(1) ?? key, eventTime: Timestamp(milliseconds: $0.int64(2)),
                    receivedAt: Timestamp(milliseconds: $0.int64(3)), awaiting: $0.string(4)))
        }
        return parked
    }

    func parkedEvents(receivedBefore: Timestamp, unexpiredOnly: Bool) throws -> [ParkedEvent] {
        let filter = unexpiredOnly ? "AND NOT EXISTS (SELECT 1 FROM exceptions e WHERE e.event_seq = p.seq AND e.kind = 'sequencing')" : ""
        return try Row.fetchAll(
            query("SELECT seq, record_key, event_time, received_at, awaiting FROM parked p WHERE received_at < ? \(filter) ORDER BY seq"),
            arguments: [receivedBefore.milliseconds]
        ).map(Self.parked)
    }

    func dueDeliveries(now: Timestamp, excluding: Set<Int64>, limit: Int) throws -> [DeliveryJob] {
        let rows = try Row.fetchAll(
            query(
                """
                SELECT o.id, o.seq, o.subscription, o.record_key, o.type, o.attempts, e.body, e.trace_id, e.received_at, e.raw,
                       e.event_id, e.source, e.subject, e.event_time
                FROM outbox o JOIN events e ON e.seq = o.seq
                WHERE o.status = 0 AND o.next_attempt_at <= ?
                  AND o.subscription NOT IN (SELECT name FROM subscription_state WHERE disabled = 1)
                  -- An earlier event of the same order not yet delivered to this subscription holds
                  -- this one back (read from `events_by_key` and the event's range of the outbox,
                  -- after what the subscription is known to have delivered of the key).
                  AND NOT EXISTS (\(undeliveredBefore("o")))
                ORDER BY o.next_attempt_at, o.id LIMIT ?
                """), arguments: [now.milliseconds, limit + excluding.count])
        var jobs: [DeliveryJob] = []
        // An event goes to several subscribers: its stored body is turned into JSON once.
        var bodies: [Int64: [UInt8]] = [:]
        for row in rows {
            let id: Int64 = row[0]
            let seq: Int64 = row[1]
            guard !excluding.contains(id), let type = EventType(rawValue: row[4]) else { continue }
            let raw: Data? = row[9]
            if bodies[seq] == nil, let stored = row[6] as Data? {
                bodies[seq] = try HubEvent.cloudEvent(
                    storedBody: [UInt8](stored), id: row[10], source: row[11], type: type, subject: row[12],
                    time: Timestamp(milliseconds: row[13]))
            }
            jobs.append(
                DeliveryJob(
                    id: id, seq: seq, subscription: SubscriptionName(row[2]), key: row[3], type: type, attempts: row[5],
                    body: bodies[seq], raw: raw.map { [UInt8]($0) }, traceId: row[7],
                    receivedAt: Timestamp(milliseconds: row[8])))
            if jobs.count == limit { break }
        }
        return jobs
    }

    /// A subquery that finds a delivery of the same key to the same subscription, earlier than
    /// the outbox row `row`, not yet delivered. It looks only at events after the key's
    /// `delivery_progress` (every delivery up to there is delivered).
    func undeliveredBefore(_ row: String) -> String {
        deliveries(
            select: "1",
            ofEventsWhere: """
                pe.record_key = \(row).record_key AND pe.seq < \(row).seq
                  AND pe.seq > COALESCE((SELECT dp.delivered_through FROM delivery_progress dp
                                         WHERE dp.subscription = \(row).subscription AND dp.record_key = \(row).record_key), 0)
                  AND p.subscription = \(row).subscription AND p.status <> 1
                """)
    }

    /// A query over the deliveries `p` of the events `pe` that match `condition`: the range of
    /// ids each event's deliveries are numbered in, and in a store written before v8 its older
    /// deliveries by their index.
    func deliveries(select columns: String, ofEventsWhere condition: String) -> String {
        let numbered = """
            SELECT \(columns) FROM events pe
            JOIN outbox p ON p.id BETWEEN \(DeliveryIds.base) + pe.seq * \(DeliveryIds.perEvent)
                             AND \(DeliveryIds.base) + pe.seq * \(DeliveryIds.perEvent) + \(DeliveryIds.perEvent - 1)
            WHERE \(condition)
            """
        guard deliveriesBeforeV8 else { return numbered }
        return numbered + """

            UNION ALL
            SELECT \(columns) FROM events pe JOIN outbox p ON p.seq = pe.seq AND p.id < \(DeliveryIds.base)
            WHERE \(condition)
            """
    }

    static let deliveryColumns = "id, seq, subscription, record_key, type, status, attempts, last_status, last_error, next_attempt_at, created_at, delivered_at"

    static func deliveryRecord(_ row: Row) -> DeliveryRecord? {
        guard let type = EventType(rawValue: row[4]) else { return nil }
        let status: Int = row[5]
        let next: Int64? = row[9]
        let delivered: Int64? = row[11]
        return DeliveryRecord(
            id: row[0], seq: row[1], subscription: SubscriptionName(row[2]), key: row[3], type: type,
            status: status == 0 ? .pending : status == 1 ? .delivered : .dead, attempts: row[6], lastStatusCode: row[7],
            lastError: row[8], nextAttemptAt: status == 0 ? next.map(Timestamp.init(milliseconds:)) : nil,
            createdAt: Timestamp(milliseconds: row[10]), deliveredAt: delivered.map(Timestamp.init(milliseconds:)))
    }

    static func statusCode(_ status: DeliveryStatus) -> Int {
        switch status {
        case .pending: return 0
        case .delivered: return 1
        case .dead: return 2
        }
    }

    func deliveries(_ filter: DeliveryFilter) throws -> [DeliveryRecord] {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let s = filter.subscription { conditions.append("subscription = ?"); _ = arguments.append(contentsOf: [s.rawValue]) }
        if let s = filter.status { conditions.append("status = ?"); _ = arguments.append(contentsOf: [Self.statusCode(s)]) }
        if let k = filter.key {
            conditions.append("id IN (\(deliveries(select: "p.id", ofEventsWhere: "pe.record_key = ?")))")
            _ = arguments.append(contentsOf: StatementArguments(Array(repeating: k, count: deliveriesBeforeV8 ? 2 : 1)))
        }
        _ = arguments.append(contentsOf: [filter.limit])
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return try Row.fetchAll(query("SELECT \(Self.deliveryColumns) FROM outbox \(whereClause) ORDER BY id LIMIT ?"), arguments: arguments)
            .compactMap(Self.deliveryRecord)
    }

    func delivery(_ id: Int64) throws -> DeliveryRecord? {
        try Row.fetchOne(query("SELECT \(Self.deliveryColumns) FROM outbox WHERE id = ?"), arguments: [id]).flatMap(Self.deliveryRecord)
    }

    func deliveryProgress(key: String) throws -> [SubscriptionName: SubscriptionProgress] {
        var progress: [SubscriptionName: SubscriptionProgress] = [:]
        let rows = try Row.fetchAll(
            query(
                """
                WITH d AS (\(deliveries(select: "p.id, p.subscription, p.status, p.type", ofEventsWhere: "pe.record_key = ?1")))
                SELECT subscription, SUM(status = 1), SUM(status = 0), SUM(status = 2),
                       (SELECT l.type FROM d l WHERE l.subscription = d.subscription AND l.status = 1 ORDER BY l.id DESC LIMIT 1)
                FROM d GROUP BY subscription
                """), arguments: [key])
        for row in rows {
            let last: String? = row[4]
            progress[SubscriptionName(row[0])] = SubscriptionProgress(
                delivered: row[1], pending: row[2], dead: row[3], lastType: last.flatMap(EventType.init(rawValue:)))
        }
        return progress
    }

    func deliveryCounts(status: DeliveryStatus) throws -> [SubscriptionName: Int] {
        var counts: [SubscriptionName: Int] = [:]
        for row in try Row.fetchAll(
            // The status is written into the SQL (not bound) so that SQLite can use the partial
            // indexes on pending (`outbox_due`) and dead (`outbox_dead`) rows.
            query("SELECT subscription, COUNT(*) FROM outbox WHERE status = \(Self.statusCode(status)) GROUP BY subscription"))
        {
            counts[SubscriptionName(row[0])] = row[1]
        }
        return counts
    }

    func oldestPending() throws -> [SubscriptionName: Timestamp] {
        var oldest: [SubscriptionName: Timestamp] = [:]
        for row in try Row.fetchAll(query("SELECT subscription, MIN(created_at) FROM outbox WHERE status = 0 GROUP BY subscription")) {
            oldest[SubscriptionName(row[0])] = Timestamp(milliseconds: row[1])
        }
        return oldest
    }

    func queueDepths(of subscriptions: [SubscriptionName], cap: Int) throws -> [SubscriptionName: QueueDepth] {
        var depths: [SubscriptionName: QueueDepth] = [:]
        for name in subscriptions {
            // `status = 0` is written into the SQL so the partial index applies.
            let count =
                try Int.fetchOne(
                    query("SELECT COUNT(*) FROM (SELECT 1 FROM outbox WHERE status = 0 AND subscription = ? LIMIT ?)"), arguments: [name.rawValue, cap + 1])
                ?? 0
            let oldest = try Int64.fetchOne(query("SELECT MIN(created_at) FROM outbox WHERE status = 0 AND subscription = ?"), arguments: [name.rawValue])
            depths[name] = QueueDepth(pending: min(count, cap), capped: count > cap, oldestPending: oldest.map { Timestamp(milliseconds: $0) })
        }
        return depths
    }

    func disabledSubscriptions() throws -> [SubscriptionName: String] {
        var disabled: [SubscriptionName: String] = [:]
        for row in try Row.fetchAll(query("SELECT name, reason FROM subscription_state WHERE disabled = 1")) {
            disabled[SubscriptionName(row[0])] = row[1] ?? "disabled"
        }
        return disabled
    }

    func auditLog(limit: Int) throws -> [AuditEntry] {
        try Row.fetchAll(
            query("SELECT at, actor, action, target, detail FROM (SELECT * FROM audit_log ORDER BY id DESC LIMIT ?) ORDER BY id"), arguments: [limit]
        )
        .map { AuditEntry(at: Timestamp(milliseconds: $0[0]), actor: $0[1], action: $0[2], target: $0[3], detail: $0[4]) }
    }

    static let outboundColumns = "partner, control, set_code, delivery_id, record_key, reference, sent_at, ack_due_at, status, note"

    static func outbound(_ row: Row) -> OutboundInterchange {
        let due: Int64? = row[7]
        return OutboundInterchange(
            partner: SystemName(row[0]), control: row[1], setCode: row[2], deliveryId: row[3], key: row[4], reference: row[5],
            sentAt: Timestamp(milliseconds: row[6]), ackDueAt: due.map(Timestamp.init(milliseconds:)),
            status: OutboundInterchange.Status(rawValue: row[8]) ?? .sent, note: row[9])
    }

    func outboundInterchange(delivery id: Int64) throws -> OutboundInterchange? {
        try Row.fetchOne(query("SELECT \(Self.outboundColumns) FROM x12_outbound WHERE delivery_id = ?"), arguments: [id]).map(Self.outbound)
    }

    func outboundInterchange(partner: SystemName, control: Int) throws -> OutboundInterchange? {
        try Row.fetchOne(query("SELECT \(Self.outboundColumns) FROM x12_outbound WHERE partner = ? AND control = ?"), arguments: [partner.rawValue, control])
            .map(Self.outbound)
    }

    func outboundInterchanges(partner: SystemName?, limit: Int) throws -> [OutboundInterchange] {
        try Row.fetchAll(
            query("SELECT \(Self.outboundColumns) FROM x12_outbound WHERE ?1 IS NULL OR partner = ?1 ORDER BY sent_at, partner, control LIMIT ?2"),
            arguments: [partner?.rawValue, limit]
        ).map(Self.outbound)
    }

    func overdueInterchanges(now: Timestamp) throws -> [OutboundInterchange] {
        try Row.fetchAll(
            query("SELECT \(Self.outboundColumns) FROM x12_outbound WHERE status = 'sent' AND ack_due_at < ? ORDER BY ack_due_at"),
            arguments: [now.milliseconds]
        ).map(Self.outbound)
    }

    func inboundInterchange(partner: SystemName, control: String) throws -> InboundInterchange? {
        try Row.fetchOne(
            query("SELECT partner, control, received_at, request, response, summary FROM x12_inbound WHERE partner = ? AND control = ?"),
            arguments: [partner.rawValue, control]
        ).map { row in
            let request: Data = row[3]
            let response: Data = row[4]
            return InboundInterchange(
                partner: SystemName(row[0]), control: row[1], receivedAt: Timestamp(milliseconds: row[2]), request: [UInt8](request),
                response: [UInt8](response), summary: row[5])
        }
    }

    static func exceptionRecord(_ row: Row) -> ExceptionRecord? {
        guard let kind = ExceptionKind(rawValue: row[1]) else { return nil }
        let resolved: Int64? = row[8]
        return ExceptionRecord(
            id: row[0], kind: kind, code: row[2], key: row[3], eventSeq: row[4], message: row[5],
            status: ExceptionRecord.Status(rawValue: row[6]) ?? .open, raisedAt: Timestamp(milliseconds: row[7]),
            resolvedAt: resolved.map(Timestamp.init(milliseconds:)), resolvedBy: row[9])
    }

    func exceptions(_ filter: ExceptionFilter) throws -> [ExceptionRecord] {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let k = filter.kind { conditions.append("kind = ?"); _ = arguments.append(contentsOf: [k.rawValue]) }
        if let s = filter.status { conditions.append("status = ?"); _ = arguments.append(contentsOf: [s.rawValue]) }
        if let k = filter.key { conditions.append("record_key = ?"); _ = arguments.append(contentsOf: [k]) }
        if let codes = filter.codes {
            conditions.append("code IN (\(codes.map { _ in "?" }.joined(separator: ", ")))")
            _ = arguments.append(contentsOf: StatementArguments(codes))
        }
        _ = arguments.append(contentsOf: [filter.limit])
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return try Row.fetchAll(
            query(
                """
                SELECT id, kind, code, record_key, event_seq, message, status, raised_at, resolved_at, resolved_by
                FROM exceptions \(whereClause) ORDER BY id LIMIT ?
                """), arguments: arguments
        ).compactMap(Self.exceptionRecord)
    }

    func exception(_ id: Int64) throws -> ExceptionRecord? {
        try Row.fetchOne(
            query("SELECT id, kind, code, record_key, event_seq, message, status, raised_at, resolved_at, resolved_by FROM exceptions WHERE id = ?"),
            arguments: [id]
        ).flatMap(Self.exceptionRecord)
    }

    func openExceptionCounts() throws -> [ExceptionKind: Int] {
        var counts: [ExceptionKind: Int] = [:]
        for row in try Row.fetchAll(query("SELECT kind, COUNT(*) FROM exceptions WHERE status = 'open' GROUP BY kind")) {
            if let kind = ExceptionKind(rawValue: row[0]) { counts[kind] = row[1] }
        }
        return counts
    }

    func projectionDigest() throws -> String {
        var text = ""
        let queries = [
            ("orders", "SELECT order_id, customer_id, derived_status, awaiting_master_data, hex(state) FROM orders ORDER BY order_id"),
            ("customers", "SELECT customer_id, CAST(record AS TEXT) FROM customers ORDER BY customer_id"),
            ("products", "SELECT sku, CAST(record AS TEXT) FROM products ORDER BY sku"),
            ("cross_references", "SELECT kind, system, external, canonical FROM cross_references ORDER BY kind, system, external"),
            ("receivables", "SELECT customer_id, open_minor FROM receivables WHERE open_minor <> 0 ORDER BY customer_id"),
            ("invoice_index", "SELECT invoice_id, order_id FROM invoice_index ORDER BY invoice_id"),
            ("parked", "SELECT seq, record_key, event_time FROM parked ORDER BY seq"),
            ("refused", "SELECT seq, record_key, code FROM refused ORDER BY seq"),
        ]
        for (name, sql) in queries {
            text += "# \(name)\n"
            for row in try Row.fetchAll(query(sql)) {
                text += row.databaseValues.map(\.description).joined(separator: "|") + "\n"
            }
        }
        return text
    }
}
