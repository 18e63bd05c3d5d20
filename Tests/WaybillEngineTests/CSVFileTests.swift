import Foundation
import Testing
import WaybillCore
import WaybillMapping
import WaybillSamples
import WaybillStore
import WaybillTestSupport

@testable import WaybillEngine

/// CSV files both ways, with real directories: the outbound adapter's files read back by Python's
/// `csv` module, and the inbound directory's files applied whole or not at all.
@Suite("CSV files")
struct CSVFileTests {
    static let customerMapping = """
        name: customers-csv
        events:
          - type: o2c.customer.upserted
            subject: $.customer
            data:
              customerId: $.customer
              name: $.name
              currency: $.currency
              creditLimit: fixed(number($.credit), 2)
        """

    func inboundHub() throws -> (Hub, URL) {
        let directory = try temporaryDirectory("waybill-csv-in")
        let mapping = try MappingLoader.parse(Self.customerMapping, name: "customers-csv.yml")
        let accounts = ConnectedSystem(
            name: "accounts", publishes: [.customerUpserted], subscriptions: [], csv: CSVInbound(directory: directory.path, mapping: mapping))
        let (hub, _) = try makeHub(systems: DemoLandscape.systems() + [accounts])
        return (hub, directory)
    }

    func drop(_ text: String, bom: Bool = false, as name: String, in directory: URL) throws {
        let bytes = (bom ? [0xEF, 0xBB, 0xBF] : []) + Array(text.utf8)
        try Data(bytes).write(to: directory.appendingPathComponent(name))
    }

    /// A BOM, CRLF line ends, a quoted delimiter, a doubled quote and a line break inside a field.
    static let goodFile =
        "customer,name,currency,credit\r\nC-10,\"Bolt, Nut & \"\"Sons\"\"\r\nPlant 2\",USD,1500\r\nC-11,Forge Works,USD,250.5\r\nC-12,Anvil,EUR,0\r\n"

