import Foundation
import GRDB
import WaybillCore
import WaybillStore

/// One write transaction. Writes go through cached prepared statements.
final class SQLiteTransaction: SQLiteReader, StoreTransaction {
    /// The connection, for the transaction's writes and for the reads that are part of writing
    /// (numbering events, finding which row a statement ignored): those go around `query(_:)`,
    /// which would otherwise write pending rows in the middle of writing them.
    let db: Database

    override init(db: Database, caches: WriterCaches?, deliveriesBeforeV8: Bool) {
        self.db = db
        super.init(db: db, caches: caches, deliveriesBeforeV8: deliveriesBeforeV8)
    }

    func statement(_ sql: String) throws -> Statement { try db.cachedStatement(sql: sql) }

    /// The statements a write runs for nearly every event, kept once found: GRDB finds a cached
    /// statement by hashing its SQL text, several times per event on the writer otherwise.
    private var kept: [Statement?] = []

    func statement(_ key: KeptStatement, _ sql: @autoclosure () -> String) throws -> Statement {
        if kept.isEmpty { kept = Array(repeating: nil, count: KeptStatement.slots) }
        if let statement = kept[key.slot] { return statement }
        let statement = try db.cachedStatement(sql: sql())
        kept[key.slot] = statement
        return statement
    }

    /// The next log sequence number. The transaction numbers its events itself (the writer is
    /// the only one), so a hub event gets its number when emitted and its row once its body is
    /// written, and the log still reads cause before effect.
    private var nextSeq: Int64?
    /// Hub events numbered but not written yet, with the index of their body in `renderer`.
    private var pendingEvents: [(seq: Int64, event: NewEvent, body: Int)] = []
    /// Orders saved since their rows were last written, in the order first saved, with the time
    /// of their latest save and the index of its stored form in `renderer`.
    private var pendingOrders: [OrderID] = []
    private var pendingOrder: [OrderID: PendingOrderRow] = [:]

    /// An order row to write: its indexed columns as of the latest save, and the index of its
    /// stored state in `renderer`.
    private struct PendingOrderRow {
        var customerId: String?
        var status: String
        var awaitingMasterData: Bool
        var updatedAt: Timestamp
        var render: Int
    }
    /// Renders hub event bodies and stored order states beside the writer.
    private var renderer: ParallelRenderer?

    private func render(_ job: @escaping ParallelRenderer.Job) -> Int {
        let renderer = self.renderer ?? ParallelRenderer()
        self.renderer = renderer
        return renderer.submit(job)
    }

    /// The first sequence number this transaction gave out (events below it were logged before).
    private var firstSeq: Int64?

