import AsyncHTTPClient
import Foundation
import Synchronization
import Testing
import WaybillCore
import WaybillTestSupport

@testable import WaybillPostgres

/// What the clients of a cluster saw: the events acknowledged (202), by id, and when a node was killed.
final class AckLog: Sendable {
    private let state = Mutex<(acknowledged: Set<String>, failures: Int, killed: (node: Int, at: Date, holding: [Int64])?)>(([], 0, nil))
    func acknowledged(_ id: String) { state.withLock { _ = $0.acknowledged.insert(id) } }
    func failed() { state.withLock { $0.failures += 1 } }
    func killed(_ node: Int, at: Date, holding: [Int64]) { state.withLock { $0.killed = (node, at, holding) } }
    var acknowledged: Set<String> { state.withLock { $0.acknowledged } }
    var failures: Int { state.withLock { $0.failures } }
    var killed: (node: Int, at: Date, holding: [Int64])? { state.withLock { $0.killed } }
}

/// Posts one event to the nodes, starting with `first`, moving to the next node when one does not
/// answer or answers an error, until one acknowledges it (what a client of a cluster behind a load
/// balancer does). An event whose request broke may have been stored: sent again, it is a duplicate.
func postToCluster(_ client: HTTPClient, nodes: [String], first: Int, token: String, id: String, body: [UInt8], log: AckLog) async throws {
    for attempt in 0..<200 {
        let base = nodes[(first + attempt) % nodes.count]
        if let answer = try? await call(client, .POST, "\(base)/v1/events", token: token, body: body, timeout: .seconds(5)), answer.status == 202 {
            log.acknowledged(id)
            return
        }
        log.failed()
        try await Task.sleep(for: .milliseconds(50))
    }
    Issue.record("no node acknowledged \(id)")
}

