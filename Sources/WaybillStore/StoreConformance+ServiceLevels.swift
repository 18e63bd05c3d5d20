import WaybillCore

/// Conformance checks of service-level clocks and KPI rollups (SQLite schema v14).
extension StoreConformance {
    /// A time `milliseconds` after the epoch.
    static func ms(_ milliseconds: Int64) -> Timestamp { Timestamp(milliseconds: milliseconds) }

    /// A clock starts once per (clock, subject), waits for an event's deliveries, is due, breaches
    /// once, and stops once; KPI additions sum per (measure, dimension, day) and keep the maximum.
    public static func clocksRunBreachAndStop(_ store: any Store) async throws {
        let clock = ClockRecord(clock: .orderAcknowledgement, subject: "SO-1", key: "order:SO-1", startedAt: ms(1_000), dueAt: ms(5_000))
        let (id, again) = try await store.write { tx in (try tx.startClock(clock), try tx.startClock(clock)) }
        try check(id != nil && again == nil, "a clock starts once per subject")
        let clockId = id!
        try await store.write { tx in try tx.awaitDeliveries(clock: clockId, seq: 42, subscriptions: ["erp-orders", "crm-orders"]) }
        let (read, running, awaiting, early, due) = try await store.read { r in
            (
                try r.clock(.orderAcknowledgement, subject: "SO-1"), try r.runningClocks(.orderAcknowledgement, key: "order:SO-1"),
                try r.runningClocks(awaiting: 42), try r.dueClocks(now: ms(4_999), limit: 10), try r.dueClocks(now: ms(5_000), limit: 10)
            )
        }
        try check(
            read?.awaitedSeq == 42 && read?.awaitedSubscriptions == ["erp-orders", "crm-orders"] && read?.dueAt == ms(5_000),
            "the clock reads back with what it awaits, found \(String(describing: read))")
        try check(running.map(\.id) == [clockId] && awaiting.map(\.id) == [clockId], "a running clock is found by key and by awaited event")
        try check(early.isEmpty && due.map(\.id) == [clockId], "a clock is due at its due time")
        let exception = try await store.write { tx in
            try tx.raise(NewException(kind: .slo, code: "slo_order_acknowledgement", key: "order:SO-1", eventSeq: nil, message: "late", raisedAt: ms(5_000)))
        }
        try await store.write { tx in
            try tx.recordBreach(clock: clockId, exception: exception)
            try tx.recordBreach(clock: clockId, exception: exception + 1)
        }
        let (breached, counts, dueAfter) = try await store.read { r in
            (try r.breachedClocks(limit: 10), try r.openBreachCounts(), try r.dueClocks(now: ms(9_000), limit: 10))
        }
        try check(breached.map(\.exceptionId) == [exception], "a breach is recorded once, found \(breached.map(\.exceptionId))")
        try check(counts == [.orderAcknowledgement: 1] && dueAfter.isEmpty, "a breached clock is counted and no longer due")
        let (stopped, stoppedAgain) = try await store.write { tx in (try tx.stopClock(id: clockId, at: ms(6_000)), try tx.stopClock(id: clockId, at: ms(7_000)))
        }
        let (after, runningAfter, countsAfter) = try await store.read { r in
            (try r.clock(.orderAcknowledgement, subject: "SO-1"), try r.runningClocks(awaiting: 42), try r.openBreachCounts())
        }
        try check(stopped && !stoppedAgain && after?.stoppedAt == ms(6_000), "a clock stops once")
        try check(runningAfter.isEmpty && countsAfter.isEmpty, "a stopped clock is neither running nor breached")
    }

    /// KPI additions sum per (measure, dimension, day) and keep the maximum; resolving an
    /// exception adds to `exception_resolution` by kind.
    public static func kpiRollupsAddUp(_ store: any Store) async throws {
        let day = KPIRollup.day(of: Timestamp(milliseconds: 86_400_000 * 3 + 5))
        try await store.write { tx in
            try tx.addToKPI(KPIRollup(day: day, measure: "propagation", dimension: "erp-orders", total: 40, maximum: 40))
            try tx.addToKPI(KPIRollup(day: day, measure: "propagation", dimension: "erp-orders", total: 60, maximum: 60))
            try tx.addToKPI(KPIRollup(day: day + 1, measure: "invoices", dimension: "USD", count: 2, total: 1_000, maximum: 700))
        }
        try await store.write { tx in
            try tx.addToKPI(KPIRollup(day: day, measure: "propagation", dimension: "erp-orders", total: 10, maximum: 10))
            let id = try tx.raise(
                NewException(
                    kind: .backorder, code: "backordered", key: "order:K", eventSeq: nil, message: "b", raisedAt: Timestamp(milliseconds: 86_400_000 * 3)))
            _ = try tx.resolveException(id: id, at: Timestamp(milliseconds: 86_400_000 * 3 + 500), by: "ana")
        }
        let (all, some) = try await store.read { r in
            (try r.kpiRollups(days: day...(day + 1), measures: nil), try r.kpiRollups(days: day...day, measures: ["propagation"]))
        }
        try check(
            some == [KPIRollup(day: day, measure: "propagation", dimension: "erp-orders", count: 3, total: 110, maximum: 60)],
            "additions sum and keep the maximum, found \(some)")
        try check(
            all.contains(KPIRollup(day: day, measure: KPIMeasure.exceptionResolution, dimension: "backorder", count: 1, total: 500, maximum: 500))
                && all.contains(KPIRollup(day: day + 1, measure: "invoices", dimension: "USD", count: 2, total: 1_000, maximum: 700)) && all.count == 3,
            "every measure of the days is read, with the resolution counted, found \(all)")
    }
}
