import Testing
import WaybillCore
import WaybillStore

@testable import WaybillEngine

@Suite("Delivery")
struct DeliveryTests {
    @Test("a hub event goes out as stored, with the attempt's traceparent added as its last member")
    func traceparentOfAttempt() throws {
        let trace = TraceContext(traceID: String(repeating: "a", count: 32), spanID: String(repeating: "b", count: 16))
        func event(_ traceparent: TraceContext?) -> [UInt8] {
            // Data whose text holds the member's name: only a member may count as one.
            CloudEvent(
                id: "wb-1-1", source: "/systems/hub", type: .orderStatusChanged, subject: "SO-1", time: start, traceparent: traceparent,
                data: .object([("note", .string(#"say "traceparent":"x""#))])
            ).bytes
        }
        #expect(DeliveryScheduler.body(event(nil), traceparent: trace) == event(trace))
        let earlier = TraceContext(traceID: String(repeating: "c", count: 32), spanID: String(repeating: "d", count: 16))
        #expect(DeliveryScheduler.body(event(earlier), traceparent: trace) == event(trace), "a traceparent already there is replaced")
    }

    /// WMS subscribes to accepted orders; ERP to shipments; both in process.
    static let systems = [
        ConnectedSystem(name: "portal", publishes: [.orderPlaced], subscriptions: []),
        ConnectedSystem(
            name: "erp", publishes: [.customerUpserted, .productUpserted],
            subscriptions: [
                Subscription(
                    name: "erp-orders", system: "erp", types: [.orderAccepted, .shipmentConfirmed, .invoiceRequested], adapter: .inProcess,
                    retry: RetrySchedule(delays: [1_000, 5_000]))
            ]),
        ConnectedSystem(
            name: "wms", publishes: [.shipmentConfirmed, .inventoryAllocated],
            subscriptions: [
                Subscription(name: "wms-orders", system: "wms", types: [.orderAccepted, .orderStatusChanged], adapter: .inProcess)
            ]),
    ]

    func setUp() async throws -> (Hub, ManualClock, Recorder, DeliveryScheduler) {
        try await makeDeliveryHub(systems: Self.systems)
    }

    func drain(_ scheduler: DeliveryScheduler) async throws {
        while try await scheduler.deliverDue() > 0 {}
    }

    @Test("backoff follows the schedule with ±20 % jitter and ends in a dead letter")
    func backoff() {
        let schedule = RetrySchedule.standard
        #expect(schedule.backoff(afterFailedAttempts: 1, unit: 0.5) == 1_000)
        #expect(schedule.backoff(afterFailedAttempts: 1, unit: 0) == 800)
        #expect(schedule.backoff(afterFailedAttempts: 2, unit: 0.999) ?? 0 < 6_000)
        #expect(schedule.backoff(afterFailedAttempts: 8, unit: 0.5) == 36_000_000)
        #expect(schedule.backoff(afterFailedAttempts: 9, unit: 0.5) == nil)
        #expect(schedule.maxAttempts == 9)
    }

    @Test("each subscriber gets its events in order per order, with the order's trace id, and never its own events")
    func orderPerOrder() async throws {
        let (hub, _, recorder, scheduler) = try await setUp()
        _ = try await hub.ingest(body: batch([placed("SO-1"), placed("SO-2")]))
        _ = try await hub.ingest(
            body: event("wms", "w-1", .shipmentConfirmed, subject: "SO-1", #"{"orderId":"SO-1","shipmentId":"SH-1","lines":[{"lineId":"1","quantity":10}]}"#))
        try await drain(scheduler)
        let wms = recorder.received.filter { $0.subscription == "wms-orders" && $0.key == "order:SO-1" }.map(\.type)
        #expect(wms == [.orderAccepted, .orderStatusChanged, .orderStatusChanged])
        #expect(!recorder.received.contains { $0.subscription == "wms-orders" && $0.type == .shipmentConfirmed })
        let erp = recorder.received.filter { $0.subscription == "erp-orders" && $0.key == "order:SO-1" }
        #expect(erp.map(\.type) == [.orderAccepted, .shipmentConfirmed, .invoiceRequested], "a shipment is delivered before the invoice request it causes")
        let forwarded = try JSONParser.parse(erp[1].body)
        let order = try #require(try await hub.order("SO-1"))
        #expect(forwarded["traceparent"].map { if case .string(let t) = $0 { t.contains(order.traceId) } else { false } } == true)
        #expect(forwarded["source"] == .string("/systems/wms"))
        #expect(forwarded["sourceid"] == .string("w-1"))
        if case .string(let id)? = forwarded["id"] { #expect(id.hasPrefix("wb-")) } else { Issue.record("no id") }
    }

    @Test("a subscriber that fails for a while gets everything, in order, once it recovers; other subscribers are not held up")
    func retries() async throws {
        let (hub, clock, recorder, scheduler) = try await setUp()
        recorder.fail("erp-orders", times: 2)
        _ = try await hub.ingest(body: placed("SO-1"))
        _ = try await hub.ingest(
            body: event("wms", "w-1", .shipmentConfirmed, subject: "SO-1", #"{"orderId":"SO-1","shipmentId":"SH-1","lines":[{"lineId":"1","quantity":10}]}"#))
        try await drain(scheduler)
        #expect(recorder.received.filter { $0.subscription == "erp-orders" }.isEmpty)
        #expect(recorder.received.filter { $0.subscription == "wms-orders" }.count == 3, "wms is not held up by erp")
        let pending = try await hub.store.read { try $0.deliveries(DeliveryFilter(subscription: "erp-orders", status: .pending)) }
        #expect(pending.count == 3 && pending[0].attempts == 1 && pending[0].lastStatusCode == 500)
        clock.advance(milliseconds: 1_200)
        try await drain(scheduler)
        clock.advance(milliseconds: 6_000)
        try await drain(scheduler)
        let erp = recorder.received.filter { $0.subscription == "erp-orders" }
        #expect(erp.map(\.type) == [.orderAccepted, .shipmentConfirmed, .invoiceRequested], "a shipment is delivered before the invoice request it causes")
        #expect(erp[0].attempt == 3)
        #expect(Set(erp.map(\.deliveryId)).count == 3, "no duplicates")
    }

    @Test("one order's failing delivery does not block the subscription's other orders")
    func noHeadOfLineAcrossOrders() async throws {
        let (hub, _, recorder, scheduler) = try await setUp()
        let failing = InProcessAdapter { delivery in
            delivery.key == "order:SO-1" ? .failed(statusCode: 503, error: "busy") : await recorder.adapter.deliver(delivery)
        }
        let picky = DeliveryScheduler(hub: hub, adapters: AdapterRegistry([AdapterSettings.inProcess.kind: failing]))
        _ = try await hub.ingest(body: batch([placed("SO-1"), placed("SO-2")]))
        try await drain(picky)
        #expect(recorder.received.contains { $0.key == "order:SO-2" && $0.subscription == "erp-orders" })
        #expect(!recorder.received.contains { $0.key == "order:SO-1" })
        _ = scheduler
    }

    @Test("after the last attempt the delivery is dead with its last error; a retry then delivers it")
    func deadLetter() async throws {
        let (hub, clock, recorder, scheduler) = try await setUp()
        recorder.fail("erp-orders", times: Int.max)
        _ = try await hub.ingest(body: placed("SO-1"))
        for _ in 0..<4 {
            try await drain(scheduler)
            clock.advance(milliseconds: 10_000)
        }
        let dead = try await hub.store.read { try $0.deliveries(DeliveryFilter(subscription: "erp-orders", status: .dead)) }
        #expect(dead.count == 1 && dead[0].attempts == 3 && dead[0].lastError == "HTTP 500 from erp-orders")
        recorder.fail("erp-orders", times: 0)
        _ = try await hub.store.write { tx in try tx.requeue(delivery: dead[0].id, at: clock.now()) }
        try await drain(scheduler)
        #expect(recorder.received.filter { $0.subscription == "erp-orders" }.map(\.type) == [.orderAccepted])
    }

    @Test("a 410 Gone disables the subscription; its deliveries wait, and resume when it is enabled again")
    func gone() async throws {
        let (hub, _, recorder, _) = try await setUp()
        let gone = DeliveryScheduler(hub: hub, adapters: AdapterRegistry([AdapterSettings.inProcess.kind: InProcessAdapter { _ in .gone(statusCode: 410) }]))
        _ = try await hub.ingest(body: placed("SO-1"))
        try await drain(gone)
        let disabled = try await hub.store.read { try $0.disabledSubscriptions() }
        #expect(Set(disabled.keys) == ["erp-orders", "wms-orders"])
        let pending = try await hub.store.read { try $0.deliveries(DeliveryFilter(subscription: "erp-orders", status: .pending)) }
        #expect(!pending.isEmpty && pending[0].lastStatusCode == 410 && pending[0].attempts == 1)
        let healthy = DeliveryScheduler(hub: hub, adapters: AdapterRegistry([AdapterSettings.inProcess.kind: recorder.adapter]))
        try await drain(healthy)
        #expect(recorder.received.isEmpty, "nothing goes to a disabled subscription")
        _ = try await hub.store.write { tx in try tx.setSubscription("erp-orders", disabled: false, reason: nil, at: start, by: "root") }
        try await drain(healthy)
        #expect(recorder.received.map(\.subscription) == ["erp-orders"])
    }

    @Test("the circuit opens after repeated failures, stops attempts, and one probe closes it again")
    func circuitBreaker() {
        var breaker = CircuitBreaker(threshold: 3, coolDownMilliseconds: 1_000)
        let t = start
        for _ in 0..<3 {
            let allowed1 = breaker.allows(at: t)
            #expect(allowed1)
            breaker.record(success: false, at: t)
        }
        #expect(breaker.isOpen)
        let allowed2 = breaker.allows(at: t.adding(milliseconds: 999))
        #expect(!allowed2)
        let allowed3 = breaker.allows(at: t.adding(milliseconds: 1_000))
        #expect(allowed3, "one probe after the cool-down")
        let allowed4 = breaker.allows(at: t.adding(milliseconds: 1_001))
        #expect(!allowed4, "only one probe at a time")
        breaker.record(success: false, at: t.adding(milliseconds: 1_100))
        let allowed5 = breaker.allows(at: t.adding(milliseconds: 2_000))
        #expect(!allowed5)
        let allowed6 = breaker.allows(at: t.adding(milliseconds: 2_100))
        #expect(allowed6)
        breaker.record(success: true, at: t.adding(milliseconds: 2_200))
        let reopened = breaker.allows(at: t.adding(milliseconds: 2_200))
        #expect(!breaker.isOpen && reopened)
    }
}
