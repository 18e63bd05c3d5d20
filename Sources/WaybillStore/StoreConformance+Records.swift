import WaybillCore

/// Conformance checks of the records kept beside the log: refused events and kept payloads,
/// ids systems gave our records, heartbeats, audit and subscription state.
extension StoreConformance {
    /// Refused events are kept by code until forgotten; a payload kept again under the same
    /// (system, delivery id) is the one already kept.
    public static func refusedEventsAndKeptPayloads(_ store: any Store) async throws {
        let t = Timestamp(milliseconds: 10)
        try await store.write { tx in
            try tx.keepRefused(RefusedEvent(seq: 7, key: "order:R", code: "unknown_item", refusedAt: t))
            try tx.keepRefused(RefusedEvent(seq: 8, key: "order:S", code: "unknown_customer", refusedAt: t))
        }
        let (items, all, one) = try await store.read { r in
            (try r.refusedEvents(code: "unknown_item", limit: 10), try r.refusedEvents(code: nil, limit: 10), try r.refusedEvent(seq: 8))
        }
        try check(items.map(\.seq) == [7] && all.map(\.seq) == [7, 8] && one?.code == "unknown_customer", "refused events are found by code and seq")
        try await store.write { tx in try tx.forgetRefused(seq: 7) }
        let left = try await store.read { try $0.refusedEvents(code: nil, limit: 10).map(\.seq) }
        try check(left == [8], "a reprocessed event is forgotten")

        let payload = KeptPayload(
            system: "shopify", deliveryId: "wh-1", receivedAt: t, headers: ["x-shopify-topic": "orders/create"], body: Array("{}".utf8), error: "no sku")
        let (first, second, other) = try await store.write { tx in
            (
                try tx.keep(payload), try tx.keep(payload),
                try tx.keep(KeptPayload(system: "crm", deliveryId: nil, receivedAt: t, headers: [:], body: [1], error: "e"))
            )
        }
        try check(first.isNew && !second.isNew && second.id == first.id && other.isNew && other.id != first.id, "a sender's retry finds the kept payload")
        let (kept, shopify) = try await store.read { r in (try r.keptPayload(id: first.id), try r.keptPayloads(system: "shopify", limit: 10)) }
        var expected = payload
        expected.id = first.id
        try check(kept == expected && shopify == [expected], "a kept payload reads back whole, found \(String(describing: kept))")
        try await store.write { tx in try tx.forgetPayload(id: first.id) }
        let remaining = try await store.read { try $0.keptPayloads(system: nil, limit: 10).map(\.id) }
        try check(remaining == [other.id], "a reprocessed payload is forgotten")
    }

    /// Ids a system gave our records are found both ways and name the systems with ids of their own.
    public static func externalIdsAreFoundBothWays(_ store: any Store) async throws {
        try await store.write { tx in
            try tx.saveExternalId(kind: "order", system: "netsuite", canonical: "SO-1", external: "ns-1")
            try tx.saveExternalId(kind: "order", system: "netsuite", canonical: "SO-1", external: "ns-2")
            try tx.saveCrossReference(kind: "customer", system: "crm", external: "X7", canonical: "C-7")
        }
        let (external, canonical, systems) = try await store.read { r in
            (
                try r.externalId(kind: "order", system: "netsuite", canonical: "SO-1"),
                try r.crossReference(kind: "order", system: "netsuite", external: "ns-2"), try r.systemsWithOwnIds()
            )
        }
        try check(external == "ns-2" && canonical == "SO-1", "the latest captured id is found both ways")
        try check(systems == ["netsuite", "crm"], "systems with ids of their own, found \(systems)")
    }

    /// Heartbeats keep each node's latest; the audit log reads newest last; a disabled
    /// subscription is listed with why and its deliveries wait.
    public static func heartbeatsAuditAndSubscriptions(_ store: any Store) async throws {
        try await store.write { tx in
            try tx.beat(node: "a", at: ms(1))
            try tx.beat(node: "a", at: ms(2))
            try tx.beat(node: "b", at: ms(3))
            for i in 1...3 { try tx.audit(AuditEntry(at: ms(Int64(i)), actor: "ana", action: "retry", target: "delivery \(i)", detail: i == 2 ? "x" : nil)) }
            let seq = try tx.append(event("h1", key: "order:H"))!
            try tx.enqueueDeliveries(seq: seq, subscriptions: ["erp-orders", "crm-orders"], key: "order:H", type: .shipmentConfirmed, at: ms(1))
            try tx.setSubscription("erp-orders", disabled: true, reason: "410 Gone", at: ms(4), by: "hub")
        }
        let (beats, audit, disabled, due) = try await store.read { r in
            (try r.heartbeats(), try r.auditLog(limit: 2), try r.disabledSubscriptions(), try r.dueDeliveries(now: ms(10), excluding: [], limit: 10))
        }
        try check(beats == ["a": ms(2), "b": ms(3)], "each node's latest beat, found \(beats)")
        try check(audit.map(\.target) == ["delivery 2", "delivery 3"] && audit[0].detail == "x", "the latest audit entries, newest last")
        try check(disabled == ["erp-orders": "410 Gone"], "a disabled subscription is listed with why")
        try check(due.map(\.subscription) == ["crm-orders"], "a disabled subscription's deliveries wait, found \(due.map(\.subscription))")
        try await store.write { tx in try tx.setSubscription("erp-orders", disabled: false, reason: nil, at: ms(5), by: "ana") }
        let dueAgain = try await store.read { try $0.dueDeliveries(now: ms(10), excluding: [], limit: 10).map(\.subscription.rawValue).sorted() }
        try check(dueAgain == ["crm-orders", "erp-orders"], "enabled again, its deliveries are due")
    }
}
