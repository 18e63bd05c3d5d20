/// One order line with every quantity the lifecycle tracks, all in the product's base unit.
public struct OrderLine: Sendable, Equatable {
    public var lineId: LineID
    public var sku: SKU
    public var uom: UnitOfMeasure
    /// Price per base unit.
    public var unitPrice: UnitPrice
    public var ordered: Quantity
    public var allocated: Quantity = .zero
    /// Outstanding backorder.
    public var backordered: Quantity = .zero
    public var shipped: Quantity = .zero
    public var delivered: Quantity = .zero
    public var invoiced: Quantity = .zero
    public var returned: Quantity = .zero
    public var credited: Quantity = .zero
    /// Quantity already announced by `o2c.invoice.requested` (never announced twice).
    public var invoiceRequested: Quantity = .zero
    public var promiseDate: CalendarDate?
    public var expectedDate: CalendarDate?
    public var warehouse: String?
    /// Tax on the line, as a tax engine answered before acceptance (in the order's currency).
    public var tax: Amount?

    public init(lineId: LineID, sku: SKU, uom: UnitOfMeasure, unitPrice: UnitPrice, ordered: Quantity) {
        self.lineId = lineId
        self.sku = sku
        self.uom = uom
        self.unitPrice = unitPrice
        self.ordered = ordered
    }

    /// The extended value of the ordered quantity.
    public var orderedValue: Money { unitPrice.extended(ordered) }
    public var isActive: Bool { !ordered.isZero || !shipped.isZero }
    public var isFullyShipped: Bool { shipped >= ordered }

    /// The line invariants of DESIGN.md, as a list of broken ones (empty when all hold).
    public func brokenInvariants(invoiceOn: InvoicePolicy) -> [String] {
        var broken: [String] = []
        let all = [
            ("ordered", ordered), ("allocated", allocated), ("backordered", backordered), ("shipped", shipped),
            ("delivered", delivered), ("invoiced", invoiced), ("returned", returned), ("credited", credited),
        ]
        for (name, q) in all where q.scaled < 0 { broken.append("line \(lineId): \(name) \(q) is negative") }
        if shipped > ordered { broken.append("line \(lineId): shipped \(shipped) exceeds ordered \(ordered)") }
        if delivered > shipped { broken.append("line \(lineId): delivered \(delivered) exceeds shipped \(shipped)") }
        let invoiceLimit = invoiceOn == .delivery ? delivered : shipped
        if invoiced > invoiceLimit {
            broken.append("line \(lineId): invoiced \(invoiced) exceeds \(invoiceOn == .delivery ? "delivered" : "shipped") \(invoiceLimit)")
        }
        if credited > invoiced { broken.append("line \(lineId): credited \(credited) exceeds invoiced \(invoiced)") }
        if returned > delivered { broken.append("line \(lineId): returned \(returned) exceeds delivered \(delivered)") }
        return broken
    }

    /// The quantities as the order view shows them, written straight to `out`.
    public func writeQuantities(to out: inout JSONStream) {
        out.beginObject()
        out.key("lineId"); out.string(lineId.rawValue)
        out.key("sku"); out.string(sku.rawValue)
        out.key("uom"); out.string(uom.rawValue)
        out.key("unitPrice"); out.price(unitPrice)
        out.key("ordered"); out.quantity(ordered)
        out.key("allocated"); out.quantity(allocated)
        out.key("backordered"); out.quantity(backordered)
        out.key("shipped"); out.quantity(shipped)
        out.key("delivered"); out.quantity(delivered)
        out.key("invoiced"); out.quantity(invoiced)
        out.key("returned"); out.quantity(returned)
        out.key("credited"); out.quantity(credited)
        if let tax {
            out.key("tax"); out.string(tax.text)
        }
        if let promiseDate {
            out.key("promiseDate"); out.string(promiseDate.text)
        }
        out.endObject()
    }

}

/// A hold on an order and whether it is still in force.
public struct Hold: Sendable, Equatable {
    public enum State: String, Sendable { case active, released }
    public var kind: HoldKind
    public var state: State
    public var reason: String?

    public init(kind: HoldKind, state: State, reason: String?) {
        self.kind = kind
        self.state = state
        self.reason = reason
    }
}

/// A shipment of (part of) an order.
public struct ShipmentRecord: Sendable, Equatable {
    public enum Status: String, Sendable { case shipped, inTransit = "in_transit", outForDelivery = "out_for_delivery", exception, delivered }
    public var shipmentId: ShipmentID
    public var warehouse: String?
    public var carrier: String?
    public var trackingNumber: String?
    public var status: Status
    public var lines: [LineQuantity]
    public var signedBy: String?

    public init(shipmentId: ShipmentID, warehouse: String?, carrier: String?, trackingNumber: String?, status: Status, lines: [LineQuantity], signedBy: String?)
    {
        self.shipmentId = shipmentId
        self.warehouse = warehouse
        self.carrier = carrier
        self.trackingNumber = trackingNumber
        self.status = status
        self.lines = lines
        self.signedBy = signedBy
    }
}

/// An invoice posted against an order, with what has been paid and credited.
public struct InvoiceRecord: Sendable, Equatable {
    public var invoiceId: InvoiceID
    public var total: Money
    public var paid: Money
    public var credited: Money
    public var dueDate: CalendarDate?

    public init(invoiceId: InvoiceID, total: Money, paid: Money, credited: Money, dueDate: CalendarDate?) {
        self.invoiceId = invoiceId
        self.total = total
        self.paid = paid
        self.credited = credited
        self.dueDate = dueDate
    }

    /// What the customer still owes on this invoice.
    public var openBalance: Money { total - paid - credited }
}

/// What the order waits for before it can be validated.
public struct MappingGap: Sendable, Hashable {
    public enum Kind: String, Sendable { case customer, item, unit }
    public var kind: Kind
    public var reference: String
    public var detail: String
    public var path: String

    public init(kind: Kind, reference: String, detail: String, path: String) {
        self.kind = kind
        self.reference = reference
        self.detail = detail
        self.path = path
    }
}
