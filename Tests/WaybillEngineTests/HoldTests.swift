import Testing
import WaybillCore
import WaybillStore

@testable import WaybillEngine

/// Holds placed after the order went to the warehouse.
@Suite("Holds after acceptance")
struct HoldTests {
    let hold = event(
        "erp", "e-h", .orderHeld, subject: "SO-1", time: "2026-12-01T09:00:00Z",
        #"{"orderId":"SO-1","hold":"credit","reason":"customer over limit after a returned cheque"}"#)
    let shipment = event(
        "wms", "w-2", .shipmentConfirmed, subject: "SO-1", time: "2026-12-01T10:00:00Z",
        #"{"orderId":"SO-1","shipmentId":"SH-1","lines":[{"lineId":"1","quantity":10}]}"#)

    @Test("a hold after acceptance reaches the warehouse; a shipment confirmed while held is recorded with a finance exception")
    func holdAfterAcceptance() async throws {
        let (hub, _, recorder, scheduler) = try await makeDeliveryHub()
        _ = try await hub.ingest(body: placed("SO-1"))
        #expect(try await hub.ingest(body: hold).map(\.outcome) == [.accepted])
        while try await scheduler.deliverDue() > 0 {}
        let wms = recorder.received.filter { $0.subscription.hasPrefix("wms-") && $0.key == "order:SO-1" }.map(\.type)
        #expect(wms == [.orderAccepted, .orderHeld], "the warehouse that has the order hears of the hold")

        let shipped = try await hub.ingest(body: shipment)
        #expect(shipped[0].outcome == .exception)
        #expect(shipped[0].code == "shipped_while_held")
        let order = try #require(try await hub.order("SO-1"))
        #expect(order.lines[0].shipped == Quantity(10), "the shipment happened and is recorded")
        #expect(order.shipments.map(\.shipmentId) == ["SH-1"])
        let raised = try #require(try await hub.exceptions(ExceptionFilter(status: .open)).first { $0.code == "shipped_while_held" })
        #expect(raised.kind == .creditHold)
        #expect(raised.kind.role == .finance)
        #expect(raised.message.contains("SH-1") && raised.message.contains("credit hold"))
    }
}
