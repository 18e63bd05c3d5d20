import Testing
import WaybillCore
import WaybillStore
import WaybillTestSupport

@testable import WaybillPostgres

/// Deliveries claimed across nodes: two stores on one schema stand for two hub nodes.
@Suite("Delivery claims across nodes on PostgreSQL")
struct DeliveryClaimsTests {
    static func ms(_ value: Int64) -> Timestamp { Timestamp(milliseconds: value) }

    /// Writes `perKey` events for each of `keys`, each delivered to `subscriptions`, due at 0.
    static func enqueue(_ store: PostgresStore, keys: [String], perKey: Int, subscriptions: [SubscriptionName] = ["erp-orders"]) async throws {
        try await store.write { tx in
            for n in 0..<perKey {
                for key in keys {
                    let event = NewEvent(
                        source: "/systems/wms", eventId: "\(key)-\(n)", type: .shipmentConfirmed, subject: key, key: key, eventTime: ms(Int64(n)),
                        receivedAt: ms(0), traceId: "4bf92f3577b34da6a3ce929d0e0e4736", origin: .inbound, raw: Array(#"{"n":\#(n)}"#.utf8), body: nil)
                    let seq = try #require(try tx.append(event))
                    try tx.enqueueDeliveries(seq: seq, subscriptions: subscriptions, key: key, type: .shipmentConfirmed, at: ms(0))
                }
            }
        }
    }

    static func record(_ store: PostgresStore, _ jobs: [DeliveryJob], _ result: AttemptResult) async throws {
        try await store.write { tx in for job in jobs { try tx.recordAttempt(delivery: job.id, result: result) } }
    }

    @Test("two nodes never hold the same delivery, and each claim is the head of its order's queue")
    func headsOnlyOnce() async throws {
        try await withFreshStore { a in
            let b = try await PostgresStore(location: a.location, connections: 2)
            defer { Task { await b.close() } }
            let keys = (1...20).map { "order:SO-\($0)" }
            try await Self.enqueue(a, keys: keys, perKey: 3)

            // Both nodes claim at once, again and again: no delivery is held by both.
            async let fromA = a.claimDeliveries(node: "a", now: Self.ms(10), until: Self.ms(10_000), limit: 100, perSubscription: 100)
            async let fromB = b.claimDeliveries(node: "b", now: Self.ms(10), until: Self.ms(10_000), limit: 100, perSubscription: 100)
            let (first, second) = try await (fromA, fromB)
            #expect(Set(first.map(\.id)).isDisjoint(with: second.map(\.id)))
            let held = first + second
            #expect(held.count == 20, "one head per order: \(held.count)")
            #expect(Set(held.map(\.key)) == Set(keys))
            #expect(held.allSatisfy { $0.body == nil && $0.raw == Array(#"{"n":0}"#.utf8) }, "the first event of each order")

            // While the heads are held, nothing later of their orders is claimed by anyone.
            #expect(try await b.claimDeliveries(node: "b", now: Self.ms(20), until: Self.ms(10_000), limit: 100, perSubscription: 100).isEmpty)
            #expect(try await a.claimDeliveries(node: "a", now: Self.ms(20), until: Self.ms(10_000), limit: 100, perSubscription: 100).isEmpty)

            // Ten delivered: the next event of those ten orders is free; a retrying one still blocks its order.
            try await Self.record(a, Array(held.prefix(10)), .delivered(statusCode: 200, at: Self.ms(30)))
            try await Self.record(a, [held[10]], .retry(statusCode: 503, error: "busy", nextAttemptAt: Self.ms(5_000)))
            let next = try await b.claimDeliveries(node: "b", now: Self.ms(40), until: Self.ms(10_000), limit: 100, perSubscription: 100)
            #expect(Set(next.map(\.key)) == Set(held.prefix(10).map(\.key)))
            #expect(next.allSatisfy { $0.raw == Array(#"{"n":1}"#.utf8) })
            // The retrying one is claimed again once due, by whichever node asks.
            let retried = try await a.claimDeliveries(node: "a", now: Self.ms(5_000), until: Self.ms(20_000), limit: 100, perSubscription: 100)
            #expect(retried.map(\.id) == [held[10].id])
        }
    }

    @Test("a dead node's claims run out after the lease and another node takes them; its late result never undoes a delivery")
    func leaseRunsOut() async throws {
        try await withFreshStore { a in
            let b = try await PostgresStore(location: a.location, connections: 2)
            defer { Task { await b.close() } }
            try await Self.enqueue(a, keys: ["order:SO-1", "order:SO-2"], perKey: 1)
            let claimed = try await a.claimDeliveries(node: "a", now: Self.ms(0), until: Self.ms(3_000), limit: 10, perSubscription: 10)
            #expect(claimed.count == 2)
            // Renewed while its attempts run: still held past the first lease.
            #expect(try await a.renewClaims(node: "a", ids: claimed.map(\.id), until: Self.ms(6_000)) == 2)
            #expect(try await b.claimDeliveries(node: "b", now: Self.ms(4_000), until: Self.ms(14_000), limit: 10, perSubscription: 10).isEmpty)
            // Node a stops renewing (it died): after its lease, b takes both, the same deliveries.
            let taken = try await b.claimDeliveries(node: "b", now: Self.ms(6_001), until: Self.ms(16_000), limit: 10, perSubscription: 10)
            #expect(Set(taken.map(\.id)) == Set(claimed.map(\.id)))
            try await Self.record(b, taken, .delivered(statusCode: 200, at: Self.ms(6_100)))
            // a was only paused: its late failure does not turn a delivered delivery dead.
            try await Self.record(a, claimed, .dead(statusCode: 400, error: "late", at: Self.ms(6_200)))
            let statuses = try await a.read { r in try claimed.map { try r.delivery($0.id)?.status } }
            #expect(statuses == [.delivered, .delivered])
        }
    }

    @Test("claims per subscription are capped across nodes; a released claim is free at once")
    func capAndRelease() async throws {
        try await withFreshStore { a in
            let b = try await PostgresStore(location: a.location, connections: 2)
            defer { Task { await b.close() } }
            let keys = (1...10).map { "order:SO-\($0)" }
            try await Self.enqueue(a, keys: keys, perKey: 1, subscriptions: ["erp-orders", "crm-orders"])
            let first = try await a.claimDeliveries(node: "a", now: Self.ms(0), until: Self.ms(10_000), limit: 100, perSubscription: 3)
            #expect(first.count == 6 && first.filter { $0.subscription == "erp-orders" }.count == 3)
            // b finds the subscriptions full: three in flight each, whichever node holds them.
            #expect(try await b.claimDeliveries(node: "b", now: Self.ms(1), until: Self.ms(10_000), limit: 100, perSubscription: 3).isEmpty)
            // a gives back two of erp's without attempting them: b may take two erp deliveries.
            let given = first.filter { $0.subscription == "erp-orders" }.prefix(2).map(\.id)
            try await a.releaseClaims(node: "a", ids: Array(given))
            let second = try await b.claimDeliveries(node: "b", now: Self.ms(2), until: Self.ms(10_000), limit: 100, perSubscription: 3)
            #expect(second.count == 2 && second.allSatisfy { $0.subscription == "erp-orders" })
            #expect(Set(second.map(\.id)) == Set(given), "the oldest due first: the released ones")
            // A node that stops gives back everything it holds.
            try await b.releaseClaims(node: "b", ids: nil)
            #expect(try await a.claimDeliveries(node: "a", now: Self.ms(3), until: Self.ms(10_000), limit: 100, perSubscription: 3).count == 2)
        }
    }

    @Test("a long backlog of one subscription does not starve another's claims")
    func noStarvation() async throws {
        try await withFreshStore { a in
            try await Self.enqueue(a, keys: (1...300).map { "order:A-\($0)" }, perKey: 1, subscriptions: ["erp-orders"])
            try await Self.enqueue(a, keys: ["order:B-1"], perKey: 1, subscriptions: ["crm-orders"])
            let claimed = try await a.claimDeliveries(node: "a", now: Self.ms(0), until: Self.ms(10_000), limit: 20, perSubscription: 8)
            #expect(claimed.filter { $0.subscription == "erp-orders" }.count == 8)
            #expect(claimed.contains { $0.subscription == "crm-orders" })
        }
    }
}
