import Foundation
import Testing
import WaybillCore
import WaybillMapping
import WaybillSamples
import WaybillStore
import WaybillTestSupport

@testable import WaybillEngine

/// Outbound CSV files per batch (`csv: { batch: { interval, maxRows } }`), with real directories:
/// the files read back by Python's `csv` module, every delivery recorded delivered only once its
/// rows are in a published file, and each delivery's rows in exactly one file — across crashes
/// at each step of a batch's life and across replays.
@Suite("CSV batches")
struct CSVBatchTests {
    static let fiveMinutes: Int64 = 300_000

    func setting(_ directory: URL, maxRows: Int = 10_000, spool: String? = nil) throws -> CSVFileSettings {
        CSVFileSettings(
            directory: directory.path, rows: try ExpressionParser.parse("$.data.lines"),
            columns: try CSVFileTests.columns([("order", "$.data.orderId"), ("line", "$row.lineId"), ("sku", "$row.sku"), ("qty", "$row.quantity")]),
            batch: .init(interval: Self.fiveMinutes, maxRows: maxRows, spool: spool))
    }

    /// A hub whose `ledger-lines` subscription writes `settings`' files, with master data.
    func hub(_ settings: CSVFileSettings, store: (any Store)? = nil) async throws -> (Hub, ManualClock) {
        let (hub, clock) = try makeHub(store: store, systems: CSVFileTests.outboundSystems(settings, retry: RetrySchedule(delays: [1_000, 1_000])))
        _ = try await hub.ingest(body: batch(masterData))
        return (hub, clock)
    }

    /// A scheduler with a fresh CSV adapter (what a restarted process has), attempting in outbox
    /// order so that the batches are the same each run.
    func scheduler(_ hub: Hub) -> DeliveryScheduler {
        DeliveryScheduler(
            hub: hub, adapters: AdapterRegistry(["inProcess": InProcessAdapter { _ in .delivered(statusCode: 200) }, "csv": CSVFileAdapter(hub: hub)]),
            concurrency: 1)
    }

    func drain(_ scheduler: DeliveryScheduler) async throws {
        while try await scheduler.deliverDue() > 0 {}
    }

