import WaybillCore
import WaybillStore

/// Starts and stops the service-level clocks inside the transaction where what they time
/// happens: an order placed, its acknowledgement emitted, a shipment, an invoice or a payment
/// applied (the ingest step), a delivery delivered (the scheduler's record). A clock that
/// stops adds its duration to the day's KPI rollup and settles its breach, if one was raised.
///
/// Breaches are found by housekeeping (`Hub.evaluateServiceLevels`), never here.
struct ClockKeeper {
    let tx: any StoreTransaction
    let levels: ServiceLevels
    let landscape: Landscape

    // MARK: Orders

    /// An order was placed: its acknowledgement clock starts when the hub received it.
    func orderPlaced(_ state: OrderState, key: String, at received: Timestamp) throws {
        let (due, high) = levels.due(.orderAcknowledgement, from: received, value: state.total)
        _ = try tx.startClock(
            ClockRecord(clock: .orderAcknowledgement, subject: state.orderId.rawValue, key: key, startedAt: received, dueAt: due, highValue: high))
    }

    /// The hub emitted the order's acceptance or acknowledgement (log entry `seq`) to
    /// `subscribers`: the clock waits for its delivery to a subscription of the system that
    /// placed the order; when that system subscribes to neither type, the acceptance itself is
    /// the acknowledgement.
    func acknowledgementEmitted(_ type: EventType, state: OrderState, seq: Int64, subscribers: [SubscriptionName], at time: Timestamp) throws {
        guard let clock = try tx.clock(.orderAcknowledgement, subject: state.orderId.rawValue), clock.stoppedAt == nil, clock.awaitedSeq == nil
        else { return }
        let origin = state.origin
        let toOrigin = subscribers.filter { landscape.subscriptions[$0]?.system == origin }
        if !toOrigin.isEmpty {
            try tx.awaitDeliveries(clock: clock.id, seq: seq, subscriptions: toOrigin)
            return
        }
        let listens = landscape.subscriptions.values.contains {
            $0.system == origin && !$0.types.isDisjoint(with: [.orderAccepted, .orderAcknowledged])
        }
        if type == .orderAccepted && !listens { try stop(clock, at: time) }
    }

    /// A cancelled order has nothing left to acknowledge: its clock stops (not counted in the KPIs).
    func orderCancelled(key: String, at time: Timestamp) throws {
        for clock in try tx.runningClocks(.orderAcknowledgement, key: key) { try stop(clock, at: time, counted: false) }
    }

    // MARK: Shipments and invoices

    /// A shipment was applied (received at `received`) and passed on from log entry `seq` to
    /// `subscribers`: its propagation clock waits for every one of those deliveries, and its
    /// invoicing clock for the order's invoices to reach what has shipped.
    func shipmentApplied(
        _ shipment: ShipmentID, state: OrderState, key: String, received: Timestamp, forwarded: (seq: Int64, subscribers: [SubscriptionName])?
    ) throws {
        let subject = "\(state.orderId.rawValue)/\(shipment.rawValue)"
        if let forwarded, !forwarded.subscribers.isEmpty {
            let (due, high) = levels.due(.shipmentPropagation, from: received, value: state.total)
            _ = try tx.startClock(
                ClockRecord(
                    clock: .shipmentPropagation, subject: subject, key: key, startedAt: received, dueAt: due, highValue: high, awaitedSeq: forwarded.seq))
        }
        let (due, high) = levels.due(.invoicePosting, from: received, value: state.total)
        _ = try tx.startClock(
            ClockRecord(
                clock: .invoicePosting, subject: subject, key: key, startedAt: received, dueAt: due, highValue: high,
                target: state.lines.reduce(0) { $0 + $1.shipped.scaled }))
    }

    /// An invoice was applied: each invoicing clock of the order whose shipped quantity the
    /// invoices now cover stops (shipments are invoiced first come, first served).
    func invoiceApplied(state: OrderState, key: String, at time: Timestamp) throws {
        let invoiced = state.lines.reduce(0) { $0 + $1.invoiced.scaled }
        for clock in try tx.runningClocks(.invoicePosting, key: key) where (clock.target ?? 0) <= invoiced {
            try stop(clock, at: time)
        }
    }

