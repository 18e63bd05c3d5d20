import WaybillCore

/// The checks every `Store` must pass. Test targets run each against a fresh store:
///
/// ```swift
/// @Test func appendDeduplicates() async throws {
///     try await StoreConformance.appendDeduplicates(try makeStore())
/// }
/// ```
public enum StoreConformance {
    /// A failed conformance check, naming what was expected.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    static func check(_ condition: Bool, _ message: @autoclosure () -> String) throws {
        if !condition { throw Failure(description: message()) }
    }

    /// Every check, by name, for test targets that run them all.
    public static let all: [(String, @Sendable (any Store) async throws -> Void)] = [
        ("appendDeduplicates", appendDeduplicates),
        ("failedWriteLeavesNothing", failedWriteLeavesNothing),
        ("ordersRoundTrip", ordersRoundTrip),
        ("deliveriesKeepOrderPerKey", deliveriesKeepOrderPerKey),
        ("queueDepthsAreCappedWithTheirOldest", queueDepthsAreCappedWithTheirOldest),
        ("deadDeliveryBlocksItsKeyUntilRequeued", deadDeliveryBlocksItsKeyUntilRequeued),
        ("deliveredKeysStayInOrderAfterLateEventsAndReplays", deliveredKeysStayInOrderAfterLateEventsAndReplays),
        ("anEventEnqueuedAgainKeepsEveryDelivery", anEventEnqueuedAgainKeepsEveryDelivery),
        ("exceptionsSettleByKeyAndKind", exceptionsSettleByKeyAndKind),
        ("parkedEventsComeBackInEventTimeOrder", parkedEventsComeBackInEventTimeOrder),
        ("masterDataAndCrossReferences", masterDataAndCrossReferences),
        ("controlNumbersNeverRepeat", controlNumbersNeverRepeat),
        ("interchangesAreTracked", interchangesAreTracked),
        ("clocksRunBreachAndStop", clocksRunBreachAndStop),
        ("kpiRollupsAddUp", kpiRollupsAddUp),
        ("refusedEventsAndKeptPayloads", refusedEventsAndKeptPayloads),
        ("externalIdsAreFoundBothWays", externalIdsAreFoundBothWays),
        ("heartbeatsAuditAndSubscriptions", heartbeatsAuditAndSubscriptions),
        ("leasesHoldOneHolderAtATime", leasesHoldOneHolderAtATime),
        ("retentionRemovesOnlyOldDeliveredWork", retentionRemovesOnlyOldDeliveredWork),
    ]

    static func event(_ id: String, key: String = "order:SO-1", time: Int64 = 0, source: String = "/systems/wms") -> NewEvent {
        NewEvent(
            source: source, eventId: id, type: .shipmentConfirmed, subject: "SO-1", key: key, eventTime: Timestamp(milliseconds: time),
            receivedAt: Timestamp(milliseconds: 1_000), traceId: "4bf92f3577b34da6a3ce929d0e0e4736", origin: .inbound,
            raw: Array("{\"id\":\"\(id)\"}".utf8), body: nil)
    }

    /// (source, id) is unique: a second append is reported as a duplicate and stores nothing.
    public static func appendDeduplicates(_ store: any Store) async throws {
        let (first, second, other) = try await store.write { tx in
            (try tx.append(event("e-1")), try tx.append(event("e-1")), try tx.append(event("e-1", source: "/systems/tms")))
        }
        try check(first != nil, "the first append returns a sequence number")
        try check(second == nil, "a repeated (source, id) is a duplicate")
        try check(other != nil && other != first, "the same id from another source is another event")
        let count = try await store.read { try $0.eventCount() }
        try check(count == 2, "two events are stored, found \(count)")
    }

    /// A write that throws commits nothing.
    public static func failedWriteLeavesNothing(_ store: any Store) async throws {
        struct Boom: Error {}
        do {
            try await store.write { tx -> Void in
                _ = try tx.append(event("doomed"))
                throw Boom()
            }
            try check(false, "the failing write rethrows")
        } catch is Boom {}
        let seq = try await store.read { try $0.eventSeq(source: "/systems/wms", eventId: "doomed") }
        try check(seq == nil, "nothing of a failed write is stored")
    }

    /// An order state saved is read back equal, from the writer and from readers.
    public static func ordersRoundTrip(_ store: any Store) async throws {
        let placement = try PlacedOrder(
            PayloadReader.object(
                try JSONParser.parse(
                    Array(
                        """
                        {"orderId":"SO-9","customerId":"C-1","currency":"USD","lines":[{"lineId":"1","sku":"A","quantity":2.5,"unitPrice":"1.10"}]}
                        """.utf8)), at: "$"))
        var state = OrderState(
            orderId: "SO-9", origin: "portal", placement: placement, traceId: "0af7651916cd43dd8448eb211c80319c",
            placedAt: Timestamp(milliseconds: 5))
        state.validated = true
        state.customerId = "C-1"
        state.lines = [OrderLine(lineId: "1", sku: "A", uom: .each, unitPrice: UnitPrice(micros: 1_100_000, currency: .usd), ordered: Quantity(scaled: 25_000))]
        state.lines[0].shipped = Quantity(1)
        state.invoices = [
            InvoiceRecord(
                invoiceId: "INV-1", total: Money(minorUnits: 110, currency: .usd), paid: .zero(.usd), credited: .zero(.usd), dueDate: CalendarDate("2027-01-01")
            )
        ]
        let saved = state
        try await store.write { tx in try tx.save(saved, updatedAt: Timestamp(milliseconds: 10)) }
        let inWriter = try await store.write { tx in try tx.order("SO-9") }
        let inReader = try await store.read { try $0.order("SO-9") }
        try check(inWriter == saved, "the writer reads back the saved state")
        try check(inReader == saved, "a reader reads back the saved state")
        let listed = try await store.read { try $0.orders(status: .partiallyShipped, customer: "C-1", updatedSince: nil, after: nil, limit: 10) }
        try check(listed.map(\.orderId) == ["SO-9"], "orders are found by derived status and customer")
    }

    /// Only the oldest undelivered delivery of each (subscription, key) is due; other keys are not held up.
    public static func deliveriesKeepOrderPerKey(_ store: any Store) async throws {
        let now = Timestamp(milliseconds: 1_000)
        try await store.write { tx in
            for (id, key) in [("a1", "order:A"), ("a2", "order:A"), ("b1", "order:B")] {
                let seq = try tx.append(event(id, key: key))!
                try tx.enqueueDeliveries(seq: seq, subscriptions: ["wms-orders"], key: key, type: .shipmentConfirmed, at: now)
            }
        }
        let due = try await store.read { try $0.dueDeliveries(now: now, excluding: [], limit: 10) }
        try check(due.map(\.key).sorted() == ["order:A", "order:B"], "one head per key is due, found \(due.map(\.key))")
        let headA = due.first { $0.key == "order:A" }!
        try await store.write { tx in
            try tx.recordAttempt(delivery: headA.id, result: .retry(statusCode: 500, error: "boom", nextAttemptAt: Timestamp(milliseconds: 5_000)))
        }
        let afterFailure = try await store.read { try $0.dueDeliveries(now: Timestamp(milliseconds: 2_000), excluding: [], limit: 10) }
        try check(afterFailure.map(\.key) == ["order:B"], "a failing head holds back its own key only, found \(afterFailure.map(\.key))")
        try await store.write { tx in try tx.recordAttempt(delivery: headA.id, result: .delivered(statusCode: 200, at: Timestamp(milliseconds: 5_000))) }
        let next = try await store.read { try $0.dueDeliveries(now: Timestamp(milliseconds: 5_000), excluding: [], limit: 10) }
        try check(next.contains { $0.key == "order:A" && $0.seq > headA.seq }, "after delivery the next event of the key is due")
        let record = try await store.read { try $0.delivery(headA.id) }
        try check(record?.status == .delivered && record?.attempts == 2 && record?.lastStatusCode == 200, "attempts and status are recorded")
    }

    /// Backlogs counted up to a cap, with the oldest pending delivery's time; delivered ones left out.
    public static func queueDepthsAreCappedWithTheirOldest(_ store: any Store) async throws {
        try await store.write { tx in
            for i in 0..<5 {
                let seq = try tx.append(event("q\(i)", key: "order:Q\(i)"))!
                try tx.enqueueDeliveries(
                    seq: seq, subscriptions: i < 2 ? ["wms-orders", "erp-orders"] : ["wms-orders"], key: "order:Q\(i)", type: .shipmentConfirmed,
                    at: Timestamp(milliseconds: 1_000 + Int64(i) * 100))
            }
        }
        let first = try await store.read { try $0.dueDeliveries(now: Timestamp(milliseconds: 9_000), excluding: [], limit: 20) }
            .filter { $0.subscription == "erp-orders" }.min { $0.id < $1.id }!
        try await store.write { tx in try tx.recordAttempt(delivery: first.id, result: .delivered(statusCode: 200, at: Timestamp(milliseconds: 2_000))) }
        let depths = try await store.read { try $0.queueDepths(of: ["wms-orders", "erp-orders", "tms-shipments"], cap: 3) }
        try check(
            depths["wms-orders"] == QueueDepth(pending: 3, capped: true, oldestPending: Timestamp(milliseconds: 1_000)),
            "capped at 3: \(String(describing: depths["wms-orders"]))")
        try check(
            depths["erp-orders"] == QueueDepth(pending: 1, capped: false, oldestPending: Timestamp(milliseconds: 1_100)),
            "the delivered one is left out: \(String(describing: depths["erp-orders"]))")
        try check(depths["tms-shipments"] == QueueDepth(pending: 0, capped: false, oldestPending: nil), "an empty queue")
    }

    /// A dead-lettered delivery keeps later events of its key waiting until it is requeued.
    public static func deadDeliveryBlocksItsKeyUntilRequeued(_ store: any Store) async throws {
        let now = Timestamp(milliseconds: 1_000)
        let ids = try await store.write { tx -> [Int64] in
            var seqs: [Int64] = []
            for id in ["d1", "d2"] {
                let seq = try tx.append(event(id, key: "order:D"))!
                try tx.enqueueDeliveries(seq: seq, subscriptions: ["erp-orders"], key: "order:D", type: .shipmentConfirmed, at: now)
                seqs.append(seq)
            }
            return try tx.deliveries(DeliveryFilter(key: "order:D")).map(\.id)
        }
        try await store.write { tx in try tx.recordAttempt(delivery: ids[0], result: .dead(statusCode: 503, error: "down", at: now)) }
        let blocked = try await store.read { try $0.dueDeliveries(now: now, excluding: [], limit: 10) }
        try check(blocked.isEmpty, "nothing is due behind a dead letter")
        let dead = try await store.read { try $0.deliveries(DeliveryFilter(status: .dead)) }
        try check(dead.map(\.id) == [ids[0]] && dead[0].lastError == "down", "the dead letter is listed with its error")
        let requeued = try await store.write { tx in try tx.requeue(delivery: ids[0], at: now) }
        try check(requeued, "requeue finds the delivery")
        let due = try await store.read { try $0.dueDeliveries(now: now, excluding: [], limit: 10) }
        try check(due.map(\.id) == [ids[0]], "the requeued delivery is due again first")
    }

    /// Deliveries added to an event later — in the same transaction or a later one — are rows
    /// of their own, with ids of their own; none replaces another.
    public static func anEventEnqueuedAgainKeepsEveryDelivery(_ store: any Store) async throws {
        let now = Timestamp(milliseconds: 1_000)
        let key = "order:E"
        let seq = try await store.write { tx -> Int64 in
            let seq = try tx.append(event("e1", key: key))!
            try tx.enqueueDeliveries(seq: seq, subscriptions: ["erp-orders"], key: key, type: .shipmentConfirmed, at: now)
            try tx.enqueueDeliveries(seq: seq, subscriptions: ["crm-orders"], key: key, type: .shipmentConfirmed, at: now)
            return seq
        }
        try await store.write { tx in
            _ = try tx.append(event("e2", key: "order:F"))
            try tx.enqueueDeliveries(seq: seq, subscriptions: ["wms-orders", "tms-orders"], key: key, type: .shipmentConfirmed, at: now)
        }
        let listed = try await store.read { try $0.deliveries(DeliveryFilter(key: key)) }
        try check(
            listed.map(\.subscription.rawValue).sorted() == ["crm-orders", "erp-orders", "tms-orders", "wms-orders"] && listed.allSatisfy { $0.seq == seq },
            "an event enqueued three times has all four deliveries, found \(listed.map(\.subscription))")
        try check(Set(listed.map(\.id)).count == 4, "each delivery has an id of its own, found \(listed.map(\.id))")
        let due = try await store.read { try $0.dueDeliveries(now: now, excluding: [], limit: 10) }.filter { $0.key == key }
        try check(due.count == 4, "each subscriber's delivery is due, found \(due.map(\.subscription))")
    }

    /// What a subscription has delivered of a key may be remembered to keep the in-order check
    /// short (a customer's payments go on for years), but a delivery that becomes pending below
    /// it again — an event logged earlier and enqueued only now (a parked event applied), one
    /// replayed singly or by range — still holds back everything after it.
    public static func deliveredKeysStayInOrderAfterLateEventsAndReplays(_ store: any Store) async throws {
        let now = Timestamp(milliseconds: 1_000)
        let key = "customer:C-7"
        let subscription: SubscriptionName = "erp-orders"
        @Sendable func enqueue(_ seq: Int64, _ tx: any StoreTransaction) throws {
            try tx.enqueueDeliveries(seq: seq, subscriptions: [subscription], key: key, type: .shipmentConfirmed, at: now)
        }
        @Sendable func append(_ id: String, _ tx: any StoreTransaction) throws -> Int64 {
            guard let seq = try tx.append(event(id, key: key)) else { throw Failure(description: "\(id) was taken for a duplicate") }
            return seq
        }
        /// Logs an event and enqueues its delivery.
        @Sendable func arrive(_ id: String, _ tx: any StoreTransaction) throws -> Int64 {
            let seq = try append(id, tx)
            try enqueue(seq, tx)
            return seq
        }
        /// The one due delivery of the key: its event, after delivering it.
        func deliverHead() async throws -> Int64? {
            let due = try await store.read { try $0.dueDeliveries(now: now, excluding: [], limit: 10) }.filter { $0.key == key }
            try check(due.count <= 1, "one delivery of a key is due at a time, found \(due.count)")
            guard let head = due.first else { return nil }
            try await store.write { tx in try tx.recordAttempt(delivery: head.id, result: .delivered(statusCode: 200, at: now)) }
            return head.seq
        }
        // p1 is logged but waits (parked); p2 and p3 are delivered.
        let (p1, p2, p3) = try await store.write { tx in
            let seqs = (try append("p1", tx), try append("p2", tx), try append("p3", tx))
            try enqueue(seqs.1, tx)
            try enqueue(seqs.2, tx)
            return seqs
        }
        try check(try await deliverHead() == p2, "p2 goes first")
        try check(try await deliverHead() == p3, "then p3")
        // p1 is applied now and p4 arrives: p1 comes first although p3 was delivered before it.
        let p4 = try await store.write { tx in
            try enqueue(p1, tx)
            return try arrive("p4", tx)
        }
        try check(try await deliverHead() == p1, "the late p1 is due before p4")
        try check(try await deliverHead() == p4, "then p4")
        // p2 is replayed on its own, then p5 arrives: p2 goes again before p5.
        let p2Delivery = try await store.read { try $0.deliveries(DeliveryFilter(key: key)) }.first { $0.seq == p2 }!.id
        let requeued = try await store.write { tx in try tx.requeue(delivery: p2Delivery, at: now) }
        try check(requeued, "the delivered p2 can be requeued")
        let p5 = try await store.write { tx in try arrive("p5", tx) }
        try check(try await deliverHead() == p2, "the replayed p2 is due before p5")
        try check(try await deliverHead() == p5, "then p5")
        // p3 is replayed by range, then p6 arrives.
        let count = try await store.write { tx in
            try tx.requeueDeliveries(subscription: subscription, seqs: p3...p3, received: nil, at: now)
        }
        try check(count == 1, "the range replay requeues p3, found \(count)")
        let p6 = try await store.write { tx in try arrive("p6", tx) }
        try check(try await deliverHead() == p3, "the replayed p3 is due before p6")
        try check(try await deliverHead() == p6, "then p6")
        try check(try await deliverHead() == nil, "nothing of the key is left")
    }

    /// Exceptions are listed by kind and settled for one key and kind.
    public static func exceptionsSettleByKeyAndKind(_ store: any Store) async throws {
        let t = Timestamp(milliseconds: 1)
        try await store.write { tx in
            try tx.raise(NewException(kind: .backorder, code: "backordered", key: "order:X", eventSeq: nil, message: "x", raisedAt: t))
            try tx.raise(NewException(kind: .backorder, code: "backordered", key: "order:Y", eventSeq: nil, message: "y", raisedAt: t))
            try tx.raise(NewException(kind: .carrier, code: "carrier_exception", key: "order:X", eventSeq: nil, message: "c", raisedAt: t))
            try tx.settleExceptions(key: "order:X", kind: .backorder, at: t, by: "hub")
        }
        let open = try await store.read { try $0.exceptions(ExceptionFilter(status: .open)) }
        try check(Set(open.map(\.message)) == ["y", "c"], "only X's backorder is settled, open: \(open.map(\.message))")
        let forX = try await store.read { try $0.exceptions(ExceptionFilter(key: "order:X")) }
        try check(Set(forX.map(\.message)) == ["x", "c"], "exceptions are found by key, found \(forX.map(\.message))")
        try check(Set(forX.map(\.id)).count == 2, "each exception has its own id")
        let counts = try await store.read { try $0.openExceptionCounts() }
        try check(counts == [.backorder: 1, .carrier: 1], "open exceptions are counted by kind, found \(counts)")
        let one = try await store.read { try $0.exception(open[0].id) }
        try check(one == open[0], "an exception is found by id")
        let resolved = try await store.write { tx in try tx.resolveException(id: open[0].id, at: t, by: "ana") }
        let again = try await store.write { tx in try tx.resolveException(id: open[0].id, at: t, by: "ana") }
        try check(resolved && !again, "an exception is resolved once")
    }

    /// Parked events come back in the order they happened at their source.
    public static func parkedEventsComeBackInEventTimeOrder(_ store: any Store) async throws {
        try await store.write { tx in
            let late = try tx.append(event("late", key: "order:P", time: 300))!
            let early = try tx.append(event("early", key: "order:P", time: 100))!
            try tx.park(ParkedEvent(seq: late, key: "order:P", eventTime: Timestamp(milliseconds: 300), receivedAt: Timestamp(milliseconds: 10)))
            try tx.park(ParkedEvent(seq: early, key: "order:P", eventTime: Timestamp(milliseconds: 100), receivedAt: Timestamp(milliseconds: 20)))
        }
        let parked = try await store.read { try $0.parkedEvents(key: "order:P") }
        try check(parked.map(\.eventTime.milliseconds) == [100, 300], "parked events are in event-time order")
        let old = try await store.read { try $0.parkedEvents(receivedBefore: Timestamp(milliseconds: 15), unexpiredOnly: true) }
        try check(old.count == 1 && old[0].eventTime.milliseconds == 300, "parked events are found by age")
        try await store.write { tx in try tx.unpark(seq: parked[0].seq) }
        let left = try await store.read { try $0.parkedEvents(key: "order:P") }
        try check(left.count == 1, "unparking removes the event from the park")
    }

    /// Customers, products and cross-references are stored and found by system ids.
    public static func masterDataAndCrossReferences(_ store: any Store) async throws {
        let customer = try CustomerRecord(
            PayloadReader.object(
                try JSONParser.parse(
                    Array(
                        """
                        {"customerId":"C-7","name":"Acme","currency":"USD","creditLimit":"100.00","externalIds":{"crm":"X7"}}
                        """.utf8)), at: "$"))
        try await store.write { tx in
            try tx.save(customer)
            try tx.saveCrossReference(kind: "customer", system: "crm", external: "X7", canonical: "C-7")
            try tx.adjustReceivables(of: "C-7", by: 500)
            try tx.adjustReceivables(of: "C-7", by: -200)
        }
        let (found, xref, open) = try await store.read { r in
            (try r.customer("C-7"), try r.crossReference(kind: "customer", system: "crm", external: "X7"), try r.openReceivables(of: "C-7"))
        }
        try check(found == customer, "the customer reads back")
        try check(xref == "C-7", "the cross-reference resolves")
        try check(open == 300, "receivables add up, found \(open)")
    }

    /// Each partner has one control sequence: 1, 2, 3 …, independent of other partners, never
    /// repeated — not by concurrent writers, not by a write that failed after drawing a number.
    public static func controlNumbersNeverRepeat(_ store: any Store) async throws {
        struct Boom: Error {}
        let first = try await store.write { try $0.nextControlNumber(partner: "boltworks-edi") }
        let other = try await store.write { try $0.nextControlNumber(partner: "acme-edi") }
        do {
            try await store.write { tx -> Void in
                _ = try tx.nextControlNumber(partner: "boltworks-edi")
                throw Boom()
            }
        } catch is Boom {}
        let drawn = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<20 { group.addTask { try await store.write { try $0.nextControlNumber(partner: "boltworks-edi") } } }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        try check(first == 1 && other == 1, "each partner's sequence starts at 1, found \(first) and \(other)")
        try check(Set(drawn).count == 20, "concurrent draws never repeat, found \(drawn.sorted())")
        try check(drawn.allSatisfy { $0 > first }, "later draws come after earlier ones, found \(drawn.sorted())")
    }

    /// Outbound interchanges are found by delivery and by number, wait for their 997 until their
    /// window closes, and inbound ones are found by their ISA13.
    public static func interchangesAreTracked(_ store: any Store) async throws {
        let partner = SystemName("boltworks-edi")
        let sent = OutboundInterchange(
            partner: partner, control: 7, setCode: "856", deliveryId: 41, key: "order:SO-1", reference: "SH-1",
            sentAt: Timestamp(milliseconds: 1_000), ackDueAt: Timestamp(milliseconds: 5_000), status: .sent)
        let ack = OutboundInterchange(
            partner: partner, control: 8, setCode: "997", deliveryId: nil, key: nil, reference: "000000905",
            sentAt: Timestamp(milliseconds: 1_000), ackDueAt: nil, status: .notExpected)
        let inbound = InboundInterchange(
            partner: partner, control: "000000905", receivedAt: Timestamp(milliseconds: 900), request: Array("ISA*00".utf8),
            response: Array("ISA".utf8), summary: "1 set accepted")
        try await store.write { tx in
            try tx.record(sent)
            try tx.record(ack)
            try tx.record(inbound)
        }
        let (byDelivery, early, late, received) = try await store.read { r in
            (
                try r.outboundInterchange(delivery: 41), try r.overdueInterchanges(now: Timestamp(milliseconds: 4_000)),
                try r.overdueInterchanges(now: Timestamp(milliseconds: 6_000)), try r.inboundInterchange(partner: partner, control: "000000905")
            )
        }
        try check(byDelivery == sent, "the interchange reads back by its delivery")
        try check(early.isEmpty && late == [sent], "only an unacknowledged interchange past its window is overdue")
        try check(received == inbound, "an inbound interchange reads back by its ISA13")
        let updated = try await store.write { try $0.updateInterchange(partner: partner, control: 7, status: .accepted, note: "AK9 A") }
        let (after, overdue, all) = try await store.read { r in
            (
                try r.outboundInterchange(partner: partner, control: 7), try r.overdueInterchanges(now: Timestamp(milliseconds: 6_000)),
                try r.outboundInterchanges(partner: partner, limit: 10)
            )
        }
        try check(updated && after?.status == .accepted && after?.note == "AK9 A", "a 997 marks the interchange accepted")
        try check(overdue.isEmpty, "an accepted interchange is never overdue")
        try check(all.map(\.control) == [7, 8], "a partner's interchanges are listed, found \(all.map(\.control))")
    }
}
