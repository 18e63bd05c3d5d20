import WaybillCore
import WaybillStore

extension Hub {
    /// One round of the service-level clocks (part of `housekeep`), at the injected clock's now:
    /// each running clock past its due time whose awaited thing has still not happened raises its
    /// breach — an `slo` exception in the owning role's queue and an `o2c.alert.raised` event to
    /// the systems that subscribe to alerts — in one transaction with the clock's record of it,
    /// so a breach is raised once, across restarts too. A breached clock whose awaited delivery
    /// came meanwhile stops here if the scheduler has not stopped it already (settling it).
    ///
    /// - Returns: the clocks whose breach this round raised.
    @discardableResult
    public func evaluateServiceLevels(limit: Int = 1_000) async throws -> [ClockRecord] {
        let now = clock.now()
        let (levels, landscape, random) = (serviceLevels, self.landscape, self.random)
        let raised = try await store.write { tx -> [ClockRecord] in
            let keeper = ClockKeeper(tx: tx, levels: levels, landscape: landscape)
            for clock in try tx.breachedClocks(limit: limit) {
                if let at = try keeper.awaitedDelivery(of: clock) { try keeper.stop(clock, at: at) }
            }
            var raised: [ClockRecord] = []
            for var clock in try tx.dueClocks(now: now, limit: limit) {
                if let at = try keeper.awaitedDelivery(of: clock) {
                    try keeper.stop(clock, at: at)
                    continue
                }
                let exception = try tx.raise(
                    NewException(
                        kind: .slo, code: clock.clock.exceptionCode, key: clock.key, eventSeq: nil, message: clock.breachMessage(levels: levels),
                        raisedAt: now))
                try tx.recordBreach(clock: clock.id, exception: exception)
                clock.exceptionId = exception
                try Self.alert(clock, levels: levels, landscape: landscape, random: random, at: now, in: tx)
                raised.append(clock)
            }
            return raised
        }
        for clock in raised { HubMetrics.breached(clock.clock) }
        return raised
    }

    /// Logs the `o2c.alert.raised` event of a breach and queues it to the alert subscribers.
    static func alert(
        _ clock: ClockRecord, levels: ServiceLevels, landscape: Landscape, random: HubRandom, at now: Timestamp, in tx: any StoreTransaction
    ) throws {
        let orderId = RecordKey.orderId(of: clock.key)
        let state = try orderId.flatMap { try tx.order($0) }
        let id = "alert-\(clock.id)"
        let subject = orderId?.rawValue ?? clock.subject
        let event = HubEvent(.alertRaised, clock.alertData(levels: levels, raisedAt: now))
        let seq = try tx.append(
            NewEvent(
                source: SystemName.hub.source, eventId: id, type: .alertRaised, subject: subject, key: clock.key, eventTime: now, receivedAt: now,
                traceId: state?.traceId ?? random.traceId(), origin: .hub, raw: nil, body: nil)
        ) { event.storedBody(id: id, source: SystemName.hub.source, subject: subject, time: now) }
        let subscribers = landscape.subscriberNames(of: .alertRaised, from: .hub) { state?.origin }
        if !subscribers.isEmpty { try tx.enqueueDeliveries(seq: seq, subscriptions: subscribers, key: clock.key, type: .alertRaised, at: now) }
    }
}

extension ClockRecord {
    /// What is late, in words.
    var lateness: String {
        let parts = subject.split(separator: "/", maxSplits: 1).map(String.init)
        switch clock {
        case .orderAcknowledgement: return "order \(subject) is not acknowledged to the system that placed it"
        case .shipmentPropagation: return "shipment \(parts.last ?? subject) of order \(parts.first ?? subject) has not reached every subscriber"
        case .invoicePosting: return "shipment \(parts.last ?? subject) of order \(parts.first ?? subject) is not invoiced"
        case .paymentSync: return "payment \(parts.last ?? subject) is not applied"
        }
    }

    func breachMessage(levels: ServiceLevels) -> String {
        let target = Self.seconds(levels.target(clock))
        let rule = highValue ? " (a high-value order: alerted at half its \(target) s target)" : " (target \(target) s)"
        return "\(lateness): started \(startedAt.rfc3339), due \(dueAt.rfc3339)\(rule)"
    }

    /// The `data` of its `o2c.alert.raised` event.
    func alertData(levels: ServiceLevels, raisedAt: Timestamp) -> JSONValue {
        .members([
            ("alertId", .string("alert-\(id)")), ("clock", .string(clock.rawValue)), ("role", .string(clock.owner.rawValue)),
            ("exceptionId", exceptionId.map { .number(String($0)) }),
            ("orderId", RecordKey.orderId(of: key).map { .string($0.rawValue) }), ("subject", .string(subject)),
            ("startedAt", .string(startedAt.rfc3339)), ("dueAt", .string(dueAt.rfc3339)), ("raisedAt", .string(raisedAt.rfc3339)),
            ("targetSeconds", .number(Self.seconds(levels.target(clock)))), ("highValue", .bool(highValue)),
            ("message", .string(breachMessage(levels: levels))),
        ])
    }

    /// Milliseconds as a decimal number of seconds (`2`, `0.5`).
    static func seconds(_ ms: Int64) -> String {
        let fraction = ms % 1000
        guard fraction != 0 else { return String(ms / 1000) }
        let text = String(fraction)
        var digits = String(repeating: "0", count: 3 - text.count) + text
        while digits.hasSuffix("0") { digits.removeLast() }
        return "\(ms / 1000).\(digits)"
    }
}
