import WaybillCore

/// The hub's durable store: an append-only event log, projections, the outbox and exceptions.
///
/// Implementations (SQLite, PostgreSQL) must pass `StoreConformance`. Every `write` is one
/// transaction: either all of it is durable when the call returns, or none of it is.
public protocol Store: Sendable {
    /// Runs `body` in one write transaction and commits it durably before returning.
    func write<T: Sendable>(_ body: @escaping @Sendable (any StoreTransaction) throws -> T) async throws -> T
    /// Runs `body` on a consistent snapshot.
    func read<T: Sendable>(_ body: @escaping @Sendable (any StoreReader) throws -> T) async throws -> T
    /// How many of this process's write transactions run side by side to good effect: 1 for a
    /// store with one writer (SQLite), more for a server that runs transactions at once
    /// (PostgreSQL); the hub keeps that many ingest group commits going.
    var concurrentWriters: Int { get }
}

extension Store {
    public var concurrentWriters: Int { 1 }
}

/// What can be read from the store.
public protocol StoreReader {
    func order(_ id: OrderID) throws -> OrderState?
    /// Orders filtered by status, customer and update time, in order-id order after `after` (a cursor).
    func orders(status: OrderStatus?, customer: CustomerID?, updatedSince: Timestamp?, after: OrderID?, limit: Int) throws -> [OrderState]
    func orderCount() throws -> Int
    func ordersAwaitingMasterData() throws -> [OrderID]
    /// When each hub process last beat (`StoreTransaction.beat`).
    func heartbeats() throws -> [String: Timestamp]
    func customer(_ id: CustomerID) throws -> CustomerRecord?
    func product(_ sku: SKU) throws -> ProductRecord?
    /// The canonical id a system's own id maps to (`kind` is `customer`, `product` or `order`),
    /// from the cross-references and the ids captured from the system's answers.
    func crossReference(kind: String, system: SystemName, external: String) throws -> String?
    /// The system's own id for a record of ours, captured from its answer to a call.
    func externalId(kind: String, system: SystemName, canonical: String) throws -> String?
    /// The systems that have ids of their own for any customer, product or order (in the
    /// cross-references or captured from their answers): the others are sent the hub's ids.
    func systemsWithOwnIds() throws -> Set<SystemName>
    func openReceivables(of customer: CustomerID) throws -> Int64
    func orderForInvoice(_ invoice: InvoiceID) throws -> OrderID?

    func event(_ seq: Int64) throws -> StoredEvent?
    func eventSeq(source: String, eventId: String) throws -> Int64?
    func events(key: String) throws -> [StoredEvent]
    /// Inbound events, and refused ones reprocessed later (origin `reprocessed`, where they were
    /// applied), in log order after `seq` (for rebuilding projections).
    func inboundEvents(after seq: Int64, limit: Int) throws -> [StoredEvent]
    func eventCount() throws -> Int

    func parkedEvents(key: String) throws -> [ParkedEvent]
    /// Refused inbound events kept for reprocessing, oldest first: all, or those refused with `code`.
    func refusedEvents(code: String?, limit: Int) throws -> [RefusedEvent]
    func refusedEvent(seq: Int64) throws -> RefusedEvent?
    func keptPayload(id: Int64) throws -> KeptPayload?
    /// Kept payloads, oldest first, of one system or all.
    func keptPayloads(system: SystemName?, limit: Int) throws -> [KeptPayload]
    func parkedEvents(receivedBefore: Timestamp, unexpiredOnly: Bool) throws -> [ParkedEvent]

    /// Due deliveries: at most one per (subscription, key) — the oldest undelivered — and only
    /// when it is due at `now`.
    func dueDeliveries(now: Timestamp, excluding: Set<Int64>, limit: Int) throws -> [DeliveryJob]
    func deliveries(_ filter: DeliveryFilter) throws -> [DeliveryRecord]
    func delivery(_ id: Int64) throws -> DeliveryRecord?
    func deliveryProgress(key: String) throws -> [SubscriptionName: SubscriptionProgress]
    func deliveryCounts(status: DeliveryStatus) throws -> [SubscriptionName: Int]
    /// When each subscription's oldest pending delivery was created.
    func oldestPending() throws -> [SubscriptionName: Timestamp]
    /// Each subscription's pending deliveries counted up to `cap`, and its oldest pending one's
    /// creation time — from an index of pending rows by subscription, so the answer costs the
    /// same with a backlog of millions (the console's overview).
    func queueDepths(of subscriptions: [SubscriptionName], cap: Int) throws -> [SubscriptionName: QueueDepth]

