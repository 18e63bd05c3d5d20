import AsyncHTTPClient
import Foundation
import Testing
import WaybillCore
import WaybillSQLite
import WaybillStore
import WaybillTestSupport

@Suite("CSV batches under kill -9")
struct CSVBatchCrashTests {
    @Test("waybill serve SIGKILLed with rows spooled and no batch published: restarted, every row is in exactly one file and every delivery is delivered")
    func killNineBetweenSpoolAndPublish() async throws {
        let directory = try temporaryDirectory("waybill-csv-batch-kill")
        let out = directory.appendingPathComponent("ledger")
        let apiPort = freePort()
        let store = "\(directory.path)/hub.sqlite"
        let config = directory.appendingPathComponent("waybill.yml")
        // A long interval and a large maxRows: nothing is published before the kill.
        try """
        store: sqlite:\(store)
        listen: { host: 127.0.0.1, port: \(apiPort) }
        systems:
          - name: crm
            apiKey: "key-crm"
            publishes: [o2c.customer.upserted]
          - name: ledger
            subscribes:
              - name: ledger-customers
                types: [o2c.customer.upserted]
                csv:
                  directory: \(out.path)
                  columns: [ { name: customer, value: $.data.customerId }, { name: name, value: $.data.name } ]
                  batch: { interval: 20s, maxRows: 100000 }
        """.write(to: config, atomically: true, encoding: .utf8)
        var server = try launch(waybillBinary, ["serve", "--config", config.path])
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
        let base = "http://127.0.0.1:\(apiPort)"
        try #require(try await waitUntilReady(client, base))

        let ids = (0..<60).map { "C-\($0)" }
        for id in ids {
            let body = event("crm", id, "o2c.customer.upserted", id, #"{"customerId":"\#(id)","name":"Customer, \"\#(id)\"","currency":"USD"}"#)
            let answer = try await call(
                client, .POST, "\(base)/v1/events", token: "key-crm", body: Array(body.utf8), contentType: "application/cloudevents+json")
            #expect(answer.status == 202)
        }
        // Killed once most deliveries are spooled (their rows flushed), before the batch is due.
        let spool = out.appendingPathComponent(".waybill-batches/ledger-customers/open.jsonl")
        func spooled() -> Int { (try? String(contentsOf: spool, encoding: .utf8))?.split(separator: "\n").count ?? 0 }
        try await eventually(timeout: .seconds(15), every: .milliseconds(5)) { spooled() >= 40 }
        kill(server.processIdentifier, SIGKILL)
        server.waitUntilExit()
        let published = { ((try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []).filter { $0.hasSuffix(".csv") } }
        #expect(published().isEmpty, "killed between spool and publish: \(published())")
        #expect(spooled() >= 40)
        let before = try await SQLiteStore(path: store).read { try $0.deliveries(DeliveryFilter(subscription: "ledger-customers", status: .delivered)) }
        #expect(before.isEmpty, "nothing is recorded delivered before its file is published")

        // Restarted: the spool is read back, the batch published once its interval is over.
        server = try launch(waybillBinary, ["serve", "--config", config.path])
        try #require(try await waitUntilReady(client, base))
        func delivered() async throws -> Int {
            try await SQLiteStore(path: store).read { try $0.deliveries(DeliveryFilter(subscription: "ledger-customers", status: .delivered)).count }
        }
        for _ in 0..<300 where (try? await delivered()) != ids.count { try await Task.sleep(for: .milliseconds(200)) }
        kill(server.processIdentifier, SIGTERM)
        server.waitUntilExit()
        #expect(try await delivered() == ids.count)

        // Python's csv module reads every customer exactly once across the published files.
        var rows: [[String]] = []
        for name in published() {
            let script = """
                import csv, json, sys
                with open(sys.argv[1], newline='', encoding='utf-8') as f:
                    print(json.dumps(list(csv.reader(f))))
                """
            let (status, output) = try runPython(["-c", script, out.appendingPathComponent(name).path])
            #expect(status == 0, "\(output)")
            let file = try JSONDecoder().decode([[String]].self, from: Data(output.utf8))
            #expect(file.first == ["customer", "name"])
            rows += file.dropFirst()
        }
        #expect(rows.map { $0[0] }.sorted() == ids.sorted(), "\(rows.count) rows in \(published())")
        #expect(rows.allSatisfy { $0[1] == "Customer, \"\($0[0])\"" })
        try await client.shutdown()
    }
}
