import NIOCore
import PostgresNIO
import WaybillCore
import WaybillStore

/// One write transaction (`READ COMMITTED`) on a leased connection.
///
/// One order (any record key) is changed by one transaction at a time, whichever node runs it:
/// the transaction takes the key's advisory lock (`pg_advisory_xact_lock`, held until commit or
/// rollback) before it appends an event of the key, reads the order to change it or saves it.
/// As the lock is taken before the event's sequence number is drawn, the log's order per key is
/// the order in which the transactions committed, and a delivery's in-order check by `seq` holds
/// across nodes. Transactions that lock keys in opposite orders deadlock; PostgreSQL aborts one
/// of them, and `PostgresStore.write` runs its body again.
final class PostgresTransaction: PostgresReader, StoreTransaction {
    /// The first number of our advisory locks (the second is `hashtext(key)`): "WAYB".
    static let keyLockClass: Int32 = 0x5741_5942
    /// The advisory locks that serialise creating a partner's control number sequence.
    static let sequenceLockClass: Int32 = 0x5741_5943

    private var lockedKeys: Set<String> = []
    /// Orders saved by this transaction, as of their latest save (reads see these).
    private var savedOrders: [OrderID: OrderState] = [:]
    /// Orders whose rows are still to be written, in the order first saved, with their time.
    private var pendingOrders: [OrderID] = []
    private var pendingUpdatedAt: [OrderID: Timestamp] = [:]

    /// Takes the advisory lock of `key` for the rest of the transaction (once per key).
    func lock(_ key: String) throws {
        guard lockedKeys.insert(key).inserted else { return }
        try db.run("SELECT pg_advisory_xact_lock(\(Self.keyLockClass), hashtext(\(key)))")
    }

    override func order(_ id: OrderID) throws -> OrderState? {
        if let saved = savedOrders[id] { return saved }
        try lock(RecordKey.order(id))
        return try super.order(id)
    }

    func append(_ event: NewEvent) throws -> Int64? {
        try lock(event.key)
        return try db.first(
            """
            INSERT INTO events (source, event_id, type, subject, record_key, event_time, received_at, trace_id, origin, cause_seq, outcome, raw, body)
            VALUES (\(event.source), \(event.eventId), \(event.type.rawValue), \(event.subject), \(event.key), \(event.eventTime.milliseconds),
                    \(event.receivedAt.milliseconds), \(event.traceId), \(event.origin.rawValue), \(event.causeSeq),
                    \(event.origin == .inbound ? IngestOutcome.accepted.rawValue : nil), \(event.raw?.bytea), \(event.body?.bytea))
            ON CONFLICT (source, event_id) DO NOTHING RETURNING seq
            """)?.int64(0)
    }

    func recordOutcome(seq: Int64, outcome: IngestOutcome, code: String?) throws {
        try db.run("UPDATE events SET outcome = \(outcome.rawValue), code = \(code) WHERE seq = \(seq)")
    }

    func setTraceId(seq: Int64, traceId: String) throws {
        try db.run("UPDATE events SET trace_id = \(traceId) WHERE seq = \(seq)")
    }

    /// Stages the order's new state: its row is written once per transaction (all staged orders
    /// in one statement), before the commit or before a query over the orders table.
    func save(_ order: OrderState, updatedAt: Timestamp) throws {
        try lock(RecordKey.order(order.orderId))
        savedOrders[order.orderId] = order
        if pendingUpdatedAt.updateValue(updatedAt, forKey: order.orderId) == nil { pendingOrders.append(order.orderId) }
    }

