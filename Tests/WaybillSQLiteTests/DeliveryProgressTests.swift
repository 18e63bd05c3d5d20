import Foundation
import GRDB
import Testing
import WaybillCore
import WaybillStore

@testable import WaybillSQLite

@Suite("Delivery progress")
struct DeliveryProgressTests {
    static func event(_ id: String, key: String) -> NewEvent {
        NewEvent(
            source: "/systems/ar", eventId: id, type: .paymentReceived, subject: nil, key: key, eventTime: Timestamp(milliseconds: 0),
            receivedAt: Timestamp(milliseconds: 0), traceId: "4bf92f3577b34da6a3ce929d0e0e4736", origin: .inbound, raw: Array("{}".utf8),
            body: nil)
    }

    @Test("delivering a customer's events in order records how far each subscription got; an order's do not keep a row")
    func recordedForLongLivedKeys() async throws {
        let store = try SQLiteStore(path: try temporaryStorePath())
        let now = Timestamp(milliseconds: 1_000)
        let subscriptions: [SubscriptionName] = ["erp-payments", "crm-payments"]
        let lastSeq = try await store.write { tx -> Int64 in
            var last: Int64 = 0
            for i in 1...30 {
                for (key, id) in [("customer:C-1", "pay-\(i)"), ("order:A", "ord-\(i)")] {
                    last = try #require(try tx.append(Self.event(id, key: key)))
                    try tx.enqueueDeliveries(seq: last, subscriptions: subscriptions, key: key, type: .paymentReceived, at: now)
                }
            }
            return last - 1
        }
        var delivered = 0
        while true {
            let due = try await store.read { try $0.dueDeliveries(now: now, excluding: [], limit: 100) }
            guard !due.isEmpty else { break }
            try await store.write { tx in
                for job in due { try tx.recordAttempt(delivery: job.id, result: .delivered(statusCode: 200, at: now)) }
            }
            delivered += due.count
        }
        #expect(delivered == 30 * 2 * subscriptions.count)
        let rows = try store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT subscription, record_key, delivered_through FROM delivery_progress ORDER BY subscription")
        }
        #expect(rows.map { $0["subscription"] as String } == ["crm-payments", "erp-payments"])
        #expect(rows.allSatisfy { ($0["record_key"] as String) == "customer:C-1" && ($0["delivered_through"] as Int64) == lastSeq })
    }
}
