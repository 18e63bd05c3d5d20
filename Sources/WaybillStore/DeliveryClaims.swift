import WaybillCore

/// A store that several hub nodes share: each node **claims** the deliveries it is about to
/// attempt, for a lease, so no two nodes attempt one delivery at once, and the claims of a node
/// that dies run out and the others take its work over.
///
/// The order rule holds across nodes: a claim is only ever the head of its (subscription, key)
/// queue — the oldest delivery not yet delivered — so while it is in flight, retrying or dead,
/// nothing later of that key is claimed by anyone, and other keys are not held up. A node whose
/// lease ran out while its attempt was still in flight (a pause longer than the lease) may see
/// another node attempt the same delivery: delivery stays at least once, under one delivery id.
public protocol DeliveryClaims: Sendable {
    /// Claims for `node`, until `until`, up to `limit` deliveries due at `now` that no other node
    /// holds: at most one per (subscription, key), and at most `perSubscription` claimed (by all
    /// nodes together) per subscription at once. Oldest due first.
    /// Subscriptions in `skipping` are left alone (their endpoint's circuit is open).
    func claimDeliveries(
        node: String, now: Timestamp, until: Timestamp, limit: Int, perSubscription: Int, skipping: Set<SubscriptionName>
    ) async throws -> [DeliveryJob]
    /// Extends `node`'s claims on `ids` to `until` (while their attempts run); returns how many.
    /// Only the ids the node knows it holds: a claim whose answer was lost (the connection broke
    /// as it committed) is left to run out, so another node takes it.
    @discardableResult
    func renewClaims(node: String, ids: [Int64], until: Timestamp) async throws -> Int
    /// Gives up `node`'s claims on `ids` (all of them when nil) without attempting them, so
    /// other nodes may take them at once: a node that stops, or that will not start them.
    func releaseClaims(node: String, ids: [Int64]?) async throws

    /// The endpoints whose circuit a node opened and that stay open after `now`, until when: every
    /// node keeps away from them, not only the one that saw them fail.
    func openCircuits(now: Timestamp) async throws -> [String: Timestamp]
    /// Records that `endpoint`'s circuit is open until `until`, or closed again (nil).
    func setCircuit(endpoint: String, openUntil until: Timestamp?) async throws
}

extension DeliveryClaims {
    /// Claims without leaving any subscription alone.
    public func claimDeliveries(node: String, now: Timestamp, until: Timestamp, limit: Int, perSubscription: Int) async throws -> [DeliveryJob] {
        try await claimDeliveries(node: node, now: now, until: until, limit: limit, perSubscription: perSubscription, skipping: [])
    }
}
