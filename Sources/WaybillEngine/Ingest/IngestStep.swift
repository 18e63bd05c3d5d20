import WaybillCore
import WaybillStore

/// Everything that happens to inbound events inside one write transaction: dedupe, resolve the
/// order, park or apply through the lifecycle, perform the effects, write the outbox.
///
/// In `.rebuild` mode the same code re-derives the projections from the log: it writes no log
/// entries, outbox rows or exceptions.
final class IngestStep {
    enum Mode { case live, rebuild }

    let tx: any StoreTransaction
    let master: StoreMasterData
    let lifecycle: OrderLifecycle
    let landscape: Landscape
    let random: HubRandom
    let now: Timestamp
    let mode: Mode
    /// The service-level clocks, started and stopped as events apply (live mode only).
    let clocks: ClockKeeper?

    init(
        tx: any StoreTransaction, lifecycle: OrderLifecycle, landscape: Landscape, random: HubRandom, now: Timestamp, mode: Mode,
        serviceLevels: ServiceLevels? = nil
    ) {
        self.tx = tx
        self.master = StoreMasterData(reader: tx)
        self.lifecycle = lifecycle
        self.landscape = landscape
        self.random = random
        self.now = now
        self.mode = mode
        self.clocks = mode == .live ? serviceLevels.map { ClockKeeper(tx: tx, levels: $0, landscape: landscape) } : nil
    }

    /// The context of one inbound event while it is processed.
    struct Context {
        var event: InboundEvent
        var origin: SystemName
        var seq: Int64
        var key: String
        var traceId: String
        var receivedAt: Timestamp
        var eventTime: Timestamp
        /// Applied from the parked events, after what the hub applied since it arrived.
        var appliedLate = false
        /// Where a reprocessed event applies (its `reprocessed` log entry): its deliveries go
        /// out from there.
        var position: Int64?
    }

    /// Set while a refused event is reprocessed: refusing it again opens no second exception.
    var reprocessing = false
    /// The events this step refused.
    private(set) var refusedSeqs: Set<Int64> = []

    // MARK: Entry points

    /// Processes a freshly received event (live mode).
    func ingest(_ event: InboundEvent) throws -> EventResult {
        let envelope = event.envelope
        // The hub itself is an origin too: a person's action recorded as an event (a release).
        guard let origin = SystemName(source: envelope.source), landscape.systems[origin] != nil || origin == .hub else {
            return EventResult(
                source: envelope.source, id: envelope.id, outcome: .exception, code: ErrorCode.sourceMismatch.rawValue,
                detail: "source \(envelope.source) is not /systems/<name> of a configured system")
        }
        let order = try event.payload.orderReference.map { try resolveOrder($0, from: origin) }
        let canonicalOrder = order?.id
        let key = try recordKey(event.payload, order: canonicalOrder, origin: origin)
        let received = envelope.traceparent?.traceID ?? random.traceId()
        let traceId = order?.state?.traceId ?? received
        let eventTime = envelope.time ?? now
        guard
            let seq = try tx.append(
                NewEvent(
                    source: envelope.source, eventId: envelope.id, type: envelope.type, subject: envelope.subject, key: key, eventTime: eventTime,
                    receivedAt: now, traceId: traceId, origin: .inbound, raw: event.raw, body: nil))
        else {
            return EventResult(source: envelope.source, id: envelope.id, outcome: .duplicate, orderId: canonicalOrder)
        }
        let context = Context(event: event, origin: origin, seq: seq, key: key, traceId: traceId, receivedAt: now, eventTime: eventTime)
        var result = try process(context, canonicalOrder: canonicalOrder, stored: order?.state)
        result.orderId = result.orderId ?? canonicalOrder
        if result.outcome != .accepted { try tx.recordOutcome(seq: seq, outcome: result.outcome, code: result.code) }
        return result
    }

    /// Re-applies a logged inbound event, or a refused one where it was reprocessed (rebuild mode).
    func replay(_ stored: StoredEvent) throws {
        guard let raw = stored.event.raw else { return }
        let event = try InboundEvent.decode(try JSONParser.parse(raw), raw: raw)
        guard let origin = SystemName(source: event.envelope.source) else { return }
        let order = try event.payload.orderReference.map { try resolveOrder($0, from: origin) }
        let reprocessed = stored.event.origin == .reprocessed
        let context = Context(
            event: event, origin: origin, seq: reprocessed ? stored.event.causeSeq ?? stored.seq : stored.seq, key: stored.event.key,
            traceId: stored.event.traceId, receivedAt: stored.event.receivedAt, eventTime: stored.event.eventTime, appliedLate: reprocessed,
            position: reprocessed ? stored.seq : nil)
        refusedSeqs.remove(context.seq)  // refused where it first came; this is its second chance
        _ = try process(context, canonicalOrder: order?.id, stored: order?.state)
        if reprocessed, !refusedSeqs.contains(context.seq) { try tx.forgetRefused(seq: context.seq) }
    }