    // MARK: Payments

    static func paymentSubject(_ payment: PaymentReceipt, key: String) -> String { "\(key)/\(payment.paymentId.rawValue)" }

    /// A payment was received (the first time, not a reprocessing): its clock starts.
    func paymentReceived(_ payment: PaymentReceipt, key: String, at received: Timestamp) throws {
        let (due, high) = levels.due(.paymentSync, from: received, value: payment.amount)
        _ = try tx.startClock(
            ClockRecord(clock: .paymentSync, subject: Self.paymentSubject(payment, key: key), key: key, startedAt: received, dueAt: due, highValue: high))
    }

    /// A payment was applied to its invoices (at once, after waiting for one, or reprocessed).
    func paymentApplied(_ payment: PaymentReceipt, key: String, at time: Timestamp) throws {
        guard let clock = try tx.clock(.paymentSync, subject: Self.paymentSubject(payment, key: key)), clock.stoppedAt == nil else { return }
        try stop(clock, at: time)
    }

    // MARK: Deliveries

    /// A delivery of log entry `seq` was delivered: the clocks waiting for that entry stop once
    /// what they wait for is delivered.
    func delivered(seq: Int64) throws {
        for clock in try tx.runningClocks(awaiting: seq) {
            if let at = try awaitedDelivery(of: clock) { try stop(clock, at: at) }
        }
    }

    /// When what a delivery clock waits for was delivered: the first delivery to one of its
    /// subscriptions (acknowledgement), or the last of all of them (propagation); `nil` while
    /// it is not.
    func awaitedDelivery(of clock: ClockRecord) throws -> Timestamp? {
        guard let seq = clock.awaitedSeq else { return nil }
        let deliveries = try tx.deliveries(ofEvent: seq)
        if clock.awaitedSubscriptions.isEmpty {
            guard !deliveries.isEmpty, deliveries.allSatisfy({ $0.status == .delivered }) else { return nil }
            return deliveries.compactMap(\.deliveredAt).max()
        }
        let wanted = Set(clock.awaitedSubscriptions)
        return deliveries.filter { wanted.contains($0.subscription) && $0.status == .delivered }.compactMap(\.deliveredAt).min()
    }

    // MARK: Stopping

    /// Stops a running clock at `time`: its duration goes into the KPI rollup of that day (unless
    /// not `counted`), and its breach, if raised, is settled by the hub.
    func stop(_ clock: ClockRecord, at time: Timestamp, counted: Bool = true) throws {
        guard try tx.stopClock(id: clock.id, at: time) else { return }
        if counted {
            let took = max(0, time.milliseconds - clock.startedAt.milliseconds)
            try tx.addToKPI(KPIRollup(day: KPIRollup.day(of: time), measure: KPIMeasure.clock(clock.clock), total: took, maximum: took))
        }
        if let exception = clock.exceptionId { _ = try tx.resolveException(id: exception, at: time, by: "hub") }
    }
}

extension ClockKeeper {
    /// The types whose deliveries a clock may wait for (so the scheduler looks for clocks only
    /// when one of those is delivered).
    static func awaitsDeliveries(of type: EventType) -> Bool {
        type == .orderAccepted || type == .orderAcknowledged || type == .shipmentConfirmed
    }
}

/// The propagation KPI of one batch of recorded deliveries (received → delivered), summed per
/// (day, subscription) so that a batch writes one rollup row per subscription.
struct PropagationRollup {
    private var sums: [String: KPIRollup] = [:]

    mutating func add(_ job: DeliveryJob, deliveredAt: Timestamp) {
        let took = max(0, deliveredAt.milliseconds - job.receivedAt.milliseconds)
        let day = KPIRollup.day(of: deliveredAt)
        let key = "\(day)|\(job.subscription.rawValue)"
        var sum = sums[key] ?? KPIRollup(day: day, measure: KPIMeasure.propagation, dimension: job.subscription.rawValue, count: 0)
        sum.count += 1
        sum.total += took
        sum.maximum = max(sum.maximum, took)
        sums[key] = sum
    }

    var rollups: [KPIRollup] { sums.keys.sorted().compactMap { sums[$0] } }
}
