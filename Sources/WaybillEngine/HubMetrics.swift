import CoreMetrics
import WaybillCore
import WaybillStore

/// The hub's metrics (swift-metrics; the service exports them for Prometheus). Labels come only
/// from bounded sets: configured systems and subscriptions, catalog types, outcomes, codes.
enum HubMetrics {
    static func ingested(_ results: [EventResult], types: [EventType?], landscape: Landscape) {
        for (result, type) in zip(results, types) {
            let source = result.source.flatMap(SystemName.init(source:)).flatMap { landscape.systems[$0] != nil ? $0.rawValue : nil } ?? "unknown"
            if let type {
                Counter(label: "waybill_events_ingested_total", dimensions: [("source", source), ("type", type.rawValue)]).increment()
            }
            Counter(label: "waybill_ingest_outcomes_total", dimensions: [("outcome", result.outcome.rawValue), ("code", result.code ?? "none")]).increment()
        }
    }

    static func attempted(_ job: DeliveryJob, _ result: AttemptResult) {
        let subscription = job.subscription.rawValue
        switch result {
        case .delivered(_, let at):
            Counter(label: "waybill_deliveries_total", dimensions: [("subscription", subscription), ("outcome", "delivered")]).increment()
            let latency = max(0, at.milliseconds - job.receivedAt.milliseconds)
            Timer(label: "waybill_delivery_latency_seconds", dimensions: [("subscription", subscription)]).recordMilliseconds(latency)
            if job.type == .orderAccepted {
                // The hub event is written with the order it accepts: this is placed → accepted delivered.
                Timer(label: "waybill_order_acknowledgement_seconds", dimensions: [("subscription", subscription)]).recordMilliseconds(latency)
            }
        case .retry:
            Counter(label: "waybill_deliveries_total", dimensions: [("subscription", subscription), ("outcome", "failed")]).increment()
        case .dead:
            Counter(label: "waybill_deliveries_total", dimensions: [("subscription", subscription), ("outcome", "dead")]).increment()
        }
    }

    /// Queue depth, oldest pending age and open exceptions, refreshed when metrics are read.
    static func refreshGauges(store: any Store, landscape: Landscape, now: Timestamp) async throws {
        let (pending, oldest, open) = try await store.read { r in
            (try r.deliveryCounts(status: .pending), try r.oldestPending(), try r.openExceptionCounts())
        }
        for name in landscape.subscriptions.keys {
            Gauge(label: "waybill_queue_depth", dimensions: [("subscription", name.rawValue)]).record(pending[name] ?? 0)
            let age = oldest[name].map { Double(max(0, now.milliseconds - $0.milliseconds)) / 1000 } ?? 0
            Gauge(label: "waybill_oldest_pending_age_seconds", dimensions: [("subscription", name.rawValue)]).record(age)
        }
        for kind in ExceptionKind.allCases {
            Gauge(label: "waybill_open_exceptions", dimensions: [("kind", kind.rawValue)]).record(open[kind] ?? 0)
        }
    }
}

extension Hub {
    /// Refreshes the gauges that are read from the store (queue depth, oldest pending age, open exceptions).
    public func refreshMetricGauges() async throws {
        try await HubMetrics.refreshGauges(store: store, landscape: landscape, now: clock.now())
    }
}