    /// Applies a refused inbound event again, now, after its cause was fixed (master data,
    /// configuration): logged as a `reprocessed` entry at this position, from which its
    /// deliveries go out; same (source, id) and effects applied once. Refused again, it stays
    /// refused with its exception open.
    func reprocess(_ original: StoredEvent) throws -> EventResult {
        guard let raw = original.event.raw else { throw WaybillError(.notRefused, "event #\(original.seq) has no bytes to apply") }
        let event = try InboundEvent.decode(try JSONParser.parse(raw), raw: raw)
        guard let origin = SystemName(source: event.envelope.source), landscape.systems[origin] != nil || origin == .hub else {
            throw WaybillError(.sourceMismatch, "\(event.envelope.source) is no longer a configured system")
        }
        let attempts = try tx.events(key: original.event.key).filter { $0.event.origin == .reprocessed && $0.event.causeSeq == original.seq }.count
        let entry = NewEvent(
            source: SystemName.hub.source, eventId: "reprocessed-\(original.seq)-\(attempts + 1)", type: event.envelope.type,
            subject: event.envelope.subject, key: original.event.key, eventTime: original.event.eventTime, receivedAt: now,
            traceId: original.event.traceId, origin: .reprocessed, causeSeq: original.seq, raw: raw, body: nil)
        guard let position = try tx.append(entry) else { throw entry.alreadyLogged }
        let order = try event.payload.orderReference.map { try resolveOrder($0, from: origin) }
        let context = Context(
            event: event, origin: origin, seq: original.seq, key: original.event.key, traceId: order?.state?.traceId ?? original.event.traceId,
            receivedAt: original.event.receivedAt, eventTime: original.event.eventTime, appliedLate: true, position: position)
        reprocessing = true
        defer { reprocessing = false }
        refusedSeqs.remove(original.seq)
        var result = try process(context, canonicalOrder: order?.id, stored: order?.state)
        result.orderId = result.orderId ?? order?.id
        try tx.recordOutcome(seq: position, outcome: result.outcome, code: result.code)
        if !refusedSeqs.contains(original.seq) {
            try tx.forgetRefused(seq: original.seq)
            try tx.recordOutcome(seq: original.seq, outcome: result.outcome, code: result.code)
        }
        return result
    }

    // MARK: Routing an event to its handler

    /// - Parameter stored: the order `canonicalOrder` names, as stored before this event.
    func process(_ c: Context, canonicalOrder: OrderID?, stored: OrderState?) throws -> EventResult {
        let envelope = c.event.envelope
        switch c.event.payload {
        case .customerUpserted(let customer):
            try tx.save(customer)
            return try upsertedMasterData(c, kind: "customer", canonical: customer.customerId.rawValue, externalIds: customer.externalIds)
        case .productUpserted(let product):
            try tx.save(product)
            return try upsertedMasterData(c, kind: "product", canonical: product.sku.rawValue, externalIds: product.externalIds)
        case .paymentReceived(let payment):
            return try applyPayment(payment, c)
        case .orderPlaced(let placed):
            return try place(placed, c)
        default:
            guard let orderId = canonicalOrder else { return EventResult(source: envelope.source, id: envelope.id, outcome: .accepted) }
            guard let state = stored, state.validated || state.cancelled else {
                try tx.park(ParkedEvent(seq: c.seq, key: c.key, eventTime: c.eventTime, receivedAt: c.receivedAt))
                let known = stored != nil
                return EventResult(
                    source: envelope.source, id: envelope.id, outcome: .parked,
                    code: known ? ErrorCode.orderNotAccepted.rawValue : "unknown_order",
                    detail: known
                        ? "order \(orderId) waits for master data; the event is applied when it is validated"
                        : "order \(orderId) is not known yet; the event is applied when the order arrives",
                    orderId: orderId)
            }
            let result = try applyToOrder(state, c)
            if result.outcome != .parked, c.event.payload.mayUnblockWaitingEvents { try applyParkedEvents(key: c.key) }
            return result
        }
    }

