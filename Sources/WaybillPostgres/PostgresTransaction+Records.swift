import NIOCore
import PostgresNIO
import WaybillCore
import WaybillStore

/// Writing master data, cross-references, parked and refused events, kept payloads, audit,
/// heartbeats, subscriptions and exceptions: one statement each, at once.
extension PostgresTransaction {
    func save(_ customer: CustomerRecord) throws {
        try db.run(
            """
            INSERT INTO customers (customer_id, record) VALUES (\(customer.customerId.rawValue), \(JSONWriter.bytes(customer.json).bytea))
            ON CONFLICT (customer_id) DO UPDATE SET record = excluded.record
            """)
        customers[customer.customerId] = customer
    }

    func save(_ product: ProductRecord) throws {
        try db.run(
            """
            INSERT INTO products (sku, record) VALUES (\(product.sku.rawValue), \(JSONWriter.bytes(product.json).bytea))
            ON CONFLICT (sku) DO UPDATE SET record = excluded.record
            """)
        products[product.sku] = product
    }

    func saveCrossReference(kind: String, system: SystemName, external: String, canonical: String) throws {
        if kind == "order" { orderCrossReferences[SystemReference(system: system.rawValue, external: external)] = canonical }
        try db.run(
            """
            INSERT INTO cross_references (kind, system, external, canonical) VALUES (\(kind), \(system.rawValue), \(external), \(canonical))
            ON CONFLICT (kind, system, external) DO UPDATE SET canonical = excluded.canonical
            """)
    }

    func saveExternalId(kind: String, system: SystemName, canonical: String, external: String) throws {
        if kind == "order" { orderExternalIds[SystemReference(system: system.rawValue, external: external)] = canonical }
        try db.run(
            """
            INSERT INTO external_ids (kind, system, canonical, external) VALUES (\(kind), \(system.rawValue), \(canonical), \(external))
            ON CONFLICT (kind, system, canonical) DO UPDATE SET external = excluded.external
            """)
    }

    /// Held back, summed per customer (see `openReceivables`).
    func adjustReceivables(of customer: CustomerID, by delta: Int64) throws {
        pendingReceivables[customer, default: 0] += delta
        if receivablesRead[customer] != nil { receivablesChanged[customer, default: 0] += delta }
    }

    /// Held back; the transaction answers for it at once (`orderForInvoice`).
    func indexInvoice(_ invoice: InvoiceID, order: OrderID) throws {
        pendingInvoices.append((invoice, order))
        invoiceOrders[invoice] = order
    }

    func writePendingReceivables() throws {
        guard !pendingReceivables.isEmpty else { return }
        let changes = pendingReceivables.sorted { $0.key.rawValue < $1.key.rawValue }
        pendingReceivables = [:]
        try db.run(
            """
            INSERT INTO receivables (customer_id, open_minor)
            SELECT * FROM unnest(\(changes.map(\.key.rawValue))::text[], \(changes.map(\.value))::bigint[])
            ON CONFLICT (customer_id) DO UPDATE SET open_minor = receivables.open_minor + excluded.open_minor
            """)
    }

    func writePendingInvoices() throws {
        guard !pendingInvoices.isEmpty else { return }
        // The last row of an invoice wins, as one statement per row would have it.
        var latest: [InvoiceID: OrderID] = [:]
        for (invoice, order) in pendingInvoices { latest[invoice] = order }
        let rows = latest.sorted { $0.key.rawValue < $1.key.rawValue }
        pendingInvoices = []
        try db.run(
            """
            INSERT INTO invoice_index (invoice_id, order_id)
            SELECT * FROM unnest(\(rows.map(\.key.rawValue))::text[], \(rows.map(\.value.rawValue))::text[])
            ON CONFLICT (invoice_id) DO UPDATE SET order_id = excluded.order_id
            """)
    }

    /// Parks under the key's lock, so that a transaction holding the lock knows the key's
    /// parked events from one read (`parkedByKey`): a payment waits under its invoice's key.
    func park(_ event: ParkedEvent) throws {
        try lock(event.key)
        forgetParked(seq: event.seq)
        if parkedByKey[event.key] != nil {
            parkedByKey[event.key]!.append(event)
            parkedByKey[event.key]!.sort { ($0.eventTime, $0.seq) < ($1.eventTime, $1.seq) }
        }
        try db.run(
            """
            INSERT INTO parked (seq, record_key, event_time, received_at, awaiting)
            VALUES (\(event.seq), \(event.key), \(event.eventTime.milliseconds), \(event.receivedAt.milliseconds), \(event.awaiting))
            ON CONFLICT (seq) DO UPDATE SET record_key = excluded.record_key, event_time = excluded.event_time,
                received_at = excluded.received_at, awaiting = excluded.awaiting
            """)
    }

    func unpark(seq: Int64) throws {
        forgetParked(seq: seq)
        try db.run("DELETE FROM parked WHERE seq = \(seq)")
    }

    private func forgetParked(seq: Int64) {
        for (key, events) in parkedByKey where events.contains(where: { $0.seq == seq }) { parkedByKey[key] = events.filter { $0.seq != seq } }
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
            let id = try first(
                """
                INSERT INTO exceptions (kind, code, record_key, event_seq, message, status, raised_at)
                VALUES (\(exception.kind.rawValue), \(exception.code), \(exception.key), \(exception.eventSeq), \(exception.message), 'open',
                        \(exception.raisedAt.milliseconds))
                RETURNING id
                """)?.int64(0)
        else { throw PostgresStoreError("an exception was not written") }
        return id
    }

    /// Held back (once per key and kind until the exceptions table is next written or read):
    /// callers need no answer, and most settle nothing.
    func settleExceptions(key: String, kind: ExceptionKind, at: Timestamp, by: String) throws {
        guard !pendingSettlements.contains(where: { $0.key == key && $0.kind == kind.rawValue }) else { return }
        pendingSettlements.append((key, kind.rawValue, at.milliseconds, by))
    }

    func writePendingSettlements() throws {
        guard !pendingSettlements.isEmpty else { return }
        let rows = pendingSettlements
        pendingSettlements = []
        let settled = try db.all(
            """
            UPDATE exceptions e SET status = 'resolved', resolved_at = s.at, resolved_by = s.by
            FROM unnest(\(rows.map(\.key))::text[], \(rows.map(\.kind))::text[], \(rows.map(\.at))::bigint[], \(rows.map(\.by))::text[])
                AS s(key, kind, at, by)
            WHERE e.record_key = s.key AND e.kind = s.kind AND e.status = 'open' RETURNING e.kind, e.raised_at, s.at
            """)
        for row in settled { try countResolutions([row], at: try row.timestamp(2)) }
    }

    func resolveException(id: Int64, at: Timestamp, by: String) throws -> Bool {
        let resolved = try all(
            """
            UPDATE exceptions SET status = 'resolved', resolved_at = \(at.milliseconds), resolved_by = \(by)
            WHERE id = \(id) AND status = 'open' RETURNING kind, raised_at
            """)
        try countResolutions(resolved, at: at)
        return resolved.count == 1
    }

    /// Adds resolved exceptions (kind, raised at) to the `exception_resolution` rollup of the day
    /// they were resolved, by kind.
    func countResolutions(_ rows: [Cells], at: Timestamp) throws {
        for row in rows {
            let took = max(0, at.milliseconds - (try row.int64(1)))
            try addToKPI(
                KPIRollup(day: KPIRollup.day(of: at), measure: KPIMeasure.exceptionResolution, dimension: try row.string(0), total: took, maximum: took))
        }
    }
}