    @Test("a good file is applied: BOM, CRLF, a quoted delimiter and quote, an embedded line break; the same file again changes nothing")
    func goodFileThenAgain() async throws {
        let (hub, directory) = try inboundHub()
        try drop(Self.goodFile, bom: true, as: "customers-1.csv", in: directory)
        let inbox = CSVInbox(hub: hub, settle: .zero)
        let first = try await inbox.processPending()
        #expect(first.count == 1 && first[0].reason == nil, "\(first.map(\.reason))")
        #expect(first.first?.results.map(\.outcome) == [.accepted, .accepted, .accepted])
        let c10 = try await hub.store.read { try $0.customer(CustomerID("C-10")) }
        #expect(c10?.name == "Bolt, Nut & \"Sons\"\r\nPlant 2")
        #expect(c10?.creditLimit?.description.contains("1500.00") == true, "\(String(describing: c10?.creditLimit))")
        let c11 = try await hub.store.read { try $0.customer(CustomerID("C-11")) }
        #expect(c11?.name == "Forge Works")
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("processed/customers-1.csv").path))
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("customers-1.csv").path))
        let logged = try await hub.store.read { try $0.eventCount() }

        // The very same file dropped again, under another name: its events are duplicates.
        try drop(Self.goodFile, bom: true, as: "customers-1-again.csv", in: directory)
        let second = try await inbox.processPending()
        #expect(second.first?.results.map(\.outcome) == [.duplicate, .duplicate, .duplicate])
        #expect(try await hub.store.read { try $0.eventCount() } == logged)
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("processed/customers-1-again.csv").path))
    }

    @Test(
        "a broken row sends the whole file to failed/ with a reason naming row and column, and nothing of it is stored",
        arguments: [
            // A credit limit that is not a number, on the second data row (row 3).
            ("customer,name,currency,credit\nC-20,Alpha,USD,10\nC-21,Beta,USD,12x\nC-22,Gamma,USD,5\n", "row 3, column 4 (credit)"),
            // A row that lacks its last column.
            ("customer,name,currency,credit\nC-20,Alpha,USD,10\nC-21,Beta,USD\nC-22,Gamma,USD,5\n", "row 3, column 4 (credit)"),
            // A required value left empty, after a quoted field holding a line break (row, not line).
            ("customer,name,currency,credit\nC-20,\"Alpha\nEast\",USD,10\nC-21,Beta,USD,1\nC-22,Gamma,,5\n", "row 4, column 3 (currency)"),
            // A quoted field never closed.
            ("customer,name,currency,credit\nC-20,Alpha,USD,10\nC-21,\"Beta,USD,1\nC-22,Gamma,USD,5\n", "a quoted field is not closed"),
        ])
    func brokenFile(text: String, where expected: String) async throws {
        let (hub, directory) = try inboundHub()
        try drop(text, as: "broken.csv", in: directory)
        let before = try await hub.store.read { try $0.eventCount() }
        let handled = try await CSVInbox(hub: hub, settle: .zero).processPending()
        #expect(handled.count == 1 && handled[0].movedTo.hasSuffix("failed"))
        let reason = try String(contentsOf: directory.appendingPathComponent("failed/broken.csv.reason.txt"), encoding: .utf8)
        #expect(reason.contains(expected), "\(reason)")
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("failed/broken.csv").path))
        #expect(try await hub.store.read { try $0.eventCount() } == before, "nothing of the file is stored")
        for id in ["C-20", "C-21", "C-22"] { #expect(try await hub.store.read { try $0.customer(CustomerID(id)) } == nil) }
    }

    @Test("a file still being written (modified within the settle time) and hidden or .part files are left alone")
    func unsettled() async throws {
        let (hub, directory) = try inboundHub()
        try drop(Self.goodFile, as: "late.csv", in: directory)
        try drop(Self.goodFile, as: "upload.csv.part", in: directory)
        try drop(Self.goodFile, as: ".hidden.csv", in: directory)
        #expect(try await CSVInbox(hub: hub, settle: .seconds(30)).processPending().isEmpty)
        let handled = try await CSVInbox(hub: hub, settle: .zero).processPending()
        #expect(handled.map(\.file) == ["late.csv"])
    }

    // MARK: Outbound

    static func outboundSystems(_ settings: CSVFileSettings, retry: RetrySchedule = .standard) -> [ConnectedSystem] {
        DemoLandscape.systems() + [
            ConnectedSystem(
                name: "ledger", publishes: [],
                subscriptions: [Subscription(name: "ledger-lines", system: "ledger", types: [.orderPlaced], adapter: .csv(settings), retry: retry)])
        ]
    }

    static func columns(_ pairs: [(String, String)]) throws -> [CSVFileSettings.Column] {
        try pairs.map { .init(name: $0.0, value: try ExpressionParser.parse($0.1)) }
    }

    /// What Python's csv module reads in a file: JSON of its rows.
    func readWithPython(_ path: String, delimiter: String) throws -> [[String]] {
        let script = """
            import csv, json, sys
            with open(sys.argv[1], newline='', encoding='utf-8-sig') as f:
                print(json.dumps(list(csv.reader(f, delimiter=sys.argv[2]))))
            """
        let (status, output) = try runPython(["-c", script, path, delimiter])
        #expect(status == 0, "\(output)")
        return try JSONDecoder().decode([[String]].self, from: Data(output.utf8))
    }

    @Test("a delivery is one file, written atomically, with the header, delimiter and quoting configured; Python's csv reads it back")
    func outboundFile() async throws {
        let directory = try temporaryDirectory("waybill-csv-out")
        let settings = CSVFileSettings(
            directory: directory.path, rows: try ExpressionParser.parse("$.data.lines"),
            columns: try Self.columns([("order", "$.data.orderId"), ("note", "$.data.customerPO"), ("sku", "$row.sku"), ("qty", "$row.quantity")]),
            delimiter: ";", bom: true)
        let (hub, _) = try makeHub(systems: Self.outboundSystems(settings))
        let scheduler = DeliveryScheduler(
            hub: hub, adapters: AdapterRegistry(["inProcess": InProcessAdapter { _ in .delivered(statusCode: 200) }, "csv": CSVFileAdapter(hub: hub)]))
        _ = try await hub.ingest(body: batch(masterData))
        let note = "PO; \\\"rush\\\"\\r\\nsecond line"
        _ = try await hub.ingest(
            body: event(
                "portal", "p-SO-9", .orderPlaced, subject: "SO-9",
                #"{"orderId":"SO-9","customerId":"C-1","currency":"USD","customerPO":"\#(note)","lines":[{"lineId":"1","sku":"A","quantity":10,"unitPrice":"5.00"},{"lineId":"2","sku":"B","quantity":5,"unitPrice":"2.00"}]}"#
            ))
        while try await scheduler.deliverDue() > 0 {}
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(names.count == 1 && names[0].hasPrefix("ledger-lines-") && names[0].hasSuffix(".csv"), "\(names)")
        let path = directory.appendingPathComponent(names[0]).path
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(bytes.starts(with: [0xEF, 0xBB, 0xBF]))
        let rows = try readWithPython(path, delimiter: ";")
        #expect(
            rows == [
                ["order", "note", "sku", "qty"], ["SO-9", "PO; \"rush\"\r\nsecond line", "A", "10"], ["SO-9", "PO; \"rush\"\r\nsecond line", "B", "5"],
            ])
        let delivered = try await hub.store.read { try $0.deliveries(DeliveryFilter(subscription: "ledger-lines", status: .delivered)) }
        #expect(delivered.count == 1)
    }

    @Test("a retry writes the same file under the same name, and leaves no temporary file")
    func retryRewritesTheSameFile() async throws {
        let directory = try temporaryDirectory("waybill-csv-retry")
        let settings = CSVFileSettings(directory: directory.path, columns: try Self.columns([("order", "$.data.orderId"), ("type", "$.type")]))
        let systems = Self.outboundSystems(settings)
        let (hub, _) = try makeHub(systems: systems)
        let adapter = CSVFileAdapter(hub: hub)
        let subscription = systems.last!.subscriptions[0]
        func attempt(_ n: Int) -> OutboundDelivery {
            OutboundDelivery(
                id: 7, deliveryId: "msg_7/x", subscription: subscription, type: .orderPlaced, key: "order:SO-7",
                body: Array(#"{"type":"o2c.order.placed","data":{"orderId":"SO-7"}}"#.utf8),
                traceparent: TraceContext(traceID: String(repeating: "1", count: 32), spanID: String(repeating: "2", count: 16)),
                attempt: n)
        }
        #expect(await adapter.deliver(attempt(1)) == .delivered(statusCode: nil))
        let first = try Data(contentsOf: directory.appendingPathComponent("ledger-lines-msg_7_x.csv"))
        #expect(await adapter.deliver(attempt(2)) == .delivered(statusCode: nil))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["ledger-lines-msg_7_x.csv"])
        #expect(try Data(contentsOf: directory.appendingPathComponent("ledger-lines-msg_7_x.csv")) == first)
        #expect(String(decoding: first, as: UTF8.self) == "order,type\r\nSO-7,o2c.order.placed\r\n")
    }

    @Test("a directory that cannot be written is retried on the schedule, then dead-lettered; once fixed, a retry writes the file")
    func unwritableDirectoryDeadLetters() async throws {
        let base = try temporaryDirectory("waybill-csv-dead")
        // A regular file where the directory's parent should be: nothing can be created under it.
        let blocker = base.appendingPathComponent("blocker")
        try Data("x".utf8).write(to: blocker)
        let directory = blocker.appendingPathComponent("out")
        let settings = CSVFileSettings(directory: directory.path, columns: try Self.columns([("order", "$.data.orderId")]))
        let (hub, clock) = try makeHub(systems: Self.outboundSystems(settings, retry: RetrySchedule(delays: [1_000, 1_000])))
        let scheduler = DeliveryScheduler(
            hub: hub, adapters: AdapterRegistry(["inProcess": InProcessAdapter { _ in .delivered(statusCode: 200) }, "csv": CSVFileAdapter(hub: hub)]))
        _ = try await hub.ingest(body: batch(masterData))
        _ = try await hub.ingest(body: placed("SO-1"))
        for _ in 0..<4 {
            while try await scheduler.deliverDue() > 0 {}
            clock.advance(milliseconds: 10_000)
        }
        let dead = try await hub.store.read { try $0.deliveries(DeliveryFilter(subscription: "ledger-lines", status: .dead)) }
        #expect(dead.count == 1 && dead.first?.attempts == 3, "\(dead)")
        #expect(dead.first?.lastError?.contains("blocker") == true, "\(String(describing: dead.first?.lastError))")
        try FileManager.default.removeItem(at: blocker)
        _ = try await hub.store.write { tx in try tx.requeue(delivery: dead[0].id, at: clock.now()) }
        while try await scheduler.deliverDue() > 0 {}
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(names.count == 1 && names.allSatisfy { $0.hasPrefix("ledger-lines-") }, "\(names)")
    }
}