    /// Records a master record's ids in each system, passes it on, and validates again the orders
    /// that were waiting for master data.
    func upsertedMasterData(_ c: Context, kind: String, canonical: String, externalIds: [String: String]) throws -> EventResult {
        for (system, external) in externalIds {
            try tx.saveCrossReference(kind: kind, system: SystemName(system), external: external, canonical: canonical)
        }
        try forward(c)
        try revalidateAwaitingOrders(at: c.receivedAt, cause: c.seq)
        return EventResult(source: c.event.envelope.source, id: c.event.envelope.id, outcome: .accepted)
    }

    // MARK: Orders

    func place(_ placed: PlacedOrder, _ c: Context) throws -> EventResult {
        let envelope = c.event.envelope
        if try tx.order(placed.orderId) != nil {
            return try refuse(WaybillError(.orderExists, "order \(placed.orderId) was already placed", at: "$.data.orderId"), c, order: placed.orderId)
        }
        if let external = placed.externalOrderId {
            try tx.saveCrossReference(kind: "order", system: c.origin, external: external, canonical: placed.orderId.rawValue)
        }
        let transition = lifecycle.place(placed, from: c.origin, at: c.eventTime, traceId: c.traceId, master: master)
        try master.rethrow()
        // The event is passed on before what it causes, so subscribers see cause before effect.
        try forward(c)
        // Started before the acceptance it waits for is emitted.
        try clocks?.orderPlaced(transition.state, key: c.key, at: c.receivedAt)
        try commit(transition, c.key, cause: c.seq, at: c.receivedAt)
        guard transition.state.validated else {
            let gap = transition.state.gaps.first
            return EventResult(
                source: envelope.source, id: envelope.id, outcome: .parked, code: "mapping",
                detail: gap.map { "\($0.detail) at \($0.path); the order is kept and validated again when master data arrives" },
                orderId: placed.orderId)
        }
        try applyParkedEvents(key: c.key)
        return EventResult(source: envelope.source, id: envelope.id, outcome: .accepted, orderId: placed.orderId)
    }

    func applyToOrder(_ state: OrderState, _ c: Context) throws -> EventResult {
        let envelope = c.event.envelope
        let transition: Transition
        do {
            transition = try lifecycle.apply(c.event.payload.withOrder(state.orderId), to: state, master: master)
        } catch {
            try master.rethrow()
            if let awaited = lifecycle.prerequisite(missingFor: error, c.event.payload, in: state) {
                return try wait(c, under: c.key, for: awaited.description, order: state.orderId)
            }
            return try refuse(error, c, order: state.orderId)
        }
        try master.rethrow()
        // The event is passed on before what it causes (a shipment before its invoice request).
        let forwarded = try forward(c)
        try commit(transition, c.key, cause: c.seq, at: c.receivedAt)
        try applied(c, state: transition.state, forwarded: forwarded)
        if case .invoicePosted(let invoice) = c.event.payload {
            try tx.indexInvoice(invoice.invoiceId, order: state.orderId)
            // A payment that came before this invoice waits under the invoice's key.
            try applyParkedEvents(key: RecordKey.invoice(invoice.invoiceId))
        }
        let raised = transition.raised.first { $0.kind == .invoiceMismatch || $0.kind == .carrier || $0.code == .shippedWhileHeld }
        return EventResult(
            source: envelope.source, id: envelope.id, outcome: raised == nil ? .accepted : .exception,
            code: raised?.code.rawValue, detail: raised?.message, orderId: state.orderId)
    }

    /// What an applied event means for the service-level clocks and the KPI rollups.
    func applied(_ c: Context, state: OrderState, forwarded: (seq: Int64, subscribers: [SubscriptionName])?) throws {
        guard let clocks else { return }
        let day = KPIRollup.day(of: now)
        switch c.event.payload {
        case .shipmentConfirmed(let shipment):
            try clocks.shipmentApplied(shipment.shipmentId, state: state, key: c.key, received: c.receivedAt, forwarded: forwarded)
        case .invoicePosted(let invoice):
            try clocks.invoiceApplied(state: state, key: c.key, at: now)
            try tx.addToKPI(KPIRollup(day: day, measure: KPIMeasure.invoices, dimension: invoice.currency.code, total: invoice.total.minorUnits))
        case .creditMemoPosted(let memo):
            let total = memo.total.money(in: state.currency)?.minorUnits ?? 0
            try tx.addToKPI(KPIRollup(day: day, measure: KPIMeasure.creditMemos, dimension: state.currency.code, total: total))
        case .orderCancelled:
            try clocks.orderCancelled(key: c.key, at: now)
        default:
            break
        }
    }

