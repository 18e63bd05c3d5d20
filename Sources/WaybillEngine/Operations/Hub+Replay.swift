import WaybillCore
import WaybillStore

extension Hub {
    /// Makes one delivery pending again, due now (a dead letter, or one delivered that a
    /// subscriber asks for again); it keeps its id and so its `webhook-id`. Audited as `retry`.
    ///
    /// - Returns: `false` when there is no such delivery.
    public func retry(delivery id: Int64, by actor: String) async throws -> Bool {
        let now = clock.now()
        return try await store.write { tx in
            let found = try tx.requeue(delivery: id, at: now)
            if found { try tx.audit(AuditEntry(at: now, actor: actor, action: "retry", target: "delivery:\(id)")) }
            return found
        }
    }

    /// Resends a subscription's deliveries whose events fall in the sequence and receive-time
    /// ranges (either may be nil, not both); they keep their ids. Audited as `replay`.
    ///
    /// - Returns: how many deliveries were made pending again.
    /// - Throws: `WaybillError(.invalidPayload)` for an unknown subscription or no range.
    public func replay(
        subscription name: SubscriptionName, seqs: ClosedRange<Int64>?, received: ClosedRange<Timestamp>?, by actor: String
    ) async throws
        -> Int
    {
        guard landscape.subscriptions[name] != nil else { throw WaybillError(.invalidPayload, "no subscription \(name) is configured") }
        guard seqs != nil || received != nil else { throw WaybillError(.invalidPayload, "give a sequence range or a time range") }
        let now = clock.now()
        return try await store.write { tx in
            let n = try tx.requeueDeliveries(subscription: name, seqs: seqs, received: received, at: now)
            try tx.audit(AuditEntry(at: now, actor: actor, action: "replay", target: "subscription:\(name)", detail: "\(n) deliveries"))
            return n
        }
    }

    /// A cutover's explicit step: moves the deliveries of `from` (a retired subscription) not yet
    /// delivered to `to`, a subscription of the same system, which sends them from now on. They
    /// keep their ids (and so their idempotency keys) and their order per order. Audited.
    ///
    /// - Throws: `WaybillError(.invalidPayload)` when either is not configured or they belong to
    ///   different systems.
    public func moveDeliveries(from: SubscriptionName, to: SubscriptionName, by actor: String) async throws -> Int {
        guard let old = landscape.subscriptions[from], let new = landscape.subscriptions[to] else {
            throw WaybillError(.invalidPayload, "both \(from) and \(to) must be configured (the one replaced as retired: true)")
        }
        guard old.system == new.system else {
            throw WaybillError(.invalidPayload, "\(from) is \(old.system)'s and \(to) is \(new.system)'s: deliveries move within one system")
        }
        let now = clock.now()
        return try await store.write { tx in
            let n = try tx.moveDeliveries(from: from, to: to, at: now)
            try tx.audit(AuditEntry(at: now, actor: actor, action: "move", target: "subscription:\(from)", detail: "\(n) deliveries to \(to)"))
            return n
        }
    }
}
