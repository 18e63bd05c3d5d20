import Testing
import WaybillCore
import WaybillStore

@testable import WaybillEngine

/// Events that arrive before what they depend on: they wait, apply when it arrives, and reach
/// subscribers after their cause.
@Suite("Sequencing")
struct SequencingTests {
    /// ERP and the portal hear of orders, allocations, shipments and invoice requests; the WMS
    /// allocates and ships, the carrier delivers, the ERP invoices, AR collects.
    static let systems = [
        ConnectedSystem(
            name: "portal", publishes: [.orderPlaced],
            subscriptions: [
                Subscription(name: "portal-status", system: "portal", types: [.orderAccepted, .inventoryAllocated, .shipmentConfirmed], adapter: .inProcess)
            ]),
        ConnectedSystem(
            name: "erp", publishes: [.customerUpserted, .productUpserted, .invoicePosted, .creditMemoPosted],
            subscriptions: [
                Subscription(
                    name: "erp-orders", system: "erp",
                    types: [.orderAccepted, .inventoryAllocated, .shipmentConfirmed, .shipmentDelivered, .invoiceRequested, .paymentReceived],
                    adapter: .inProcess)
            ]),
        ConnectedSystem(name: "wms", publishes: [.inventoryAllocated, .shipmentConfirmed], subscriptions: []),
        ConnectedSystem(name: "carrier", publishes: [.shipmentDelivered, .shipmentTracking], subscriptions: []),
        ConnectedSystem(name: "ar", publishes: [.paymentReceived], subscriptions: []),
    ]

    func setUp() async throws -> (Hub, ManualClock, Recorder, DeliveryScheduler) {
        try await makeDeliveryHub(systems: Self.systems)
    }

    func drain(_ scheduler: DeliveryScheduler) async throws {
        while try await scheduler.deliverDue() > 0 {}
    }

