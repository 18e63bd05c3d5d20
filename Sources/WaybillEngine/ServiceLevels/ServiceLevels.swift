import WaybillCore

/// The service-level targets of `slo:` (milliseconds) and the high-value rule of
/// `policies.highValueOrder`.
///
/// Defaults when `slo:` leaves a clock out: acknowledgement 60 s, shipment propagation 5 min,
/// invoice posting 24 h, payment sync 1 h. An order whose total is above `highValueOrder` (a
/// payment whose amount is) is due at **half** its target: its breach is raised and alerted
/// earlier. Without `highValueOrder` no order is high-value.
public struct ServiceLevels: Sendable, Equatable {
    public var orderAcknowledgement: Int64 = 60_000
    public var shipmentPropagation: Int64 = 300_000
    public var invoicePosting: Int64 = 86_400_000
    public var paymentSync: Int64 = 3_600_000
    /// Above this amount (in the order's or payment's own currency) a clock is due at half its target.
    public var highValueOrder: Amount?

    public init(
        orderAcknowledgement: Int64 = 60_000, shipmentPropagation: Int64 = 300_000, invoicePosting: Int64 = 86_400_000, paymentSync: Int64 = 3_600_000,
        highValueOrder: Amount? = nil
    ) {
        self.orderAcknowledgement = orderAcknowledgement
        self.shipmentPropagation = shipmentPropagation
        self.invoicePosting = invoicePosting
        self.paymentSync = paymentSync
        self.highValueOrder = highValueOrder
    }

    /// The target of `clock`, in milliseconds.
    public func target(_ clock: ServiceLevelClock) -> Int64 {
        switch clock {
        case .orderAcknowledgement: orderAcknowledgement
        case .shipmentPropagation: shipmentPropagation
        case .invoicePosting: invoicePosting
        case .paymentSync: paymentSync
        }
    }

    /// Whether `value` is above `highValueOrder`.
    public func isHighValue(_ value: Money) -> Bool {
        guard let threshold = highValueOrder else { return false }
        var scale: Int64 = 1
        for _ in 0..<(6 - value.currency.minorUnitDigits) { scale *= 10 }
        let (micros, overflow) = value.minorUnits.multipliedReportingOverflow(by: scale)
        return overflow || micros > threshold.micros
    }

    /// When a clock of `clock` started at `start` for `value` is due: its target later, or half
    /// of it for a high-value order or payment.
    public func due(_ clock: ServiceLevelClock, from start: Timestamp, value: Money?) -> (at: Timestamp, highValue: Bool) {
        let high = value.map(isHighValue) ?? false
        let target = target(clock)
        return (start.adding(milliseconds: high ? target / 2 : target), high)
    }
}
