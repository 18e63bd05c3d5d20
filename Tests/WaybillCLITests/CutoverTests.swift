import AsyncHTTPClient
import Foundation
import Hummingbird
import NIOCore
import Testing
import WaybillCore
import WaybillEngine
import WaybillSQLite
import WaybillStore
import WaybillTestSupport
import WaybillWebhooks

/// Replacing a legacy ERP reached by SOAP with a cloud ERP reached by REST, by configuration.
@Suite("Cutover from SOAP to REST")
struct CutoverTests {
    @Test("with orders in flight: written deliveries finish on SOAP (or are moved), new ones go to REST; every order is taken by exactly one of the two, once")
    func soapToREST() async throws {
        let soap = SOAPCounterpart()
        let rest = RESTCounterpart()
        rest.state.withLock {
            $0.rejectFirstToken = false
            $0.failAnswerAfterCreating = false
        }
        let (soapPort, restPort) = (freePort(), freePort())
        let soapApp = Application(router: soap.router(), configuration: .init(address: .hostname("127.0.0.1", port: soapPort)))
        let restApp = Application(router: rest.router(), configuration: .init(address: .hostname("127.0.0.1", port: restPort)))
        let legacy = Subscription(
            name: "erp-legacy", system: "erp", types: [.orderAccepted],
            adapter: .soap(
                SOAPCall(url: "http://127.0.0.1:\(soapPort)/ws/orders", action: "urn:CreateSalesOrder", operation: "CreateSalesOrder", namespace: "urn:erp")))
        var retired = legacy
        retired.retired = true
        let cloud = Subscription(
            name: "erp-rest", system: "erp", types: [.orderAccepted],
            adapter: .http(
                HTTPCall(
                    method: "POST", url: "http://127.0.0.1:\(restPort)/record/v1/salesOrder",
                    authentication: .oauth2(tokenURL: "http://127.0.0.1:\(restPort)/token", clientId: "waybill", clientSecret: "s3cret", scope: nil),
                    capture: .location)))
        func landscape(_ subscriptions: [Subscription]) -> Landscape {
            Landscape(systems: [
                ConnectedSystem(name: "portal", publishes: [.orderPlaced], subscriptions: []),
                ConnectedSystem(name: "erp", publishes: [.customerUpserted, .productUpserted], subscriptions: subscriptions),
            ])
        }
        let directory = try temporaryDirectory("waybill-cutover")
        let store = try SQLiteStore(path: directory.appendingPathComponent("hub.sqlite").path)
        let clock = ManualClock(Timestamp(rfc3339: "2026-12-01T08:00:00Z")!)
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let adapters = AdapterRegistry(["soap": SOAPAdapter(client: client), "http": HTTPCallAdapter(client: client)])
        func order(_ id: String) -> [UInt8] {
            Array(
                #"{"specversion":"1.0","id":"p-\#(id)","source":"/systems/portal","type":"o2c.order.placed","subject":"\#(id)","data":{"orderId":"\#(id)","customerId":"C-1","currency":"USD","lines":[{"lineId":"1","sku":"A","quantity":1,"unitPrice":"5.00"}]}}"#
                    .utf8)
        }
        let before = Hub(store: store, landscape: landscape([legacy]), policies: Policies(), clock: clock, random: HubRandom(seed: 1))
        _ = try await before.ingest(
            body: Array(
                #"[{"specversion":"1.0","id":"c","source":"/systems/erp","type":"o2c.customer.upserted","subject":"C-1","data":{"customerId":"C-1","name":"A","currency":"USD"}},{"specversion":"1.0","id":"p","source":"/systems/erp","type":"o2c.product.upserted","subject":"A","data":{"sku":"A","baseUom":"EA","listPrice":"5.00","currency":"USD"}}]"#
                    .utf8))

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await soapApp.runService() }
            group.addTask { try await restApp.runService() }
            for port in [soapPort, restPort] {
                try await waitUntilListening(client, "http://127.0.0.1:\(port)/")
            }
            // Before the cutover: SO-1 reaches the legacy ERP; SO-2 and SO-3 are written for it, not yet sent.
            _ = try await before.ingest(body: order("SO-1"))
            #expect(try await DeliveryScheduler(hub: before, adapters: adapters, concurrency: 1).deliverDue() == 1)
            _ = try await before.ingest(body: batch([String(decoding: order("SO-2"), as: UTF8.self), String(decoding: order("SO-3"), as: UTF8.self)]))