    let allocation = event(
        "wms", "w-1", .inventoryAllocated, subject: "SO-1", time: "2026-12-01T07:00:00Z",
        #"{"orderId":"SO-1","warehouse":"DAL","lines":[{"lineId":"1","quantity":10}]}"#)
    let shipment = event(
        "wms", "w-2", .shipmentConfirmed, subject: "SO-1", time: "2026-12-01T07:30:00Z",
        #"{"orderId":"SO-1","shipmentId":"SH-1","lines":[{"lineId":"1","quantity":10}]}"#)
    let delivered = event(
        "carrier", "c-1", .shipmentDelivered, subject: "SO-1", time: "2026-12-02T10:00:00Z",
        #"{"orderId":"SO-1","shipmentId":"SH-1","signedBy":"M. Chen"}"#)
    let invoice = event(
        "erp", "e-1", .invoicePosted, subject: "SO-1", time: "2026-12-01T12:00:00Z",
        #"{"orderId":"SO-1","invoiceId":"INV-1","currency":"USD","lines":[{"lineId":"1","quantity":10,"unitPrice":"5.00"}],"total":"50.00"}"#)
    let payment = event(
        "ar", "a-1", .paymentReceived, subject: "C-1", time: "2026-12-03T09:00:00Z",
        #"{"paymentId":"PAY-1","customerId":"C-1","amount":"50.00","currency":"USD","applications":[{"invoiceId":"INV-1","amount":"50.00"}]}"#)

    @Test("an order whose allocation and shipment came first reaches every subscriber before them, and before its invoice request")
    func causeBeforeEffectAfterParking() async throws {
        let (hub, _, recorder, scheduler) = try await setUp()
        let early = try await hub.ingest(body: batch([allocation, shipment]))
        #expect(early.map(\.outcome) == [.parked, .parked])
        _ = try await hub.ingest(body: placed("SO-1"))
        try await drain(scheduler)
        let erp = recorder.received.filter { $0.subscription == "erp-orders" && $0.key == "order:SO-1" }.map(\.type)
        #expect(erp == [.orderAccepted, .inventoryAllocated, .shipmentConfirmed, .invoiceRequested])
        let portal = recorder.received.filter { $0.subscription == "portal-status" && $0.key == "order:SO-1" }.map(\.type)
        #expect(portal == [.orderAccepted, .inventoryAllocated, .shipmentConfirmed])
        // The forwarded shipment is still the WMS's event, under the hub's id for where it applied.
        let forwarded = try JSONParser.parse(try #require(recorder.received.first { $0.type == .shipmentConfirmed }).body)
        #expect(forwarded["source"] == .string("/systems/wms"))
        #expect(forwarded["sourceid"] == .string("w-2"))
        let log = try await hub.store.read { try $0.events(key: "order:SO-1") }
        let applied = log.filter { $0.event.origin == .applied }
        #expect(applied.count == 2, "one applied entry per parked event that was passed on")
        let accepted = try #require(log.first { $0.event.type == .orderAccepted })
        #expect(applied.allSatisfy { $0.seq > accepted.seq })
    }

    @Test("an order that waited for master data is accepted before its parked events reach subscribers")
    func causeBeforeEffectAfterMasterData() async throws {
        let (hub, _, recorder, scheduler) = try await setUp()
        _ = try await hub.ingest(body: placed("SO-1", sku: "NEW-1"))
        _ = try await hub.ingest(
            body: event(
                "wms", "w-1", .inventoryAllocated, subject: "SO-1", time: "2026-12-01T07:00:00Z",
                #"{"orderId":"SO-1","warehouse":"DAL","lines":[{"lineId":"2","quantity":5}]}"#))
        _ = try await hub.ingest(
            body: event("erp", "m-9", .productUpserted, subject: "NEW-1", #"{"sku":"NEW-1","baseUom":"EA","listPrice":"5.00","currency":"USD"}"#))
        try await drain(scheduler)
        let erp = recorder.received.filter { $0.subscription == "erp-orders" && $0.key == "order:SO-1" }.map(\.type)
        #expect(erp == [.orderAccepted, .inventoryAllocated])
    }

    @Test("a delivery before its shipment and an invoice before the shipment it bills both wait, then apply with no exception")
    func resequencedOnKnownOrder() async throws {
        let (hub, _, recorder, scheduler) = try await setUp()
        _ = try await hub.ingest(body: placed("SO-1"))
        let early = try await hub.ingest(body: batch([delivered, invoice]))
        #expect(early.map(\.outcome) == [.parked, .parked])
        #expect(early[0].detail?.contains("shipment SH-1") == true)
        #expect(try await hub.order("SO-1")?.lines[0].invoiced == Quantity(0))
        let late = try await hub.ingest(body: shipment)
        #expect(late.map(\.outcome) == [.accepted])
        let order = try #require(try await hub.order("SO-1"))
        #expect(order.lines[0].shipped == Quantity(10))
        #expect(order.lines[0].delivered == Quantity(10))
        #expect(order.lines[0].invoiced == Quantity(10))
        #expect(try await hub.exceptions(ExceptionFilter(status: .open)).filter { $0.kind != .backorder }.isEmpty)
        #expect(try await hub.store.read { try $0.parkedEvents(key: "order:SO-1") }.isEmpty)
        let outcomes = try await hub.store.read { r in
            try [("/systems/carrier", "c-1"), ("/systems/erp", "e-1")].map { try r.event(r.eventSeq(source: $0.0, eventId: $0.1)!)!.outcome }
        }
        #expect(outcomes == [.accepted, .accepted])
        try await drain(scheduler)
        let erp = recorder.received.filter { $0.subscription == "erp-orders" && $0.key == "order:SO-1" }.map(\.type)
        #expect(erp == [.orderAccepted, .shipmentConfirmed, .invoiceRequested, .shipmentDelivered])
    }

    @Test("a payment before its invoice waits for it and is applied when the invoice is posted")
    func paymentBeforeInvoice() async throws {
        let (hub, _, _, _) = try await setUp()
        _ = try await hub.ingest(body: batch([placed("SO-1"), shipment]))
        let early = try await hub.ingest(body: payment)
        #expect(early[0].outcome == .parked)
        #expect(early[0].detail?.contains("invoice INV-1") == true)
        _ = try await hub.ingest(body: invoice)
        let order = try #require(try await hub.order("SO-1"))
        #expect(order.invoices.first?.paid == Money(minorUnits: 5_000, currency: .usd))
        #expect(try await hub.exceptions(ExceptionFilter(kind: .paymentMismatch)).isEmpty)
        #expect(try await hub.store.read { try $0.parkedEvents(key: RecordKey.invoice("INV-1")) }.isEmpty)
    }

    @Test("a real contradiction is refused at once: the delivery of an unknown shipment once all has shipped, an invoice for more than ordered")
    func contradictions() async throws {
        let (hub, _, _, _) = try await setUp()
        _ = try await hub.ingest(
            body: batch([
                placed("SO-1"),
                event(
                    "wms", "w-9", .shipmentConfirmed, subject: "SO-1",
                    #"{"orderId":"SO-1","shipmentId":"SH-9","lines":[{"lineId":"1","quantity":10},{"lineId":"2","quantity":5}]}"#),
            ]))
        let results = try await hub.ingest(
            body: batch([
                delivered,
                event(
                    "erp", "e-9", .invoicePosted, subject: "SO-1",
                    #"{"orderId":"SO-1","invoiceId":"INV-9","currency":"USD","lines":[{"lineId":"1","quantity":11,"unitPrice":"5.00"}],"total":"55.00"}"#),
            ]))
        #expect(results.map(\.outcome) == [.exception, .exception])
        #expect(results.map(\.code) == ["unknown_shipment", "invoice_exceeds_shipped"])
        #expect(try await hub.store.read { try $0.parkedEvents(key: "order:SO-1") }.isEmpty)
    }

    @Test("an early event still waiting past the park timeout raises a sequencing exception naming what it waits for")
    func earlyEventTimesOut() async throws {
        let (hub, clock, _, _) = try await setUp()
        _ = try await hub.ingest(body: placed("SO-1"))
        _ = try await hub.ingest(body: delivered)
        clock.advance(milliseconds: 16 * 60_000)
        #expect(try await hub.expireParkedEvents() == 1)
        let raised = try #require(try await hub.exceptions(ExceptionFilter(kind: .sequencing, status: .open)).first)
        #expect(raised.message.contains("shipment SH-1"))
        _ = try await hub.ingest(body: shipment)
        #expect(try await hub.order("SO-1")?.lines[0].delivered == Quantity(10))
        #expect(try await hub.exceptions(ExceptionFilter(kind: .sequencing, status: .open)).isEmpty)
    }

    @Test("a rebuild from the log reaches the same state after events waited and applied")
    func rebuildAfterResequencing() async throws {
        let (hub, _, _, _) = try await setUp()
        _ = try await hub.ingest(body: batch([allocation, shipment]))
        _ = try await hub.ingest(body: placed("SO-1"))
        _ = try await hub.ingest(body: batch([payment, delivered]))
        _ = try await hub.ingest(body: invoice)
        let before = try await hub.store.read { try $0.projectionDigest() }
        let order = try #require(try await hub.order("SO-1"))
        #expect(order.lines[0].delivered == Quantity(10) && order.paidTotal == Money(minorUnits: 5_000, currency: .usd))
        try await hub.rebuildProjections()
        #expect(try await hub.store.read { try $0.projectionDigest() } == before)
    }
}
