import NIOCore
import PostgresNIO
import WaybillCore
import WaybillStore

/// Reads over one connection inside a transaction: a `REPEATABLE READ` snapshot for
/// `PostgresStore.read`, the write transaction itself for `PostgresStore.write`.
class PostgresReader: StoreReader {
    let db: BlockingConnection

    init(db: BlockingConnection) { self.db = db }

    /// The first row of a read, as cells. Every read goes through `first` or `all`: a write
    /// transaction holds rows back (hub events, deliveries, order rows, KPI additions) and writes
    /// them first when the query names their table.
    func first(_ query: PostgresQuery) throws -> Cells? {
        try writePending(before: query.sql)
        return try db.first(query)
    }

    /// Every row of a read, as cells (see `first`).
    func all(_ query: PostgresQuery) throws -> [Cells] {
        try writePending(before: query.sql)
        return try db.all(query)
    }

    /// Writes the rows a write transaction holds back whose tables `sql` names. A reader holds none.
    func writePending(before sql: String) throws {}

    /// A clock a write transaction started and holds back (a reader holds none).
    func heldClock(_ clock: ServiceLevelClock, subject: String) -> ClockRecord? { nil }
    /// The held-back clocks `include` accepts.
    func heldClocks(where include: (ClockRecord) -> Bool) -> [ClockRecord] { [] }

    func order(_ id: OrderID) throws -> OrderState? {
        // Straight to the connection: a write transaction answers for the orders it saved (their
        // rows may be held back) before it asks here, so a row read here is never one held back.
        guard let cells = try db.first("SELECT state FROM orders WHERE order_id = \(id.rawValue)") else { return nil }
        return try OrderState(storage: try cells.bytes(0))
    }

    func orders(status: OrderStatus?, customer: CustomerID?, updatedSince: Timestamp?, after: OrderID?, limit: Int) throws -> [OrderState] {
        var query = FilteredQuery()
        query.filter("derived_status = ?", status?.rawValue)
        query.filter("customer_id = ?", customer?.rawValue)
        query.filter("updated_at >= ?", updatedSince?.milliseconds)
        query.filter("order_id > ?", after?.rawValue)
        return try all(query.select("state", from: "orders", orderBy: "order_id", limit: limit)).map { try OrderState(storage: try $0.bytes(0)) }
    }

    func orderCount() throws -> Int {
        return try first("SELECT COUNT(*) FROM orders")?.int(0) ?? 0
    }

    func ordersAwaitingMasterData() throws -> [OrderID] {
        return try all("SELECT order_id FROM orders WHERE awaiting_master_data ORDER BY order_id").map { OrderID(try $0.string(0)) }
    }

    func heartbeats() throws -> [String: Timestamp] {
        var beats: [String: Timestamp] = [:]
        for row in try all("SELECT node, seen_at FROM heartbeats") { beats[try row.string(0)] = try row.timestamp(1) }
        return beats
    }

    func customer(_ id: CustomerID) throws -> CustomerRecord? {
        guard let cells = try first("SELECT record FROM customers WHERE customer_id = \(id.rawValue)") else { return nil }
        return try CustomerRecord(PayloadReader.object(try JSONParser.parse(try cells.bytes(0)), at: "$"))
    }

    func product(_ sku: SKU) throws -> ProductRecord? {
        guard let cells = try first("SELECT record FROM products WHERE sku = \(sku.rawValue)") else { return nil }
        return try ProductRecord(PayloadReader.object(try JSONParser.parse(try cells.bytes(0)), at: "$"))
    }

    func crossReference(kind: String, system: SystemName, external: String) throws -> String? {
        try first(
            """
            SELECT canonical FROM (
                SELECT canonical, 0 AS rank FROM cross_references WHERE kind = \(kind) AND system = \(system.rawValue) AND external = \(external)
                UNION ALL
                SELECT canonical, 1 FROM external_ids WHERE kind = \(kind) AND system = \(system.rawValue) AND external = \(external)
            ) found ORDER BY rank LIMIT 1
            """)?.string(0)
    }

    func externalId(kind: String, system: SystemName, canonical: String) throws -> String? {
        try first("SELECT external FROM external_ids WHERE kind = \(kind) AND system = \(system.rawValue) AND canonical = \(canonical)")?.string(0)
    }