    func exceptions(_ filter: ExceptionFilter) throws -> [ExceptionRecord]
    func exception(_ id: Int64) throws -> ExceptionRecord?
    /// How many exceptions are open, by kind.
    func openExceptionCounts() throws -> [ExceptionKind: Int]

    /// Subscriptions disabled (by a 410 Gone), with why.
    func disabledSubscriptions() throws -> [SubscriptionName: String]
    /// The audit log, newest last.
    func auditLog(limit: Int) throws -> [AuditEntry]

    /// The interchange a delivery wrote (so a retry resends the same one, under the same number).
    func outboundInterchange(delivery id: Int64) throws -> OutboundInterchange?
    func outboundInterchange(partner: SystemName, control: Int) throws -> OutboundInterchange?
    /// A partner's outbound interchanges, oldest first (all partners when nil).
    func outboundInterchanges(partner: SystemName?, limit: Int) throws -> [OutboundInterchange]
    /// Interchanges still waiting for a 997 whose window closed before `now`.
    func overdueInterchanges(now: Timestamp) throws -> [OutboundInterchange]
    func inboundInterchange(partner: SystemName, control: String) throws -> InboundInterchange?

    /// A canonical text of every projection, to compare a rebuild with the original.
    func projectionDigest() throws -> String

    /// The deliveries of one log entry (every subscription it went to), in id order.
    func deliveries(ofEvent seq: Int64) throws -> [DeliveryRecord]

    /// The service-level clock of `clock` that times `subject`.
    func clock(_ clock: ServiceLevelClock, subject: String) throws -> ClockRecord?
    /// Running clocks of `clock` on `key`, oldest first.
    func runningClocks(_ clock: ServiceLevelClock, key: String) throws -> [ClockRecord]
    /// Running clocks waiting for the deliveries of log entry `seq`.
    func runningClocks(awaiting seq: Int64) throws -> [ClockRecord]
    /// Running clocks not yet breached that are due by `now`, earliest first.
    func dueClocks(now: Timestamp, limit: Int) throws -> [ClockRecord]
    /// Running clocks whose breach was raised (their exception waits to be settled).
    func breachedClocks(limit: Int) throws -> [ClockRecord]
    /// How many clocks run past their breach, by clock.
    func openBreachCounts() throws -> [ServiceLevelClock: Int]

    /// The KPI rollups of days `days` (of every measure when `measures` is nil).
    func kpiRollups(days: ClosedRange<Int64>, measures: [String]?) throws -> [KPIRollup]
}

/// What one write transaction can do, on top of reading.
public protocol StoreTransaction: StoreReader {
    /// Told what a batch of inbound events names before they are processed: a store may lock,
    /// read and check it all at once (see `BatchOutlook`). Changes nothing a reader could see.
    func prepare(for outlook: BatchOutlook) throws
    /// Appends to the log; `nil` if (source, eventId) is already there (a duplicate).
    func append(_ event: NewEvent) throws -> Int64?
    /// Appends a hub event whose body `render` writes; the store may call it later (on another
    /// thread) but before the transaction commits. The event's (source, eventId) must be new:
    /// the transaction fails if it is not.
    func append(_ event: NewEvent, renderingBody render: @escaping @Sendable () -> [UInt8]) throws -> Int64
    func recordOutcome(seq: Int64, outcome: IngestOutcome, code: String?) throws
    /// Moves an event onto its order's trace (a parked event applied when its order arrived).
    func setTraceId(seq: Int64, traceId: String) throws

    func save(_ order: OrderState, updatedAt: Timestamp) throws
    func save(_ customer: CustomerRecord) throws
    func save(_ product: ProductRecord) throws
    func saveCrossReference(kind: String, system: SystemName, external: String, canonical: String) throws
    /// Records the id a system gave a record of ours (captured from its answer to a call that
    /// created it). Kept across rebuilds: it is not derived from the log.
    func saveExternalId(kind: String, system: SystemName, canonical: String, external: String) throws
    func adjustReceivables(of customer: CustomerID, by delta: Int64) throws
    func indexInvoice(_ invoice: InvoiceID, order: OrderID) throws

    func park(_ event: ParkedEvent) throws
    func unpark(seq: Int64) throws
    /// Keeps a refused inbound event for reprocessing once its cause is fixed (master data,
    /// configuration); `forget` when it has been reprocessed.
    func keepRefused(_ event: RefusedEvent) throws
    /// Keeps a system's own payload that could not be mapped; returns its id, or the id of the
    /// one already kept with the same (system, delivery id) — a sender's retry — and whether it is new.
    func keep(_ payload: KeptPayload) throws -> (id: Int64, isNew: Bool)
    func forgetPayload(id: Int64) throws
    func forgetRefused(seq: Int64) throws

