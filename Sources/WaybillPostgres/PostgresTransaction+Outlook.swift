import NIOCore
import PostgresNIO
import WaybillCore
import WaybillStore

/// Preparing for an announced ingest batch in two round trips instead of several per event.
extension PostgresTransaction {
    /// Takes the locks of the batch's keys (and of the orders its payments' invoices belong to)
    /// in one statement, then reads in one query what the batch will ask for — its orders and
    /// their parked events, invoices, the orders systems name by these ids (cross-references),
    /// customers, products, open receivables, which of its events
    /// are logged already — and draws a reserve of log numbers and of clock ids.
    ///
    /// The locks are taken in one order (by lock number) by every node, so two batches never
    /// deadlock on them; a lock taken later (a key the outlook missed) may, and PostgreSQL then
    /// aborts one transaction, which runs again. The read comes after the locks, in a statement
    /// of its own: a READ COMMITTED statement sees what was committed when it started, so the
    /// orders read are those their last writer committed.
    func prepare(for outlook: BatchOutlook) throws {
        prepared = true
        let invoices = outlook.invoices.map(\.rawValue)
        let locked = try db.all(
            """
            SELECT k, pg_advisory_xact_lock(\(Self.keyLockClass), h) FROM (
                SELECT DISTINCT hashtext(k) AS h, k FROM unnest(\(Array(outlook.keys))::text[]
                    || ARRAY(SELECT \(RecordKey.orderPrefix) || order_id FROM invoice_index WHERE invoice_id = ANY(\(invoices)::text[]))) AS k
                ORDER BY h, k OFFSET 0
            ) AS keys
            """)
        for row in locked { lockedKeys.insert(try row.string(0)) }
        let keys = Array(lockedKeys)
        let orderIds = keys.compactMap { RecordKey.orderId(of: $0)?.rawValue }
        let customerIds = outlook.customers.map(\.rawValue)
        let skus = outlook.skus.map(\.rawValue)
        let sources = outlook.events.map(\.source)
        let eventIds = outlook.events.map(\.id)
        let rows = try db.all(
            """
            SELECT 'o', order_id, state, 0::bigint, 0::bigint, 0::bigint, NULL::text, NULL::text FROM orders WHERE order_id = ANY(\(orderIds)::text[])
            UNION ALL SELECT 'p', record_key, NULL, seq, event_time, received_at, awaiting, NULL FROM parked WHERE record_key = ANY(\(keys)::text[])
            UNION ALL SELECT 'i', invoice_id, NULL, 0, 0, 0, order_id, NULL FROM invoice_index WHERE invoice_id = ANY(\(invoices)::text[])
            UNION ALL SELECT 'c', customer_id, record, 0, 0, 0, NULL, NULL FROM customers WHERE customer_id = ANY(\(customerIds)::text[])
            UNION ALL SELECT 'k', sku, record, 0, 0, 0, NULL, NULL FROM products WHERE sku = ANY(\(skus)::text[])
            UNION ALL SELECT 'r', customer_id, NULL, open_minor, 0, 0, NULL, NULL FROM receivables WHERE customer_id = ANY(\(customerIds)::text[])
            UNION ALL SELECT 'e', e.source, NULL, 0, 0, 0, e.event_id, NULL
                FROM events e JOIN unnest(\(sources)::text[], \(eventIds)::text[]) AS n(source, id) ON e.source = n.source AND e.event_id = n.id
            UNION ALL SELECT 'x', external, NULL, 0, 0, 0, system, canonical FROM cross_references
                WHERE kind = 'order' AND external = ANY(\(orderIds)::text[])
            UNION ALL SELECT 'y', external, NULL, 0, 0, 0, system, canonical FROM external_ids
                WHERE kind = 'order' AND external = ANY(\(orderIds)::text[])
            UNION ALL SELECT 's', '', NULL, nextval(s.name), 0, 0, NULL, NULL
                FROM (SELECT pg_get_serial_sequence('events', 'seq')::regclass AS name) s, generate_series(1, \(Int64(outlook.events.count * 2 + 16)))
            UNION ALL SELECT 'l', '', NULL, nextval(s.name), 0, 0, NULL, NULL
                FROM (SELECT pg_get_serial_sequence('slo_clocks', 'id')::regclass AS name) s, generate_series(1, \(Int64(outlook.events.count + 16)))
            """)
        for id in orderIds where lockedOrders[OrderID(id)] == nil { lockedOrders[OrderID(id)] = .some(nil) }
        for key in keys where parkedByKey[key] == nil { parkedByKey[key] = [] }
        for customer in outlook.customers where receivablesRead[customer] == nil { receivablesRead[customer] = 0 }
        checkedEvents.formUnion(outlook.events)
        checkedOrderReferences.formUnion(orderIds)
        var reserve: [Int64] = []
        var clockIds: [Int64] = []
        for row in rows {
            let name = try row.string(1)
            switch try row.string(0) {
            case "o":
                lockedOrders[OrderID(name)] = .some(try OrderState(storage: try row.bytes(2)))
            case "p":
                parkedByKey[name, default: []].append(
                    ParkedEvent(
                        seq: try row.int64(3), key: name, eventTime: try row.timestamp(4), receivedAt: try row.timestamp(5), awaiting: try row.stringOrNil(6)))
            case "i":
                invoiceOrders[InvoiceID(name)] = OrderID(try row.string(6))
            case "c":
                customers[CustomerID(name)] = try CustomerRecord(PayloadReader.object(try JSONParser.parse(try row.bytes(2)), at: "$"))
            case "k":
                products[SKU(name)] = try ProductRecord(PayloadReader.object(try JSONParser.parse(try row.bytes(2)), at: "$"))
            case "r":
                receivablesRead[CustomerID(name)] = try row.int64(3)
            case "e":
                loggedEvents.insert(BatchOutlook.EventName(source: name, id: try row.string(6)))
            case "x":
                orderCrossReferences[SystemReference(system: try row.string(6), external: name)] = try row.string(7)
            case "y":
                orderExternalIds[SystemReference(system: try row.string(6), external: name)] = try row.string(7)
            case "l":
                clockIds.append(try row.int64(3))
            default:
                reserve.append(try row.int64(3))
            }
        }
        for key in keys { parkedByKey[key]?.sort { ($0.eventTime, $0.seq) < ($1.eventTime, $1.seq) } }
        takeReserve(reserve)
        reservedClockIds = clockIds.sorted()
        reservedClockNext = 0
    }
}
