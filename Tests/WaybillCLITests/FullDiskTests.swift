import AsyncHTTPClient
import Foundation
import Testing
import WaybillCore
import WaybillSQLite
import WaybillStore
import WaybillTestSupport

/// A real `waybill serve` whose files cannot grow (the kernel's file-size soft limit, `ulimit -S -f`,
/// with SIGXFSZ ignored so a write past it fails with EFBIG as on a full disk), then lifted
/// while it runs (`prlimit`), as when the disk frees up.
@Suite("waybill serve on a full disk")
struct FullDiskTests {
    @Test("writes fail: answers are 503, readiness says not ready, the process stays up; the limit lifted, it recovers by itself; every 202 is kept")
    func fullDiskAndRecovery() async throws {
        let directory = try temporaryDirectory("waybill-full")
        let port = freePort()
        let store = directory.appendingPathComponent("hub.sqlite").path
        let config = directory.appendingPathComponent("waybill.yml")
        try """
        store: sqlite:\(store)
        listen: { host: 127.0.0.1, port: \(port) }
        systems:
          - name: crm
            apiKey: "key-crm"
            publishes: [o2c.customer.upserted]
        """.write(to: config, atomically: true, encoding: .utf8)
        // 3 MB per file at most: room to start, soon full.
        let server = try launch(
            URL(fileURLWithPath: "/bin/bash"),
            ["-c", "trap '' XFSZ; ulimit -S -f 3072; exec \"$0\" serve --config \"$1\"", waybillBinary.path, config.path])
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let base = "http://127.0.0.1:\(port)"
        try #require(try await waitUntilReady(client, base))

        func post(_ n: Int) async throws -> (status: Int, ids: [String], answer: HTTPAnswer) {
            let ids = (0..<50).map { "C-\(n)-\($0)" }
            let body = batch(
                ids.map { id in
                    event("crm", id, "o2c.customer.upserted", id, #"{"customerId":"\#(id)","name":"\#(String(repeating: "x", count: 900))","currency":"USD"}"#)
                })
            let answer = try await call(client, .POST, "\(base)/v1/events", token: "key-crm", body: body)
            return (answer.status, ids, answer)
        }

        // Post until the store can take no more.
        var acknowledged: [String] = []
        var refusal: HTTPAnswer?
        for n in 0..<2_000 {
            let (status, ids, answer) = try await post(n)
            if status == 202 {
                acknowledged += ids
            } else {
                refusal = answer
                break
            }
        }
        let refused = try #require(refusal, "the store never filled up")
        #expect(acknowledged.count > 0)
        #expect(refused.status == 503)
        #expect(refused.body?["code"] == .string("store_unavailable"))
        let ready = try await call(client, .GET, "\(base)/health/ready")
        #expect(ready.status == 503 && ready.body?["code"] == .string("store_unavailable"), "\(String(describing: ready.body))")
        #expect(try await call(client, .GET, "\(base)/health/live").status == 200)
        #expect(server.isRunning, "a failing store does not stop the hub")

        // The disk frees up: the hub sees it by itself (its housekeeping heartbeat) and takes events again.
        let lift = try launch(URL(fileURLWithPath: "/usr/bin/prlimit"), ["--pid", String(server.processIdentifier), "--fsize=unlimited:unlimited"])
        lift.waitUntilExit()
        #expect(lift.terminationStatus == 0)
        #expect(try await waitForReady(client, base), "ready again once the disk has room")
        let after = try await post(1_000_000)
        #expect(after.status == 202)
        if after.status == 202 { acknowledged += after.ids }

        kill(server.processIdentifier, SIGTERM)
        server.waitUntilExit()
        try await client.shutdown()
        let kept = Set(try await SQLiteStore(path: store).read { try $0.inboundEvents(after: 0, limit: 1_000_000).map(\.event.eventId) })
        let lost = Set(acknowledged).subtracting(kept)
        #expect(lost.isEmpty, "acknowledged but lost: \(lost.prefix(5))")
    }

    /// Polls `/health/ready` for up to 30 seconds.
    func waitForReady(_ client: HTTPClient, _ base: String) async throws -> Bool {
        for _ in 0..<150 {
            if (try? await call(client, .GET, "\(base)/health/ready"))?.status == 200 { return true }
            try await Task.sleep(for: .milliseconds(200))
        }
        return false
    }
}