    /// Keeps a refused event in the log, opens an exception with the reason, changes no state.
    func refuse(_ error: WaybillError, _ c: Context, order: OrderID?) throws -> EventResult {
        refusedSeqs.insert(c.seq)
        // Kept for reprocessing once the cause is fixed (a projection: rebuilt with the rest).
        try tx.keepRefused(RefusedEvent(seq: c.seq, key: c.key, code: error.code.rawValue, refusedAt: c.receivedAt))
        if mode == .live && !reprocessing {
            try tx.raise(
                NewException(
                    kind: ExceptionKind.forRefusal(error.code), code: error.code.rawValue, key: c.key, eventSeq: c.seq,
                    message: error.path.map { "\(error.message) (at \($0))" } ?? error.message, raisedAt: c.receivedAt))
        }
        return EventResult(
            source: c.event.envelope.source, id: c.event.envelope.id, outcome: .exception, code: error.code.rawValue,
            detail: error.path.map { "\(error.message) (at \($0))" } ?? error.message, orderId: order)
    }

    /// Parks an early event on a known order (or a payment before its invoice) until what it
    /// waits for arrives; past the park timeout it raises a `sequencing` exception.
    func wait(_ c: Context, under key: String, for awaiting: String, order: OrderID?) throws -> EventResult {
        try tx.park(ParkedEvent(seq: c.seq, key: key, eventTime: c.eventTime, receivedAt: c.receivedAt, awaiting: awaiting))
        return EventResult(
            source: c.event.envelope.source, id: c.event.envelope.id, outcome: .parked, code: "awaiting_prerequisite",
            detail: "the event waits for \(awaiting); it is applied when that arrives", orderId: order)
    }

    /// Keys whose parked events are being applied (an applied event may unblock its own key).
    private var applyingParked: Set<String> = []

    /// Applies the events parked under `key` that can be applied now, in the order they happened
    /// at their sources, going round again while one applies (it may be what the next waits for).
    /// Each is delivered after what the hub applied before it (see `forward`).
    func applyParkedEvents(key: String) throws {
        guard !applyingParked.contains(key) else { return }
        applyingParked.insert(key)
        defer { applyingParked.remove(key) }
        var progress = true
        while progress {
            progress = false
            for entry in try tx.parkedEvents(key: key) {
                guard let outcome = try applyParked(entry) else { continue }
                if mode == .live { try tx.recordOutcome(seq: entry.seq, outcome: outcome.outcome, code: outcome.code) }
                progress = true
            }
        }
        if mode == .live, try tx.parkedEvents(key: key).isEmpty { try tx.settleExceptions(key: key, kind: .sequencing, at: now, by: "hub") }
    }

    /// Applies one parked event if what it waits for is there: its result, or `nil` when it
    /// still waits (it stays parked).
    func applyParked(_ entry: ParkedEvent) throws -> EventResult? {
        guard let stored = try tx.event(entry.seq), let raw = stored.event.raw, let origin = SystemName(source: stored.event.source) else {
            try tx.unpark(seq: entry.seq)
            return nil
        }
        let event = try InboundEvent.decode(try JSONParser.parse(raw), raw: raw)
        var context = Context(
            event: event, origin: origin, seq: entry.seq, key: stored.event.key, traceId: stored.event.traceId,
            receivedAt: stored.event.receivedAt, eventTime: stored.event.eventTime, appliedLate: true)
        let result: EventResult
        if case .paymentReceived(let payment) = event.payload {
            result = try applyPayment(payment, context)
        } else {
            guard let orderId = RecordKey.orderId(of: stored.event.key), let state = try tx.order(orderId), state.validated || state.cancelled else {
                return nil
            }
            context.traceId = state.traceId
            result = try applyToOrder(state, context)
            if result.outcome != .parked, mode == .live { try tx.setTraceId(seq: entry.seq, traceId: state.traceId) }
        }
        guard result.outcome != .parked else { return nil }
        try tx.unpark(seq: entry.seq)
        return result
    }

    /// Validates again the orders that wait for master data; applies their parked events when they pass.
    func revalidateAwaitingOrders(at time: Timestamp, cause: Int64) throws {
        for orderId in try tx.ordersAwaitingMasterData() {
            guard let state = try tx.order(orderId) else { continue }
            let transition = lifecycle.revalidate(state, master: master)
            try master.rethrow()
            guard transition.state.validated || transition.state.gaps != state.gaps else { continue }
            let key = RecordKey.order(orderId)
            try commit(transition, key, cause: cause, at: time)
            if transition.state.validated { try applyParkedEvents(key: key) }
        }
    }

