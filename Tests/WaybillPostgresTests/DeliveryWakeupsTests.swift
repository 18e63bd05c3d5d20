import Logging
import PostgresNIO
import Synchronization
import Testing
import WaybillCore
import WaybillStore
import WaybillTestSupport

@testable import WaybillPostgres

/// Wake-ups for the delivery schedulers: `NOTIFY` once per committed batch that adds deliveries,
/// `LISTEN` on a connection of its own that is opened again when it breaks.
@Suite("Delivery wake-ups on PostgreSQL")
struct DeliveryWakeupsTests {
    /// Counts the notifications on `channel` while `body` runs, on a plain connection of the
    /// test's own (not the store's listener, whose wake-ups coalesce).
    static func countNotifications(_ location: PostgresLocation, channel: String, _ body: () async throws -> Void) async throws -> Int {
        let logger = Logger(label: "waybill.test.listen")
        let connection = try await PostgresConnection.connect(configuration: try location.configuration(), id: 1, logger: logger)
        let count = Counter()
        do {
            try await connection.listen(on: channel) { notifications in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { for try await _ in notifications { count.add() } }
                    try await body()
                    // A notification is delivered when its transaction commits, before the write
                    // returns; this round trip on the listening connection reads everything sent before it.
                    try await connection.query("SELECT 1", logger: logger)
                    try await Task.sleep(for: .milliseconds(200))
                    group.cancelAll()
                }
            }
        } catch {
            try? await connection.close().get()
            throw error
        }
        try await connection.close().get()
        return count.value
    }

    final class Counter: Sendable {
        private let count = Mutex(0)
        var value: Int { count.withLock { $0 } }
        func add() { count.withLock { $0 += 1 } }
    }

    struct Rollback: Error {}

    @Test("a write that adds deliveries notifies its schema's channel once, however many it adds; other writes and rollbacks notify nobody")
    func onePerBatch() async throws {
        try await withFreshStore { store in
            let location = store.location
            #expect(location.deliveryChannel == "\(location.schema)_deliveries")
            let keys = (1...200).map { "order:SO-\($0)" }
            let notified = try await Self.countNotifications(location, channel: location.deliveryChannel) {
                // Three batches of 400 deliveries each, one of them written in two parts (a query
                // over the outbox in between writes the first part early).
                try await DeliveryClaimsTests.enqueue(store, keys: keys, perKey: 1, subscriptions: ["erp-orders", "crm-orders"])
                try await DeliveryClaimsTests.enqueue(store, keys: keys.map { $0 + "-b" }, perKey: 2)
                try await store.write { tx in
                    for (n, key) in keys.enumerated() {
                        let event = NewEvent(
                            source: "/systems/wms", eventId: "c-\(key)", type: .shipmentConfirmed, subject: key, key: key,
                            eventTime: Timestamp(milliseconds: 0), receivedAt: Timestamp(milliseconds: 0), traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
                            origin: .inbound, raw: Array("{}".utf8), body: nil)
                        let seq = try #require(try tx.append(event))
                        try tx.enqueueDeliveries(
                            seq: seq, subscriptions: ["erp-orders", "crm-orders"], key: key, type: .shipmentConfirmed, at: Timestamp(milliseconds: 0))
                        if n == 100 { _ = try tx.dueDeliveries(now: Timestamp(milliseconds: 0), excluding: [], limit: 1) }
                    }
                }
                // Adding no deliveries, or rolling back, notifies nobody.
                try await store.write { tx in try tx.setSubscription("erp-orders", disabled: false, reason: nil, at: Timestamp(milliseconds: 1), by: "test") }
                await #expect(throws: Rollback.self) {
                    try await store.write { tx in
                        let event = NewEvent(
                            source: "/systems/wms", eventId: "rolled-back", type: .shipmentConfirmed, subject: "order:SO-X", key: "order:SO-X",
                            eventTime: Timestamp(milliseconds: 0), receivedAt: Timestamp(milliseconds: 0), traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
                            origin: .inbound, raw: Array("{}".utf8), body: nil)
                        let seq = try #require(try tx.append(event))
                        try tx.enqueueDeliveries(
                            seq: seq, subscriptions: ["erp-orders"], key: "order:SO-X", type: .shipmentConfirmed, at: Timestamp(milliseconds: 0))
                        throw Rollback()
                    }
                }
            }
            #expect(notified == 3, "one notification per committed batch with deliveries: \(notified)")
            let written = try await store.read { try $0.dueDeliveries(now: Timestamp(milliseconds: 10), excluding: [], limit: 10_000).count }
            #expect(written == 600, "one head per (subscription, key): \(written)")

            // A hub on another schema of the same database is not woken.
            var other = location
            other.schema = TestPostgres.schemaName()
            let elsewhere = try await Self.countNotifications(location, channel: other.deliveryChannel) {
                try await DeliveryClaimsTests.enqueue(store, keys: ["order:SO-Y"], perKey: 1)
            }
            #expect(elsewhere == 0)
        }
    }

    @Test("the listener wakes once listening, on each notification, and listens again after its connection is terminated")
    func listensAgain() async throws {
        try await withFreshStore { store in
            let wakeups = Counter()
            let listening = Task {
                for await _ in store.deliveryWakeups() { wakeups.add() }
            }
            defer { listening.cancel() }
            /// Waits until `condition` holds (at most `seconds`).
            func eventually(_ seconds: Double = 5, _ condition: () async throws -> Bool) async throws -> Bool {
                let deadline = ContinuousClock.now + .seconds(seconds)
                while ContinuousClock.now < deadline {
                    if try await condition() { return true }
                    try await Task.sleep(for: .milliseconds(20))
                }
                return try await condition()
            }
            #expect(try await eventually { wakeups.value == 1 }, "woken once it listens")
            let first = try await store.deliveryListenerPids()
            #expect(first.count == 1)
            try await DeliveryClaimsTests.enqueue(store, keys: ["order:SO-1"], perKey: 1)
            #expect(try await eventually { wakeups.value == 2 }, "woken by the notification")

            // The listener's connection is terminated, as a server restart would: it listens
            // again on a new one (and wakes, since it may have missed notifications), and is told again.
            #expect(try await store.terminateDeliveryListeners() == 1)
            #expect(try await eventually { try await store.deliveryListenerPids().count == 1 && wakeups.value == 3 }, "listening again")
            let second = try await store.deliveryListenerPids()
            #expect(second != first)
            try await DeliveryClaimsTests.enqueue(store, keys: ["order:SO-2"], perKey: 1)
            #expect(try await eventually { wakeups.value == 4 }, "woken by a notification after listening again")

            // Ending the stream ends the listening; a closed store does not listen.
            listening.cancel()
            #expect(try await eventually { try await store.deliveryListenerPids().isEmpty }, "no listener left")
        }
    }
}