    private func reserveSeq() throws -> Int64 {
        if let nextSeq { return nextSeq }
        let next = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) + 1 FROM events") ?? 1
        nextSeq = next
        firstSeq = next
        return next
    }

    func append(_ event: NewEvent) throws -> Int64? {
        let seq = try reserveSeq()
        try insertEvent(event, seq: seq, body: event.body)
        guard db.changesCount == 1 else { return nil }
        nextSeq = seq + 1
        return seq
    }

    func append(_ event: NewEvent, renderingBody render: @escaping @Sendable () -> [UInt8]) throws -> Int64 {
        let seq = try reserveSeq()
        nextSeq = seq + 1
        pendingEvents.append((seq, event, self.render(render)))
        return seq
    }

    private func insertEvent(_ event: NewEvent, seq: Int64, body: [UInt8]?) throws {
        let insert = try statement(
            .insertEvent,
            """
            INSERT INTO events (seq, source, event_id, type, subject, record_key, event_time, received_at, trace_id, origin, cause_seq, outcome, raw, body)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source, event_id) DO NOTHING
            """)
        try insert.run { Self.bindEvent(event, seq: seq, body: body, to: &$0) }
    }

    private static func bindEvent(_ event: NewEvent, seq: Int64, body: [UInt8]?, to binding: inout DirectBinding) {
        binding.bind(seq); binding.bind(event.source); binding.bind(event.eventId); binding.bind(event.type.rawValue); binding.bind(event.subject)
        binding.bind(event.key); binding.bind(event.eventTime.milliseconds); binding.bind(event.receivedAt.milliseconds); binding.bind(event.traceId)
        binding.bind(event.origin.rawValue); binding.bind(event.causeSeq)
        binding.bind(event.origin == .inbound ? IngestOutcome.accepted.rawValue : nil); binding.bind(event.raw); binding.bind(body)
    }

    /// Inserts rows `0..<count` with `insert`, up to `MultiRowInsert.maxRows` per statement;
    /// `bind(i, &binding)` binds row `i`. When a statement writes fewer rows than it was given,
    /// `ignored(chunk)` says which and why, and the transaction fails with it.
    private func insert(
        _ count: Int, with insert: MultiRowInsert, bind: (Int, inout DirectBinding) -> Void, ignored: (Range<Int>) throws -> WaybillError
    ) throws {
        var start = 0
        while start < count {
            let chunk = start..<min(count, start + MultiRowInsert.maxRows)
            let sql = insert.statements[chunk.count - 1]
            try statement(KeptStatement(slot: insert.firstSlot + chunk.count - 1), sql).run {
                for i in chunk { bind(i, &$0) }
            }
            guard db.changesCount == chunk.count else { throw try ignored(chunk) }
            start = chunk.upperBound
        }
    }

    func recordOutcome(seq: Int64, outcome: IngestOutcome, code: String?) throws {
        try statement("UPDATE events SET outcome = ?, code = ? WHERE seq = ?").run {
            $0.bind(outcome.rawValue); $0.bind(code); $0.bind(seq)
        }
    }

    func setTraceId(seq: Int64, traceId: String) throws {
        try statement("UPDATE events SET trace_id = ? WHERE seq = ?").run {
            $0.bind(traceId); $0.bind(seq)
        }
    }

    /// Stages the order's new state; its row is written once per transaction, before the commit
    /// or before a query over the orders table, however many events changed it. Reads within the
    /// transaction see the staged state.
    func save(_ order: OrderState, updatedAt: Timestamp) throws {
        let stored = render { order.storageBytes }
        let row = PendingOrderRow(
            customerId: order.customerId?.rawValue, status: order.status.rawValue, awaitingMasterData: !(order.validated || order.cancelled),
            updatedAt: updatedAt, render: stored)
        if pendingOrder.updateValue(row, forKey: order.orderId) == nil { pendingOrders.append(order.orderId) }
        staged.orders[order.orderId] = order
    }

    override var hasPendingRows: Bool { renderer != nil }

    override func writePending() throws {
        guard let renderer else { return }
        self.renderer = nil
        let rendered = renderer.finish()
        let events = pendingEvents
        try insert(events.count, with: .hubEvents) { i, binding in
            Self.bindEvent(events[i].event, seq: events[i].seq, body: rendered[events[i].body], to: &binding)
        } ignored: { chunk in
            // The one whose number holds nothing: its (source, id) was already in the log.
            let logged = try Set(
                Int64.fetchAll(db, sql: "SELECT seq FROM events WHERE seq BETWEEN ? AND ?", arguments: [events[chunk.first!].seq, events[chunk.last!].seq]))
            return events[chunk.first { !logged.contains(events[$0].seq) } ?? chunk.lowerBound].event.alreadyLogged
        }
        for id in pendingOrders {
            guard let row = pendingOrder[id] else { continue }
            try writeOrderRow(id, row, bytes: rendered[row.render])
        }
        // Freeing the bodies and what they were rendered from is the helper's work too.
        ParallelRenderer.release((pendingEvents, rendered))
        pendingEvents = []
        pendingOrders.removeAll(keepingCapacity: true)
        pendingOrder.removeAll(keepingCapacity: true)
    }

    private func writeOrderRow(_ id: OrderID, _ row: PendingOrderRow, bytes: [UInt8]) throws {
        let upsert = try statement(
            .upsertOrder,
            """
            INSERT INTO orders (order_id, customer_id, derived_status, awaiting_master_data, updated_at, state) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (order_id) DO UPDATE SET customer_id = excluded.customer_id, derived_status = excluded.derived_status,
                awaiting_master_data = excluded.awaiting_master_data, updated_at = excluded.updated_at, state = excluded.state
            """)
        try upsert.run {
            $0.bind(id.rawValue); $0.bind(row.customerId); $0.bind(row.status); $0.bind(row.awaitingMasterData ? 1 : 0)
            $0.bind(row.updatedAt.milliseconds); $0.bind(bytes)
        }
    }

    func save(_ customer: CustomerRecord) throws {
        try statement("INSERT INTO customers (customer_id, record) VALUES (?, ?) ON CONFLICT (customer_id) DO UPDATE SET record = excluded.record")
            .execute(arguments: [customer.customerId.rawValue, JSONWriter.bytes(customer.json).data])
        staged.customers[customer.customerId] = customer
    }

    func save(_ product: ProductRecord) throws {
        try statement("INSERT INTO products (sku, record) VALUES (?, ?) ON CONFLICT (sku) DO UPDATE SET record = excluded.record")
            .execute(arguments: [product.sku.rawValue, JSONWriter.bytes(product.json).data])
        staged.products[product.sku] = product
    }

    func saveCrossReference(kind: String, system: SystemName, external: String, canonical: String) throws {
        try statement(
            """
            INSERT INTO cross_references (kind, system, external, canonical) VALUES (?, ?, ?, ?)
            ON CONFLICT (kind, system, external) DO UPDATE SET canonical = excluded.canonical
            """
        ).execute(arguments: [kind, system.rawValue, external, canonical])
    }

    func adjustReceivables(of customer: CustomerID, by delta: Int64) throws {
        let upsert = try statement(
            """
            INSERT INTO receivables (customer_id, open_minor) VALUES (?, ?)
            ON CONFLICT (customer_id) DO UPDATE SET open_minor = open_minor + excluded.open_minor
            """)
        try upsert.run {
            $0.bind(customer.rawValue); $0.bind(delta)
        }
    }

    func indexInvoice(_ invoice: InvoiceID, order: OrderID) throws {
        try statement("INSERT OR REPLACE INTO invoice_index (invoice_id, order_id) VALUES (?, ?)").run {
            $0.bind(invoice.rawValue); $0.bind(order.rawValue)
        }
    }

    func beat(node: String, at: Timestamp) throws {
        try statement("INSERT OR REPLACE INTO heartbeats (node, seen_at) VALUES (?, ?)").execute(arguments: [node, at.milliseconds])
    }

    func keep(_ payload: KeptPayload) throws -> (id: Int64, isNew: Bool) {
        if let deliveryId = payload.deliveryId,
            let existing = try Int64.fetchOne(
                db, sql: "SELECT id FROM kept_payloads WHERE system = ? AND delivery_id = ?", arguments: [payload.system.rawValue, deliveryId])
        {
            return (existing, false)
        }
        let headers = JSONWriter.sortedBytes(.object(payload.headers.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) }))
        try db.execute(
            sql: "INSERT INTO kept_payloads (system, delivery_id, received_at, headers, body, error) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [
                payload.system.rawValue, payload.deliveryId, payload.receivedAt.milliseconds, String(decoding: headers, as: UTF8.self), Data(payload.body),
                payload.error,
            ])
        return (db.lastInsertedRowID, true)
    }

    func forgetPayload(id: Int64) throws {
        try db.execute(sql: "DELETE FROM kept_payloads WHERE id = ?", arguments: [id])
    }

    func saveExternalId(kind: String, system: SystemName, canonical: String, external: String) throws {
        try db.execute(
            sql: "INSERT OR REPLACE INTO external_ids (kind, system, canonical, external) VALUES (?, ?, ?, ?)",
            arguments: [kind, system.rawValue, canonical, external])
    }

    func keepRefused(_ event: RefusedEvent) throws {
        try statement("INSERT OR REPLACE INTO refused (seq, record_key, code, refused_at) VALUES (?, ?, ?, ?)")
            .execute(arguments: [event.seq, event.key, event.code, event.refusedAt.milliseconds])
    }

    func forgetRefused(seq: Int64) throws {
        try statement("DELETE FROM refused WHERE seq = ?").execute(arguments: [seq])
    }

    func park(_ event: ParkedEvent) throws {
        try statement("INSERT OR REPLACE INTO parked (seq, record_key, event_time, received_at, awaiting) VALUES (?, ?, ?, ?, ?)")
            .execute(arguments: [event.seq, event.key, event.eventTime.milliseconds, event.receivedAt.milliseconds, event.awaiting])
    }

    func unpark(seq: Int64) throws {
        try statement("DELETE FROM parked WHERE seq = ?").execute(arguments: [seq])
    }

    func enqueueDeliveries(seq: Int64, subscriptions: [SubscriptionName], key: String, type: EventType, at: Timestamp) throws {
        // An event logged by an earlier transaction (a parked one, applied now) may sit below
        // what its subscribers have delivered of the key: it holds back what follows again.
        _ = try reserveSeq()
        let loggedBefore = firstSeq.map { seq < $0 } ?? false
        if loggedBefore {
            for subscription in subscriptions {
                try statement(
                    "UPDATE delivery_progress SET delivered_through = ? WHERE subscription = ? AND record_key = ? AND delivered_through >= ?"
                ).execute(arguments: [seq - 1, subscription.rawValue, key, seq])
            }
        }
        // The event's deliveries are numbered from its first id on, after any it already has.
        let taken = try deliveriesNumbered[seq] ?? (loggedBefore ? numberedDeliveries(of: seq) : 0)
        guard taken + Int64(subscriptions.count) <= DeliveryIds.perEvent else {
            throw WaybillError(
                .deliveryIdsExhausted,
                "event \(seq) would go to \(taken + Int64(subscriptions.count)) subscriptions; one event has room for \(DeliveryIds.perEvent)")
        }
        deliveriesNumbered[seq] = taken + Int64(subscriptions.count)
        let first = DeliveryIds.first(of: seq) + taken
        try insert(subscriptions.count, with: .deliveries) { i, binding in
            binding.bind(first + Int64(i)); binding.bind(seq); binding.bind(subscriptions[i].rawValue); binding.bind(key)
            binding.bind(type.rawValue); binding.bind(at.milliseconds); binding.bind(at.milliseconds)
        } ignored: { chunk in
            // The one whose id holds another delivery.
            let holders = try Row.fetchAll(
                db, sql: "SELECT id, seq, subscription FROM outbox WHERE id BETWEEN ? AND ?",
                arguments: [first + Int64(chunk.lowerBound), first + Int64(chunk.upperBound - 1)])
            let lost =
                chunk.first { i in !holders.contains { $0[0] == first + Int64(i) && $0[1] == seq && $0[2] == subscriptions[i].rawValue } }
                ?? chunk.lowerBound
            return WaybillError(
                .deliveryIdsExhausted, "event \(seq): its delivery to \(subscriptions[lost]) was not written (delivery id \(first + Int64(lost)) is taken)")
        }
    }

    /// How many deliveries this transaction has numbered for each event.
    private var deliveriesNumbered: [Int64: Int64] = [:]

    /// How many deliveries an event logged before this transaction already has.
    private func numberedDeliveries(of seq: Int64) throws -> Int64 {
        let first = DeliveryIds.first(of: seq)
        let last = try Int64.fetchOne(
            statement("SELECT MAX(id) FROM outbox WHERE id BETWEEN ? AND ?"), arguments: [first, first + DeliveryIds.perEvent - 1])
        return last.map { $0 - first + 1 } ?? 0
    }

    func recordAttempt(delivery id: Int64, result: AttemptResult) throws {
        switch result {
        case .delivered(let code, let at):
            try statement(
                "UPDATE outbox SET status = 1, attempts = attempts + 1, last_status = ?, last_error = NULL, delivered_at = ?, next_attempt_at = NULL WHERE id = ?"
            )
            .execute(arguments: [code, at.milliseconds, id])
            // Everything of the key up to this delivery is delivered, unless an earlier one is
            // not (a replay requeued it meanwhile): then the progress stays where it was. Kept
            // for the keys that live for years (customers, products); an order's few dozen
            // events are checked in full, which costs less than keeping a row per order.
            try statement(
                """
                INSERT INTO delivery_progress (subscription, record_key, delivered_through)
                SELECT o.subscription, o.record_key, o.seq FROM outbox o
                WHERE o.id = ? AND o.status = 1 AND substr(o.record_key, 1, \(RecordKey.orderPrefix.count)) <> '\(RecordKey.orderPrefix)'
                  AND NOT EXISTS (\(undeliveredBefore("o")))
                ON CONFLICT (subscription, record_key) DO UPDATE SET delivered_through = MAX(delivered_through, excluded.delivered_through)
                """
            ).execute(arguments: [id])
        case .retry(let code, let error, let next):
            try statement("UPDATE outbox SET attempts = attempts + 1, last_status = ?, last_error = ?, next_attempt_at = ? WHERE id = ?")
                .execute(arguments: [code, error, next.milliseconds, id])
        case .dead(let code, let error, _):
            try statement("UPDATE outbox SET status = 2, attempts = attempts + 1, last_status = ?, last_error = ?, next_attempt_at = NULL WHERE id = ?")
                .execute(arguments: [code, error, id])
        }
    }

    func requeue(delivery id: Int64, at: Timestamp) throws -> Bool {
        try statement("UPDATE outbox SET status = 0, next_attempt_at = ? WHERE id = ?").execute(arguments: [at.milliseconds, id])
        guard db.changesCount == 1 else { return false }
        // The key is delivered only up to before this one again.
        try statement(
            """
            UPDATE delivery_progress SET delivered_through = o.seq - 1 FROM (SELECT subscription, record_key, seq FROM outbox WHERE id = ?) o
            WHERE delivery_progress.subscription = o.subscription AND delivery_progress.record_key = o.record_key
              AND delivery_progress.delivered_through >= o.seq
            """
        ).execute(arguments: [id])
        return true
    }

    func requeueDeliveries(subscription: SubscriptionName, seqs: ClosedRange<Int64>?, received: ClosedRange<Timestamp>?, at: Timestamp) throws -> Int {
        let lowest = max(seqs?.lowerBound ?? 0, 0)
        // The last event whose deliveries can be numbered (far beyond any log).
        let highest = min(seqs?.upperBound ?? Int64.max, (Int64.max - DeliveryIds.base) / DeliveryIds.perEvent - 1)
        guard lowest <= highest else { return 0 }
        let chosen = """
            subscription = ? AND status <> 0 AND seq BETWEEN ? AND ?
              AND seq IN (SELECT seq FROM events WHERE received_at BETWEEN ? AND ?)
            """
        let arguments: StatementArguments = [
            at.milliseconds, subscription.rawValue, lowest, highest,
            received?.lowerBound.milliseconds ?? Int64.min, received?.upperBound.milliseconds ?? Int64.max,
        ]
        // The deliveries of the range's events are one range of ids; older ones have their index.
        try db.execute(
            sql:
                "UPDATE outbox SET status = 0, next_attempt_at = ? WHERE id BETWEEN \(DeliveryIds.first(of: lowest)) AND \(DeliveryIds.first(of: highest) + DeliveryIds.perEvent - 1) AND \(chosen)",
            arguments: arguments)
        var requeued = db.changesCount
        if deliveriesBeforeV8 {
            try db.execute(
                sql: "UPDATE outbox SET status = 0, next_attempt_at = ? WHERE id < \(DeliveryIds.base) AND \(chosen)", arguments: arguments)
            requeued += db.changesCount
        }
        // A replay is rare: forget what the subscription had delivered; the scheduler learns it again.
        if requeued > 0 { try db.execute(sql: "DELETE FROM delivery_progress WHERE subscription = ?", arguments: [subscription.rawValue]) }
        return requeued
    }

    func moveDeliveries(from: SubscriptionName, to: SubscriptionName, at: Timestamp) throws -> Int {
        try db.execute(
            sql: "UPDATE outbox SET subscription = ?, status = 0, next_attempt_at = ?, attempts = 0 WHERE subscription = ? AND status <> 1",
            arguments: [to.rawValue, at.milliseconds, from.rawValue])
        let moved = db.changesCount
        // What the new subscription has delivered of each key is learnt again from its rows.
        if moved > 0 { try db.execute(sql: "DELETE FROM delivery_progress WHERE subscription IN (?, ?)", arguments: [from.rawValue, to.rawValue]) }
        return moved
    }

    func setSubscription(_ name: SubscriptionName, disabled: Bool, reason: String?, at: Timestamp, by: String) throws {
        try statement(
            """
            INSERT INTO subscription_state (name, disabled, reason, changed_at, changed_by) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (name) DO UPDATE SET disabled = excluded.disabled, reason = excluded.reason,
                changed_at = excluded.changed_at, changed_by = excluded.changed_by
            """
        ).execute(arguments: [name.rawValue, disabled ? 1 : 0, reason, at.milliseconds, by])
    }

    func audit(_ entry: AuditEntry) throws {
        try statement("INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)")
            .execute(arguments: [entry.at.milliseconds, entry.actor, entry.action, entry.target, entry.detail])
    }

    func nextControlNumber(partner: SystemName) throws -> Int {
        let next = try Int.fetchOne(
            db, sql: "INSERT INTO x12_control (partner, last) VALUES (?, 1) ON CONFLICT (partner) DO UPDATE SET last = last + 1 RETURNING last",
            arguments: [partner.rawValue])
        guard let next, next <= 999_999_999 else {
            throw WaybillError(.controlNumbersExhausted, "the interchange control numbers of \(partner) are used up (ISA13 has nine digits)")
        }
        return next
    }

    func record(_ interchange: OutboundInterchange) throws {
        try statement("INSERT INTO x12_outbound (\(Self.outboundColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .execute(arguments: [
                interchange.partner.rawValue, interchange.control, interchange.setCode, interchange.deliveryId, interchange.key, interchange.reference,
                interchange.sentAt.milliseconds, interchange.ackDueAt?.milliseconds, interchange.status.rawValue, interchange.note,
            ])
    }

    func updateInterchange(partner: SystemName, control: Int, status: OutboundInterchange.Status, note: String?) throws -> Bool {
        try statement("UPDATE x12_outbound SET status = ?, note = ? WHERE partner = ? AND control = ?")
            .execute(arguments: [status.rawValue, note, partner.rawValue, control])
        return db.changesCount == 1
    }

    func record(_ interchange: InboundInterchange) throws {
        try statement("INSERT INTO x12_inbound (partner, control, received_at, request, response, summary) VALUES (?, ?, ?, ?, ?, ?)")
            .execute(arguments: [
                interchange.partner.rawValue, interchange.control, interchange.receivedAt.milliseconds, Data(interchange.request),
                Data(interchange.response), interchange.summary,
            ])
    }

    func raise(_ exception: NewException) throws -> Int64 {
        try statement("INSERT INTO exceptions (kind, code, record_key, event_seq, message, status, raised_at) VALUES (?, ?, ?, ?, ?, 'open', ?)")
            .execute(arguments: [
                exception.kind.rawValue, exception.code, exception.key, exception.eventSeq, exception.message, exception.raisedAt.milliseconds,
            ])
        return db.lastInsertedRowID
    }

    func settleExceptions(key: String, kind: ExceptionKind, at: Timestamp, by: String) throws {
        let settled = try Row.fetchAll(
            statement(
                "UPDATE exceptions SET status = 'resolved', resolved_at = ?, resolved_by = ? WHERE record_key = ? AND kind = ? AND status = 'open' RETURNING kind, raised_at"
            ), arguments: [at.milliseconds, by, key, kind.rawValue])
        try countResolutions(settled, at: at)
    }

    func resolveException(id: Int64, at: Timestamp, by: String) throws -> Bool {
        let resolved = try Row.fetchAll(
            statement("UPDATE exceptions SET status = 'resolved', resolved_at = ?, resolved_by = ? WHERE id = ? AND status = 'open' RETURNING kind, raised_at"),
            arguments: [at.milliseconds, by, id])
        try countResolutions(resolved, at: at)
        return resolved.count == 1
    }

    func clearProjections() throws {
        for table in ["orders", "customers", "products", "cross_references", "receivables", "invoice_index", "parked", "refused"] {
            try db.execute(sql: "DELETE FROM \(table)")
        }
        pendingOrders = []
        pendingOrder = [:]
        staged = StagedValues()
        staged.clearedProjections = true
    }
}
