import CoreMetrics
import Synchronization
import WaybillCore
import WaybillStore

/// The hub's metrics (swift-metrics; the service exports them for Prometheus). Labels come only
/// from bounded sets: configured systems and subscriptions, catalog types, outcomes, codes.
enum HubMetrics {
    /// Metric handles are made once per label and dimensions and kept (making one is a registry
    /// lookup under a lock; this runs for every event and every delivery).
    final class Handles: Sendable {
        private let counters = Mutex([String: Counter]())
        private let timers = Mutex([String: Timer]())
        private let gauges = Mutex([String: Gauge]())

        func counter(_ label: String, _ dimensions: [(String, String)]) -> Counter {
            cached(label, dimensions, in: counters) { Counter(label: label, dimensions: dimensions) }
        }

        func timer(_ label: String, _ dimensions: [(String, String)]) -> Timer {
            cached(label, dimensions, in: timers) { Timer(label: label, dimensions: dimensions) }
        }

        func gauge(_ label: String, _ dimensions: [(String, String)]) -> Gauge {
            cached(label, dimensions, in: gauges) { Gauge(label: label, dimensions: dimensions) }
        }

        private func cached<Handle: Sendable>(
            _ label: String, _ dimensions: [(String, String)], in cache: borrowing Mutex<[String: Handle]>, make: () -> Handle
        ) -> Handle {
            let key = dimensions.reduce(label) { $0 + "|" + $1.0 + "=" + $1.1 }
            return cache.withLock { handles in
                if let hit = handles[key] { return hit }
                let made = make()
                handles[key] = made
                return made
            }
        }
    }

    static let handles = Handles()

    /// Counts a request's events by source and type and by outcome and code, then adds each
    /// count once (a request of a hundred events touches a handful of handles).
    static func ingested(_ results: [EventResult], types: [EventType?], landscape: Landscape) {
        struct Ingested: Hashable {
            var source: String?
            var type: EventType
        }
        struct Outcome: Hashable {
            var outcome: IngestOutcome
            var code: String?
        }
        var ingested: [Ingested: Int] = [:]
        var outcomes: [Outcome: Int] = [:]
        for (result, type) in zip(results, types) {
            if let type { ingested[Ingested(source: result.source, type: type), default: 0] += 1 }
            outcomes[Outcome(outcome: result.outcome, code: result.code), default: 0] += 1
        }
        for (key, count) in ingested {
            let source = key.source.flatMap(SystemName.init(source:)).flatMap { landscape.systems[$0] != nil ? $0.rawValue : nil } ?? "unknown"
            handles.counter("waybill_events_ingested_total", [("source", source), ("type", key.type.rawValue)]).increment(by: count)
        }
        for (key, count) in outcomes {
            handles.counter("waybill_ingest_outcomes_total", [("outcome", key.outcome.rawValue), ("code", key.code ?? "none")]).increment(by: count)
        }
    }

    static func attempted(_ job: DeliveryJob, _ result: AttemptResult) {
        let subscription = job.subscription.rawValue
        switch result {
        case .delivered(_, let at):
            handles.counter("waybill_deliveries_total", [("subscription", subscription), ("outcome", "delivered")]).increment()
            let latency = max(0, at.milliseconds - job.receivedAt.milliseconds)
            handles.timer("waybill_delivery_latency_seconds", [("subscription", subscription)]).recordMilliseconds(latency)
            if job.type == .orderAccepted {
                // The hub event is written with the order it accepts: this is placed → accepted delivered.
                handles.timer("waybill_order_acknowledgement_seconds", [("subscription", subscription)]).recordMilliseconds(latency)
            }
        case .retry:
            handles.counter("waybill_deliveries_total", [("subscription", subscription), ("outcome", "failed")]).increment()
        case .dead:
            handles.counter("waybill_deliveries_total", [("subscription", subscription), ("outcome", "dead")]).increment()
        }
    }

    /// An interchange received from a trading partner, by what came of it.
    static func interchangeReceived(partner: SystemName, verdict: EDIReceipt.Verdict) {
        handles.counter("waybill_edi_interchanges_received_total", [("partner", partner.rawValue), ("verdict", verdict.rawValue)]).increment()
    }

    /// Queue depth, oldest pending age and open exceptions, refreshed when metrics are read.
    static func refreshGauges(store: any Store, landscape: Landscape, now: Timestamp) async throws {
        let (pending, oldest, open) = try await store.read { r in
            (try r.deliveryCounts(status: .pending), try r.oldestPending(), try r.openExceptionCounts())
        }
        for name in landscape.subscriptions.keys {
            handles.gauge("waybill_queue_depth", [("subscription", name.rawValue)]).record(pending[name] ?? 0)
            let age = oldest[name].map { Double(max(0, now.milliseconds - $0.milliseconds)) / 1000 } ?? 0
            handles.gauge("waybill_oldest_pending_age_seconds", [("subscription", name.rawValue)]).record(age)
        }
        for kind in ExceptionKind.allCases {
            handles.gauge("waybill_open_exceptions", [("kind", kind.rawValue)]).record(open[kind] ?? 0)
        }
    }
}

extension Hub {
    /// Refreshes the gauges that are read from the store (queue depth, oldest pending age, open
    /// exceptions, open SLO breaches, the KPIs).
    public func refreshMetricGauges() async throws {
        try await HubMetrics.refreshGauges(store: store, landscape: landscape, now: clock.now())
        try await HubMetrics.refreshServiceLevelGauges(hub: self, now: clock.now())
    }
}
