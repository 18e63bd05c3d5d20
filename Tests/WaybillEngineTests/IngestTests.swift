import Foundation
import GRDB
import Synchronization
import Testing
import WaybillCore
import WaybillEngine
import WaybillSQLite
import WaybillStore
import WaybillTestSupport

@Suite("Ingest")
struct IngestTests {
    func seeded() async throws -> (Hub, ManualClock) {
        let (hub, clock) = try makeHub()
        _ = try await hub.ingest(body: batch(masterData))
        return (hub, clock)
    }

    func snapshot(_ hub: Hub) async throws -> (String, Int) {
        try await hub.store.read { (try $0.projectionDigest(), try $0.eventCount()) }
    }

    @Test(
        "a request that is not JSON, not a CloudEvent or too large is refused whole and stores nothing",
        arguments: [
            ("{\"specversion\":", "invalid_json"), ("\u{FF}\u{FE}", "invalid_json"), ("42", "not_a_cloudevent"), ("[]", "not_a_cloudevent"),
            ("{\"id\":\"x\",\"source\":\"/systems/wms\",\"type\":\"o2c.order.cancelled\",\"data\":{}}", "invalid_envelope"),
        ])
    func refusedWhole(_ body: String, _ code: String) async throws {
        let (hub, _) = try await seeded()
        let before = try await snapshot(hub)
        let error = await #expect(throws: WaybillError.self) { try await hub.ingest(body: Array(body.utf8)) }
        #expect(error?.code.rawValue == code)
        let after = try await snapshot(hub)
        #expect(before == after)
    }

