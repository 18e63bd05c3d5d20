extension OrderLifecycle {
    func applyAllocation(_ allocation: Allocation, to state: inout OrderState) throws(WaybillError) {
        try requireReleased(state)
        for (i, entry) in allocation.lines.enumerated() {
            let index = try lineIndex(entry.lineId, in: state, position: i)
            var line = state.lines[index]
            line.allocated += entry.quantity
            guard line.allocated <= line.ordered else {
                throw WaybillError(
                    .overAllocation, "line \(line.lineId): allocating \(entry.quantity) would allocate \(line.allocated) of \(line.ordered) ordered",
                    at: "$.data.lines[\(i)].quantity")
            }
            line.backordered = line.backordered > entry.quantity ? line.backordered - entry.quantity : .zero
            let unallocated = line.ordered - line.allocated
            if line.backordered > unallocated { line.backordered = unallocated }
            if let date = entry.date { line.promiseDate = date }
            if let warehouse = allocation.warehouse { line.warehouse = warehouse }
            if line.backordered.isZero { line.expectedDate = nil }
            state.lines[index] = line
        }
    }

    func applyBackorder(_ backorder: Backorder, to state: inout OrderState, effects: inout [OrderEffect]) throws(WaybillError) {
        try requireReleased(state)
        for (i, entry) in backorder.lines.enumerated() {
            let index = try lineIndex(entry.lineId, in: state, position: i)
            var line = state.lines[index]
            let open = line.ordered - max(line.allocated, line.shipped)
            guard entry.quantity <= open else {
                throw WaybillError(
                    .overAllocation, "line \(line.lineId): backordering \(entry.quantity) exceeds the \(open) not yet allocated",
                    at: "$.data.lines[\(i)].quantity")
            }
            line.backordered = entry.quantity
            line.expectedDate = entry.date
            state.lines[index] = line
            let until = entry.date.map { " until \($0.text)" } ?? " with no expected date"
            effects.append(
                .raise(
                    ExceptionDraft(
                        .backorder, .backordered, "order \(state.orderId) line \(line.lineId): \(entry.quantity) \(line.uom) of \(line.sku) backordered\(until)"
                    )))
        }
    }

    /// Records a shipment. One confirmed while the order is held (a hold after the warehouse had
    /// it, or a warehouse that shipped an order it was never released) still happened: it is
    /// recorded, and the hold's owners get an exception for each hold.
    func applyShipment(_ shipment: ShipmentConfirmation, to state: inout OrderState, effects: inout [OrderEffect]) throws(WaybillError) {
        for hold in state.activeHolds {
            effects.append(
                .raise(
                    ExceptionDraft(
                        hold.kind == .credit ? .creditHold : .pricing, .shippedWhileHeld,
                        "order \(state.orderId) shipped \(shipment.shipmentId) while on \(hold.kind.rawValue) hold\(hold.reason.map { " (\($0))" } ?? "")")))
        }
        guard !state.shipments.contains(where: { $0.shipmentId == shipment.shipmentId }) else {
            throw WaybillError(.duplicateShipment, "shipment \(shipment.shipmentId) was already confirmed for order \(state.orderId)", at: "$.data.shipmentId")
        }
        for (i, entry) in shipment.lines.enumerated() {
            let index = try lineIndex(entry.lineId, in: state, position: i)
            var line = state.lines[index]
            line.shipped += entry.quantity
            guard line.shipped <= line.ordered else {
                throw WaybillError(
                    .overShipment, "line \(line.lineId): shipping \(entry.quantity) would ship \(line.shipped) of \(line.ordered) ordered",
                    at: "$.data.lines[\(i)].quantity")
            }
            if line.allocated < line.shipped { line.allocated = line.shipped }
            let open = line.ordered - line.allocated
            if line.backordered > open { line.backordered = open }
            if line.backordered.isZero { line.expectedDate = nil }
            if let warehouse = shipment.warehouse { line.warehouse = warehouse }
            state.lines[index] = line
        }
        state.shipments.append(
            ShipmentRecord(
                shipmentId: shipment.shipmentId, warehouse: shipment.warehouse, carrier: shipment.carrier,
                trackingNumber: shipment.trackingNumber, status: .shipped, lines: shipment.lines, signedBy: nil))
        if policies.invoiceOn == .shipment { requestInvoice(&state, shipments: [shipment.shipmentId], effects: &effects) }
    }

    func applyTracking(_ update: TrackingUpdate, to state: inout OrderState, effects: inout [OrderEffect]) throws(WaybillError) {
        guard let index = state.shipments.firstIndex(where: { $0.shipmentId == update.shipmentId }) else {
            throw WaybillError(.unknownShipment, "order \(state.orderId) has no shipment \(update.shipmentId)", at: "$.data.shipmentId")
        }
        switch update.status {
        case .delivered:
            try applyDelivery(update.shipmentId, signedBy: nil, to: &state, effects: &effects)
        case .exception:
            state.shipments[index].status = .exception
            let carrier = state.shipments[index].carrier ?? "the carrier"
            effects.append(
                .raise(
                    ExceptionDraft(
                        .carrier, .carrierException,
                        "\(carrier) reported an exception for shipment \(update.shipmentId) of order \(state.orderId): \(update.reason ?? "no reason given")")))
        case .inTransit, .outForDelivery:
            guard state.shipments[index].status != .delivered else { return }
            state.shipments[index].status = update.status == .inTransit ? .inTransit : .outForDelivery
        }
    }

    func applyDelivery(_ shipmentId: ShipmentID, signedBy: String?, to state: inout OrderState, effects: inout [OrderEffect]) throws(WaybillError) {
        guard let index = state.shipments.firstIndex(where: { $0.shipmentId == shipmentId }) else {
            throw WaybillError(.unknownShipment, "order \(state.orderId) has no shipment \(shipmentId)", at: "$.data.shipmentId")
        }
        guard state.shipments[index].status != .delivered else { return }
        state.shipments[index].status = .delivered
        state.shipments[index].signedBy = signedBy
        for entry in state.shipments[index].lines {
            guard let lineIndex = state.lineIndex(entry.lineId) else { continue }
            state.lines[lineIndex].delivered += entry.quantity
        }
        if policies.invoiceOn == .delivery { requestInvoice(&state, shipments: [shipmentId], effects: &effects) }
    }

    /// Emits `o2c.invoice.requested` for quantities that are ready to bill and were never requested.
    func requestInvoice(_ state: inout OrderState, shipments: [ShipmentID], effects: inout [OrderEffect]) {
        var lines: [JSONValue] = []
        for i in state.lines.indices {
            let ready = policies.invoiceOn == .delivery ? state.lines[i].delivered : state.lines[i].shipped
            let already = max(state.lines[i].invoiceRequested, state.lines[i].invoiced)
            guard ready > already else { continue }
            let quantity = ready - already
            state.lines[i].invoiceRequested = ready
            lines.append(
                .members([
                    ("lineId", .string(state.lines[i].lineId.rawValue)), ("quantity", quantity.json),
                    ("unitPrice", .string(state.lines[i].unitPrice.text)),
                ]))
        }
        guard !lines.isEmpty else { return }
        effects.append(
            .emit(
                HubEvent(
                    .invoiceRequested,
                    .members([
                        ("orderId", .string(state.orderId.rawValue)), ("lines", .array(lines)),
                        ("shipmentIds", .array(shipments.map { .string($0.rawValue) })),
                    ]))))
    }

    func applyReturn(_ notice: ReturnNotice, received: Bool, to state: inout OrderState) throws(WaybillError) {
        for (i, entry) in notice.lines.enumerated() {
            let index = try lineIndex(entry.lineId, in: state, position: i)
            let line = state.lines[index]
            guard line.returned + entry.quantity <= line.delivered else {
                throw WaybillError(
                    .overReturn,
                    "line \(line.lineId): returning \(entry.quantity) exceeds the \(line.delivered - line.returned) delivered and not yet returned",
                    at: "$.data.lines[\(i)].quantity")
            }
            if received { state.lines[index].returned += entry.quantity }
        }
        if !state.returns.contains(notice.rmaId) { state.returns.append(notice.rmaId) }
    }
}
