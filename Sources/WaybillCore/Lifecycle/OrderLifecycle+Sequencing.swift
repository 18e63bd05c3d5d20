/// What an early event waits for: it was refused only because something it depends on has not
/// arrived yet, and it applies once that has.
public enum Prerequisite: Sendable, Equatable, CustomStringConvertible {
    /// A shipment the event names (a delivery or tracking update before its shipment).
    case shipment(ShipmentID)
    /// More shipped quantity on a line (an invoice before the shipment it bills).
    case shippedQuantity
    /// More delivered quantity on a line (a return before its delivery; an invoice under the
    /// `invoiceOn: delivery` policy).
    case deliveredQuantity
    /// An invoice the event names (a credit memo or a payment before its invoice).
    case invoice(InvoiceID)
    /// More invoiced quantity on a line (a credit memo before the invoice it credits).
    case invoicedQuantity

    public var description: String {
        switch self {
        case .shipment(let id): "shipment \(id)"
        case .shippedQuantity: "the shipment of what it invoices"
        case .deliveredQuantity: "the delivery of what it names"
        case .invoice(let id): "invoice \(id)"
        case .invoicedQuantity: "the invoice of what it credits"
        }
    }
}

extension OrderLifecycle {
    /// Tells an early event from a wrong one: what `payload`, refused on `state` with `error`,
    /// waits for — or `nil` when the refusal stands (a real contradiction).
    ///
    /// An event is early when the order's own quantities leave room for what it is missing: a
    /// delivery of a shipment not yet confirmed while some line is not fully shipped, an invoice
    /// for more than has shipped but no more than was ordered. It is wrong when nothing that can
    /// still arrive would make it fit: the delivery of an unknown shipment once every line has
    /// shipped in full, an invoice for more than was ordered.
    ///
    /// ```swift
    /// // SO-1 ordered 10, shipped 0; the carrier reports shipment SH-1 delivered.
    /// lifecycle.prerequisite(missingFor: error, .shipmentDelivered(pod), in: state) // .shipment("SH-1")
    /// ```
    public func prerequisite(missingFor error: WaybillError, _ payload: EventPayload, in state: OrderState) -> Prerequisite? {
        guard !state.cancelled else { return nil }
        switch (error.code, payload) {
        case (.unknownShipment, .shipmentDelivered(let delivery)):
            return moreCanShip(state) ? .shipment(delivery.shipmentId) : nil
        case (.unknownShipment, .shipmentTracking(let update)):
            return moreCanShip(state) ? .shipment(update.shipmentId) : nil
        case (.invoiceExceedsShipped, .invoicePosted(let invoice)):
            let fits = invoice.lines.allSatisfy { entry in
                state.line(entry.lineId).map { $0.invoiced + entry.quantity <= $0.ordered } ?? false
            }
            guard fits else { return nil }
            return policies.invoiceOn == .delivery ? .deliveredQuantity : .shippedQuantity
        case (.overCredit, .creditMemoPosted(let memo)):
            let fits = memo.lines.allSatisfy { entry in
                state.line(entry.lineId).map { $0.credited + entry.quantity <= $0.ordered } ?? false
            }
            return fits ? .invoicedQuantity : nil
        case (.unknownInvoice, .creditMemoPosted(let memo)):
            return memo.invoiceId.map { .invoice($0) }
        case (.overReturn, .returnReceived(let notice)), (.overReturn, .returnAuthorized(let notice)):
            let fits = notice.lines.allSatisfy { entry in
                state.line(entry.lineId).map { $0.returned + entry.quantity <= $0.ordered } ?? false
            }
            return fits ? .deliveredQuantity : nil
        default:
            return nil
        }
    }

    /// Whether a shipment can still come: some line has not shipped in full.
    func moreCanShip(_ state: OrderState) -> Bool {
        state.lines.contains { $0.shipped < $0.ordered }
    }
}

extension OrderState {
    /// The line `id`, if the order has it.
    func line(_ id: LineID) -> OrderLine? {
        lineIndex(id).map { lines[$0] }
    }
}
