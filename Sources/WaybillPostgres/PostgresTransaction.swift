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
/// An ingest batch is announced first (`prepare(for:)`, two statements): the locks of all its
/// keys, then its orders, parked events, invoices, master data, already-logged events and a
/// reserve of log numbers in one query, so that its reads are answered from memory. Log
/// entries, deliveries, order rows, KPI additions, receivables, invoice index rows and settled
/// exceptions are held back and written together, one statement per table with array parameters
/// (`unnest`), before the commit or before a query that names their table (see
/// `writePending(before:)`). Customers and products read or saved are remembered for the rest of
/// the transaction.
final class PostgresTransaction: PostgresReader, StoreTransaction {
    /// The first number of our advisory locks (the second is `hashtext(key)`): "WAYB".
    static let keyLockClass: Int32 = 0x5741_5942
    /// The advisory locks that serialise creating a partner's control number sequence.
    static let sequenceLockClass: Int32 = 0x5741_5943

    /// The channel told of new deliveries at commit (`PostgresLocation.deliveryChannel`).
    let deliveryChannel: String
    var lockedKeys: Set<String> = []
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

    // What `prepare(for:)` read, and the log entries held back (PostgresTransaction+Log).
    /// Whether a batch was announced: only then are log numbers reserved and entries held back.
    var prepared = false
    /// Orders read while holding their key's lock: `nil` when there is no such order. Only a
    /// transaction holding the lock changes an order, so these stay true until the commit.
    var lockedOrders: [OrderID: OrderState?] = [:]
    /// Parked events of keys whose lock was held when they were read, kept up to date by `park`
    /// and `unpark` (events are parked under a key only by the holder of its lock).
    var parkedByKey: [String: [ParkedEvent]] = [:]
    /// The order of each invoice found in the index or indexed here (an invoice's order never changes).
    var invoiceOrders: [InvoiceID: OrderID] = [:]
    /// Invoice index rows not written yet.
    var pendingInvoices: [(invoice: InvoiceID, order: OrderID)] = []
    /// Open receivables as `prepare` read them, and this transaction's changes since (all of them).
    var receivablesRead: [CustomerID: Int64] = [:]
    var receivablesChanged: [CustomerID: Int64] = [:]
    /// Receivables changes not written yet, summed per customer.
    var pendingReceivables: [CustomerID: Int64] = [:]
    /// Exceptions to settle (key, kind, when, by whom), in order, at most one per (key, kind).
    var pendingSettlements: [(key: String, kind: String, at: Int64, by: String)] = []
    /// Events whose (source, id) `prepare` looked up, and those of them already in the log.
    var checkedEvents: Set<BatchOutlook.EventName> = []
    var loggedEvents: Set<BatchOutlook.EventName> = []
    /// Events this transaction appended (held back or written).
    var appendedEvents: Set<BatchOutlook.EventName> = []
    /// Log numbers drawn from the events' identity while every key of `reserveKeys` was locked,
    /// ascending: an entry of one of those keys may take the next one.
    var reservedSeqs: [Int64] = []
    var reservedNext = 0
    var reserveKeys: Set<String> = []
    /// Log entries not written yet, in the order appended.
    var pendingEvents: [PendingEvent] = []
    var pendingEventIndex: [Int64: Int] = [:]

    /// Order ids `prepare` looked up as systems' own ids, and what it found (cross-references
    /// win over external ids, as in `crossReference`), kept up to date by this transaction's saves.
    var checkedOrderReferences: Set<String> = []
    var orderCrossReferences: [SystemReference: String] = [:]
    var orderExternalIds: [SystemReference: String] = [:]

    struct SystemReference: Hashable {
        var system: String
        var external: String
    }

    /// Whether clocks started in an announced batch are held back (see +ServiceLevels).
    var holdsClocksBack = true
    var pendingClocks: [ClockRecord] = []
    var pendingClockIndex: [ClockName: Int] = [:]
    var pendingClocksById: [Int64: Int] = [:]
    var reservedClockIds: [Int64] = []
    var reservedClockNext = 0

    struct ClockName: Hashable {
        var clock: String
        var subject: String
    }

    struct PendingEvent {
        var seq: Int64
        var event: NewEvent
        var outcome: String?
        var code: String?
        var render: (@Sendable () -> [UInt8])?
    }

    struct KPIKey: Hashable {
        var measure: String
        var dimension: String
        var day: Int64
    }

    init(db: BlockingConnection, deliveryChannel: String) {
        self.deliveryChannel = deliveryChannel
        super.init(db: db)
    }

