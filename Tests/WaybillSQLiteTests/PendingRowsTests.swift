import Foundation
import GRDB
import Testing
import WaybillCore
import WaybillStore

@testable import WaybillSQLite

/// A write transaction holds hub events and order rows back until the commit or until a query
/// reads their tables; `SQLiteReader.query(_:)` decides which from the statement itself.
@Suite("Rows a transaction holds back")
struct PendingRowsTests {
    static let now = Timestamp(milliseconds: 1)

    static func event(_ id: String, origin: EventOrigin) -> NewEvent {
        NewEvent(
            source: "/systems/wms", eventId: id, type: .shipmentConfirmed, subject: "A", key: "order:A", eventTime: now, receivedAt: now,
            traceId: "t", origin: origin, raw: origin == .inbound ? Array("{}".utf8) : nil, body: nil)
    }

    @Test("every query over the log sees the hub events not written yet; queries over other tables leave them pending")
    func queriesSeePendingEvents() async throws {
        let store = try SQLiteStore(path: try temporaryStorePath())
        try await store.write { tx in
            let transaction = try #require(tx as? SQLiteTransaction)
            _ = try #require(try tx.append(Self.event("w-1", origin: .inbound)))
            let hub = try tx.append(Self.event("h-1", origin: .hub), renderingBody: { Array("{}".utf8) })
            try tx.enqueueDeliveries(seq: hub, subscriptions: ["crm-updates"], key: "order:A", type: .shipmentConfirmed, at: Self.now)
            #expect(transaction.hasPendingRows)
            // Reads of tables with nothing held back do not write the rows early.
            _ = try tx.openReceivables(of: "C-1")
            _ = try tx.crossReference(kind: "customer", system: "crm", external: "X")
            _ = try tx.deliveryCounts(status: .pending)
            #expect(transaction.hasPendingRows, "a query that does not read the log wrote the pending rows")
            // The deliveries of a key are found through the log: the hub event's row must be there.
            let deliveries = try tx.deliveries(DeliveryFilter(key: "order:A"))
            #expect(deliveries.map(\.seq) == [hub], "the query by key did not see the pending hub event")
            #expect(!transaction.hasPendingRows)
        }
        try await store.write { tx in
            _ = try tx.append(Self.event("h-2", origin: .hub), renderingBody: { Array("{}".utf8) })
            #expect(try tx.eventCount() == 3)
        }
        try await store.write { tx in
            let seq = try tx.append(Self.event("h-3", origin: .hub), renderingBody: { Array("{}".utf8) })
            #expect(try tx.eventSeq(source: "/systems/wms", eventId: "h-3") == seq)
        }
    }

    @Test("a statement run with fewer or more values than it has parameters fails and writes nothing")
    func bindCount() throws {
        let queue = try DatabaseQueue(path: try temporaryStorePath("binding.sqlite"))
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE t (a INTEGER, b TEXT)")
            let insert = try db.cachedStatement(sql: "INSERT INTO t (a, b) VALUES (?, ?)")
            #expect {
                try insert.run { $0.bind(1) }
            } throws: { error in
                (error as? DatabaseError)?.resultCode == .SQLITE_RANGE && "\(error)".contains("1 values bound to a statement with 2 parameters")
            }
            #expect {
                try insert.run {
                    $0.bind(1); $0.bind("x"); $0.bind(3)
                }
            } throws: { error in
                "\(error)".contains("3 values bound to a statement with 2 parameters")
            }
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM t") == 0)
            try insert.run {
                $0.bind(1); $0.bind("x")
            }
            let select = try db.cachedStatement(sql: "SELECT b FROM t WHERE a = ?")
            #expect(try select.first({ $0.bind(1) }) { $0.string(0) } == "x")
            #expect(throws: DatabaseError.self) { try select.first({ _ in }) { $0.string(0) } }
        }
    }
}
