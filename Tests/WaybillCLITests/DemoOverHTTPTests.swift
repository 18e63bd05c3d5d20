import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1
import Synchronization
import Testing
import WaybillCore
import WaybillEngine
import WaybillSQLite
import WaybillSamples
import WaybillTestSupport
import WaybillWebhooks

/// Counts what the receivers took, and anything wrong with it.
final class ReceiverLog: Sendable {
    private let state = Mutex<(count: Int, problems: [String])>((0, []))
    func took() { state.withLock { $0.count += 1 } }
    func problem(_ text: String) { state.withLock { $0.problems.append(text) } }
    var snapshot: (count: Int, problems: [String]) { state.withLock { $0 } }
}

@Suite("The demo scenario over HTTP")
struct DemoOverHTTPTests {
    static func secret(_ subscription: String) -> String {
        "whsec_" + Data("signing key of \(subscription)".utf8).base64EncodedString()
    }

    /// `waybill.yml` for the demo landscape, every subscription a webhook to `port`.
    static func configuration(store: String, apiPort: Int, receiverPort: Int) -> String {
        var yaml = """
            store: sqlite:\(store)
            listen: { host: 127.0.0.1, port: \(apiPort) }
            users:
              - { name: ana, role: support, token: "tok-support" }
              - { name: sam, role: service, token: "tok-service" }
              - { name: fin, role: finance, token: "tok-finance" }
              - { name: root, role: admin, token: "tok-admin" }
            systems:

            """
        for system in DemoLandscape.systems() {
            yaml += "  - name: \(system.name)\n"
            if system.inbound != nil {
                yaml += "    inbound: { pack: shopify, secret: \"\(DemoLandscape.shopSecret)\" }\n"
            } else if !system.publishes.isEmpty {
                yaml += "    apiKey: \"key-\(system.name)\"\n"
                yaml += "    publishes: [\(system.publishes.sorted().map(\.rawValue).joined(separator: ", "))]\n"
            }
            if !system.subscriptions.isEmpty { yaml += "    subscribes:\n" }
            for s in system.subscriptions {
                if let mapping = s.mapping {
                    yaml += "      - pack: \(mapping.name.replacingOccurrences(of: "pack ", with: ""))\n        name: \(s.name)\n"
                } else {
                    yaml += "      - name: \(s.name)\n"
                }
                yaml += "        types: [\(s.types.sorted().map(\.rawValue).joined(separator: ", "))]\n"
                yaml += "        webhook: { url: \"http://127.0.0.1:\(receiverPort)/hooks/\(s.name)\", secret: \"\(secret(s.name.rawValue))\" }\n"
                // A transient failure on a busy machine is retried within seconds, not the default hours.
                yaml += "        retry: { schedule: [100ms, 250ms, 500ms, 1s, 2s, 4s, 8s, 15s] }\n"
            }
        }
        return yaml
    }

