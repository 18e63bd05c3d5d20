import WaybillCore
import WaybillStore

extension HubMetrics {
    /// A clock's breach was raised (once per breach).
    static func breached(_ clock: ServiceLevelClock) {
        handles.counter("waybill_slo_breaches_total", [("clock", clock.rawValue)]).increment()
    }

    /// The open breaches by clock, and the KPIs of today and of the last 30 days as gauges
    /// (`window` is `1d` or `30d`; a KPI with nothing measured reads 0).
    static func refreshServiceLevelGauges(hub: Hub, now: Timestamp) async throws {
        let open = try await hub.store.read { try $0.openBreachCounts() }
        for clock in ServiceLevelClock.allCases {
            handles.gauge("waybill_slo_open_breaches", [("clock", clock.rawValue)]).record(open[clock] ?? 0)
        }
        let today = KPIRollup.day(of: now)
        let report = try await hub.kpis(days: (today - 29)...today)
        for (window, summary) in [("1d", report.summary(today...today)), ("30d", report.window)] {
            func seconds(_ duration: KPIReport.Duration) -> Double { Double(duration.averageMilliseconds ?? 0) / 1000 }
            let clocks: [(String, ServiceLevelClock)] = [
                ("waybill_kpi_order_acknowledgement_seconds", .orderAcknowledgement), ("waybill_kpi_shipment_propagation_seconds", .shipmentPropagation),
                ("waybill_kpi_invoice_cycle_seconds", .invoicePosting), ("waybill_kpi_payment_sync_seconds", .paymentSync),
            ]
            for (label, clock) in clocks { handles.gauge(label, [("window", window)]).record(seconds(summary.duration(clock))) }
            for name in hub.landscape.subscriptions.keys {
                handles.gauge("waybill_kpi_propagation_seconds", [("subscription", name.rawValue), ("window", window)])
                    .record(seconds(summary.propagation[name.rawValue] ?? KPIReport.Duration()))
            }
            for kind in ExceptionKind.allCases {
                handles.gauge("waybill_kpi_exception_resolution_seconds", [("kind", kind.rawValue), ("window", window)])
                    .record(seconds(summary.resolution[kind.rawValue] ?? KPIReport.Duration()))
            }
            for (code, dso) in summary.salesOutstanding where Currency(code: code) != nil {
                handles.gauge("waybill_kpi_dso_days", [("currency", code), ("window", window)]).record(Double(dso.hundredths ?? 0) / 100)
            }
            handles.gauge("waybill_kpi_dispute_rate", [("window", window)]).record(Double(summary.disputeRate ?? 0) / 10_000)
            handles.gauge("waybill_kpi_payment_posting_accuracy", [("window", window)]).record(Double(summary.postingAccuracy ?? 0) / 10_000)
        }
    }
}