    func systemsWithOwnIds() throws -> Set<SystemName> {
        Set(
            try all("SELECT DISTINCT system FROM cross_references UNION SELECT DISTINCT system FROM external_ids").map { SystemName(try $0.string(0)) })
    }

    func openReceivables(of customer: CustomerID) throws -> Int64 {
        try first("SELECT open_minor FROM receivables WHERE customer_id = \(customer.rawValue)")?.int64(0) ?? 0
    }

    func orderForInvoice(_ invoice: InvoiceID) throws -> OrderID? {
        try first("SELECT order_id FROM invoice_index WHERE invoice_id = \(invoice.rawValue)").map { OrderID(try $0.string(0)) }
    }

    static let eventColumns = "seq, source, event_id, type, subject, record_key, event_time, received_at, trace_id, origin, cause_seq, raw, body, outcome, code"

    static func storedEvent(_ row: Cells) throws -> StoredEvent? {
        guard let type = EventType(rawValue: try row.string(3)) else { return nil }
        let eventTime = try row.timestamp(6)
        let id = try row.string(2)
        let source = try row.string(1)
        let subject = try row.stringOrNil(4)
        let event = NewEvent(
            source: source, eventId: id, type: type, subject: subject, key: try row.string(5), eventTime: eventTime,
            receivedAt: try row.timestamp(7), traceId: try row.string(8), origin: EventOrigin(rawValue: try row.string(9)) ?? .inbound,
            causeSeq: try row.int64OrNil(10), raw: try row.bytesOrNil(11),
            body: try row.bytesOrNil(12).map {
                try HubEvent.cloudEvent(storedBody: $0, id: id, source: source, type: type, subject: subject, time: eventTime)
            })
        return StoredEvent(
            seq: try row.int64(0), event: event, outcome: try row.stringOrNil(13).flatMap(IngestOutcome.init(rawValue:)), code: try row.stringOrNil(14))
    }

    func event(_ seq: Int64) throws -> StoredEvent? {
        try first("SELECT \(unescaped: Self.eventColumns) FROM events WHERE seq = \(seq)").flatMap(Self.storedEvent)
    }

    func eventSeq(source: String, eventId: String) throws -> Int64? {
        try first("SELECT seq FROM events WHERE source = \(source) AND event_id = \(eventId)")?.int64(0)
    }

    func events(key: String) throws -> [StoredEvent] {
        try all("SELECT \(unescaped: Self.eventColumns) FROM events WHERE record_key = \(key) ORDER BY seq").compactMap(Self.storedEvent)
    }

    func inboundEvents(after seq: Int64, limit: Int) throws -> [StoredEvent] {
        try all(
            """
            SELECT \(unescaped: Self.eventColumns) FROM events WHERE seq > \(seq) AND origin IN ('inbound', 'reprocessed')
            ORDER BY seq LIMIT \(Int64(max(0, limit)))
            """
        ).compactMap(Self.storedEvent)
    }

    func eventCount() throws -> Int {
        try first("SELECT COUNT(*) FROM events")?.int(0) ?? 0
    }

    static func parked(_ row: Cells) throws -> ParkedEvent {
        ParkedEvent(
            seq: try row.int64(0), key: try row.string(1), eventTime: try row.timestamp(2), receivedAt: try row.timestamp(3),
            awaiting: try row.stringOrNil(4))
    }

    func parkedEvents(key: String) throws -> [ParkedEvent] {
        try all("SELECT seq, record_key, event_time, received_at, awaiting FROM parked WHERE record_key = \(key) ORDER BY event_time, seq")
            .map(Self.parked)
    }

    func parkedEvents(receivedBefore: Timestamp, unexpiredOnly: Bool) throws -> [ParkedEvent] {
        try all(
            """
            SELECT seq, record_key, event_time, received_at, awaiting FROM parked p WHERE received_at < \(receivedBefore.milliseconds)
              AND (NOT \(unexpiredOnly) OR NOT EXISTS (SELECT 1 FROM exceptions e WHERE e.event_seq = p.seq AND e.kind = 'sequencing'))
            ORDER BY seq
            """
        ).map(Self.parked)
    }

