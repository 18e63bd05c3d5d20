import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization
import Testing
import WaybillCore
import WaybillEngine
import WaybillSQLite
import WaybillStore
import WaybillTestSupport
import WaybillWebhooks

/// A legacy ERP's SOAP 1.1 endpoint on loopback that answers the faults it is told to.
final class SOAPCounterpart: Sendable {
    struct State {
        /// What to answer next, in order (a fault's envelope, or "" for success); then success.
        var script: [String] = []
        var received: [(action: String, body: String)] = []
    }

    let state = Mutex(State())

    static func fault(_ code: String, _ reason: String) -> String {
        """
        <?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault>\
        <faultcode>soap:\(code)</faultcode><faultstring>\(reason)</faultstring></soap:Fault></soap:Body></soap:Envelope>
        """
    }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("/ws/orders") { request, _ -> Response in
            var request = request
            let body = String(buffer: try await request.collectBody(upTo: 1 << 20))
            let action = request.headers[HTTPField.Name("SOAPAction")!] ?? ""
            let next = self.state.withLock { s -> String? in
                s.received.append((action, body))
                return s.script.isEmpty ? nil : s.script.removeFirst()
            }
            guard let next, !next.isEmpty else {
                return Response(
                    status: .ok, headers: [.contentType: "text/xml"],
                    body: .init(
                        byteBuffer: ByteBuffer(
                            string:
                                #"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><CreateSalesOrderResponse/></soap:Body></soap:Envelope>"#
                        )))
            }
            return Response(status: .internalServerError, headers: [.contentType: "text/xml"], body: .init(byteBuffer: ByteBuffer(string: next)))
        }
        return router
    }
}

@Suite("The soap adapter against a SOAP endpoint on loopback")
struct SOAPAdapterTests {
    @Test(
        "a Server fault is retried and then delivered; a Client fault is dead at once; the envelope carries the action, the UsernameToken and the body, read by an independent XML parser"
    )
    func faults() async throws {
        let counterpart = SOAPCounterpart()
        counterpart.state.withLock { $0.script = [SOAPCounterpart.fault("Server", "database busy")] }
        let port = freePort()
        let app = Application(router: counterpart.router(), configuration: .init(address: .hostname("127.0.0.1", port: port)))
        let call = SOAPCall(
            url: "http://127.0.0.1:\(port)/ws/orders", action: "urn:CreateSalesOrder", operation: "CreateSalesOrder", namespace: "urn:legacy-erp:orders",
            user: "waybill", password: "p<&>ss")
        let systems = [
            ConnectedSystem(name: "portal", publishes: [.orderPlaced], subscriptions: []),
            ConnectedSystem(
                name: "erp", publishes: [.customerUpserted, .productUpserted],
                subscriptions: [
                    Subscription(
                        name: "legacy-orders", system: "erp", types: [.orderAccepted], adapter: .soap(call), retry: RetrySchedule(delays: [1_000, 5_000]))
                ]),
        ]
        let clock = ManualClock(Timestamp(rfc3339: "2026-12-01T08:00:00Z")!)
        let directory = try temporaryDirectory("waybill-soap")
        let hub = Hub(
            store: try SQLiteStore(path: directory.appendingPathComponent("hub.sqlite").path), landscape: Landscape(systems: systems),
            policies: Policies(), clock: clock, random: HubRandom(seed: 4))
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let scheduler = DeliveryScheduler(hub: hub, adapters: AdapterRegistry(["soap": SOAPAdapter(client: client)]), concurrency: 1)
        func event(_ system: String, _ id: String, _ type: String, _ subject: String, _ data: String) -> [UInt8] {
            Array(#"{"specversion":"1.0","id":"\#(id)","source":"/systems/\#(system)","type":"\#(type)","subject":"\#(subject)","data":\#(data)}"#.utf8)
        }
        for body in [
            event("erp", "c", "o2c.customer.upserted", "C-1", #"{"customerId":"C-1","name":"A & B","currency":"USD"}"#),
            event("erp", "p", "o2c.product.upserted", "A", #"{"sku":"A","baseUom":"EA","listPrice":"5.00","currency":"USD"}"#),
            event(
                "portal", "o1", "o2c.order.placed", "SO-1",
                #"{"orderId":"SO-1","customerId":"C-1","currency":"USD","lines":[{"lineId":"1","sku":"A","quantity":2,"unitPrice":"5.00"}]}"#),
        ] { _ = try await hub.ingest(body: body) }

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService() }
            try await waitUntilListening(client, "http://127.0.0.1:\(port)/")
            #expect(try await scheduler.deliverDue() == 1)  // Server fault: retried later
            let first = try #require(try await hub.store.read { try $0.deliveries(DeliveryFilter(subscription: "legacy-orders")) }.first)
            #expect(first.status == .pending && first.lastError?.contains("SOAP fault soap:Server: database busy") == true)
            clock.advance(milliseconds: 2_000)
            #expect(try await scheduler.deliverDue() == 1)
            let id = first.id
            #expect(try await hub.store.read { try $0.delivery(id) }?.status == .delivered)

            counterpart.state.withLock { $0.script = [SOAPCounterpart.fault("Client", "unknown customer C-2")] }
            _ = try await hub.ingest(
                body: event(
                    "portal", "o2", "o2c.order.placed", "SO-2",
                    #"{"orderId":"SO-2","customerId":"C-1","currency":"USD","lines":[{"lineId":"1","sku":"A","quantity":1,"unitPrice":"5.00"}]}"#))
            #expect(try await scheduler.deliverDue() == 1)
            let second = try #require(try await hub.store.read { try $0.deliveries(DeliveryFilter(subscription: "legacy-orders", key: "order:SO-2")) }.first)
            #expect(second.status == .dead && second.attempts == 1, "a Client fault is not retried")
            group.cancelAll()
        }
        try await client.shutdown()

        // The envelope as an independent parser reads it.
        let received = counterpart.state.withLock { $0.received }
        #expect(received.count == 3 && received.allSatisfy { $0.action == "\"urn:CreateSalesOrder\"" })
        let file = directory.appendingPathComponent("envelope.xml")
        try received[1].body.write(to: file, atomically: true, encoding: .utf8)
        let script = """
            import sys, xml.etree.ElementTree as ET
            root = ET.parse(sys.argv[1]).getroot()
            ns = {'soap': 'http://schemas.xmlsoap.org/soap/envelope/', 'op': 'urn:legacy-erp:orders',
                  'wsse': 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd'}
            print(root.find('soap:Header/wsse:Security/wsse:UsernameToken/wsse:Username', ns).text)
            print(root.find('soap:Header/wsse:Security/wsse:UsernameToken/wsse:Password', ns).text)
            op = root.find('soap:Body/op:CreateSalesOrder', ns)
            print(op.find('op:type', ns).text)
            print(op.find('op:data/op:orderId', ns).text)
            print(op.find('op:data/op:lines/op:sku', ns).text)
            """
        let scriptFile = directory.appendingPathComponent("read.py")
        try script.write(to: scriptFile, atomically: true, encoding: .utf8)
        let (status, output) = try runPython([scriptFile.path, file.path])
        #expect(status == 0, "\(output)")
        #expect(output.split(separator: "\n").map(String.init) == ["waybill", "p<&>ss", "o2c.order.accepted", "SO-1", "A"], "\(output)")
    }
}
