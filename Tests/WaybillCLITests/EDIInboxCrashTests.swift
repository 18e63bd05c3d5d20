import AsyncHTTPClient
import Foundation
import Testing
import WaybillCore
import WaybillSQLite
import WaybillStore
import WaybillTestSupport
import WaybillX12

@Suite("EDI inbound directory survives kill -9")
struct EDIInboxCrashTests {
    /// An 850 interchange with its own control number and PO.
    static func purchaseOrder(_ n: Int) throws -> String {
        let control = X12Writer.controlNumber(n)
        return try fixture("850-basic.edi").replacingOccurrences(of: "000000905", with: control).replacingOccurrences(of: "*905*", with: "*\(n)*")
            .replacingOccurrences(of: "GE*1*905", with: "GE*1*\(n)").replacingOccurrences(of: "PO-88231", with: "PO-\(n)")
    }

    @Test("500 files dropped, the server SIGKILLed while it reads them, restarted: every file processed once, every order once, one 997 each")
    func killNineWhileReading() async throws {
        let directory = try temporaryDirectory("waybill-edi-kill")
        let apiPort = freePort()
        let inbound = directory.appendingPathComponent("in")
        let answers = directory.appendingPathComponent("acks")
        let store = "\(directory.path)/hub.sqlite"
        let config = directory.appendingPathComponent("waybill.yml")
        try """
        store: sqlite:\(store)
        listen: { host: 127.0.0.1, port: \(apiPort) }
        systems:
          - name: erp
            apiKey: "key-erp"
            publishes: [o2c.customer.upserted, o2c.product.upserted]
          - name: boltworks-edi
            x12: { interchangeId: "BOLTWORKS", ourId: "ACMEIND", inbound: "\(inbound.path)", outbound: "\(answers.path)" }
        """.write(to: config, atomically: true, encoding: .utf8)
        var server = try launch(waybillBinary, ["serve", "--config", config.path])
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
        let base = "http://127.0.0.1:\(apiPort)"
        do {
            try #require(try await waitUntilReady(client, base))
            let master = try await call(
                client, .POST, "\(base)/v1/events", token: "key-erp",
                body: batch([
                    event(
                        "erp", "m-1", "o2c.customer.upserted", "C-100",
                        #"{"customerId":"C-100","name":"BoltWorks","currency":"USD","creditLimit":"99000000.00","externalIds":{"boltworks-edi":"BOLTWORKS"}}"#),
                    event("erp", "m-2", "o2c.product.upserted", "BRG-6204", #"{"sku":"BRG-6204","baseUom":"EA","listPrice":"12.50","currency":"USD"}"#),
                    event(
                        "erp", "m-3", "o2c.product.upserted", "BLT-M8",
                        #"{"sku":"BLT-M8","baseUom":"EA","uomConversions":{"CA":12},"listPrice":"2.50","currency":"USD"}"#),
                ]))
            #expect(master.status == 202)
        } catch {
            try await client.shutdown()
            throw error
        }
        try await client.shutdown()

        // Stage the files, then rename them into the inbound directory (each appears whole).
        let staging = directory.appendingPathComponent("staging")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: inbound, withIntermediateDirectories: true)
        let count = 500
        for n in 1...count { try Data(try Self.purchaseOrder(n).utf8).write(to: staging.appendingPathComponent(String(format: "po-%03d.edi", n))) }
        for n in 1...count {
            let name = String(format: "po-%03d.edi", n)
            try FileManager.default.moveItem(at: staging.appendingPathComponent(name), to: inbound.appendingPathComponent(name))
        }
        let processed = inbound.appendingPathComponent("processed")
        func processedCount() -> Int { ((try? FileManager.default.contentsOfDirectory(atPath: processed.path)) ?? []).count }
        // Kill at a random point: before, during or after a file's commit, answer or move.
        let threshold = Int.random(in: 5...150)
        // Polled from this thread, not the shared task pool, so a busy test run cannot make it late.
        eventuallyBlocking { processedCount() >= threshold }
        kill(server.processIdentifier, SIGKILL)
        server.waitUntilExit()
        let atKill = processedCount()
        #expect(atKill < count, "the kill came while files were still waiting (\(atKill) processed, aimed at \(threshold))")

        server = try launch(waybillBinary, ["serve", "--config", config.path])
        try await eventually(timeout: .seconds(60)) { processedCount() == count }
        kill(server.processIdentifier, SIGTERM)
        server.waitUntilExit()

        // Every file processed once: all in processed/, none failed, none left.
        let left = try FileManager.default.contentsOfDirectory(atPath: inbound.path).filter { $0.hasSuffix(".edi") }
        #expect(left.isEmpty, "\(left)")
        #expect(processedCount() == count)
        #expect(!FileManager.default.fileExists(atPath: inbound.appendingPathComponent("failed").path))
        // Every order once, and one 997 per interchange, each answering its own group.
        let hub = try SQLiteStore(path: store)
        #expect(try await hub.read { try $0.orderCount() } == count)
        let acks = try FileManager.default.contentsOfDirectory(atPath: answers.path).filter { !$0.hasPrefix(".") }
        var answered: [String] = []
        for name in acks {
            let interchange = try X12Reader.read(Array(try Data(contentsOf: answers.appendingPathComponent(name))))[0]
            answered.append(interchange.groups[0].sets[0].segments[0][2])
        }
        #expect(answered.count == count && Set(answered) == Set((1...count).map(String.init)), "\(answered.count) answers")
    }
}
