/// One line of a placed order, in the sender's ids and units.
public struct PlacedLine: Sendable, Equatable {
    public var lineId: LineID
    public var sku: String
    public var quantity: Quantity
    public var uom: UnitOfMeasure?
    public var unitPrice: UnitPrice?
}

/// `o2c.order.placed`: a new order as captured by CRM, eCommerce or EDI.
public struct PlacedOrder: Sendable, Equatable {
    public var orderId: OrderID
    public var externalOrderId: String?
    public var customerId: String
    public var shipToId: ShipToID?
    public var customerPO: String?
    public var channel: String?
    public var currency: Currency
    public var requestedDate: CalendarDate?
    public var lines: [PlacedLine]
    public var notes: String?

    public init(_ data: PayloadReader) throws(WaybillError) {
        orderId = OrderID(try data.string("orderId"))
        externalOrderId = try data.optionalString("externalOrderId")
        customerId = try data.string("customerId")
        shipToId = try data.optionalString("shipToId").map(ShipToID.init)
        customerPO = try data.optionalString("customerPO")
        channel = try data.optionalString("channel")
        currency = try data.currency("currency")
        requestedDate = try data.optionalDate("requestedDate")
        notes = try data.optionalString("notes")
        let readers = try data.objects("lines")
        lines = []
        lines.reserveCapacity(readers.count)
        for line in readers {
            lines.append(
                PlacedLine(
                    lineId: LineID(try line.string("lineId")), sku: try line.string("sku"), quantity: try line.quantity("quantity"),
                    uom: try line.optionalString("uom").map(UnitOfMeasure.init), unitPrice: try line.optionalUnitPrice("unitPrice", currency: currency)))
        }
        try data.uniqueLineIDs(readers, lines.lazy.map(\.lineId))
    }

    /// Writes the canonical JSON straight to `out`.
    public func write(to out: inout JSONStream) {
        out.beginObject()
        out.key("orderId"); out.string(orderId.rawValue)
        if let v = externalOrderId { out.key("externalOrderId"); out.string(v) }
        out.key("customerId"); out.string(customerId)
        if let v = shipToId { out.key("shipToId"); out.string(v.rawValue) }
        if let v = customerPO { out.key("customerPO"); out.string(v) }
        if let v = channel { out.key("channel"); out.string(v) }
        out.key("currency"); out.string(currency.code)
        if let v = requestedDate { out.key("requestedDate"); out.string(v.text) }
        if let v = notes { out.key("notes"); out.string(v) }
        out.key("lines"); out.beginArray()
        for line in lines {
            out.beginObject()
            out.key("lineId"); out.string(line.lineId.rawValue)
            out.key("sku"); out.string(line.sku)
            out.key("quantity"); out.quantity(line.quantity)
            if let u = line.uom { out.key("uom"); out.string(u.rawValue) }
            if let p = line.unitPrice { out.key("unitPrice"); out.price(p) }
            out.endObject()
        }
        out.endArray()
        out.endObject()
    }

    public var json: JSONValue {
        var out = JSONStream(capacity: 256 + lines.count * 96)
        write(to: &out)
        return .raw(out.bytes)
    }

}

/// A line of `o2c.order.changed`: the new ordered quantity (0 cancels); a new `lineId` adds a line.
public struct ChangedLine: Sendable, Equatable {
    public var lineId: LineID
    public var quantity: Quantity
    public var uom: UnitOfMeasure?
    /// Required only for a new line.
    public var sku: String?
    public var unitPrice: Amount?
}

/// `o2c.order.changed`.
public struct OrderChange: Sendable, Equatable {
    public var orderId: OrderID
    public var lines: [ChangedLine]

    public init(_ data: PayloadReader) throws(WaybillError) {
        orderId = OrderID(try data.string("orderId"))
        let readers = try data.objects("lines")
        lines = []
        for line in readers {
            lines.append(
                ChangedLine(
                    lineId: LineID(try line.string("lineId")), quantity: try line.quantity("quantity", allowZero: true),
                    uom: try line.optionalString("uom").map(UnitOfMeasure.init), sku: try line.optionalString("sku"),
                    unitPrice: try line.optionalAmount("unitPrice")))
        }
        try data.uniqueLineIDs(readers, lines.lazy.map(\.lineId))
    }

    public var json: JSONValue {
        .members([
            ("orderId", .string(orderId.rawValue)),
            (
                "lines",
                .array(
                    lines.map {
                        .members([
                            ("lineId", .string($0.lineId.rawValue)), ("quantity", $0.quantity.json), ("uom", $0.uom.map { .string($0.rawValue) }),
                            ("sku", $0.sku.map(JSONValue.string)), ("unitPrice", $0.unitPrice.map { .string($0.text) }),
                        ])
                    })
            ),
        ])
    }
}

/// `o2c.order.cancelled`.
public struct OrderCancellation: Sendable, Equatable {
    public var orderId: OrderID
    public var reason: String?

    public init(_ data: PayloadReader) throws(WaybillError) {
        orderId = OrderID(try data.string("orderId"))
        reason = try data.optionalString("reason")
    }

    public var json: JSONValue { .members([("orderId", .string(orderId.rawValue)), ("reason", reason.map(JSONValue.string))]) }
}

/// The kinds of hold an order can carry.
public enum HoldKind: String, Sendable, CaseIterable {
    case credit, pricing, tax
    /// A validation call before acceptance answered no, or could not be made (`fallback: hold`).
    case validation
}

/// `o2c.order.held` / `o2c.order.released`.
public struct HoldNotice: Sendable, Equatable {
    public var orderId: OrderID
    public var hold: HoldKind
    public var reason: String?

    public init(orderId: OrderID, hold: HoldKind, reason: String?) {
        self.orderId = orderId
        self.hold = hold
        self.reason = reason
    }

    public init(_ data: PayloadReader) throws(WaybillError) {
        orderId = OrderID(try data.string("orderId"))
        let name = try data.string("hold")
        guard let kind = HoldKind(rawValue: name) else {
            throw WaybillError(
                .invalidPayload, "\"\(name)\" is not one of \(HoldKind.allCases.map(\.rawValue).joined(separator: ", "))", at: data.field("hold"))
        }
        hold = kind
        reason = try data.optionalString("reason")
    }

    public var json: JSONValue {
        .members([("orderId", .string(orderId.rawValue)), ("hold", .string(hold.rawValue)), ("reason", reason.map(JSONValue.string))])
    }
}
