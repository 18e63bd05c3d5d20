import Testing
import WaybillCore
import WaybillStore

@testable import WaybillEngine

/// Refused inbound events reprocessed after their cause is fixed.
@Suite("Reprocessing refused events")
struct ReprocessTests {
    func order(for customer: String) -> [UInt8] {
        event(
            "portal", "p-1", .orderPlaced, subject: "SO-1",
            #"{"orderId":"SO-1","customerId":"\#(customer)","currency":"USD","lines":[{"lineId":"1","sku":"A","quantity":10,"unitPrice":"5.00"}]}"#)
    }

    @Test("a payment refused for an unknown customer applies once reprocessed after the customer arrives; once only; a rebuild agrees")
    func paymentAfterMasterData() async throws {
        let (hub, _) = try makeHub(systems: SequencingTests.systems)
        _ = try await hub.ingest(body: batch(masterData))
        let known = event(
            "erp", "m-9", .customerUpserted, subject: "C-9",
            #"{"customerId":"C-9","name":"Ninth","currency":"USD","creditLimit":"100000.00"}"#)
        // The order and its invoice are there; AR names a customer the hub has not heard of yet.
        _ = try await hub.ingest(body: known)
        _ = try await hub.ingest(body: order(for: "C-9"))
        _ = try await hub.ingest(
            body: event(
                "wms", "w-1", .shipmentConfirmed, subject: "SO-1", #"{"orderId":"SO-1","shipmentId":"SH-1","lines":[{"lineId":"1","quantity":10}]}"#))
        _ = try await hub.ingest(
            body: event(
                "erp", "e-1", .invoicePosted, subject: "SO-1",
                #"{"orderId":"SO-1","invoiceId":"INV-1","currency":"USD","lines":[{"lineId":"1","quantity":10,"unitPrice":"5.00"}],"total":"50.00"}"#))
        let misnamed = event(
            "ar", "a-1", .paymentReceived, subject: "AR-C9", time: "2026-12-03T09:00:00Z",
            #"{"paymentId":"PAY-1","customerId":"AR-C9","amount":"50.00","currency":"USD","applications":[{"invoiceId":"INV-1","amount":"50.00"}]}"#)
        let refused = try await hub.ingest(body: misnamed)
        #expect(refused.map(\.outcome) == [.exception] && refused[0].code == "unknown_customer")
        let exception = try #require(try await hub.exceptions(ExceptionFilter(status: .open)).first { $0.code == "unknown_customer" })
        // Master data fixes the cause: AR's id for the customer becomes known.
        _ = try await hub.ingest(
            body: event(
                "erp", "m-10", .customerUpserted, subject: "C-9",
                #"{"customerId":"C-9","name":"Ninth","currency":"USD","creditLimit":"100000.00","externalIds":{"ar":"AR-C9"}}"#))
        let result = try await hub.reprocess(exception: exception.id, by: "ana")
        #expect(result.outcome == .accepted)
        let order = try #require(try await hub.order("SO-1"))
        #expect(order.paidTotal == Money(minorUnits: 5_000, currency: .usd))
        #expect(try await hub.store.read { try $0.exception(exception.id) }?.status == .resolved)
        let audit = try await hub.store.read { try $0.auditLog(limit: 10) }
        #expect(audit.contains { $0.actor == "ana" && $0.action == "reprocess" })

        // Only once: a second reprocess is refused, and the (source, id) is still a duplicate.
        let again = await #expect(throws: WaybillError.self) { try await hub.reprocess(exception: exception.id, by: "ana") }
        #expect(again?.code == .notRefused)
        #expect(try await hub.ingest(body: misnamed).map(\.outcome) == [.duplicate])
        #expect(try await hub.order("SO-1")?.paidTotal == Money(minorUnits: 5_000, currency: .usd))

        let digest = try await hub.store.read { try $0.projectionDigest() }
        try await hub.rebuildProjections()
        #expect(try await hub.store.read { try $0.projectionDigest() } == digest, "the rebuild applies the payment where it was reprocessed")
    }

    @Test("an allocation refused while the order was on hold applies when reprocessed after the release, and reaches subscribers after the acceptance")
    func allocationAfterRelease() async throws {
        let (hub, _, recorder, scheduler) = try await makeDeliveryHub(systems: SequencingTests.systems)
        _ = try await hub.ingest(
            body: event("erp", "m-9", .customerUpserted, subject: "C-9", #"{"customerId":"C-9","name":"Tight","currency":"USD","creditLimit":"10.00"}"#))
        _ = try await hub.ingest(body: order(for: "C-9"))
        #expect(try await hub.order("SO-1")?.status == .onHold)
        let allocation = try await hub.ingest(
            body: event("wms", "w-1", .inventoryAllocated, subject: "SO-1", #"{"orderId":"SO-1","lines":[{"lineId":"1","quantity":10}]}"#))
        #expect(allocation[0].code == "order_on_hold")
        let seq = try #require(try await hub.store.read { try $0.eventSeq(source: "/systems/wms", eventId: "w-1") })
        let stillHeld = try await hub.reprocess(seq: seq, by: "ana")
        #expect(stillHeld.code == "order_on_hold", "refused again while the hold lasts: it stays refused")
        #expect(try await hub.store.read { try $0.refusedEvent(seq: seq) } != nil)

        let released = event("erp", "e-r", .orderReleased, subject: "SO-1", #"{"orderId":"SO-1","hold":"credit","reason":"approved"}"#)
        #expect(try await hub.ingest(body: released).map(\.outcome) == [.accepted])
        #expect(try await hub.reprocess(seq: seq, by: "ana").outcome == .accepted)
        #expect(try await hub.order("SO-1")?.lines[0].allocated == Quantity(10))
        while try await scheduler.deliverDue() > 0 {}
        let erp = recorder.received.filter { $0.subscription == "erp-orders" && $0.key == "order:SO-1" }.map(\.type)
        #expect(erp == [.orderAccepted, .inventoryAllocated])
    }
}
