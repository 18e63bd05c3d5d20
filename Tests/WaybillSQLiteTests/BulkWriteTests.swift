import Foundation
import GRDB
import Testing
import WaybillCore
import WaybillStore

@testable import WaybillSQLite

/// Deliveries (numbered by their event since schema v8) and hub events are written several rows
/// per statement with `INSERT OR IGNORE`, which spares SQLite a statement journal; a row that is
/// ignored must fail its transaction loudly.
@Suite("Deliveries and hub events written in bulk")
struct BulkWriteTests {
    /// A fresh store, and a row written into it by a connection of its own (as by another hand).
    static func store(writtenByAnotherHand sql: String, _ arguments: StatementArguments) async throws -> SQLiteStore {
        let path = try temporaryStorePath()
        let store = try SQLiteStore(path: path)
        try await DatabaseQueue(path: path).write { db in try db.execute(sql: sql, arguments: arguments) }
        return store
    }

    @Test("a delivery whose id is taken fails its transaction with a clear error and nothing of it is stored")
    func takenId() async throws {
        let now = Timestamp(milliseconds: 1)
        // A row where the first event's second delivery will be numbered.
        let store = try await Self.store(
            writtenByAnotherHand: """
                INSERT INTO outbox (id, seq, subscription, record_key, type, status, next_attempt_at, created_at)
                VALUES (?, 1, 'intruder', 'order:X', 'o2c.shipment.confirmed', 1, NULL, 0)
                """, [DeliveryIds.first(of: 1) + 1])
        await #expect {
            try await store.write { tx in
                let seq = try #require(
                    try tx.append(
                        NewEvent(
                            source: "/systems/wms", eventId: "w-1", type: .shipmentConfirmed, subject: "A", key: "order:A", eventTime: now,
                            receivedAt: now, traceId: "t", origin: .inbound, raw: Array("{}".utf8), body: nil)))
                #expect(seq == 1)
                try tx.enqueueDeliveries(seq: seq, subscriptions: ["erp-orders", "wms-orders"], key: "order:A", type: .shipmentConfirmed, at: now)
            }
        } throws: { error in
            (error as? WaybillError)?.code == .deliveryIdsExhausted && "\(error)".contains("not written")
                && "\(error)".contains("wms-orders")
        }
        let events = try await store.read { try $0.events(key: "order:A") }
        let deliveries = try await store.read { try $0.deliveries(DeliveryFilter(key: "order:A")) }
        #expect(events.isEmpty && deliveries.isEmpty, "the failed transaction left nothing")
    }

    @Test("an event has room for 1,024 deliveries; more is refused with a clear error")
    func roomPerEvent() async throws {
        let store = try SQLiteStore(path: try temporaryStorePath())
        let now = Timestamp(milliseconds: 1)
        let many = (0..<Int(DeliveryIds.perEvent)).map { SubscriptionName("s-\($0)") }
        let seq = try await store.write { tx -> Int64 in
            let seq = try #require(
                try tx.append(
                    NewEvent(
                        source: "/systems/wms", eventId: "w-1", type: .shipmentConfirmed, subject: "A", key: "order:A", eventTime: now,
                        receivedAt: now, traceId: "t", origin: .inbound, raw: Array("{}".utf8), body: nil)))
            try tx.enqueueDeliveries(seq: seq, subscriptions: many, key: "order:A", type: .shipmentConfirmed, at: now)
            return seq
        }
        await #expect {
            try await store.write { tx in
                try tx.enqueueDeliveries(seq: seq, subscriptions: ["one-more"], key: "order:A", type: .shipmentConfirmed, at: now)
            }
        } throws: { error in
            (error as? WaybillError)?.code == .deliveryIdsExhausted
        }
        let listed = try await store.read { try $0.deliveries(DeliveryFilter(key: "order:A", limit: 2_000)) }
        #expect(listed.count == many.count && Set(listed.map(\.id)).count == many.count)
    }

    @Test("a hub event whose id is already in the log fails its transaction, naming the event")
    func hubEventLoggedTwice() async throws {
        let now = Timestamp(milliseconds: 1)
        let store = try await Self.store(
            writtenByAnotherHand: """
                INSERT INTO events (seq, source, event_id, type, record_key, event_time, received_at, trace_id, origin)
                VALUES (7, ?, 'wb-1-2', 'o2c.order.status_changed', 'order:A', 0, 0, 't', 'hub')
                """, [SystemName.hub.source])
        await #expect {
            try await store.write { tx in
                for n in 1...20 {
                    _ = try tx.append(
                        NewEvent(
                            source: SystemName.hub.source, eventId: "wb-1-\(n)", type: .orderStatusChanged, subject: "A", key: "order:A",
                            eventTime: now, receivedAt: now, traceId: "t", origin: .hub, causeSeq: 1, raw: nil, body: nil)
                    ) { Array("{}".utf8) }
                }
            }
        } throws: { error in
            (error as? WaybillError)?.code == .invariantViolation && "\(error)".contains("wb-1-2")
        }
        let events = try await store.read { try $0.events(key: "order:A") }
        #expect(events.map(\.seq) == [7], "the failed transaction left nothing")
    }
}