    // MARK: Payments

    func applyPayment(_ payment: PaymentReceipt, _ c: Context) throws -> EventResult {
        let envelope = c.event.envelope
        if let clocks, !c.appliedLate, c.position == nil, !reprocessing {
            try clocks.paymentReceived(payment, key: c.key, at: c.receivedAt)
            try tx.addToKPI(KPIRollup(day: KPIRollup.day(of: c.receivedAt), measure: KPIMeasure.payments))
        }
        // A payment before the invoice it pays waits for it, and is passed on when it applies.
        for application in payment.applications where try tx.orderForInvoice(application.invoiceId) == nil {
            return try wait(c, under: RecordKey.invoice(application.invoiceId), for: "invoice \(application.invoiceId)", order: nil)
        }
        try forward(c)
        var problems: [(ErrorCode, String)] = []
        guard let customer = master.customer(payment.customerId, namedBy: c.origin) else {
            try master.rethrow()
            return try refuse(WaybillError(.unknownCustomer, "unknown customer \(payment.customerId)", at: "$.data.customerId"), c, order: nil)
        }
        if payment.currency != customer.currency {
            problems.append(
                (.currencyMismatch, "payment \(payment.paymentId) is in \(payment.currency), customer \(customer.customerId) pays in \(customer.currency)"))
        }
        for application in payment.applications {
            guard let orderId = try tx.orderForInvoice(application.invoiceId), let state = try tx.order(orderId) else {
                problems.append((.unknownInvoice, "payment \(payment.paymentId) names unknown invoice \(application.invoiceId)"))
                continue
            }
            guard state.customerId == customer.customerId else {
                problems.append((.unknownInvoice, "invoice \(application.invoiceId) belongs to another customer"))
                continue
            }
            let transition = lifecycle.applyPayment(payment.paymentId, application, to: state)
            try commit(transition, RecordKey.order(orderId), cause: c.seq, at: c.receivedAt)
        }
        let applied = payment.applications.reduce(Money.zero(payment.currency)) { $0 + $1.amount }
        if applied < payment.amount {
            problems.append((.unappliedCash, "payment \(payment.paymentId) leaves \((payment.amount - applied).text) \(payment.currency) unapplied"))
        }
        try clocks?.paymentApplied(payment, key: c.key, at: now)
        guard let (code, message) = problems.first else {
            if clocks != nil, !reprocessing {
                try tx.addToKPI(KPIRollup(day: KPIRollup.day(of: c.receivedAt), measure: KPIMeasure.cleanPayments))
            }
            return EventResult(source: envelope.source, id: envelope.id, outcome: .accepted)
        }
        if mode == .live {
            for (code, message) in problems {
                try tx.raise(NewException(kind: .paymentMismatch, code: code.rawValue, key: c.key, eventSeq: c.seq, message: message, raisedAt: c.receivedAt))
            }
        }
        return EventResult(source: envelope.source, id: envelope.id, outcome: .exception, code: code.rawValue, detail: message)
    }

    // MARK: Effects and the outbox

    /// Saves the new state and performs the transition's effects.
    func commit(_ transition: Transition, _ key: String, cause: Int64, at time: Timestamp) throws {
        try tx.save(transition.state, updatedAt: time)
        for effect in transition.effects {
            switch effect {
            case .emit(let hubEvent):
                guard mode == .live else { continue }
                try emit(hubEvent, state: transition.state, key: key, cause: cause, at: time)
            case .raise(let draft):
                guard mode == .live else { continue }
                try tx.raise(NewException(kind: draft.kind, code: draft.code.rawValue, key: key, eventSeq: cause, message: draft.message, raisedAt: time))
            case .settle(let kind):
                guard mode == .live else { continue }
                try tx.settleExceptions(key: key, kind: kind, at: time, by: "hub")
            case .receivablesChanged(let customer, let delta):
                try tx.adjustReceivables(of: customer, by: delta)
                if clocks != nil {
                    try tx.addToKPI(
                        KPIRollup(day: KPIRollup.day(of: now), measure: KPIMeasure.receivables, dimension: transition.state.currency.code, total: delta))
                }
            }
        }
    }

    /// How many hub events each causing event has emitted so far (for their ids).
    var emittedPerCause: [Int64: Int] = [:]