    /// Takes the advisory lock of `key` for the rest of the transaction (once per key).
    func lock(_ key: String) throws {
        guard !lockedKeys.contains(key) else { return }
        try db.run("SELECT pg_advisory_xact_lock(\(Self.keyLockClass), hashtext(\(key)))")
        lockedKeys.insert(key)
    }

    override func order(_ id: OrderID) throws -> OrderState? {
        if let saved = savedOrders[id] { return saved }
        if let known = lockedOrders[id] { return known }
        try lock(RecordKey.order(id))
        let found = try super.order(id)
        lockedOrders[id] = .some(found)
        return found
    }

    override func parkedEvents(key: String) throws -> [ParkedEvent] {
        if let known = parkedByKey[key] { return known }
        let found = try super.parkedEvents(key: key)
        if lockedKeys.contains(key) { parkedByKey[key] = found }
        return found
    }

    override func orderForInvoice(_ invoice: InvoiceID) throws -> OrderID? {
        if let known = invoiceOrders[invoice] { return known }
        let found = try super.orderForInvoice(invoice)
        if let found { invoiceOrders[invoice] = found }
        return found
    }

    /// Clocks started here and not written yet (see +ServiceLevels).
    override func heldClock(_ clock: ServiceLevelClock, subject: String) -> ClockRecord? {
        pendingClockIndex[ClockName(clock: clock.rawValue, subject: subject)].map { pendingClocks[$0] }
    }

    override func heldClocks(where include: (ClockRecord) -> Bool) -> [ClockRecord] { pendingClocks.filter(include) }

    override func crossReference(kind: String, system: SystemName, external: String) throws -> String? {
        if kind == "order" && checkedOrderReferences.contains(external) {
            let reference = SystemReference(system: system.rawValue, external: external)
            return orderCrossReferences[reference] ?? orderExternalIds[reference]
        }
        return try super.crossReference(kind: kind, system: system, external: external)
    }

    /// What `prepare` read plus this transaction's changes, else the stored figure plus the
    /// changes not written yet.
    override func openReceivables(of customer: CustomerID) throws -> Int64 {
        if let read = receivablesRead[customer] { return read + receivablesChanged[customer, default: 0] }
        return try super.openReceivables(of: customer) + pendingReceivables[customer, default: 0]
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
        if !pendingEvents.isEmpty && sql.contains("events") { try writePendingEvents() }
        if !pendingDeliveries.isEmpty && sql.contains("outbox") { try writePendingDeliveries() }
        if !pendingOrders.isEmpty && sql.contains("orders") { try writePendingOrders() }
        if !pendingSettlements.isEmpty && sql.contains("exceptions") { try writePendingSettlements() }
        if !pendingKPIs.isEmpty && sql.contains("kpi_days") { try writePendingKPIs() }
        if !pendingClocks.isEmpty && sql.contains("slo_clocks") { try writePendingClocks() }
        if !pendingReceivables.isEmpty && sql.contains("receivables") { try writePendingReceivables() }
        if !pendingInvoices.isEmpty && sql.contains("invoice_index") { try writePendingInvoices() }
    }

    /// Writes every held-back row (before the commit). Settling exceptions adds to the KPIs.
    func writeAllPending() throws {
        try writePendingEvents()
        try writePendingDeliveries()
        try writePendingOrders()
        try writePendingSettlements()
        try writePendingClocks()
        try writePendingKPIs()
        try writePendingReceivables()
        try writePendingInvoices()
    }

    private func writePendingDeliveries() throws {
        guard !pendingDeliveries.isEmpty else { return }
        let rows = pendingDeliveries
        pendingDeliveries = []
        // The other nodes' schedulers are told at commit, in the same round trip. PostgreSQL sends
        // a transaction's identical notifications once, however many times this runs before it.
        try db.run(
            """
            WITH inserted AS (
                INSERT INTO outbox (seq, subscription, record_key, type, status, attempts, next_attempt_at, created_at)
                SELECT seq, subscription, record_key, type, 0, 0, at, at
                FROM unnest(\(rows.map(\.seq))::bigint[], \(rows.map(\.subscription))::text[], \(rows.map(\.key))::text[], \(rows.map(\.type))::text[],
                            \(rows.map(\.at))::bigint[]) WITH ORDINALITY AS d(seq, subscription, record_key, type, at, n)
                ORDER BY n
            )
            SELECT pg_notify(\(deliveryChannel), '')
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
        lockedOrders = [:]
        checkedOrderReferences = []
        orderCrossReferences = [:]
        parkedByKey = [:]
        invoiceOrders = [:]
        receivablesRead = [:]
        customers = [:]
        products = [:]
    }
}