    override func writePendingOrders() throws {
        guard !pendingOrders.isEmpty else { return }
        var ids: [String] = []
        var customers: [String] = []
        var statuses: [String] = []
        var awaiting: [Bool] = []
        var updated: [Int64] = []
        var states: [ByteBuffer] = []
        for id in pendingOrders {
            guard let order = savedOrders[id], let at = pendingUpdatedAt[id] else { continue }
            ids.append(id.rawValue)
            customers.append(order.customerId?.rawValue ?? "")
            statuses.append(order.status.rawValue)
            awaiting.append(!(order.validated || order.cancelled))
            updated.append(at.milliseconds)
            states.append(order.storageBytes.bytea)
        }
        pendingOrders.removeAll(keepingCapacity: true)
        pendingUpdatedAt.removeAll(keepingCapacity: true)
        try db.run(
            """
            INSERT INTO orders (order_id, customer_id, derived_status, awaiting_master_data, updated_at, state)
            SELECT id, NULLIF(customer, ''), status, awaiting, updated, state
            FROM unnest(\(ids)::text[], \(customers)::text[], \(statuses)::text[], \(awaiting)::boolean[], \(updated)::bigint[], \(states)::bytea[])
                AS o(id, customer, status, awaiting, updated, state)
            ON CONFLICT (order_id) DO UPDATE SET customer_id = excluded.customer_id, derived_status = excluded.derived_status,
                awaiting_master_data = excluded.awaiting_master_data, updated_at = excluded.updated_at, state = excluded.state
            """)
    }

    func save(_ customer: CustomerRecord) throws {
        try db.run(
            """
            INSERT INTO customers (customer_id, record) VALUES (\(customer.customerId.rawValue), \(JSONWriter.bytes(customer.json).bytea))
            ON CONFLICT (customer_id) DO UPDATE SET record = excluded.record
            """)
    }

    func save(_ product: ProductRecord) throws {
        try db.run(
            """
            INSERT INTO products (sku, record) VALUES (\(product.sku.rawValue), \(JSONWriter.bytes(product.json).bytea))
            ON CONFLICT (sku) DO UPDATE SET record = excluded.record
            """)
    }

    func saveCrossReference(kind: String, system: SystemName, external: String, canonical: String) throws {
        try db.run(
            """
            INSERT INTO cross_references (kind, system, external, canonical) VALUES (\(kind), \(system.rawValue), \(external), \(canonical))
            ON CONFLICT (kind, system, external) DO UPDATE SET canonical = excluded.canonical
            """)
    }

    func saveExternalId(kind: String, system: SystemName, canonical: String, external: String) throws {
        try db.run(
            """
            INSERT INTO external_ids (kind, system, canonical, external) VALUES (\(kind), \(system.rawValue), \(canonical), \(external))
            ON CONFLICT (kind, system, canonical) DO UPDATE SET external = excluded.external
            """)
    }

    func adjustReceivables(of customer: CustomerID, by delta: Int64) throws {
        try db.run(
            """
            INSERT INTO receivables (customer_id, open_minor) VALUES (\(customer.rawValue), \(delta))
            ON CONFLICT (customer_id) DO UPDATE SET open_minor = receivables.open_minor + excluded.open_minor
            """)
    }

    func indexInvoice(_ invoice: InvoiceID, order: OrderID) throws {
        try db.run(
            """
            INSERT INTO invoice_index (invoice_id, order_id) VALUES (\(invoice.rawValue), \(order.rawValue))
            ON CONFLICT (invoice_id) DO UPDATE SET order_id = excluded.order_id
            """)
    }

    func park(_ event: ParkedEvent) throws {
        try db.run(
            """
            INSERT INTO parked (seq, record_key, event_time, received_at, awaiting)
            VALUES (\(event.seq), \(event.key), \(event.eventTime.milliseconds), \(event.receivedAt.milliseconds), \(event.awaiting))
            ON CONFLICT (seq) DO UPDATE SET record_key = excluded.record_key, event_time = excluded.event_time,
                received_at = excluded.received_at, awaiting = excluded.awaiting
            """)
    }

    func unpark(seq: Int64) throws {
        try db.run("DELETE FROM parked WHERE seq = \(seq)")
    }

    func keepRefused(_ event: RefusedEvent) throws {
        try db.run(
            """
            INSERT INTO refused (seq, record_key, code, refused_at) VALUES (\(event.seq), \(event.key), \(event.code), \(event.refusedAt.milliseconds))
            ON CONFLICT (seq) DO UPDATE SET record_key = excluded.record_key, code = excluded.code, refused_at = excluded.refused_at
            """)
    }

    func forgetRefused(seq: Int64) throws {
        try db.run("DELETE FROM refused WHERE seq = \(seq)")
    }