    static func refused(_ row: Cells) throws -> RefusedEvent {
        RefusedEvent(seq: try row.int64(0), key: try row.string(1), code: try row.string(2), refusedAt: try row.timestamp(3))
    }

    func refusedEvents(code: String?, limit: Int) throws -> [RefusedEvent] {
        try all(
            """
            SELECT seq, record_key, code, refused_at FROM refused WHERE \(code)::text IS NULL OR code = \(code)
            ORDER BY seq LIMIT \(Int64(max(1, limit)))
            """
        ).map(Self.refused)
    }

    func refusedEvent(seq: Int64) throws -> RefusedEvent? {
        try first("SELECT seq, record_key, code, refused_at FROM refused WHERE seq = \(seq)").map(Self.refused)
    }

    static func keptPayload(_ row: Cells) throws -> KeptPayload {
        var headers: [String: String] = [:]
        if case .object(let members)? = try? JSONParser.parse(Array(try row.string(4).utf8)) {
            for (name, value) in members { if case .string(let text) = value { headers[name] = text } }
        }
        return KeptPayload(
            id: try row.int64(0), system: SystemName(try row.string(1)), deliveryId: try row.stringOrNil(2), receivedAt: try row.timestamp(3),
            headers: headers, body: try row.bytes(5), error: try row.string(6))
    }

    func keptPayload(id: Int64) throws -> KeptPayload? {
        try first("SELECT id, system, delivery_id, received_at, headers, body, error FROM kept_payloads WHERE id = \(id)").map(Self.keptPayload)
    }

    func keptPayloads(system: SystemName?, limit: Int) throws -> [KeptPayload] {
        try all(
            """
            SELECT id, system, delivery_id, received_at, headers, body, error FROM kept_payloads
            WHERE \(system?.rawValue)::text IS NULL OR system = \(system?.rawValue) ORDER BY id LIMIT \(Int64(max(1, limit)))
            """
        ).map(Self.keptPayload)
    }

    func disabledSubscriptions() throws -> [SubscriptionName: String] {
        var disabled: [SubscriptionName: String] = [:]
        for row in try all("SELECT name, reason FROM subscription_state WHERE disabled") {
            disabled[SubscriptionName(try row.string(0))] = try row.stringOrNil(1) ?? "disabled"
        }
        return disabled
    }

    func auditLog(limit: Int) throws -> [AuditEntry] {
        try all(
            "SELECT at, actor, action, target, detail FROM (SELECT * FROM audit_log ORDER BY id DESC LIMIT \(Int64(max(0, limit)))) latest ORDER BY id"
        ).map {
            AuditEntry(at: try $0.timestamp(0), actor: try $0.string(1), action: try $0.string(2), target: try $0.string(3), detail: try $0.stringOrNil(4))
        }
    }

    func projectionDigest() throws -> String {
        var text = ""
        let queries: [(String, PostgresQuery)] = [
            (
                "orders",
                "SELECT concat_ws('|', order_id, coalesce(customer_id, 'NULL'), derived_status, awaiting_master_data::text, encode(state, 'hex')) FROM orders ORDER BY order_id"
            ),
            ("customers", "SELECT customer_id || '|' || convert_from(record, 'UTF8') FROM customers ORDER BY customer_id"),
            ("products", "SELECT sku || '|' || convert_from(record, 'UTF8') FROM products ORDER BY sku"),
            ("cross_references", "SELECT concat_ws('|', kind, system, external, canonical) FROM cross_references ORDER BY kind, system, external"),
            ("receivables", "SELECT customer_id || '|' || open_minor FROM receivables WHERE open_minor <> 0 ORDER BY customer_id"),
            ("invoice_index", "SELECT invoice_id || '|' || order_id FROM invoice_index ORDER BY invoice_id"),
            ("parked", "SELECT concat_ws('|', seq, record_key, event_time) FROM parked ORDER BY seq"),
            ("refused", "SELECT concat_ws('|', seq, record_key, code) FROM refused ORDER BY seq"),
        ]
        for (name, query) in queries {
            text += "# \(name)\n"
            for row in try all(query) { text += try row.string(0) + "\n" }
        }
        return text
    }
}
