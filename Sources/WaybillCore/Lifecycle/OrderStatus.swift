/// The derived status of an order.
public enum OrderStatus: String, Sendable, CaseIterable {
    case received, onHold = "on_hold", accepted
    case partiallyAllocated = "partially_allocated", allocated, backordered
    case partiallyShipped = "partially_shipped", shipped, delivered
    case partiallyInvoiced = "partially_invoiced", invoiced
    case partiallyPaid = "partially_paid", closed, cancelled
}

extension OrderState {
    /// The status, derived from the line quantities, holds and invoices.
    public var status: OrderStatus {
        if cancelled { return .cancelled }
        if !validated { return .received }
        if !activeHolds.isEmpty { return .onHold }
        let active = activeLines
        if active.isEmpty { return .cancelled }
        let allShipped = active.allSatisfy(\.isFullyShipped)
        let anyShipped = active.contains { !$0.shipped.isZero }
        if !allShipped {
            if anyShipped { return .partiallyShipped }
            if active.contains(where: { !$0.backordered.isZero }) { return .backordered }
            if active.allSatisfy({ $0.allocated >= $0.ordered }) { return .allocated }
            if active.contains(where: { !$0.allocated.isZero }) { return .partiallyAllocated }
            return .accepted
        }
        let anyInvoiced = active.contains { !$0.invoiced.isZero }
        if !anyInvoiced {
            return active.allSatisfy({ $0.delivered >= $0.shipped }) ? .delivered : .shipped
        }
        let allInvoiced = active.allSatisfy { $0.invoiced >= $0.shipped }
        if !allInvoiced { return .partiallyInvoiced }
        if openBalance.minorUnits <= 0 { return .closed }
        if paidTotal.minorUnits > 0 { return .partiallyPaid }
        return .invoiced
    }
}