            // The cutover: the legacy subscription retired, the REST one added (a configuration change and a restart).
            let after = Hub(store: store, landscape: landscape([retired, cloud]), policies: Policies(), clock: clock, random: HubRandom(seed: 2))
            _ = try await after.ingest(body: order("SO-4"))
            #expect(try await store.read { try $0.deliveries(DeliveryFilter(subscription: "erp-legacy", key: "order:SO-4")) }.isEmpty)
            // The legacy ERP takes SO-2 (written before, finished through the retired subscription)
            // and refuses SO-3 for good (a Client fault: dead there).
            soap.state.withLock { $0.script = ["", SOAPCounterpart.fault("Client", "the legacy ERP is read-only now")] }
            let scheduler = DeliveryScheduler(hub: after, adapters: adapters, concurrency: 1)
            while try await scheduler.deliverDue() > 0 {}
            #expect(try await store.read { try $0.deliveries(DeliveryFilter(subscription: "erp-legacy", status: .dead)) }.count == 1)
            // Moved explicitly, SO-3 goes to the new system.
            #expect(try await after.moveDeliveries(from: "erp-legacy", to: "erp-rest", by: "ops") == 1)
            while try await scheduler.deliverDue() > 0 {}
            group.cancelAll()
        }
        try await client.shutdown()
        let soapOrders = soap.state.withLock { $0.received }.compactMap { received in
            received.body.range(of: "SO-[0-9]", options: .regularExpression).map { String(received.body[$0]) }
        }
        #expect(soapOrders == ["SO-1", "SO-2", "SO-3"], "SO-3 was refused there (a Client fault changes nothing)")
        let restOrders = rest.state.withLock { $0.created.count }
        #expect(restOrders == 2, "SO-3 (moved) and SO-4 (new) reached the REST ERP, once each")
        #expect(try await store.read { try $0.externalId(kind: "order", system: "erp", canonical: "SO-4") } != nil)
        let undelivered = try await store.read { r in
            try r.deliveries(DeliveryFilter(status: .pending)).count + r.deliveries(DeliveryFilter(status: .dead)).count
        }
        #expect(undelivered == 0)
    }

    @Test("waybill check --against says what the change does to subscriptions")
    func checkAgainst() throws {
        let directory = try temporaryDirectory("waybill-cutover-check")
        let old = directory.appendingPathComponent("old.yml")
        let new = directory.appendingPathComponent("new.yml")
        let system = """
            systems:
              - name: portal
                apiKey: "key-portal"
                publishes: [o2c.order.placed]
              - name: erp
                subscribes:
                  - { name: erp-legacy, types: [o2c.order.accepted], soap: { url: "http://legacy:8080/ws", operation: Create, namespace: "urn:erp" }RETIRED }

            """
        try system.replacingOccurrences(of: "RETIRED", with: "").write(to: old, atomically: true, encoding: .utf8)
        try
            (system.replacingOccurrences(of: "RETIRED", with: ", retired: true")
                + """
                      - { name: erp-rest, types: [o2c.order.accepted], http: { method: POST, url: "https://erp.example/salesOrder" } }

                """).write(to: new, atomically: true, encoding: .utf8)
        let (status, output) = try runWaybill(["check", "--config", new.path, "--against", old.path])
        let text = String(decoding: output, as: UTF8.self)
        #expect(status == 0, "\(text)")
        #expect(text.contains("+ erp-rest (erp, http)") && text.contains("~ erp-legacy: retired"), "\(text)")
    }
}
