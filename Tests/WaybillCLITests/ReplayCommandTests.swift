import Foundation
import Testing
import WaybillConfig
import WaybillCore
import WaybillEngine
import WaybillPostgres
import WaybillSQLite
import WaybillStore
import WaybillTestSupport

@Suite("waybill replay")
struct ReplayCommandTests {
    /// A store written through the sample landscape: an order shipped and invoiced, and AR's
    /// payment refused because AR names the customer by an id the hub did not know yet — now known.
    ///
    /// On PostgreSQL (`postgres: true`) the store is a schema of its own in the test server;
    /// `open` opens the store the command works on, to look at what it did.
    func store(postgres: Bool = false) async throws -> (path: String, config: String, open: @Sendable () async throws -> any Store) {
        let directory = try temporaryDirectory("waybill-replay")
        let path: String
        let open: @Sendable () async throws -> any Store
        if postgres {
            let url = try #require(TestPostgres.url, Comment(rawValue: TestPostgres.howToSet))
            let schema = TestPostgres.schemaName()
            path = url + (url.contains("?") ? "&" : "?") + "schema=\(schema)"
            open = { try await PostgresStore(location: try PostgresLocation(url: path), connections: 1) }
        } else {
            path = directory.appendingPathComponent("hub.sqlite").path
            open = { try SQLiteStore(path: path) }
        }
        let config = repositoryRoot.appendingPathComponent("examples/waybill.yml").path
        let configuration = try ConfigLoader.load(path: config, environment: [:])
        let hub = Hub(
            store: try await open(), landscape: configuration.landscape, policies: configuration.policies,
            clock: ManualClock(Timestamp(rfc3339: "2026-12-01T08:00:00Z")!), random: HubRandom(seed: 5))
        let customer = #"{"customerId":"C-1","name":"BoltWorks","currency":"USD","creditLimit":"100000.00"}"#
        for body in [
            event("erp", "m-1", "o2c.customer.upserted", "C-1", customer),
            event("erp", "m-2", "o2c.product.upserted", "A", #"{"sku":"A","baseUom":"EA","listPrice":"5.00","currency":"USD"}"#),
            event(
                "portal", "p-1", "o2c.order.placed", "SO-1",
                #"{"orderId":"SO-1","customerId":"C-1","currency":"USD","lines":[{"lineId":"1","sku":"A","quantity":10,"unitPrice":"5.00"}]}"#),
            event("wms", "w-1", "o2c.shipment.confirmed", "SO-1", #"{"orderId":"SO-1","shipmentId":"SH-1","lines":[{"lineId":"1","quantity":10}]}"#),
            event(
                "erp", "e-1", "o2c.invoice.posted", "SO-1",
                #"{"orderId":"SO-1","invoiceId":"INV-1","currency":"USD","lines":[{"lineId":"1","quantity":10,"unitPrice":"5.00"}],"total":"50.00"}"#),
            event(
                "ar", "a-1", "o2c.payment.received", "AR-77",
                #"{"paymentId":"PAY-1","customerId":"AR-77","amount":"50.00","currency":"USD","applications":[{"invoiceId":"INV-1","amount":"50.00"}]}"#),
            event(
                "erp", "m-3", "o2c.customer.upserted", "C-1",
                #"{"customerId":"C-1","name":"BoltWorks","currency":"USD","creditLimit":"100000.00","externalIds":{"ar":"AR-77"}}"#),
        ] {
            _ = try await hub.ingest(body: Array(body.utf8))
        }
        // The ERP has had its deliveries.
        let erp = try await hub.store.read { try $0.deliveries(DeliveryFilter(subscription: "erp-orders")) }
        try await hub.store.write { tx in
            for delivery in erp { try tx.recordAttempt(delivery: delivery.id, result: .delivered(statusCode: 200, at: hub.clock.now())) }
        }
        return (path, config, open)
    }

    @Test(
        "events --code reprocesses what was refused, once; rebuild matches; subscription and delivery replays requeue; a bad id fails",
        arguments: ["sqlite", "postgres"])
    func replays(on kind: String) async throws {
        let (path, config, open) = try await store(postgres: kind == "postgres")
        let store = ["--store", kind == "postgres" ? path : "sqlite:\(path)", "--config", config]
        let (status, output) = try runWaybill(["replay", "events", "--code", "unknown_customer", "--as", "ana"] + store)
        #expect(status == 0)
        let first = try JSONParser.parse(Array(output))
        guard case .array(let items)? = first["reprocessed"] else {
            Issue.record("no list printed: \(String(decoding: output, as: UTF8.self))")
            return
        }
        #expect(items.count == 1 && items.first?["result"]?["outcome"] == .string("accepted"))
        let order = try await open().read { try $0.order("SO-1") }
        #expect(order?.paidTotal == Money(minorUnits: 5_000, currency: .usd))
        let (_, again) = try runWaybill(["replay", "events", "--code", "unknown_customer"] + store)
        let second = try JSONParser.parse(Array(again))
        #expect(second["reprocessed"] == .array([]), "nothing refused is left")

        let (rebuilt, rebuild) = try runWaybill(["replay", "rebuild"] + store)
        let rebuildAnswer = try JSONParser.parse(Array(rebuild))
        #expect(rebuilt == 0 && rebuildAnswer["sameAsBefore"] == .bool(true))

        let (replayed, replay) = try runWaybill(["replay", "subscription", "erp-orders", "--from", "1", "--to", "100"] + store)
        #expect(replayed == 0)
        guard case .number(let requeued)? = try JSONParser.parse(Array(replay))["requeued"] else {
            Issue.record("no count printed")
            return
        }
        #expect((Int(requeued) ?? 0) > 0)
        let (missing, _) = try runWaybill(["replay", "delivery", "12345"] + store)
        #expect(missing != 0)
        let opened = try await open()
        let audit = try await opened.read { try $0.auditLog(limit: 10) }
        #expect(audit.contains { $0.actor == "ana" && $0.action == "reprocess" } && audit.contains { $0.action == "replay" })
        if let postgres = opened as? PostgresStore { try await postgres.dropSchema() }
    }

    @Test("replay refuses a store a running waybill serve beats on")
    func refusesALiveServer() async throws {
        let (path, config, _) = try await store()
        let now = Timestamp(milliseconds: Int64(Date().timeIntervalSince1970 * 1_000))
        try await SQLiteStore(path: path).write { tx in try tx.beat(node: "waybill", at: now) }
        let (status, output) = try runWaybill(["replay", "rebuild", "--store", "sqlite:\(path)", "--config", config])
        #expect(status != 0 && output.isEmpty)
    }
}