    @Test("waybill serve plays the whole scenario with the systems behind real webhooks; order views match the in-process demo")
    func demoOverHTTP() async throws {
        let directory = try temporaryDirectory("waybill-demo-http")
        let (apiPort, receiverPort) = (freePort(), freePort())
        let config = directory.appendingPathComponent("waybill.yml")
        try Self.configuration(store: "\(directory.path)/hub.sqlite", apiPort: apiPort, receiverPort: receiverPort)
            .write(to: config, atomically: true, encoding: .utf8)

        // The simulated systems, behind one HTTP server; every request's signature is checked.
        let session = DemoSession()
        let log = ReceiverLog()
        let router = Router()
        router.post("/hooks/:subscription") { request, context -> HTTPResponse.Status in
            var request = request
            let subscription = try context.parameters.require("subscription")
            let body = Array(buffer: try await request.collectBody(upTo: 1 << 22))
            let signer = try WebhookSigner(secret: Self.secret(subscription))
            guard let id = request.headers[HTTPField.Name("webhook-id")!], let ts = request.headers[HTTPField.Name("webhook-timestamp")!].flatMap(Int64.init),
                let signature = request.headers[HTTPField.Name("webhook-signature")!],
                signer.verify(id: id, timestamp: ts, body: body, header: signature)
            else {
                log.problem("bad signature for \(subscription)")
                return .unauthorized
            }
            if request.headers[HTTPField.Name("traceparent")!] == nil { log.problem("no traceparent for \(subscription)") }
            if !session.receive(subscription: subscription, body: body) { log.problem("not a CloudEvent for \(subscription)") }
            log.took()
            return .noContent
        }
        let receivers = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: receiverPort)))
        let server = try launch(waybillBinary, ["serve", "--config", config.path, "--delivery-concurrency", "1"])
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
        let base = "http://127.0.0.1:\(apiPort)"

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await receivers.runService() }
            // The receivers too, before anything is delivered to them.
            try await waitUntilListening(client, "http://127.0.0.1:\(receiverPort)/")
            let ready = try await waitUntilReady(client, base)
            try #require(ready)

            func pending() async throws -> Int {
                let answer = try await call(client, .GET, "\(base)/v1/subscriptions", token: "tok-support")
                guard case .array(let items)? = answer.body?["items"] else { return -1 }
                return items.reduce(0) { sum, item in if case .number(let n)? = item["pending"] { sum + (Int(n) ?? 0) } else { sum } }
            }
            for step in session.steps {
                session.clock.set(DemoRun.start.adding(milliseconds: step.minutes * 60_000))
                step.run()
                var deliveredBefore = log.snapshot.count
                for _ in 0..<1_000 {
                    // The storefront's signed Shopify webhooks, to the native route.
                    let posts = session.takeNativePosts()
                    for post in posts {
                        var request = HTTPClientRequest(url: "\(base)/v1/inbound/\(post.system)")
                        request.method = .POST
                        request.headers.add(name: "content-type", value: "application/json")
                        for (name, value) in post.headers { request.headers.add(name: name, value: value) }
                        request.body = .bytes(ByteBuffer(bytes: post.body))
                        let answer = try await client.execute(request, timeout: .seconds(10))
                        #expect(answer.status.code == 202, "\(step.title): \(post.system) posted \(answer.status.code)")
                    }
                    let outgoing = session.takeOutgoing()
                    for (system, events) in outgoing {
                        let answer = try await call(
                            client, .POST, "\(base)/v1/events", token: "key-\(system)", body: batch(events.map { String(decoding: $0, as: UTF8.self) }))
                        #expect(answer.status == 202, "\(step.title): \(system) posted \(answer.status)")
                    }
                    // Quiet: nothing pending, so every reaction of this round is queued.
                    // Bounded: a delivery that cannot get through fails the test instead of hanging it.
                    let deadline = ContinuousClock.now + .seconds(90)
                    while try await pending() > 0 {
                        try #require(ContinuousClock.now < deadline, "\(step.title): deliveries still pending after 90 s")
                        try await Task.sleep(for: .milliseconds(20))
                    }
                    let delivered = log.snapshot.count
                    if outgoing.isEmpty && posts.isEmpty && delivered == deliveredBefore { break }
                    deliveredBefore = delivered
                    session.clock.advance(milliseconds: 60_000)
                }
            }
            group.cancelAll()
        }
        #expect(log.snapshot.problems.isEmpty, "\(log.snapshot.problems.prefix(5))")

        // The same scenario in process, and the two hubs' order views side by side.
        let reference = try await DemoRun.play(store: try temporaryStoreForComparison(), seed: 42)
        let views = try await call(client, .GET, "\(base)/v1/orders?limit=100", token: "tok-service")
        func normalised(_ orders: JSONValue?) -> [String] {
            guard case .array(let items)? = orders else { return [] }
            return items.map { item in
                guard case .object(let members) = item else { return "" }
                return JSONWriter.string(.object(members.filter { $0.0 != "traceId" }))
            }
        }
        let overHTTP = normalised(views.body?["items"])
        let inProcess = normalised(reference.json["orders"])
        #expect(overHTTP.count == 6)
        #expect(overHTTP == inProcess, "\(zip(overHTTP, inProcess).first { $0 != $1 }.map { "HTTP \($0)\nin-process \($1)" } ?? "")")
        for (subscription, told) in reference.told {
            let perOrder = { (list: [(EventType, String)]) in Dictionary(grouping: list, by: \.1).mapValues { $0.map(\.0) } }
            #expect(perOrder(session.told(subscription)) == perOrder(told), "\(subscription) was told the same, in the same order per order")
        }
        kill(server.processIdentifier, SIGTERM)
        try await client.shutdown()
    }
}

func temporaryStoreForComparison() throws -> SQLiteStore {
    let directory = try temporaryDirectory("waybill-demo-ref")
    return try SQLiteStore(path: directory.appendingPathComponent("hub.sqlite").path)
}
