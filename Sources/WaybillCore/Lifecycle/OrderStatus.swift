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
        // Waiting for a validation's answer before acceptance (credit, availability, tax).
        if !released && validations.contains(where: { $0.status == .pending }) { return .received }
        if holds.contains(where: { $0.state == .active }) { return .onHold }
        // One pass over the lines, no allocation: this runs several times per event.
        var activeCount = 0, shippedCount = 0, anyShipped = false, anyBackordered = false, allAllocated = true, anyAllocated = false
        var anyInvoiced = false, allInvoiced = true, allDelivered = true
        for line in lines where line.isActive {
            activeCount += 1
            if line.isFullyShipped { shippedCount += 1 }
            if !line.shipped.isZero { anyShipped = true }
            if !line.backordered.isZero { anyBackordered = true }
            if line.allocated < line.ordered { allAllocated = false }
            if !line.allocated.isZero { anyAllocated = true }
            if !line.invoiced.isZero { anyInvoiced = true }
            if line.invoiced < line.shipped { allInvoiced = false }
            if line.delivered < line.shipped { allDelivered = false }
        }
        if activeCount == 0 { return .cancelled }
        if shippedCount < activeCount {
            if anyShipped { return .partiallyShipped }
            if anyBackordered { return .backordered }
            if allAllocated { return .allocated }
            if anyAllocated { return .partiallyAllocated }
            return .accepted
        }
        if !anyInvoiced { return allDelivered ? .delivered : .shipped }
        if !allInvoiced { return .partiallyInvoiced }
        if openBalance.minorUnits <= 0 { return .closed }
        if paidTotal.minorUnits > 0 { return .partiallyPaid }
        return .invoiced
    }
}