    @Test("hub events sit in the log right after the event that caused them, with their bodies, though written at the commit")
    func causeBeforeEffect() async throws {
        let (hub, _) = try await seeded()
        _ = try await hub.ingest(body: batch([placed("SO-1"), placed("SO-2")]))
        let (first, second) = try await hub.store.read { r in (try r.events(key: "order:SO-1"), try r.events(key: "order:SO-2")) }
        let placedFirst = try #require(first.first { $0.event.origin == .inbound })
        let placedSecond = try #require(second.first { $0.event.origin == .inbound })
        let effects = first.filter { $0.event.origin == .hub }
        #expect(Set(effects.map(\.event.type)) == [.orderAccepted, .orderStatusChanged])
        for effect in effects {
            #expect(effect.event.causeSeq == placedFirst.seq)
            #expect(effect.seq > placedFirst.seq && effect.seq < placedSecond.seq, "SO-1's effects come before SO-2 is placed")
            let body = try JSONParser.parse(try #require(effect.event.body))
            #expect(body["id"] == .string(effect.event.eventId))
            #expect(body["type"] == .string(effect.event.type.rawValue))
            #expect(body["data"]?["orderId"] == .string("SO-1"))
        }
        let statusChange = try #require(effects.first { $0.event.type == .orderStatusChanged })
        let data = try JSONParser.parse(try #require(statusChange.event.body))["data"]
        #expect(data?["status"] == .string("accepted"))
        #expect(data?["previousStatus"] == .null)
    }

    @Test("a status change is kept as a compact record and handed out as the JSON it was emitted as")
    func statusChangeStoredCompact() async throws {
        let path = try temporaryDirectory("waybill-engine").appendingPathComponent("hub.sqlite").path
        let (hub, _) = try makeHub(store: try SQLiteStore(path: path))
        _ = try await hub.ingest(body: batch(masterData))
        _ = try await hub.ingest(body: batch([placed("SO-1")]))
        let (events, order) = try await hub.store.read { r in (try r.events(key: "order:SO-1"), try r.order(OrderID("SO-1"))) }
        let change = try #require(events.first { $0.event.type == .orderStatusChanged })
        let emitted = CloudEvent(
            id: change.event.eventId, source: change.event.source, type: .orderStatusChanged, subject: "SO-1", time: change.event.eventTime,
            traceparent: nil, data: .raw(HubEvent(statusChangeOf: try #require(order), from: nil).dataBytes)
        ).bytes
        #expect(change.event.body == emitted, "the timeline shows the event as emitted")
        let jobs = try await hub.store.read { try $0.dueDeliveries(now: start.adding(milliseconds: 3_600_000), excluding: [], limit: 100) }
        let deliveries = jobs.filter { $0.seq == change.seq }
        #expect(!deliveries.isEmpty)
        for job in deliveries { #expect(job.body == emitted, "\(job.subscription) is sent the event as emitted") }
        let stored = try #require(
            try await DatabaseQueue(path: path).read { try Data.fetchOne($0, sql: "SELECT body FROM events WHERE seq = ?", arguments: [change.seq]) })
        #expect(stored.first == StatusChange.storageTag)
        #expect(stored.count * 2 < emitted.count, "\(stored.count) bytes stored for \(emitted.count) of JSON")
    }

    @Test("a batch over 1,000 events is refused whole")
    func batchTooLarge() async throws {
        let (hub, _) = try await seeded()
        let events = (0..<1_001).map { placed("SO-\($0)") }
        let error = await #expect(throws: WaybillError.self) { try await hub.ingest(body: batch(events)) }
        #expect(error?.code == .batchTooLarge)
        #expect(try await hub.store.read { try $0.orderCount() } == 0)
    }

    @Test("a bad event in a batch gets its own precise error; the others are processed")
    func partialBatch() async throws {
        let (hub, _) = try await seeded()
        let bad = event("wms", "w-bad", .shipmentConfirmed, subject: "SO-1", #"{"orderId":"SO-1","shipmentId":"SH-1","lines":[{"lineId":"1","quantity":-3}]}"#)
        let results = try await hub.ingest(body: batch([placed("SO-1"), bad, placed("SO-2")]))
        #expect(results.map(\.outcome) == [.accepted, .exception, .accepted])
        #expect(results[1].code == "invalid_payload")
        #expect(results[1].detail?.contains("$[1].data.lines[0].quantity") == true)
        let invalid = try await hub.exceptions(ExceptionFilter(kind: .invalidEvent))
        #expect(invalid.count == 1)
        #expect(
            try await hub.store.read { try $0.eventSeq(source: "/systems/wms", eventId: "w-bad") } == nil,
            "a malformed event is not logged, so a corrected resend with the same id is not a duplicate")
    }

    @Test("an over-shipment is refused for the state, kept in the log and raised as an exception")
    func overShipment() async throws {
        let (hub, _) = try await seeded()
        _ = try await hub.ingest(body: placed("SO-1"))
        let before = try await hub.order("SO-1")
        let results = try await hub.ingest(
            body: event("wms", "w-1", .shipmentConfirmed, subject: "SO-1", #"{"orderId":"SO-1","shipmentId":"SH-1","lines":[{"lineId":"1","quantity":11}]}"#))
        #expect(results[0].outcome == .exception)
        #expect(results[0].code == "over_shipment")
        #expect(try await hub.order("SO-1") == before, "the state did not change")
        let logged = try await hub.store.read { r in try r.eventSeq(source: "/systems/wms", eventId: "w-1").flatMap { try r.event($0) } }
        #expect(logged?.outcome == .exception && logged?.code == "over_shipment")
        let raised = try await hub.exceptions(ExceptionFilter(kind: .invariant))
        #expect(raised.map(\.code) == ["over_shipment"])
        #expect(raised[0].message.contains("$.data.lines[0].quantity"))
    }

    @Test("an invoice that does not add up is refused with its path and changes nothing")
    func invoiceTotals() async throws {
        let (hub, _) = try await seeded()
        _ = try await hub.ingest(body: placed("SO-1"))
        _ = try await hub.ingest(
            body: event("wms", "w-1", .shipmentConfirmed, subject: "SO-1", #"{"orderId":"SO-1","shipmentId":"SH-1","lines":[{"lineId":"1","quantity":10}]}"#))
        let before = try await snapshot(hub)
        let results = try await hub.ingest(
            body: event(
                "erp", "e-1", .invoicePosted, subject: "SO-1",
                #"{"orderId":"SO-1","invoiceId":"I-1","currency":"USD","lines":[{"lineId":"1","quantity":10,"unitPrice":"5.00"}],"freight":"1.00","total":"50.00"}"#
            ))
        #expect(results[0].code == "invoice_total_mismatch")
        #expect(results[0].detail?.contains("$.data.total") == true)
        #expect(try await snapshot(hub).0 == before.0)
    }

    @Test("a repeated event is acknowledged as a duplicate and has no effect")
    func duplicate() async throws {
        let (hub, _) = try await seeded()
        let first = try await hub.ingest(body: placed("SO-1"))
        let state = try await hub.order("SO-1")
        let again = try await hub.ingest(body: placed("SO-1"))
        #expect(first[0].outcome == .accepted && again[0].outcome == .duplicate)
        #expect(try await hub.order("SO-1") == state)
        let sameOrderNewId = try await hub.ingest(body: placed("SO-1", id: "p-other"))
        #expect(sameOrderNewId[0].code == "order_exists", "a second placement of the same order under another id is refused")
    }

    @Test("events for an unknown order are parked and applied in event-time order when the order arrives")
    func parking() async throws {
        let (hub, _) = try await seeded()
        let ship = event(
            "wms", "w-2", .shipmentConfirmed, subject: "SO-9", time: "2026-12-01T10:00:00Z",
            #"{"orderId":"SO-9","shipmentId":"SH-1","lines":[{"lineId":"1","quantity":10}]}"#)
        let allocate = event(
            "wms", "w-1", .inventoryAllocated, subject: "SO-9", time: "2026-12-01T09:00:00Z",
            #"{"orderId":"SO-9","warehouse":"DAL","lines":[{"lineId":"1","quantity":10}]}"#)
        let early = try await hub.ingest(body: batch([ship, allocate]))
        #expect(early.map(\.outcome) == [.parked, .parked])
        #expect(try await hub.order("SO-9") == nil)
        _ = try await hub.ingest(body: placed("SO-9"))
        let order = try #require(try await hub.order("SO-9"))
        #expect(order.lines[0].shipped == Quantity(10))
        #expect(order.lines[0].allocated == Quantity(10))
        #expect(order.status == .partiallyShipped)
        let outcomes = try await hub.store.read { r in try ["w-1", "w-2"].map { try r.event(r.eventSeq(source: "/systems/wms", eventId: $0)!)!.outcome } }
        #expect(outcomes == [.accepted, .accepted])
        #expect(try await hub.store.read { try $0.parkedEvents(key: "order:SO-9") }.isEmpty)
    }

    @Test("an event parked past the timeout raises a sequencing exception, settled when the order finally arrives")
    func parkTimeout() async throws {
        let (hub, clock) = try await seeded()
        _ = try await hub.ingest(body: event("wms", "w-1", .inventoryAllocated, subject: "SO-7", #"{"orderId":"SO-7","lines":[{"lineId":"1","quantity":1}]}"#))
        clock.advance(milliseconds: 14 * 60_000)
        #expect(try await hub.expireParkedEvents() == 0)
        clock.advance(milliseconds: 2 * 60_000)
        #expect(try await hub.expireParkedEvents() == 1)
        #expect(try await hub.expireParkedEvents() == 0, "raised once")
        #expect(try await hub.exceptions(ExceptionFilter(kind: .sequencing, status: .open)).count == 1)
        _ = try await hub.ingest(body: placed("SO-7"))
        #expect(try await hub.order("SO-7")?.lines[0].allocated == Quantity(1))
        #expect(try await hub.exceptions(ExceptionFilter(kind: .sequencing, status: .open)).isEmpty)
    }

    @Test("an order with an unknown item waits and is validated when the product arrives; its parked events follow")
    func mappingReplay() async throws {
        let (hub, _) = try await seeded()
        let results = try await hub.ingest(body: placed("SO-5", sku: "NEW-9"))
        #expect(results[0].outcome == .parked && results[0].code == "mapping")
        #expect(results[0].detail?.contains("$.data.lines[0].sku") == true)
        _ = try await hub.ingest(body: event("wms", "w-1", .inventoryAllocated, subject: "SO-5", #"{"orderId":"SO-5","lines":[{"lineId":"2","quantity":5}]}"#))
        #expect(try await hub.order("SO-5")?.status == .received)
        _ = try await hub.ingest(
            body: event("erp", "m-9", .productUpserted, subject: "NEW-9", #"{"sku":"NEW-9","baseUom":"EA","listPrice":"5.00","currency":"USD"}"#))
        let order = try #require(try await hub.order("SO-5"))
        #expect(order.status == .partiallyAllocated)
        #expect(try await hub.exceptions(ExceptionFilter(kind: .mapping, status: .open)).isEmpty)
    }

    @Test("an authenticated system may only send its own source and the types it publishes")
    func authorization() async throws {
        let (hub, _) = try await seeded()
        let wrongType = await #expect(throws: WaybillError.self) {
            try await hub.ingest(
                body: event(
                    "wms", "w-1", .invoicePosted, subject: "SO-1",
                    #"{"orderId":"SO-1","invoiceId":"I","currency":"USD","lines":[{"lineId":"1","quantity":1,"unitPrice":"1.00"}],"total":"1.00"}"#),
                from: "wms")
        }
        #expect(wrongType?.code == .typeNotPublished)
        let wrongSource = await #expect(throws: WaybillError.self) { try await hub.ingest(body: placed("SO-1"), from: "wms") }
        #expect(wrongSource?.code == .sourceMismatch)
        #expect(try await hub.store.read { try $0.orderCount() } == 0)
    }

    @Test("concurrent callers share commits (group commit) and each gets its own answer")
    func groupCommit() async throws {
        let counting = CountingStore(try temporaryStore())
        let (hub, _) = try makeHub(store: counting)
        _ = try await hub.ingest(body: batch(masterData))
        let before = counting.writes
        let results = try await withThrowingTaskGroup(of: (Int, [EventResult]).self) { group in
            for i in 0..<64 { group.addTask { (i, try await hub.ingest(body: placed("SO-\(i)"))) } }
            var all: [Int: [EventResult]] = [:]
            for try await (i, r) in group { all[i] = r }
            return all
        }
        #expect(results.count == 64)
        for (i, r) in results { #expect(r.first?.orderId == OrderID("SO-\(i)") && r.first?.outcome == .accepted) }
        let commits = counting.writes - before
        #expect(commits < 64, "64 concurrent requests took \(commits) commits")
        #expect(try await hub.store.read { try $0.orderCount() } == 64)
    }
}

/// Counts write transactions, to see group commit at work.
final class CountingStore: Store {
    let inner: any Store
    private let count = Mutex(0)

    init(_ inner: any Store) { self.inner = inner }

    var writes: Int { count.withLock { $0 } }

    func write<T: Sendable>(_ body: @escaping @Sendable (any StoreTransaction) throws -> T) async throws -> T {
        count.withLock { $0 += 1 }
        return try await inner.write(body)
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (any StoreReader) throws -> T) async throws -> T {
        try await inner.read(body)
    }
}
