import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing
import WaybillCore
import WaybillPostgres
import WaybillTestSupport

@Suite("waybill serve on PostgreSQL")
struct ServeOnPostgresTests {
    /// The test server's URL with a schema of its own and the password left to `passwordEnv`.
    static func storeURL(schema: String) throws -> (url: String, password: String?)? {
        guard let url = TestPostgres.url else {
            Issue.record(Comment(rawValue: TestPostgres.howToSet))
            return nil
        }
        let location = try PostgresLocation(url: url)
        return (
            "postgres://\(location.username)@\(location.host):\(location.port)/\(location.database)?schema=\(schema)&passwordEnv=WAYBILL_SERVE_PG_PASSWORD",
            location.password
        )
    }

    static func dropSchema(_ schema: String) async throws {
        guard let url = TestPostgres.url else { return }
        var location = try PostgresLocation(url: url)
        location.schema = schema
        try await PostgresStore(location: location, connections: 1).dropSchema()
    }

    @Test("serves the API with store: postgres://… and the password from the environment; orders flow to a subscriber in order")
    func endToEnd() async throws {
        let schema = TestPostgres.schemaName()
        guard let (storeURL, password) = try Self.storeURL(schema: schema) else { return }
        let directory = try temporaryDirectory("waybill-serve-pg")
        let (apiPort, erpPort) = (freePort(), freePort())
        let erpSecret = "whsec_ZXJwIHNpZ25pbmcga2V5IDEyMzQ1Ng=="
        let config = directory.appendingPathComponent("waybill.yml")
        try """
        store: "\(storeURL)"
        listen: { host: 127.0.0.1, port: \(apiPort) }
        users:
          - { name: sam, role: service, token: "tok-service" }
        systems:
          - name: erp
            apiKey: "key-erp"
            publishes: [o2c.customer.upserted, o2c.product.upserted]
            subscribes:
              - name: erp-orders
                types: [o2c.order.accepted, o2c.shipment.confirmed, o2c.invoice.requested]
                webhook: { url: "http://127.0.0.1:\(erpPort)/erp", secret: "\(erpSecret)" }
                retry: { schedule: [200ms, 200ms, 200ms] }
          - name: portal
            apiKey: "key-portal"
            publishes: [o2c.order.placed]
          - name: wms
            apiKey: "key-wms"
            publishes: [o2c.shipment.confirmed]
        """.write(to: config, atomically: true, encoding: .utf8)
        let python = URL(fileURLWithPath: "/usr/bin/env")
        let script = repositoryRoot.appendingPathComponent("scripts/webhook_receiver.py").path
        let erpOut = directory.appendingPathComponent("erp.jsonl")
        let erpReceiver = try launch(python, ["python3", script, String(erpPort), erpSecret, erpOut.path])
        setenv("WAYBILL_SERVE_PG_PASSWORD", password ?? "", 1)
        let server = try launch(waybillBinary, ["serve", "--config", config.path])
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        defer {
            for p in [erpReceiver, server] where p.isRunning { kill(p.processIdentifier, SIGKILL) }
        }
        let base = "http://127.0.0.1:\(apiPort)"
        try #require(try await waitUntilReady(client, base), "waybill serve on PostgreSQL answered /health/ready")

        let master = try await call(
            client, .POST, "\(base)/v1/events", token: "key-erp",
            body: batch([
                event("erp", "m-1", "o2c.customer.upserted", "C-1", #"{"customerId":"C-1","name":"BoltWorks","currency":"USD","creditLimit":"100000.00"}"#),
                event("erp", "m-2", "o2c.product.upserted", "A", #"{"sku":"A","baseUom":"EA","listPrice":"5.00","currency":"USD"}"#),
            ]))
        #expect(master.status == 202)
        let placed = try await call(
            client, .POST, "\(base)/v1/events", token: "key-portal",
            body: batch([
                event(
                    "portal", "p-1", "o2c.order.placed", "SO-1",
                    #"{"orderId":"SO-1","customerId":"C-1","currency":"USD","lines":[{"lineId":"1","sku":"A","quantity":10,"unitPrice":"5.00"}]}"#)
            ]))
        #expect(placed.status == 202)
        let again = try await call(
            client, .POST, "\(base)/v1/events", token: "key-portal",
            body: batch([
                event(
                    "portal", "p-1", "o2c.order.placed", "SO-1",
                    #"{"orderId":"SO-1","customerId":"C-1","currency":"USD","lines":[{"lineId":"1","sku":"A","quantity":10,"unitPrice":"5.00"}]}"#)
            ]))
        #expect(string(again.body?["results"].flatMap { if case .array(let a) = $0 { a.first } else { nil } }?["outcome"]) == "duplicate")
        let shipped = try await call(
            client, .POST, "\(base)/v1/events", token: "key-wms",
            body: batch([
                event("wms", "w-1", "o2c.shipment.confirmed", "SO-1", #"{"orderId":"SO-1","shipmentId":"SH-1","lines":[{"lineId":"1","quantity":10}]}"#)
            ]))
        #expect(shipped.status == 202)

        var erp: [JSONValue] = []
        for _ in 0..<150 {
            erp = received(erpOut).filter { $0["failed"] == .bool(false) }
            if erp.count >= 3 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let types = erp.compactMap { string($0["type"]) }
        #expect(types == ["o2c.order.accepted", "o2c.shipment.confirmed", "o2c.invoice.requested"], "in order per order: \(types)")
        #expect(erp.allSatisfy { $0["verified"] == .bool(true) })
        let view = try await call(client, .GET, "\(base)/v1/orders/SO-1", token: "tok-service")
        #expect(string(view.body?["status"]) == "shipped")

        // The node beats under its own name (nodes share the heartbeats table).
        var location = try PostgresLocation(url: try #require(TestPostgres.url))
        location.schema = schema
        let observer = try await PostgresStore(location: location, connections: 1)
        let beats = try await observer.read { try $0.heartbeats() }
        await observer.close()
        #expect(beats.keys.contains { $0.hasPrefix("waybill@") && $0.hasSuffix(":\(server.processIdentifier)") }, "\(beats)")

        kill(server.processIdentifier, SIGTERM)
        try await eventually { !server.isRunning }
        #expect(!server.isRunning && server.terminationStatus == 0, "SIGTERM stops the server")
        try await client.shutdown()
        try await Self.dropSchema(schema)
    }

    @Test("refuses to start, saying why, when the PostgreSQL server cannot be reached")
    func unreachable() throws {
        let process = Process()
        process.executableURL = waybillBinary
        process.arguments = ["serve", "--store", "postgres://waybill:secret@127.0.0.1:1/waybill?sslmode=disable", "--port", String(freePort())]
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let output = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus != 0)
        #expect(output.contains("cannot connect to PostgreSQL"), "\(output)")
        #expect(!output.contains("secret"), "the password is not printed")
    }
}