    /// Writes one outbox row per subscription for event `seq` (all due at `at`).
    func enqueueDeliveries(seq: Int64, subscriptions: [SubscriptionName], key: String, type: EventType, at: Timestamp) throws
    func recordAttempt(delivery id: Int64, result: AttemptResult) throws
    /// Makes a dead or delivered delivery pending again, due at `at` (retry and replay).
    func requeue(delivery id: Int64, at: Timestamp) throws -> Bool
    /// Requeues a subscription's deliveries whose event falls in the sequence and receive-time
    /// ranges; they keep their ids (and so their `webhook-id`). Returns how many.
    func requeueDeliveries(subscription: SubscriptionName, seqs: ClosedRange<Int64>?, received: ClosedRange<Timestamp>?, at: Timestamp) throws -> Int
    func setSubscription(_ name: SubscriptionName, disabled: Bool, reason: String?, at: Timestamp, by: String) throws
    /// Moves a subscription's deliveries not yet delivered (pending and dead) to another
    /// subscription (a cutover); they keep their ids and their order per key. Returns how many.
    func moveDeliveries(from: SubscriptionName, to: SubscriptionName, at: Timestamp) throws -> Int
    /// Records that hub process `node` is alive at `at` (a small real write: a store that cannot
    /// take writes fails it).
    func beat(node: String, at: Timestamp) throws
    /// Takes or renews lease `name` for `holder` until `until`: true when `holder` holds it now
    /// (it was free, had run out before `now`, or was `holder`'s already), false while another
    /// holder's lease runs. Periodic jobs run on the node holding their lease, one at a time.
    func holdLease(_ name: String, holder: String, now: Timestamp, until: Timestamp) throws -> Bool
    /// Removes up to `limit` delivered deliveries delivered before `before`; returns how many.
    func removeDelivered(before: Timestamp, limit: Int) throws -> Int
    /// Removes the heartbeats of nodes last seen before `before`; returns how many.
    func forgetNodes(seenBefore before: Timestamp) throws -> Int
    func audit(_ entry: AuditEntry) throws

    @discardableResult
    func raise(_ exception: NewException) throws -> Int64
    /// Resolves the open exceptions of `kind` on `key`.
    func settleExceptions(key: String, kind: ExceptionKind, at: Timestamp, by: String) throws
    func resolveException(id: Int64, at: Timestamp, by: String) throws -> Bool

    /// The next number of the partner's one interchange control sequence (1, 2, …), never
    /// handed out twice. Throws when the nine digits of ISA13 are used up.
    func nextControlNumber(partner: SystemName) throws -> Int
    func record(_ interchange: OutboundInterchange) throws
    /// Sets what the partner's 997 (or the missed window) says of an outbound interchange.
    func updateInterchange(partner: SystemName, control: Int, status: OutboundInterchange.Status, note: String?) throws -> Bool
    func record(_ interchange: InboundInterchange) throws

    /// Starts a service-level clock; `nil` when one of that clock already times its subject
    /// (a clock starts once). Returns the new clock's id.
    func startClock(_ clock: ClockRecord) throws -> Int64?
    /// Records which log entry's deliveries (to which subscriptions) a running clock waits for.
    func awaitDeliveries(clock id: Int64, seq: Int64, subscriptions: [SubscriptionName]) throws
    /// Stops a running clock at `at`; false when it was not running.
    func stopClock(id: Int64, at: Timestamp) throws -> Bool
    /// Records the breach's exception of a running clock.
    func recordBreach(clock id: Int64, exception: Int64) throws
    /// Adds to a day's KPI rollup (count and total added, maximum kept).
    func addToKPI(_ rollup: KPIRollup) throws

    /// Empties every projection (orders, customers, products, cross-references, receivables,
    /// invoice index, parked and refused events) before a rebuild from the log.
    func clearProjections() throws
}

extension StoreTransaction {
    /// Nothing to prepare: every read costs what it costs.
    public func prepare(for outlook: BatchOutlook) throws {}

    /// Renders the body at once and appends.
    public func append(_ event: NewEvent, renderingBody render: @escaping @Sendable () -> [UInt8]) throws -> Int64 {
        var event = event
        event.body = render()
        guard let seq = try append(event) else { throw event.alreadyLogged }
        return seq
    }
}

extension NewEvent {
    /// The error for a hub event whose (source, id) is already in the log. Hub event ids derive
    /// from the causing event, so this means a broken invariant, never a duplicate to skip.
    public var alreadyLogged: WaybillError {
        WaybillError(.invariantViolation, "hub event \(eventId) (\(type.rawValue)) is already in the log")
    }
}
