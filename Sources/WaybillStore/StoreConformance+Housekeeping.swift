import WaybillCore

/// Conformance checks of what housekeeping relies on: the lease of the periodic jobs, and
/// retention.
extension StoreConformance {
    /// A lease is held by one holder until it runs out; its holder renews it; another takes it
    /// only once it has run out.
    public static func leasesHoldOneHolderAtATime(_ store: any Store) async throws {
        let (a, b, aAgain, bLater, aAfter) = try await store.write { tx in
            (
                try tx.holdLease("housekeeping", holder: "a", now: ms(0), until: ms(100)),
                try tx.holdLease("housekeeping", holder: "b", now: ms(50), until: ms(150)),
                try tx.holdLease("housekeeping", holder: "a", now: ms(90), until: ms(190)),
                try tx.holdLease("housekeeping", holder: "b", now: ms(191), until: ms(291)),
                try tx.holdLease("housekeeping", holder: "a", now: ms(200), until: ms(300))
            )
        }
        try check(a && !b, "the first holder has the lease, another is refused while it runs")
        try check(aAgain, "the holder renews its lease")
        try check(bLater && !aAfter, "another takes the lease once it ran out, and then holds it")
        let other = try await store.write { tx in try tx.holdLease("retention", holder: "b", now: ms(200), until: ms(300)) }
        try check(other, "leases of different names are apart")
    }

    /// Retention removes delivered deliveries older than the cutoff, a batch at a time, and never
    /// a pending or dead one; nodes not seen since the cutoff leave the heartbeats.
    public static func retentionRemovesOnlyOldDeliveredWork(_ store: any Store) async throws {
        let ids = try await store.write { tx in
            for (i, key) in ["order:R1", "order:R2", "order:R3", "order:R4"].enumerated() {
                let seq = try tx.append(event("r\(i)", key: key))!
                try tx.enqueueDeliveries(seq: seq, subscriptions: ["erp-orders"], key: key, type: .shipmentConfirmed, at: ms(1))
            }
            try tx.beat(node: "gone", at: ms(5))
            try tx.beat(node: "alive", at: ms(500))
            return try tx.deliveries(DeliveryFilter(limit: 10)).map(\.id).sorted()
        }
        try check(ids.count == 4, "four deliveries written")
        try await store.write { tx in
            try tx.recordAttempt(delivery: ids[0], result: .delivered(statusCode: 200, at: ms(10)))
            try tx.recordAttempt(delivery: ids[1], result: .delivered(statusCode: 200, at: ms(20)))
            try tx.recordAttempt(delivery: ids[2], result: .delivered(statusCode: 200, at: ms(900)))
            try tx.recordAttempt(delivery: ids[3], result: .dead(statusCode: 400, error: "refused", at: ms(30)))
        }
        let (first, second, forgotten) = try await store.write { tx in
            (
                try tx.removeDelivered(before: ms(100), limit: 1), try tx.removeDelivered(before: ms(100), limit: 1),
                try tx.forgetNodes(seenBefore: ms(100))
            )
        }
        let (left, beats) = try await store.read { r in (try r.deliveries(DeliveryFilter(limit: 10)).map(\.id).sorted(), try r.heartbeats()) }
        try check(first == 1 && second == 1, "one batch of one each time, found \(first), \(second)")
        try check(left == [ids[2], ids[3]], "the recent delivered one and the dead one stay, found \(left)")
        try check(forgotten == 1 && Array(beats.keys) == ["alive"], "a node not seen since the cutoff is forgotten, found \(beats)")
    }
}