@Suite("Three waybill serve nodes on one PostgreSQL database")
struct ThreeNodesTests {
    @Test(
        "kill -9 one of three nodes under load, then restart it: every acknowledged event is stored once, each order's events reach the subscriber in order under one webhook-id each, and the dead node's claims are delivered by the others within the lease"
    )
    func killOneOfThree() async throws {
        let schema = TestPostgres.schemaName()
        guard let (storeURL, password) = try ServeOnPostgresTests.storeURL(schema: schema) else { return }
        let directory = try temporaryDirectory("waybill-three-nodes")
        let ports = [freePort(), freePort(), freePort()]
        let erpPort = freePort()
        let secret = "whsec_ZXJwIHNpZ25pbmcga2V5IDEyMzQ1Ng=="
        let lease = 2.0
        let config = directory.appendingPathComponent("waybill.yml")
        try """
        store: "\(storeURL)"
        nodes: { lease: 2s }
        systems:
          - name: erp
            apiKey: "key-erp"
            publishes: [o2c.customer.upserted, o2c.product.upserted]
            subscribes:
              - name: erp-orders
                types: [o2c.order.accepted, o2c.shipment.confirmed, o2c.invoice.requested]
                webhook: { url: "http://127.0.0.1:\(erpPort)/erp", secret: "\(secret)" }
                retry: { schedule: [200ms, 200ms, 500ms, 1s, 1s, 1s, 1s, 1s] }
          - name: portal
            apiKey: "key-portal"
            publishes: [o2c.order.placed]
          - name: wms
            apiKey: "key-wms"
            publishes: [o2c.shipment.confirmed]
        """.write(to: config, atomically: true, encoding: .utf8)
        setenv("WAYBILL_SERVE_PG_PASSWORD", password ?? "", 1)
        let out = directory.appendingPathComponent("erp.jsonl")
        // A subscriber that takes 100 ms per request, so deliveries are in flight when a node dies.
        let receiver = try launch(
            URL(fileURLWithPath: "/usr/bin/env"),
            ["python3", repositoryRoot.appendingPathComponent("scripts/webhook_receiver.py").path, String(erpPort), secret, out.path, "0", "100"])
        func start(_ node: Int) throws -> Process {
            try launch(waybillBinary, ["serve", "--config", config.path, "--port", String(ports[node])])
        }
        var servers = try (0..<3).map(start)
        // A node that is down refuses at once: the client moves on to the next node instead of
        // trying to connect again until the request's deadline.
        var clientConfiguration = HTTPClient.Configuration()
        clientConfiguration.connectionPool.retryConnectionEstablishment = false
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
        defer {
            for p in servers + [receiver] where p.isRunning { kill(p.processIdentifier, SIGKILL) }
        }
        let nodes = ports.map { "http://127.0.0.1:\($0)" }
        for base in nodes { try #require(try await waitUntilReady(client, base), "\(base) is ready") }

        let master = try await call(
            client, .POST, "\(nodes[0])/v1/events", token: "key-erp",
            body: batch([
                event("erp", "m-1", "o2c.customer.upserted", "C-1", #"{"customerId":"C-1","name":"BoltWorks","currency":"USD","creditLimit":"100000000.00"}"#),
                event("erp", "m-2", "o2c.product.upserted", "A", #"{"sku":"A","baseUom":"EA","listPrice":"5.00","currency":"USD"}"#),
            ]))
        #expect(master.status == 202)

        var location = try PostgresLocation(url: try #require(TestPostgres.url))
        location.schema = schema
        let observer = try await PostgresStore(location: location, connections: 1)
        defer { Task { await observer.close() } }
        /// How many deliveries each node holds now, by process id.
        @Sendable func claimsByNode() async throws -> [Int32: Int] {
            try await observer.withConnection { db in
                try db.all("SELECT claimed_by, count(*) FROM outbox WHERE status = 0 AND claimed_by IS NOT NULL GROUP BY claimed_by").reduce(into: [:]) {
                    if let pid = Int32(try $1.string(0).split(separator: ":").last ?? "") { $0[pid] = try $1.int(1) }
                }
            }
        }

        // Three clients, each placing and shipping orders on all three nodes in turn.
        let log = AckLog()
        let (workers, perWorker) = (3, 40)
        let pids = servers.map(\.processIdentifier)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<workers {
                group.addTask {
                    for n in 0..<perWorker {
                        let order = "SO-\(worker)-\(n)"
                        let placed = event(
                            "portal", "p-\(order)", "o2c.order.placed", order,
                            #"{"orderId":"\#(order)","customerId":"C-1","currency":"USD","lines":[{"lineId":"1","sku":"A","quantity":2,"unitPrice":"5.00"}]}"#)
                        try await postToCluster(
                            client, nodes: nodes, first: n % 3, token: "key-portal", id: "p-\(order)", body: batch([placed]), log: log)
                        let shipped = event(
                            "wms", "s-\(order)", "o2c.shipment.confirmed", order,
                            #"{"orderId":"\#(order)","shipmentId":"SH-\#(order)","lines":[{"lineId":"1","quantity":2}]}"#)
                        try await postToCluster(
                            client, nodes: nodes, first: (n + 1) % 3, token: "key-wms", id: "s-\(order)", body: batch([shipped]), log: log)
                    }
                }
            }
            group.addTask {
                // Under load (a third of the events acknowledged), the node holding the most
                // deliveries in flight dies.
                _ = try await eventually(timeout: .seconds(60), every: .milliseconds(10)) { log.acknowledged.count >= workers * perWorker * 2 / 3 }
                var held: [Int32: Int] = [:]
                for _ in 0..<500 where held.isEmpty {
                    held = try await claimsByNode()
                    if held.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
                }
                let victim = pids.firstIndex(of: held.max { $0.value < $1.value }?.key ?? pids[1]) ?? 1
                kill(pids[victim], SIGKILL)
                let at = Date()
                // What it held when it died (its claims cannot be released now).
                let holding = try await observer.withConnection { db in
                    try db.all("SELECT id FROM outbox WHERE claimed_by LIKE \("%:\(pids[victim])") AND status = 0").map { try $0.int64(0) }
                }
                log.killed(victim, at: at, holding: holding)
            }
            try await group.waitForAll()
        }
        let (victim, killedAt, orphaned) = try #require(log.killed)
        servers[victim].waitUntilExit()

        // Restart it once the lease has run out (so what it held was taken over by the others).
        let waited = Date().timeIntervalSince(killedAt)
        if waited < lease + 3 { try await Task.sleep(for: .seconds(lease + 3 - waited)) }
        let restartedAt = Date()
        servers[victim] = try start(victim)
        try #require(try await waitUntilReady(client, nodes[victim]), "the killed node comes back")

        // Every order: accepted, shipped, invoice requested, delivered to the ERP.
        let expected = workers * perWorker * 3
        var deliveries: [JSONValue] = []
        _ = try await eventually(timeout: .seconds(90), every: .milliseconds(200)) {
            deliveries = received(out).filter { $0["failed"] == .bool(false) }
            return Set(deliveries.compactMap { string($0["webhookId"]) }).count >= expected
        }

        // 1. Every acknowledged event is stored, once.
        let acknowledged = log.acknowledged
        #expect(acknowledged.count == workers * perWorker * 2)
        let stored = try await observer.read { try $0.inboundEvents(after: 0, limit: 1_000_000).map(\.event.eventId) }
        #expect(Set(stored).count == stored.count, "no event is stored twice")
        #expect(acknowledged.subtracting(stored).isEmpty, "acknowledged but not stored: \(acknowledged.subtracting(stored).prefix(5))")

        // 2. Per order, in order; a delivery seen twice (redelivered after the crash) keeps its webhook-id.
        #expect(deliveries.allSatisfy { $0["verified"] == .bool(true) })
        var idsPerEvent: [String: Set<String>] = [:]
        var firstSeen: [String: [String]] = [:]
        var seenIds: Set<String> = []
        for delivery in deliveries {
            guard let subject = string(delivery["subject"]), let type = string(delivery["type"]), let webhookId = string(delivery["webhookId"]) else {
                continue
            }
            idsPerEvent["\(subject) \(type)", default: []].insert(webhookId)
            if seenIds.insert(webhookId).inserted { firstSeen[subject, default: []].append(type) }
        }
        #expect(idsPerEvent.count == expected, "\(idsPerEvent.count) of \(expected) deliveries arrived")
        #expect(idsPerEvent.values.allSatisfy { $0.count == 1 }, "one webhook-id per event and subscriber")
        let outOfOrder = firstSeen.filter { $0.value != ["o2c.order.accepted", "o2c.shipment.confirmed", "o2c.invoice.requested"] }
        #expect(outOfOrder.isEmpty, "in order per order: \(outOfOrder.prefix(3))")
        let redelivered = deliveries.count - seenIds.count

        // 3. What the dead node held was delivered by the others, within the lease (plus a retry's pause).
        let takeover = try await observer.read { r in try orphaned.compactMap { try r.delivery($0) } }
        #expect(!orphaned.isEmpty, "the killed node held deliveries when it died")
        #expect(takeover.allSatisfy { $0.status == .delivered }, "the dead node's claims were delivered")
        let killedMs = Int64(killedAt.timeIntervalSince1970 * 1000)
        let latest = takeover.compactMap { $0.deliveredAt?.milliseconds }.max().map { Double($0 - killedMs) / 1000 }
        if let latest {
            #expect(latest < lease + 1.5, "taken over \(latest) s after the kill (lease \(lease) s)")
            #expect(latest < restartedAt.timeIntervalSince(killedAt), "by the other nodes, before the dead one came back")
        }
        print(
            "three nodes: \(acknowledged.count) events acknowledged (\(log.failures) requests failed over to another node), "
                + "\(orphaned.count) deliveries held by the killed node, the last taken over \(latest.map { String(format: "%.2f", $0) } ?? "-") s after the kill, "
                + "\(redelivered) redelivered under the same webhook-id")

        for server in servers { kill(server.processIdentifier, SIGTERM) }
        for server in servers { server.waitUntilExit() }
        try await client.shutdown()
        try await ServeOnPostgresTests.dropSchema(schema)
    }
}
