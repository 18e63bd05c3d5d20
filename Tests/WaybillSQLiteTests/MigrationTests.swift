import Foundation
import GRDB
import Testing
import WaybillCore
import WaybillStore

@testable import WaybillSQLite

@Suite("Schema migrations")
struct MigrationTests {
    /// A hub event body as every version before the compact status changes stored it.
    static let jsonBody = Array(
        #"{"specversion":"1.0","id":"wb-1-1","source":"/systems/hub","type":"o2c.order.status_changed","datacontenttype":"application/json","data":{"orderId":"A","status":"shipped","previousStatus":"allocated","explanation":"Shipped.","lines":[]},"subject":"A","time":"1970-01-01T00:00:00.000Z"}"#
            .utf8)

    /// Three shipments logged the old way (A, A, B), each with a pending delivery to erp-orders.
    static func logPendingShipments(_ db: Database) throws {
        for (seq, id, key) in [(1, "a1", "order:A"), (2, "a2", "order:A"), (3, "b1", "order:B")] {
            try db.execute(
                sql: """
                    INSERT INTO events (seq, source, event_id, type, record_key, event_time, received_at, trace_id, origin, raw)
                    VALUES (?, '/systems/wms', ?, 'o2c.shipment.confirmed', ?, 0, 0, 't', 'inbound', X'7B7D')
                    """, arguments: [seq, id, key])
            try db.execute(
                sql: """
                    INSERT INTO outbox (seq, subscription, record_key, type, status, next_attempt_at, created_at)
                    VALUES (?, 'erp-orders', ?, 'o2c.shipment.confirmed', 0, 0, 0)
                    """, arguments: [seq, key])
        }
    }

    @Test("a store written before v5 opens, migrates to the latest schema, keeps its deliveries in order per order and its stored bodies as they were")
    func fromV4() async throws {
        let path = try temporaryStorePath()
        do {
            let queue = try DatabaseQueue(path: path)
            try SQLiteSchema.migrator().migrate(queue, upTo: "v4: dead letters counted without a table scan")
            try await queue.write { db in
                try Self.logPendingShipments(db)
                try db.execute(
                    sql: """
                        INSERT INTO events (seq, source, event_id, type, subject, record_key, event_time, received_at, trace_id, origin, cause_seq, body)
                        VALUES (4, '/systems/hub', 'wb-1-1', 'o2c.order.status_changed', 'A', 'order:A', 0, 0, 't', 'hub', 1, ?)
                        """, arguments: [Data(Self.jsonBody)])
            }
        }
        let store = try SQLiteStore(path: path)
        let due = try await store.read { try $0.dueDeliveries(now: Timestamp(milliseconds: 1), excluding: [], limit: 10) }
        #expect(due.map(\.seq).sorted() == [1, 3], "the head of each order is due, the second event of A waits")
        let forA = try await store.read { try $0.deliveries(DeliveryFilter(key: "order:A")) }
        #expect(forA.map(\.seq) == [1, 2], "an order's deliveries are found through the log")
        let timeline = try await store.read { try $0.events(key: "order:A") }
        #expect(timeline.first { $0.seq == 4 }?.event.body == Self.jsonBody, "a body stored as JSON reads back as it was")
        let indexes = try await DatabaseQueue(path: path).read {
            try String.fetchAll($0, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'outbox'")
        }
        #expect(indexes.contains("outbox_before_v8") && !indexes.contains("outbox_by_event") && !indexes.contains("outbox_by_key"))
    }

    @Test("a store written before v8 keeps its delivery ids; new deliveries wait behind its undelivered ones, and replays take both")
    func fromV7() async throws {
        let path = try temporaryStorePath()
        do {
            let queue = try DatabaseQueue(path: path)
            try SQLiteSchema.migrator().migrate(queue, upTo: "v7: how far each subscription has delivered each key")
            try await queue.write { db in
                try Self.logPendingShipments(db)
            }
        }
        let store = try SQLiteStore(path: path)
        let now = Timestamp(milliseconds: 1)
        let seq = try await store.write { tx -> Int64 in
            let seq = try tx.append(
                NewEvent(
                    source: "/systems/wms", eventId: "a3", type: .shipmentConfirmed, subject: "A", key: "order:A", eventTime: now, receivedAt: now,
                    traceId: "t", origin: .inbound, raw: Array("{}".utf8), body: nil))!
            try tx.enqueueDeliveries(seq: seq, subscriptions: ["erp-orders"], key: "order:A", type: .shipmentConfirmed, at: now)
            return seq
        }
        let forA = try await store.read { try $0.deliveries(DeliveryFilter(key: "order:A")) }
        #expect(forA.map(\.seq) == [1, 2, seq] && forA.map(\.id).prefix(2) == [1, 2], "the older deliveries keep their ids (and webhook-ids)")
        #expect(forA.last?.id == DeliveryIds.first(of: seq), "a new delivery is numbered by its event")
        let due = try await store.read { try $0.dueDeliveries(now: now, excluding: [], limit: 10) }
        #expect(due.map(\.seq).sorted() == [1, 3], "the new event of A waits behind A's older undelivered ones")
        for id in [1, 2, 3] as [Int64] {
            try await store.write { tx in try tx.recordAttempt(delivery: id, result: .delivered(statusCode: 200, at: now)) }
        }
        let next = try await store.read { try $0.dueDeliveries(now: now, excluding: [], limit: 10) }
        #expect(next.map(\.seq) == [seq], "once they are delivered the new one is due")
        try await store.write { tx in try tx.recordAttempt(delivery: DeliveryIds.first(of: seq), result: .delivered(statusCode: 200, at: now)) }
        let requeued = try await store.write { tx in
            try tx.requeueDeliveries(subscription: "erp-orders", seqs: 1...seq, received: nil, at: now)
        }
        #expect(requeued == 4, "a replay over the range takes the older deliveries and the new one")
        let progress = try await store.read { try $0.deliveryProgress(key: "order:A") }
        #expect(progress["erp-orders"]?.pending == 3)
    }
}