    /// The published files, by name, each as Python's csv module reads it.
    func files(_ directory: URL) throws -> [String: [[String]]] {
        var out: [String: [[String]]] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) where name.hasSuffix(".csv") {
            #expect(!name.hasPrefix("."), "no temporary file is left: \(name)")
            out[name] = try CSVFileTests().readWithPython(directory.appendingPathComponent(name).path, delimiter: ",")
        }
        return out
    }

    func deliveries(_ hub: Hub, _ status: DeliveryStatus) async throws -> [DeliveryRecord] {
        try await hub.store.read { try $0.deliveries(DeliveryFilter(subscription: "ledger-lines", status: status)) }
    }

    /// The orders of the data rows of every file (each order has two lines).
    func orders(in files: [String: [[String]]]) -> [String] {
        files.values.flatMap { $0.dropFirst().map { $0[0] } }.sorted()
    }

    @Test(
        "by size: a batch is published as soon as it holds maxRows rows; a delivery is never split; the rest wait for the interval",
        arguments: TestStore.allCases)
    func bySize(_ store: TestStore) async throws {
        let directory = try temporaryDirectory("waybill-csv-batch-size")
        let postgres = try await store.postgres()
        let (hub, clock) = try await hub(try setting(directory, maxRows: 4), store: postgres)
        let scheduler = scheduler(hub)
        for n in 1...5 { _ = try await hub.ingest(body: placed("SO-\(n)")) }
        try await drain(scheduler)
        // Two lines per order: SO-1 and SO-2 fill the first batch, published at once; SO-3 and
        // SO-4 the second; SO-5 waits in the third.
        var published = try files(directory)
        #expect(published.count == 2, "\(published.keys)")
        for rows in published.values {
            #expect(rows.first == ["order", "line", "sku", "qty"])
            #expect(rows.count == 5, "\(rows)")
        }
        #expect(published["ledger-lines-wbd_\(try await firstDelivery(hub, "SO-1")).csv"] != nil, "named by the batch's first delivery: \(published.keys)")
        // The deliveries that filled a batch are delivered; the others are held, not failed.
        #expect(try await deliveries(hub, .delivered).count == 2)
        let pending = try await deliveries(hub, .pending)
        #expect(pending.count == 3 && pending.allSatisfy { $0.lastError?.contains("waiting in the batch") == true }, "\(pending.map(\.lastError))")
        #expect(try await deliveries(hub, .dead).isEmpty)
        #expect(!scheduler.isCircuitOpen("ledger-lines"))

        clock.advance(milliseconds: Self.fiveMinutes)
        try await drain(scheduler)
        published = try files(directory)
        #expect(published.count == 3)
        #expect(orders(in: published) == ["SO-1", "SO-1", "SO-2", "SO-2", "SO-3", "SO-3", "SO-4", "SO-4", "SO-5", "SO-5"])
        #expect(try await deliveries(hub, .delivered).count == 5)
        try await postgres?.dropSchema()
    }

    func firstDelivery(_ hub: Hub, _ order: String) async throws -> Int64 {
        let all = try await hub.store.read { try $0.deliveries(DeliveryFilter(subscription: "ledger-lines")) }
        return try #require(all.first { $0.key == "order:\(order)" }?.id)
    }

    @Test("by interval: nothing is published nor recorded delivered before the interval; then one file holds every row")
    func byInterval() async throws {
        let directory = try temporaryDirectory("waybill-csv-batch-interval")
        let (hub, clock) = try await hub(try setting(directory))
        let scheduler = scheduler(hub)
        for n in 1...4 { _ = try await hub.ingest(body: placed("SO-\(n)")) }
        try await drain(scheduler)
        clock.advance(milliseconds: Self.fiveMinutes - 1_000)
        try await drain(scheduler)
        #expect(try files(directory).isEmpty)
        #expect(try await deliveries(hub, .delivered).isEmpty)
        #expect(try await deliveries(hub, .pending).count == 4)

        clock.advance(milliseconds: 1_000)
        try await drain(scheduler)
        let published = try files(directory)
        #expect(published.count == 1)
        #expect(orders(in: published) == ["SO-1", "SO-1", "SO-2", "SO-2", "SO-3", "SO-3", "SO-4", "SO-4"])
        #expect(try await deliveries(hub, .delivered).count == 4)
        // The next order starts the next batch.
        _ = try await hub.ingest(body: placed("SO-5"))
        try await drain(scheduler)
        clock.advance(milliseconds: Self.fiveMinutes)
        try await drain(scheduler)
        #expect(try files(directory).count == 2)
        #expect(try await deliveries(hub, .delivered).count == 5)
    }

    @Test("in order per order: an order's second event waits until its first is delivered, and lands in the next file")
    func inOrderPerOrder() async throws {
        let directory = try temporaryDirectory("waybill-csv-batch-order")
        var settings = try setting(directory)
        settings.rows = nil
        settings.columns = try CSVFileTests.columns([("order", "$.data.orderId"), ("type", "$.type")])
        let systems =
            DemoLandscape.systems() + [
                ConnectedSystem(
                    name: "ledger", publishes: [],
                    subscriptions: [Subscription(name: "ledger-lines", system: "ledger", types: [.orderPlaced, .orderCancelled], adapter: .csv(settings))])
            ]
        let (hub, clock) = try makeHub(systems: systems)
        _ = try await hub.ingest(body: batch(masterData))
        let scheduler = scheduler(hub)
        _ = try await hub.ingest(body: placed("SO-1"))
        _ = try await hub.ingest(body: event("portal", "c-1", .orderCancelled, subject: "SO-1", #"{"orderId":"SO-1","reason":"changed mind"}"#))
        _ = try await hub.ingest(body: placed("SO-2"))
        try await drain(scheduler)
        clock.advance(milliseconds: Self.fiveMinutes)
        try await drain(scheduler)
        // The first batch: SO-1 placed and SO-2 placed; SO-1's cancellation waited for its
        // placement to be delivered, so it opens the second batch.
        var published = try files(directory)
        #expect(published.count == 1 && published.values.first?.dropFirst().map { $0[1] } == ["o2c.order.placed", "o2c.order.placed"], "\(published)")
        clock.advance(milliseconds: Self.fiveMinutes)
        try await drain(scheduler)
        published = try files(directory)
        #expect(published.count == 2)
        #expect(published.values.contains { $0 == [["order", "type"], ["SO-1", "o2c.order.cancelled"]] }, "\(published)")
        #expect(try await deliveries(hub, .delivered).count == 3)
    }

    /// Deliveries of the batch in `directory`, attempted by `attempt` (1 first), through an adapter.
    static func outbound(_ id: Int64, order: String, subscription: Subscription, attempt: Int = 1) -> OutboundDelivery {
        OutboundDelivery(
            id: id, deliveryId: "wbd_\(id)", subscription: subscription, type: .orderPlaced, key: "order:\(order)",
            body: Array(#"{"type":"o2c.order.placed","data":{"orderId":"\#(order)","lines":[{"lineId":"1","sku":"A","quantity":1}]}}"#.utf8),
            traceparent: TraceContext(traceID: String(repeating: "1", count: 32), spanID: String(repeating: "2", count: 16)), attempt: attempt)
    }

    func isHeld(_ outcome: DeliveryOutcome) -> Bool {
        if case .held = outcome { true } else { false }
    }

    @Test(
        "a crash at each step of a batch's life loses no row and never puts a delivery's rows in two files",
        arguments: ["spooled", "torn append", "sealed", "renamed, ledger not moved", "answered, not recorded"])
    func crashAtEachStep(_ step: String) async throws {
        let directory = try temporaryDirectory("waybill-csv-batch-crash")
        let settings = try setting(directory)
        let (hub, clock) = try await hub(settings)
        let subscription = try #require(hub.landscape.subscriptions["ledger-lines"])
        let spool = directory.appendingPathComponent(".waybill-batches/ledger-lines")
        var adapter = CSVFileAdapter(hub: hub)
        for id in 1...3 { #expect(isHeld(await adapter.deliver(Self.outbound(Int64(id), order: "SO-\(id)", subscription: subscription)))) }
        // Each delivery's next attempt, as the hub numbers them (the held answers recorded).
        var next: [Int64: Int] = [1: 2, 2: 2, 3: 2]
        let open = spool.appendingPathComponent("open.jsonl")
        switch step {
        case "spooled":
            break
        case "torn append":
            // A fourth delivery's append cut short by the crash: it was never answered.
            let handle = try FileHandle(forWritingTo: open)
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(#"{"outbox":4,"delivery":"wbd_4","attempt":1,"at":"#.utf8))
            try handle.close()
        case "sealed", "renamed, ledger not moved":
            // Sealed (the spool renamed), and maybe the file renamed into place too.
            let sealed = spool.appendingPathComponent("sealed")
            try FileManager.default.createDirectory(at: sealed, withIntermediateDirectories: true)
            try FileManager.default.moveItem(at: open, to: sealed.appendingPathComponent("ledger-lines-wbd_1.jsonl"))
            if step == "renamed, ledger not moved" {
                try Data("order,line,sku,qty\r\nSO-1,1,A,1\r\nSO-2,1,A,1\r\nSO-3,1,A,1\r\n".utf8).write(
                    to: directory.appendingPathComponent("ledger-lines-wbd_1.csv"))
            }
        default:  // "answered, not recorded": published and answered, the hub crashed before recording it
            clock.advance(milliseconds: Self.fiveMinutes)
            #expect(await adapter.deliver(Self.outbound(1, order: "SO-1", subscription: subscription, attempt: 2)) == .delivered(statusCode: nil))
        }
        // The process dies: a new adapter knows only what is on disk.
        adapter = CSVFileAdapter(hub: hub)
        if step == "spooled" || step == "torn append" {
            // Attempted again before the deadline: held again, its rows not spooled twice.
            #expect(isHeld(await adapter.deliver(Self.outbound(2, order: "SO-2", subscription: subscription, attempt: 2))))
            next[2] = 3
        }
        clock.advance(milliseconds: Self.fiveMinutes)
        // After the deadline each is delivered (the one answered but not recorded, by the same
        // attempt again: delivered again, nothing rewritten).
        for id: Int64 in 1...3 {
            let outcome = await adapter.deliver(Self.outbound(id, order: "SO-\(id)", subscription: subscription, attempt: next[id]!))
            #expect(outcome == .delivered(statusCode: nil), "\(id): \(outcome)")
        }
        let published = try files(directory)
        #expect(published.count == 1, "\(published.keys)")
        #expect(
            published["ledger-lines-wbd_1.csv"] == [
                ["order", "line", "sku", "qty"], ["SO-1", "1", "A", "1"], ["SO-2", "1", "A", "1"], ["SO-3", "1", "A", "1"],
            ])
        let left = try FileManager.default.contentsOfDirectory(atPath: spool.appendingPathComponent("sealed").path)
        #expect(left.isEmpty && !FileManager.default.fileExists(atPath: open.path), "\(left)")
    }

    @Test("killed between spool and publish (the whole process): restarted, every row is published once and every delivery recorded delivered")
    func restartOverTheSameStore() async throws {
        let directory = try temporaryDirectory("waybill-csv-batch-restart")
        let settings = try setting(directory)
        let (hub, clock) = try await hub(settings)
        for n in 1...5 { _ = try await hub.ingest(body: placed("SO-\(n)")) }
        // Every delivery spooled and held; then the process is gone.
        try await drain(scheduler(hub))
        #expect(try files(directory).isEmpty)
        #expect(try await deliveries(hub, .pending).count == 5)
        // A new process (scheduler and adapter) over the same store and directories.
        let restarted = scheduler(hub)
        try await drain(restarted)
        clock.advance(milliseconds: Self.fiveMinutes)
        try await drain(restarted)
        clock.advance(milliseconds: Self.fiveMinutes)
        try await drain(restarted)
        let published = try files(directory)
        #expect(orders(in: published) == ["SO-1", "SO-1", "SO-2", "SO-2", "SO-3", "SO-3", "SO-4", "SO-4", "SO-5", "SO-5"], "\(published)")
        #expect(try await deliveries(hub, .delivered).count == 5)
    }

    @Test("a replay sends the deliveries again, into a batch of their own; the files already published stay as they were", arguments: TestStore.allCases)
    func replay(_ store: TestStore) async throws {
        let directory = try temporaryDirectory("waybill-csv-batch-replay")
        let postgres = try await store.postgres()
        let (hub, clock) = try await hub(try setting(directory), store: postgres)
        let scheduler = scheduler(hub)
        for n in 1...3 { _ = try await hub.ingest(body: placed("SO-\(n)")) }
        try await drain(scheduler)
        clock.advance(milliseconds: Self.fiveMinutes)
        try await drain(scheduler)
        let first = try files(directory)
        #expect(first.count == 1)
        #expect(try await deliveries(hub, .delivered).count == 3)
        let replayed = try await hub.replay(subscription: "ledger-lines", seqs: 0...Int64.max, received: nil, by: "test")
        #expect(replayed == 3)
        try await drain(scheduler)
        #expect(try files(directory) == first, "nothing is written before the replayed batch's interval")
        clock.advance(milliseconds: Self.fiveMinutes)
        try await drain(scheduler)
        let second = try files(directory)
        #expect(second.count == 2)
        for (name, rows) in first { #expect(second[name] == rows) }
        let again = try #require(second.first { first[$0.key] == nil })
        #expect(again.key.hasPrefix("ledger-lines-wbd_") && again.key.hasSuffix(".csv"), "\(again.key)")
        #expect(again.value.dropFirst().map { $0[0] }.sorted() == ["SO-1", "SO-1", "SO-2", "SO-2", "SO-3", "SO-3"])
        #expect(try await deliveries(hub, .delivered).count == 3)
        try await postgres?.dropSchema()
    }

    @Test("a spool that cannot be written is a failure like any other: retried on the schedule, then dead-lettered")
    func unwritableSpool() async throws {
        let base = try temporaryDirectory("waybill-csv-batch-dead")
        let blocker = base.appendingPathComponent("blocker")
        try Data("x".utf8).write(to: blocker)
        let (hub, clock) = try await hub(try setting(base.appendingPathComponent("out"), spool: blocker.appendingPathComponent("spool").path))
        let scheduler = scheduler(hub)
        _ = try await hub.ingest(body: placed("SO-1"))
        for _ in 0..<4 {
            try await drain(scheduler)
            clock.advance(milliseconds: 10_000)
        }
        let dead = try await deliveries(hub, .dead)
        #expect(dead.count == 1 && dead.first?.attempts == 3, "\(dead)")
        #expect(dead.first?.lastError?.contains("blocker") == true, "\(String(describing: dead.first?.lastError))")
    }
}
