/// The canonical event catalog, v1. The wire strings exist only here.
public enum EventType: String, Sendable, CaseIterable, Comparable {
    case customerUpserted = "o2c.customer.upserted"
    case productUpserted = "o2c.product.upserted"
    case orderPlaced = "o2c.order.placed"
    case orderAccepted = "o2c.order.accepted"
    /// The hub's word on an order it received but cannot accept in full yet (an item it does not
    /// know): per line accepted or rejected. Trading partners get it as an 855.
    case orderAcknowledged = "o2c.order.acknowledged"
    case orderHeld = "o2c.order.held"
    case orderReleased = "o2c.order.released"
    case orderChanged = "o2c.order.changed"
    case orderCancelled = "o2c.order.cancelled"
    case inventoryAllocated = "o2c.inventory.allocated"
    case inventoryBackordered = "o2c.inventory.backordered"
    case shipmentConfirmed = "o2c.shipment.confirmed"
    case shipmentTracking = "o2c.shipment.tracking"
    case shipmentDelivered = "o2c.shipment.delivered"
    case invoiceRequested = "o2c.invoice.requested"
    case invoicePosted = "o2c.invoice.posted"
    case paymentReceived = "o2c.payment.received"
    case creditMemoPosted = "o2c.creditmemo.posted"
    case returnAuthorized = "o2c.return.authorized"
    case returnReceived = "o2c.return.received"
    case orderStatusChanged = "o2c.order.status_changed"
    /// The hub asks the validating systems (`validations:`) about an order before accepting it:
    /// the canonical order, sent through each validation's adapter.
    case orderValidationRequested = "o2c.order.validation_requested"
    /// A validating system's answer (or the fallback applied without one), as the hub recorded it.
    case orderValidated = "o2c.order.validated"
    /// A service-level clock (`slo:`) ran past its target: the hub tells the systems that
    /// subscribe to alerts, once per breach.
    case alertRaised = "o2c.alert.raised"

    /// Types only the hub emits; a system sending one is refused.
    public var isHubOnly: Bool {
        switch self {
        case .orderAccepted, .orderAcknowledged, .invoiceRequested, .orderStatusChanged, .orderValidationRequested, .alertRaised: return true
        default: return false
        }
    }

    public static func < (lhs: EventType, rhs: EventType) -> Bool { lhs.rawValue < rhs.rawValue }
}
