import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization
import Testing
import WaybillCore
import WaybillSQLite
import WaybillStore
import WaybillTestSupport

/// What the posting clients saw.
final class PostLog: Sendable {
    private let state = Mutex<(accepted: Set<String>, refused: Set<String>, broken: Set<String>)>(([], [], []))
    func record(_ id: String, status: Int?) {
        state.withLock { s in
            switch status {
            case 202?: _ = s.accepted.insert(id)
            case nil: _ = s.broken.insert(id)
            default: _ = s.refused.insert(id)
            }
        }
    }
    var snapshot: (accepted: Set<String>, refused: Set<String>, broken: Set<String>) { state.withLock { $0 } }
}

@Suite("waybill serve under kill -9")
struct ServerCrashTests {
    @Test("kill -9 while clients post at full speed: every event that got a 202 is kept and delivered after restart")
    func killNineUnderLoad() async throws {
        let directory = try temporaryDirectory("waybill-kill")
        let (apiPort, erpPort) = (freePort(), freePort())
        let secret = "whsec_ZXJwIHNpZ25pbmcga2V5IDEyMzQ1Ng=="
        let store = "\(directory.path)/hub.sqlite"
        let config = directory.appendingPathComponent("waybill.yml")
        try """
        store: sqlite:\(store)
        listen: { host: 127.0.0.1, port: \(apiPort) }
        systems:
          - name: crm
            apiKey: "key-crm"
            publishes: [o2c.customer.upserted]
          - name: erp
            subscribes:
              - name: erp-customers
                types: [o2c.customer.upserted]
                webhook: { url: "http://127.0.0.1:\(erpPort)/erp", secret: "\(secret)" }
        """.write(to: config, atomically: true, encoding: .utf8)
        let out = directory.appendingPathComponent("erp.jsonl")
        let receiver = try launch(
            URL(fileURLWithPath: "/usr/bin/env"),
            [
                "python3", repositoryRoot.appendingPathComponent("scripts/webhook_receiver.py").path, String(erpPort), secret, out.path,
            ])
        var server = try launch(waybillBinary, ["serve", "--config", config.path])
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { for p in [receiver, server] where p.isRunning { kill(p.processIdentifier, SIGKILL) } }
        let base = "http://127.0.0.1:\(apiPort)"
        try #require(try await waitUntilReady(client, base))

        func body(_ id: String) -> [UInt8] {
            Array(event("crm", id, "o2c.customer.upserted", id, #"{"customerId":"\#(id)","name":"Customer \#(id)","currency":"USD"}"#).utf8)
        }
        let log = PostLog()
        let serverPid = server.processIdentifier
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    for n in 0..<100_000 {
                        let id = "C-\(worker)-\(n)"
                        do {
                            let answer = try await call(
                                client, .POST, "\(base)/v1/events", token: "key-crm", body: body(id), contentType: "application/cloudevents+json")
                            log.record(id, status: answer.status)
                        } catch {
                            log.record(id, status: nil)
                            return
                        }
                    }
                }
            }
            group.addTask {
                // Kill once a good number of events have been acknowledged (not after a fixed time,
                // which a loaded machine would make meaningless), bounded by a minute.
                try await eventually(timeout: .seconds(60), every: .milliseconds(10)) { log.snapshot.accepted.count >= 200 }
                kill(serverPid, SIGKILL)
            }
            try await group.waitForAll()
        }
        server.waitUntilExit()
        let seen = log.snapshot
        #expect(seen.accepted.count >= 200, "the clients got \(seen.accepted.count) acknowledgements before the kill")
        #expect(seen.refused.isEmpty, "no request was refused: \(seen.refused.prefix(3))")

        // Every acknowledged event is in the log after the crash.
        let kept = try await SQLiteStore(path: store).read { reader in
            try reader.inboundEvents(after: 0, limit: 1_000_000).map(\.event.eventId)
        }
        let missing = seen.accepted.subtracting(kept)
        #expect(missing.isEmpty, "acknowledged but lost: \(missing.prefix(5))")

        // Restart: the outbox resumes, and resending what broke at the kill is accepted or a duplicate.
        server = try launch(waybillBinary, ["serve", "--config", config.path])
        try #require(try await waitUntilReady(client, base))
        for id in seen.broken {
            let answer = try await call(client, .POST, "\(base)/v1/events", token: "key-crm", body: body(id), contentType: "application/cloudevents+json")
            #expect(answer.status == 202)
            let outcome = answer.body?["results"].flatMap { if case .array(let a) = $0 { a.first?["outcome"] } else { nil } }
            #expect(outcome == .string("accepted") || outcome == .string("duplicate"))
        }
        var delivered: Set<String> = []
        for _ in 0..<300 {
            delivered = Set(received(out).filter { $0["failed"] == .bool(false) }.compactMap { string($0["subject"]) })
            if seen.accepted.isSubset(of: delivered) { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(seen.accepted.isSubset(of: delivered), "\(seen.accepted.subtracting(delivered).count) acknowledged events were not delivered")
        kill(server.processIdentifier, SIGTERM)
        try await client.shutdown()
    }
}
