import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization
import Testing
import WaybillCore
import WaybillEngine
import WaybillMapping
import WaybillSQLite
import WaybillStore
import WaybillTestSupport
import WaybillWebhooks

/// A small NetSuite-like REST counterpart on loopback: an OAuth 2.0 token endpoint and a
/// salesOrder record endpoint that honours Idempotency-Key.
final class RESTCounterpart: Sendable {
    struct State {
        var tokensIssued = 0
        var rejectFirstToken = true
        var created: [String: String] = [:]  // idempotency key -> record id
        var failAnswerAfterCreating = true
        var patches: [(id: String, body: String)] = []
        var posts = 0
    }

    let state = Mutex(State())

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("/token") { request, _ -> Response in
            guard request.headers[.authorization] == "Basic " + Data("waybill:s3cret".utf8).base64EncodedString() else {
                return Response(status: .unauthorized)
            }
            let token = self.state.withLock { s -> String in
                s.tokensIssued += 1
                return "token-\(s.tokensIssued)"
            }
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"access_token":"\#(token)","token_type":"Bearer","expires_in":3600}"#)))
        }
        router.post("/record/v1/salesOrder") { request, _ -> Response in
            let authorization = request.headers[.authorization] ?? ""
            let key = request.headers[HTTPField.Name("Idempotency-Key")!] ?? UUID().uuidString
            let outcome = self.state.withLock { s -> (HTTPResponse.Status, String?) in
                s.posts += 1
                if authorization == "Bearer token-1" && s.rejectFirstToken { return (.unauthorized, nil) }
                guard authorization.hasPrefix("Bearer token-") else { return (.unauthorized, nil) }
                if let id = s.created[key] { return (.noContent, id) }
                let id = String(4711 + s.created.count)
                s.created[key] = id
                if s.failAnswerAfterCreating {
                    // The record is created, but the answer is lost (a proxy's 502).
                    s.failAnswerAfterCreating = false
                    return (.badGateway, nil)
                }
                return (.noContent, id)
            }
            var headers: HTTPFields = [:]
            if let id = outcome.1, outcome.0 == .noContent { headers[.location] = "http://erp.test/services/rest/record/v1/salesOrder/\(id)" }
            return Response(status: outcome.0, headers: headers)
        }
        router.patch("/record/v1/salesOrder/:id") { request, context -> HTTPResponse.Status in
            var request = request
            let id = try context.parameters.require("id")
            let body = String(buffer: try await request.collectBody(upTo: 1 << 20))
            self.state.withLock { $0.patches.append((id, body)) }
            return .noContent
        }
        return router
    }
}

@Suite("The http adapter against a REST counterpart on loopback")
struct HTTPCallAdapterTests {
    @Test(
        "OAuth 2.0 token fetched and refreshed once on 401; a lost answer retried with the same Idempotency-Key creates one record; its id is captured and later calls address it"
    )
    func restCounterpart() async throws {
        let counterpart = RESTCounterpart()
        let port = freePort()
        let app = Application(router: counterpart.router(), configuration: .init(address: .hostname("127.0.0.1", port: port)))
        let base = "http://127.0.0.1:\(port)"
        let oauth = HTTPCall.Authentication.oauth2(tokenURL: "\(base)/token", clientId: "waybill", clientSecret: "s3cret", scope: nil)
        let netsuite = try #require(try Packs.mapping("netsuite"))
        let systems = [
            ConnectedSystem(name: "portal", publishes: [.orderPlaced, .orderCancelled], subscriptions: []),
            ConnectedSystem(
                name: "erp", publishes: [.customerUpserted, .productUpserted],
                subscriptions: [
                    Subscription(
                        name: "erp-salesorders", system: "erp", types: [.orderAccepted],
                        adapter: .http(HTTPCall(method: "POST", url: "\(base)/record/v1/salesOrder", authentication: oauth, capture: .location)),
                        retry: RetrySchedule(delays: [1_000, 5_000]), mapping: netsuite),
                    Subscription(
                        name: "erp-cancellations", system: "erp", types: [.orderCancelled],
                        adapter: .http(HTTPCall(method: "PATCH", url: "\(base)/record/v1/salesOrder/{order}", authentication: oauth))),
                ]),
        ]
        let clock = ManualClock(Timestamp(rfc3339: "2026-12-01T08:00:00Z")!)
        let directory = try temporaryDirectory("waybill-http-adapter")
        let hub = Hub(
            store: try SQLiteStore(path: directory.appendingPathComponent("hub.sqlite").path), landscape: Landscape(systems: systems),
            policies: Policies(), clock: clock, random: HubRandom(seed: 4))
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let scheduler = DeliveryScheduler(hub: hub, adapters: AdapterRegistry(["http": HTTPCallAdapter(client: client)]), concurrency: 1)
        func event(_ system: String, _ id: String, _ type: String, _ subject: String, _ data: String) -> String {
            #"{"specversion":"1.0","id":"\#(id)","source":"/systems/\#(system)","type":"\#(type)","subject":"\#(subject)","data":\#(data)}"#
        }
        _ = try await hub.ingest(
            body: Array(
                ("["
                    + [
                        event("erp", "c", "o2c.customer.upserted", "C-1", #"{"customerId":"C-1","name":"A","currency":"USD","externalIds":{"erp":"110"}}"#),
                        event(
                            "erp", "p", "o2c.product.upserted", "A",
                            #"{"sku":"A","baseUom":"EA","listPrice":"5.00","currency":"USD","externalIds":{"erp":"98"}}"#),
                        event(
                            "portal", "o", "o2c.order.placed", "SO-1",
                            #"{"orderId":"SO-1","customerId":"C-1","currency":"USD","lines":[{"lineId":"1","sku":"A","quantity":2,"unitPrice":"5.00"}]}"#),
                    ].joined(separator: ",") + "]").utf8))

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService() }
            // Up once it answers (any status) on its port.
            try await waitUntilListening(client, "\(base)/token")
            #expect(try await scheduler.deliverDue() == 1)  // token-1 refused, token-2 fetched; created, but the answer is lost
            var pending = try await hub.store.read { try $0.deliveries(DeliveryFilter(subscription: "erp-salesorders")) }
            #expect(pending.first?.status == .pending && pending.first?.lastStatusCode == 502)
            clock.advance(milliseconds: 2_000)
            #expect(try await scheduler.deliverDue() == 1)  // the retry: same key, same record
            pending = try await hub.store.read { try $0.deliveries(DeliveryFilter(subscription: "erp-salesorders")) }
            #expect(pending.first?.status == .delivered)

            _ = try await hub.ingest(body: Array(event("portal", "x", "o2c.order.cancelled", "SO-1", #"{"orderId":"SO-1","reason":"changed mind"}"#).utf8))
            #expect(try await scheduler.deliverDue() == 1)
            group.cancelAll()
        }
        let seen = counterpart.state.withLock { $0 }
        #expect(seen.tokensIssued == 2, "one token, refreshed once after the 401")
        #expect(seen.created.count == 1, "one record, however the answer was lost")
        #expect(seen.patches.map(\.id) == ["4711"], "the cancellation addresses NetSuite's own record")
        #expect(seen.patches.first?.body.contains(#""orderId":"4711""#) == true)
        #expect(try await hub.store.read { try $0.externalId(kind: "order", system: "erp", canonical: "SO-1") } == "4711")
        #expect(
            try await hub.store.read { try $0.crossReference(kind: "order", system: "erp", external: "4711") } == "SO-1",
            "NetSuite's id names the order inbound too")
        try await client.shutdown()
    }
}
