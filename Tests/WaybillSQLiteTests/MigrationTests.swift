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

    @Test("a store written before v5 opens, migrates to the latest schema, keeps its deliveries in order per order and its stored bodies as they were")
    func fromV4() async throws {
        let path = try temporaryStorePath()
        do {
            let queue = try DatabaseQueue(path: path)
            try SQLiteSchema.migrator().migrate(queue, upTo: "v4: dead letters counted without a table scan")
            try await queue.write { db in
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
        #expect(indexes.contains("outbox_by_event") && !indexes.contains("outbox_by_key") && !indexes.contains("outbox_by_seq"))
    }
}
