import NIOCore
import PostgresNIO
import WaybillCore
import WaybillStore

/// One write transaction (`READ COMMITTED`) on a leased connection.
///
/// **One transaction per order at a time.** One order (any record key) is changed by one
/// transaction at a time, whichever node runs it: the transaction takes the key's advisory lock
/// (`pg_advisory_xact_lock`, held until commit or rollback) before it appends an event of the
/// key, reads the order to change it or saves it. Sequence numbers of a key's events are drawn
/// only while its lock is held, so the log's order per key is the order in which transactions
/// committed, and a delivery's in-order check by `seq` holds across nodes. Transactions that lock
/// keys in opposite orders deadlock; PostgreSQL aborts one, and `PostgresStore.write` runs its
/// body again.
///
/// **Fewer round trips.** postgres-nio does not pipeline, so each statement costs a round trip.
/// An append takes its key's lock in the same statement. Deliveries, order rows and KPI
/// additions are held back and written together, one statement per table with array parameters
/// (`unnest`), before the commit or before a query that reads their table (see
/// `writePending(before:)`). Customers and products read or saved are remembered for the rest of
/// the transaction.
final class PostgresTransaction: PostgresReader, StoreTransaction {
    /// The first number of our advisory locks (the second is `hashtext(key)`): "WAYB".
    static let keyLockClass: Int32 = 0x5741_5942
    /// The advisory locks that serialise creating a partner's control number sequence.
    static let sequenceLockClass: Int32 = 0x5741_5943

    private(set) var lockedKeys: Set<String> = []
    /// Orders saved by this transaction, as of their latest save (reads see these).
    private var savedOrders: [OrderID: OrderState] = [:]
    /// Orders whose rows are still to be written, in the order first saved, with their time.
    private var pendingOrders: [OrderID] = []
    private var pendingUpdatedAt: [OrderID: Timestamp] = [:]
    /// Deliveries not written yet, in enqueue order.
    private var pendingDeliveries: [(seq: Int64, subscription: String, key: String, type: String, at: Int64)] = []
    /// KPI additions not written yet, summed per (measure, dimension, day).
    private var pendingKPIs: [KPIKey: (count: Int64, total: Int64, maximum: Int64)] = [:]
    private var pendingKPIOrder: [KPIKey] = []
    var customers: [CustomerID: CustomerRecord] = [:]
    var products: [SKU: ProductRecord] = [:]

    struct KPIKey: Hashable {
        var measure: String
        var dimension: String
        var day: Int64
    }

    /// Takes the advisory lock of `key` for the rest of the transaction (once per key).
    func lock(_ key: String) throws {
        guard !lockedKeys.contains(key) else { return }
        try db.run("SELECT pg_advisory_xact_lock(\(Self.keyLockClass), hashtext(\(key)))")
        lockedKeys.insert(key)
    }

    override func order(_ id: OrderID) throws -> OrderState? {
        if let saved = savedOrders[id] { return saved }
        try lock(RecordKey.order(id))
        return try super.order(id)
    }

    override func customer(_ id: CustomerID) throws -> CustomerRecord? {
        if let known = customers[id] { return known }
        let found = try super.customer(id)
        if let found { customers[id] = found }
        return found
    }

    override func product(_ sku: SKU) throws -> ProductRecord? {
        if let known = products[sku] { return known }
        let found = try super.product(sku)
        if let found { products[sku] = found }
        return found
    }

    /// Appends to the log at once (its number and whether it is a duplicate are the answer),
    /// the key's lock taken by the same statement before the number is drawn: numbers have no
    /// gaps but for duplicates and rolled-back transactions.
    func append(_ event: NewEvent) throws -> Int64? {
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
        return seq
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

    /// Holds back one row per subscription, written with the others (the names bound as arrays).
    func enqueueDeliveries(seq: Int64, subscriptions: [SubscriptionName], key: String, type: EventType, at: Timestamp) throws {
        try lock(key)
        for subscription in subscriptions {
            pendingDeliveries.append((seq, subscription.rawValue, key, type.rawValue, at.milliseconds))
        }
    }

    /// Adds to the day's rollup when the transaction's rows are written (summed until then).
    func addToKPI(_ rollup: KPIRollup) throws {
        let key = KPIKey(measure: rollup.measure, dimension: rollup.dimension, day: rollup.day)
        if let sum = pendingKPIs[key] {
            pendingKPIs[key] = (sum.count + rollup.count, sum.total + rollup.total, max(sum.maximum, rollup.maximum))
        } else {
            pendingKPIs[key] = (rollup.count, rollup.total, rollup.maximum)
            pendingKPIOrder.append(key)
        }
    }

    /// Runs a write that reads or changes tables with held-back rows, after writing them.
    @discardableResult
    func run(_ query: PostgresQuery) throws -> Int {
        try writePending(before: query.sql)
        return try db.run(query)
    }

    override func writePending(before sql: String) throws {
        if !pendingDeliveries.isEmpty && sql.contains("outbox") { try writePendingDeliveries() }
        if !pendingOrders.isEmpty && sql.contains("orders") { try writePendingOrders() }
        if !pendingKPIs.isEmpty && sql.contains("kpi_days") { try writePendingKPIs() }
    }

    /// Writes every held-back row (before the commit).
    func writeAllPending() throws {
        try writePendingDeliveries()
        try writePendingOrders()
        try writePendingKPIs()
    }

    private func writePendingDeliveries() throws {
        guard !pendingDeliveries.isEmpty else { return }
        let rows = pendingDeliveries
        pendingDeliveries = []
        try db.run(
            """
            INSERT INTO outbox (seq, subscription, record_key, type, status, attempts, next_attempt_at, created_at)
            SELECT seq, subscription, record_key, type, 0, 0, at, at
            FROM unnest(\(rows.map(\.seq))::bigint[], \(rows.map(\.subscription))::text[], \(rows.map(\.key))::text[], \(rows.map(\.type))::text[],
                        \(rows.map(\.at))::bigint[]) WITH ORDINALITY AS d(seq, subscription, record_key, type, at, n)
            ORDER BY n
            """)
    }

    private func writePendingOrders() throws {
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

    private func writePendingKPIs() throws {
        guard !pendingKPIs.isEmpty else { return }
        let keys = pendingKPIOrder
        let sums = keys.map { pendingKPIs[$0]! }
        pendingKPIs = [:]
        pendingKPIOrder = []
        try db.run(
            """
            INSERT INTO kpi_days (measure, dimension, day, count, total, maximum)
            SELECT * FROM unnest(\(keys.map(\.measure))::text[], \(keys.map(\.dimension))::text[], \(keys.map(\.day))::bigint[],
                                 \(sums.map(\.count))::bigint[], \(sums.map(\.total))::bigint[], \(sums.map(\.maximum))::bigint[])
            ON CONFLICT (measure, dimension, day) DO UPDATE SET count = kpi_days.count + excluded.count,
                total = kpi_days.total + excluded.total, maximum = GREATEST(kpi_days.maximum, excluded.maximum)
            """)
    }

    func clearProjections() throws {
        try writeAllPending()
        for table in ["orders", "customers", "products", "cross_references", "receivables", "invoice_index", "parked", "refused"] {
            try db.run("DELETE FROM \(unescaped: table)")
        }
        savedOrders = [:]
        customers = [:]
        products = [:]
    }
}
