import AsyncHTTPClient
import Foundation
import Testing
import WaybillCore
import WaybillTestSupport

@testable import WaybillPostgres

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
        try ClusterLoad.configuration(store: storeURL, lease: "2s", erpPort: erpPort, secret: secret).write(to: config, atomically: true, encoding: .utf8)
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
        let client = ClusterLoad.client()
        defer {
            for p in servers + [receiver] where p.isRunning { kill(p.processIdentifier, SIGKILL) }
        }
        let nodes = ports.map { "http://127.0.0.1:\($0)" }
        for base in nodes { try #require(try await waitUntilReady(client, base), "\(base) is ready") }

        try await ClusterLoad.masterData(client, node: nodes[0])

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
                group.addTask { try await ClusterLoad.placeAndShip(client, nodes: nodes, worker: worker, orders: perWorker, log: log) }
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

        // Every acknowledged event is stored once; every order's events reach the ERP in order,
        // each under one webhook-id (a redelivery after the crash keeps it).
        let redelivered = try await ClusterLoad.checkStoredAndDelivered(log: log, orders: workers * perWorker, store: observer, received: out)

        // What the dead node held was delivered by the others, within the lease (plus a poll and an attempt).
        let takeover = try await observer.read { r in try orphaned.compactMap { try r.delivery($0) } }
        #expect(!orphaned.isEmpty, "the killed node held deliveries when it died")
        #expect(takeover.allSatisfy { $0.status == .delivered }, "the dead node's claims were delivered")
        let killedMs = Int64(killedAt.timeIntervalSince1970 * 1000)
        let latest = takeover.compactMap { $0.deliveredAt?.milliseconds }.max().map { Double($0 - killedMs) / 1000 }
        if let latest {
            #expect(latest < lease + 2, "taken over \(latest) s after the kill (lease \(lease) s)")
            #expect(latest < restartedAt.timeIntervalSince(killedAt), "by the other nodes, before the dead one came back")
        }
        print(
            "three nodes: \(log.acknowledged.count) events acknowledged (requests failed over to another node: \(log.failures)), "
                + "\(orphaned.count) deliveries held by the killed node, the last taken over \(latest.map { String(format: "%.2f", $0) } ?? "-") s after the kill, "
                + "\(redelivered) redelivered under the same webhook-id")

        for server in servers { kill(server.processIdentifier, SIGTERM) }
        for server in servers { server.waitUntilExit() }
        try await client.shutdown()
        try await ServeOnPostgresTests.dropSchema(schema)
    }
}
