import AsyncHTTPClient
import Foundation
import Testing
import WaybillCore
import WaybillPostgres
import WaybillTestSupport

@Suite("waybill serve nodes while PostgreSQL restarts")
struct PostgresRestartTests {
    @Test(
        "PostgreSQL crashes and comes back under load: two nodes answer errors meanwhile, recover by themselves, and lose nothing acknowledged; every order's events reach the subscriber in order"
    )
    func databaseRestartUnderLoad() async throws {
        guard let database = try PrivatePostgres.start() else { return }
        defer { try? database.stop(mode: "fast") }
        let directory = try temporaryDirectory("waybill-pg-restart")
        let ports = [freePort(), freePort()]
        let erpPort = freePort()
        let secret = "whsec_ZXJwIHNpZ25pbmcga2V5IDEyMzQ1Ng=="
        let config = directory.appendingPathComponent("waybill.yml")
        // A statement unanswered for 3 s gives its connection up (the default is 30 s).
        try ClusterLoad.configuration(store: database.url + "?answerTimeout=3", lease: "2s", erpPort: erpPort, secret: secret)
            .write(to: config, atomically: true, encoding: .utf8)
        let out = directory.appendingPathComponent("erp.jsonl")
        let receiver = try launch(
            URL(fileURLWithPath: "/usr/bin/env"),
            ["python3", repositoryRoot.appendingPathComponent("scripts/webhook_receiver.py").path, String(erpPort), secret, out.path])
        let servers = try ports.map { try launch(waybillBinary, ["serve", "--config", config.path, "--port", String($0)]) }
        let client = ClusterLoad.client()
        defer {
            for p in servers + [receiver] where p.isRunning { kill(p.processIdentifier, SIGKILL) }
        }
        let nodes = ports.map { "http://127.0.0.1:\($0)" }
        for base in nodes { try #require(try await waitUntilReady(client, base), "\(base) is ready") }
        try await ClusterLoad.masterData(client, node: nodes[0])

        let log = AckLog()
        let (workers, perWorker) = (2, 60)
        let outage = OutageLog()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<workers {
                group.addTask { try await ClusterLoad.placeAndShip(client, nodes: nodes, worker: worker, orders: perWorker, log: log) }
            }
            group.addTask {
                _ = try await eventually(timeout: .seconds(60), every: .milliseconds(10)) { log.acknowledged.count >= workers * perWorker * 2 / 3 }
                // A crash (no shutdown checkpoint): recovery replays the WAL when it starts again.
                try database.stop(mode: "immediate")
                outage.crashed(failuresSoFar: log.failures.values.reduce(0, +))
                // Down for a while: the nodes say so (errors, not ready) instead of hanging.
                for _ in 0..<30 {
                    try await Task.sleep(for: .milliseconds(100))
                    if let ready = try? await call(client, .GET, "\(nodes[0])/health/ready", timeout: .seconds(2)) { outage.readiness(ready.status) }
                }
                try database.startServer()
            }
            try await group.waitForAll()
        }
        // Requests in flight when it crashed fail when their answer times out, maybe after it is back.
        let failedSinceCrash = log.failures.values.reduce(0, +) - outage.failuresBefore
        let running = servers.filter(\.isRunning).count
        #expect(running == servers.count, "the nodes kept running through the outage")
        #expect(failedSinceCrash > 0, "requests failed from the crash on: \(log.failures)")
        #expect(outage.notReady > 0, "the nodes said they were not ready while the database was down")
        for base in nodes {
            let ready = try await waitUntilReady(client, base)
            #expect(ready, "\(base) is ready again, without a restart")
        }

        let observer = try await PostgresStore(location: try PostgresLocation(url: database.url), connections: 1)
        let redelivered = try await ClusterLoad.checkStoredAndDelivered(log: log, orders: workers * perWorker, store: observer, received: out)
        await observer.close()
        print(
            "PostgreSQL restart: \(log.acknowledged.count) events acknowledged; from the crash on \(failedSinceCrash) requests failed "
                + "(\(log.failures)), /health/ready said 503 \(outage.notReady) times; \(redelivered) deliveries repeated under the same webhook-id")

        for server in servers { kill(server.processIdentifier, SIGTERM) }
        for server in servers { server.waitUntilExit() }
        try await client.shutdown()
    }
}

/// What the clients saw around the database's crash.
final class OutageLog: @unchecked Sendable {
    private let lock = NSLock()
    private var (before, unready) = (0, 0)
    func crashed(failuresSoFar count: Int) { lock.withLock { before = count } }
    func readiness(_ status: Int) { lock.withLock { if status != 200 { unready += 1 } } }
    var failuresBefore: Int { lock.withLock { before } }
    var notReady: Int { lock.withLock { unready } }
}