    func emit(_ hubEvent: HubEvent, state: OrderState, key: String, cause: Int64, at time: Timestamp) throws {
        // Ids derived from the causing event: unique, increasing (cheap to index) and reproducible.
        let n = emittedPerCause[cause, default: 0] + 1
        emittedPerCause[cause] = n
        let id = "wb-\(cause)-\(n)"
        let subject = state.orderId.rawValue
        // The body is written off the writer thread, before the transaction commits.
        let seq = try tx.append(
            NewEvent(
                source: SystemName.hub.source, eventId: id, type: hubEvent.type, subject: subject, key: key, eventTime: time, receivedAt: time,
                traceId: state.traceId, origin: .hub, causeSeq: cause, raw: nil, body: nil)
        ) { hubEvent.storedBody(id: id, source: SystemName.hub.source, subject: subject, time: time) }
        let subscribers = landscape.subscriberNames(of: hubEvent.type, from: .hub) { state.origin }
        if !subscribers.isEmpty { try tx.enqueueDeliveries(seq: seq, subscriptions: subscribers, key: key, type: hubEvent.type, at: time) }
        if hubEvent.type == .orderAccepted || hubEvent.type == .orderAcknowledged {
            try clocks?.acknowledgementEmitted(hubEvent.type, state: state, seq: seq, subscribers: subscribers, at: time)
        }
    }

    /// Writes one outbox row per subscriber of an applied inbound event.
    ///
    /// Deliveries go out per (subscription, key) in log order. An event applied late (it was
    /// parked) is passed on from an `applied` entry logged now, not from its own earlier place
    /// in the log, so a subscriber hears of it after what the hub applied before it: the order's
    /// acceptance before the shipment that waited for the order.
    ///
    /// - Returns: the log entry the deliveries go out from and their subscriptions (`nil` when none).
    @discardableResult
    func forward(_ c: Context) throws -> (seq: Int64, subscribers: [SubscriptionName])? {
        guard mode == .live else { return nil }
        let type = c.event.envelope.type
        let subscribers = try landscape.subscriberNames(of: type, from: c.origin) {
            try RecordKey.orderId(of: c.key).flatMap { try tx.order($0)?.origin }
        }
        guard !subscribers.isEmpty else { return nil }
        var seq = c.seq
        if let position = c.position {
            seq = position
        } else if c.appliedLate {
            let applied = NewEvent(
                source: SystemName.hub.source, eventId: "applied-\(c.seq)", type: type, subject: c.event.envelope.subject, key: c.key,
                eventTime: c.eventTime, receivedAt: now, traceId: c.traceId, origin: .applied, causeSeq: c.seq, raw: c.event.raw, body: nil)
            guard let position = try tx.append(applied) else { throw applied.alreadyLogged }
            seq = position
        }
        try tx.enqueueDeliveries(seq: seq, subscriptions: subscribers, key: c.key, type: type, at: c.appliedLate ? now : c.receivedAt)
        return (seq, subscribers)
    }

    // MARK: Ids

    /// The order a system's reference names — the hub's id, or the system's own through its
    /// cross-reference — and its stored state, looked up once for the whole event.
    func resolveOrder(_ reference: OrderID, from origin: SystemName) throws -> (id: OrderID, state: OrderState?) {
        if let state = try tx.order(reference) { return (reference, state) }
        if let canonical = try tx.crossReference(kind: "order", system: origin, external: reference.rawValue) {
            let id = OrderID(canonical)
            return (id, try tx.order(id))
        }
        return (reference, nil)
    }

    func recordKey(_ payload: EventPayload, order: OrderID?, origin: SystemName) throws -> String {
        switch payload {
        case .customerUpserted(let c): return RecordKey.customer(c.customerId.rawValue)
        case .productUpserted(let p): return RecordKey.product(p.sku.rawValue)
        case .paymentReceived(let p):
            let canonical =
                try tx.customer(CustomerID(p.customerId)) != nil
                ? p.customerId
                : try tx.crossReference(kind: "customer", system: origin, external: p.customerId) ?? p.customerId
            return RecordKey.customer(canonical)
        default: return RecordKey.order(order ?? OrderID(""))
        }
    }
}

extension EventPayload {
    /// Whether applying this event can let an event that waits on the same order apply (a
    /// delivery waits for its shipment, a credit memo for its invoice).
    fileprivate var mayUnblockWaitingEvents: Bool {
        switch self {
        case .shipmentConfirmed, .shipmentDelivered, .shipmentTracking, .invoicePosted, .returnReceived: true
        default: false
        }
    }
}