    func keep(_ payload: KeptPayload) throws -> (id: Int64, isNew: Bool) {
        let headers = String(
            decoding: JSONWriter.sortedBytes(.object(payload.headers.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) })),
            as: UTF8.self)
        // A sender's retry (same system and delivery id), from this node or another, finds the
        // payload already kept.
        if let id = try db.first(
            """
            INSERT INTO kept_payloads (system, delivery_id, received_at, headers, body, error)
            VALUES (\(payload.system.rawValue), \(payload.deliveryId), \(payload.receivedAt.milliseconds), \(headers), \(payload.body.bytea), \(payload.error))
            ON CONFLICT (system, delivery_id) WHERE delivery_id IS NOT NULL DO NOTHING RETURNING id
            """)?.int64(0)
        {
            return (id, true)
        }
        guard
            let existing = try db.first(
                "SELECT id FROM kept_payloads WHERE system = \(payload.system.rawValue) AND delivery_id = \(payload.deliveryId)")?.int64(0)
        else {
            throw PostgresStoreError("kept payload of \(payload.system) was neither written nor found")
        }
        return (existing, false)
    }

    func forgetPayload(id: Int64) throws {
        try db.run("DELETE FROM kept_payloads WHERE id = \(id)")
    }

    func beat(node: String, at: Timestamp) throws {
        try db.run(
            "INSERT INTO heartbeats (node, seen_at) VALUES (\(node), \(at.milliseconds)) ON CONFLICT (node) DO UPDATE SET seen_at = excluded.seen_at")
    }

    func audit(_ entry: AuditEntry) throws {
        try db.run(
            """
            INSERT INTO audit_log (at, actor, action, target, detail)
            VALUES (\(entry.at.milliseconds), \(entry.actor), \(entry.action), \(entry.target), \(entry.detail))
            """)
    }

    func setSubscription(_ name: SubscriptionName, disabled: Bool, reason: String?, at: Timestamp, by: String) throws {
        try db.run(
            """
            INSERT INTO subscription_state (name, disabled, reason, changed_at, changed_by) VALUES (\(name.rawValue), \(disabled), \(reason), \(at.milliseconds), \(by))
            ON CONFLICT (name) DO UPDATE SET disabled = excluded.disabled, reason = excluded.reason,
                changed_at = excluded.changed_at, changed_by = excluded.changed_by
            """)
    }

    func raise(_ exception: NewException) throws -> Int64 {
        guard
            let id = try db.first(
                """
                INSERT INTO exceptions (kind, code, record_key, event_seq, message, status, raised_at)
                VALUES (\(exception.kind.rawValue), \(exception.code), \(exception.key), \(exception.eventSeq), \(exception.message), 'open',
                        \(exception.raisedAt.milliseconds))
                RETURNING id
                """)?.int64(0)
        else { throw PostgresStoreError("an exception was not written") }
        return id
    }

    func settleExceptions(key: String, kind: ExceptionKind, at: Timestamp, by: String) throws {
        let settled = try db.all(
            """
            UPDATE exceptions SET status = 'resolved', resolved_at = \(at.milliseconds), resolved_by = \(by)
            WHERE record_key = \(key) AND kind = \(kind.rawValue) AND status = 'open' RETURNING kind, raised_at
            """)
        try countResolutions(settled, at: at)
    }

    func resolveException(id: Int64, at: Timestamp, by: String) throws -> Bool {
        let resolved = try db.all(
            """
            UPDATE exceptions SET status = 'resolved', resolved_at = \(at.milliseconds), resolved_by = \(by)
            WHERE id = \(id) AND status = 'open' RETURNING kind, raised_at
            """)
        try countResolutions(resolved, at: at)
        return resolved.count == 1
    }

    /// Adds resolved exceptions (kind, raised at) to the `exception_resolution` rollup of the day
    /// they were resolved, by kind.
    private func countResolutions(_ rows: [Cells], at: Timestamp) throws {
        for row in rows {
            let took = max(0, at.milliseconds - (try row.int64(1)))
            try addToKPI(
                KPIRollup(day: KPIRollup.day(of: at), measure: KPIMeasure.exceptionResolution, dimension: try row.string(0), total: took, maximum: took))
        }
    }

    func clearProjections() throws {
        for table in ["orders", "customers", "products", "cross_references", "receivables", "invoice_index", "parked", "refused"] {
            try db.run("DELETE FROM \(unescaped: table)")
        }
        savedOrders = [:]
        pendingOrders = []
        pendingUpdatedAt = [:]
    }
}
