import Testing
import WaybillCore
import WaybillStore

@testable import WaybillEngine

/// The actions people take, as engine operations: authorised by role, audited, one each.
@Suite("People's operations")
struct OperationsTests {
    let tightCustomer = event(
        "erp", "m-9", .customerUpserted, subject: "C-9", #"{"customerId":"C-9","name":"Delta Fabrication","currency":"USD","creditLimit":"10.00"}"#)

    func heldOrder() -> [UInt8] {
        event(
            "portal", "p-SO-9", .orderPlaced, subject: "SO-9",
            #"{"orderId":"SO-9","customerId":"C-9","currency":"USD","lines":[{"lineId":"1","sku":"A","quantity":10,"unitPrice":"5.00"}]}"#)
    }

    @Test("finance releases a credit hold: the hub records o2c.order.released, the order is accepted and the warehouse hears of it; audited")
    func financeReleases() async throws {
        let (hub, _, recorder, scheduler) = try await makeDeliveryHub()
        _ = try await hub.ingest(body: tightCustomer)
        _ = try await hub.ingest(body: heldOrder())
        #expect(try await hub.order("SO-9")?.status == .onHold)
        let service = Person(name: "sam", role: .service)
        await #expect(throws: OperationRefused(.forbidden, "forbidden", "credit holds are released by finance")) {
            try await hub.releaseHold(order: "SO-9", hold: .credit, note: nil, by: service)
        }
        let finance = Person(name: "fay", role: .finance)
        let result = try await hub.releaseHold(order: "SO-9", hold: .credit, note: "paid on account", by: finance)
        #expect(result.outcome == .accepted)
        #expect(try await hub.order("SO-9")?.status == .accepted)
        while try await scheduler.deliverDue() > 0 {}
        let told = { (name: String) in recorder.received.filter { $0.subscription == name && $0.key == "order:SO-9" }.map(\.type) }
        #expect(told("wms-notices") == [.orderHeld, .orderReleased] && told("wms-orders") == [.orderAccepted], "the warehouse hears of it")
        #expect(try await hub.exceptions(ExceptionFilter(kind: .creditHold, status: .open)).isEmpty, "the credit-hold exception is settled")
        let audit = try await hub.store.read { try $0.auditLog(limit: 10) }
        #expect(audit.contains { $0.actor == "fay" && $0.action == "release" && $0.target == "order:SO-9" && ($0.detail ?? "").contains("paid on account") })
        await #expect(throws: OperationRefused.self) { try await hub.releaseHold(order: "SO-9", hold: .credit, note: nil, by: finance) }
        // The release is in the log: a rebuild gives the same order.
        let before = try await hub.order("SO-9")
        try await hub.rebuildProjections()
        #expect(try await hub.order("SO-9") == before)
    }

    @Test("a service person cannot resolve finance's exception; finance resolves it with a note, audited; twice is a conflict")
    func resolveByRole() async throws {
        let (hub, _, _, _) = try await makeDeliveryHub()
        _ = try await hub.ingest(body: tightCustomer)
        _ = try await hub.ingest(body: heldOrder())
        let exception = try #require(try await hub.exceptions(ExceptionFilter(kind: .creditHold)).first)
        await #expect(throws: OperationRefused.self) { try await hub.resolve(exception: exception.id, note: nil, by: Person(name: "sam", role: .service)) }
        try await hub.resolve(exception: exception.id, note: "called the customer", by: Person(name: "fay", role: .finance))
        let audit = try await hub.store.read { try $0.auditLog(limit: 10) }
        #expect(audit.contains { $0.action == "resolve" && $0.detail == "called the customer" })
        await #expect(throws: OperationRefused(.conflict, "already_resolved", "exception \(exception.id) is already resolved")) {
            try await hub.resolve(exception: exception.id, note: nil, by: Person(name: "fay", role: .finance))
        }
    }

    @Test("bulk retry acts only on the count the person was shown: a changed queue is refused and nothing moves")
    func bulkRetryCount() async throws {
        let (hub, _, recorder, scheduler) = try await makeDeliveryHub()
        recorder.fail("wms-orders", times: Int.max)
        _ = try await hub.ingest(body: placed("SO-1"))
        _ = try await hub.ingest(body: placed("SO-2"))
        for _ in 0..<12 { _ = try await scheduler.deliverDue() }
        let support = Person(name: "ana", role: .support)
        let filter = DeliveryFilter(subscription: "wms-orders")
        let shown = try await hub.bulkRetryPreview(filter).count
        #expect(shown == 2)
        await #expect(throws: OperationRefused.self) { try await hub.bulkRetry(filter, expected: shown + 1, by: support) }
        await #expect(throws: OperationRefused.self) { try await hub.bulkRetry(filter, expected: shown, by: Person(name: "sam", role: .service)) }
        #expect(try await hub.bulkRetry(filter, expected: shown, by: support) == 2)
        let audit = try await hub.store.read { try $0.auditLog(limit: 10) }
        #expect(audit.contains { $0.action == "bulk_retry" && $0.detail == "2 deliveries: subscription wms-orders" })
    }
}
