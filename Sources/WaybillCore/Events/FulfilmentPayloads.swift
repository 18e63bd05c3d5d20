/// A line quantity, in base units, with an optional date (promise or expected).
public struct LineQuantity: Sendable, Equatable {
    public var lineId: LineID
    public var quantity: Quantity
    public var date: CalendarDate?

    public init(lineId: LineID, quantity: Quantity, date: CalendarDate? = nil) {
        self.lineId = lineId
        self.quantity = quantity
        self.date = date
    }

    static func decode(_ data: PayloadReader, dateKey: String? = nil) throws(WaybillError) -> [LineQuantity] {
        let readers = try data.objects("lines")
        var lines: [LineQuantity] = []
        lines.reserveCapacity(readers.count)
        for line in readers {
            lines.append(
                LineQuantity(
                    lineId: LineID(try line.string("lineId")), quantity: try line.quantity("quantity"),
                    date: try dateKey.flatMap { key throws(WaybillError) in try line.optionalDate(key) }))
        }
        try data.uniqueLineIDs(readers, lines.lazy.map(\.lineId))
        return lines
    }

    static func json(_ lines: [LineQuantity], dateKey: String? = nil) -> JSONValue {
        .array(
            lines.map { line in
                var members: [(String, JSONValue?)] = [("lineId", .string(line.lineId.rawValue)), ("quantity", line.quantity.json)]
                if let dateKey { members.append((dateKey, line.date.map { .string($0.text) })) }
                return .members(members)
            })
    }
}

/// `o2c.inventory.allocated`.
public struct Allocation: Sendable, Equatable {
    public var orderId: OrderID
    public var warehouse: String?
    public var lines: [LineQuantity]

    public init(_ data: PayloadReader) throws(WaybillError) {
        orderId = OrderID(try data.string("orderId"))
        warehouse = try data.optionalString("warehouse")
        lines = try LineQuantity.decode(data, dateKey: "promiseDate")
    }

    public var json: JSONValue {
        .members([
            ("orderId", .string(orderId.rawValue)), ("warehouse", warehouse.map(JSONValue.string)),
            ("lines", LineQuantity.json(lines, dateKey: "promiseDate")),
        ])
    }
}

/// `o2c.inventory.backordered`.
public struct Backorder: Sendable, Equatable {
    public var orderId: OrderID
    public var lines: [LineQuantity]

    public init(_ data: PayloadReader) throws(WaybillError) {
        orderId = OrderID(try data.string("orderId"))
        lines = try LineQuantity.decode(data, dateKey: "expectedDate")
    }

    public var json: JSONValue {
        .members([("orderId", .string(orderId.rawValue)), ("lines", LineQuantity.json(lines, dateKey: "expectedDate"))])
    }
}

/// `o2c.shipment.confirmed`.
public struct ShipmentConfirmation: Sendable, Equatable {
    public var orderId: OrderID
    public var shipmentId: ShipmentID
    public var warehouse: String?
    public var shippedAt: Timestamp?
    public var carrier: String?
    public var service: String?
    public var trackingNumber: String?
    public var lines: [LineQuantity]
    /// The cartons or pallets, when the warehouse knows them (an extension of EVENTS.md; optional).
    public var packages: [Package]

    /// One package: its SSCC-18 label and what it holds.
    public struct Package: Sendable, Equatable {
        public var sscc: String
        public var lines: [LineQuantity]
    }

    public init(_ data: PayloadReader) throws(WaybillError) {
        orderId = OrderID(try data.string("orderId"))
        shipmentId = ShipmentID(try data.string("shipmentId"))
        warehouse = try data.optionalString("warehouse")
        shippedAt = try data.optionalTimestamp("shippedAt")
        carrier = try data.optionalString("carrier")
        service = try data.optionalString("service")
        trackingNumber = try data.optionalString("trackingNumber")
        lines = try LineQuantity.decode(data)
        packages = []
        var packed: [LineID: Quantity] = [:]
        for package in try data.optionalObjects("packages") ?? [] {
            let sscc = try package.string("sscc")
            guard sscc.utf8.count == 18, sscc.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                throw WaybillError(.invalidPayload, "an SSCC is 18 digits, found \"\(sscc)\"", at: package.field("sscc"))
            }
            let contents = try LineQuantity.decode(package)
            for (i, line) in contents.enumerated() {
                guard let shipped = lines.first(where: { $0.lineId == line.lineId }) else {
                    throw WaybillError(.invalidPayload, "line \(line.lineId) is packed but not shipped", at: "\(package.field("lines"))[\(i)].lineId")
                }
                packed[line.lineId, default: .zero] += line.quantity
                if packed[line.lineId]! > shipped.quantity {
                    throw WaybillError(
                        .invalidPayload, "the packages hold more of line \(line.lineId) than the \(shipped.quantity) shipped",
                        at: "\(package.field("lines"))[\(i)].quantity")
                }
            }
            packages.append(Package(sscc: sscc, lines: contents))
        }
    }

    public var json: JSONValue {
        .members([
            ("orderId", .string(orderId.rawValue)), ("shipmentId", .string(shipmentId.rawValue)),
            ("warehouse", warehouse.map(JSONValue.string)), ("shippedAt", shippedAt.map { .string($0.rfc3339) }),
            ("carrier", carrier.map(JSONValue.string)), ("service", service.map(JSONValue.string)),
            ("trackingNumber", trackingNumber.map(JSONValue.string)), ("lines", LineQuantity.json(lines)),
            (
                "packages",
                packages.isEmpty
                    ? nil : .array(packages.map { .members([("sscc", .string($0.sscc)), ("lines", LineQuantity.json($0.lines))]) })
            ),
        ])
    }
}

/// A carrier milestone.
public enum TrackingStatus: String, Sendable, CaseIterable {
    case inTransit = "in_transit"
    case outForDelivery = "out_for_delivery"
    case exception
    case delivered
}

/// `o2c.shipment.tracking`.
public struct TrackingUpdate: Sendable, Equatable {
    public var orderId: OrderID
    public var shipmentId: ShipmentID
    public var status: TrackingStatus
    public var at: Timestamp?
    public var location: String?
    public var reason: String?

    public init(_ data: PayloadReader) throws(WaybillError) {
        orderId = OrderID(try data.string("orderId"))
        shipmentId = ShipmentID(try data.string("shipmentId"))
        let name = try data.string("status")
        guard let s = TrackingStatus(rawValue: name) else {
            throw WaybillError(.invalidPayload, "\"\(name)\" is not one of in_transit, out_for_delivery, exception, delivered", at: data.field("status"))
        }
        status = s
        at = try data.optionalTimestamp("at")
        location = try data.optionalString("location")
        reason = try data.optionalString("reason")
    }

    public var json: JSONValue {
        .members([
            ("orderId", .string(orderId.rawValue)), ("shipmentId", .string(shipmentId.rawValue)), ("status", .string(status.rawValue)),
            ("at", at.map { .string($0.rfc3339) }), ("location", location.map(JSONValue.string)), ("reason", reason.map(JSONValue.string)),
        ])
    }
}

/// `o2c.shipment.delivered`: proof of delivery of a whole shipment.
public struct DeliveryConfirmation: Sendable, Equatable {
    public var orderId: OrderID
    public var shipmentId: ShipmentID
    public var deliveredAt: Timestamp?
    public var signedBy: String?

    public init(_ data: PayloadReader) throws(WaybillError) {
        orderId = OrderID(try data.string("orderId"))
        shipmentId = ShipmentID(try data.string("shipmentId"))
        deliveredAt = try data.optionalTimestamp("deliveredAt")
        signedBy = try data.optionalString("signedBy")
    }

    public var json: JSONValue {
        .members([
            ("orderId", .string(orderId.rawValue)), ("shipmentId", .string(shipmentId.rawValue)),
            ("deliveredAt", deliveredAt.map { .string($0.rfc3339) }), ("signedBy", signedBy.map(JSONValue.string)),
        ])
    }
}

/// `o2c.return.authorized` / `o2c.return.received`.
public struct ReturnNotice: Sendable, Equatable {
    public var orderId: OrderID
    public var rmaId: RMAID
    public var lines: [LineQuantity]
    public var reason: String?

    public init(_ data: PayloadReader) throws(WaybillError) {
        orderId = OrderID(try data.string("orderId"))
        rmaId = RMAID(try data.string("rmaId"))
        lines = try LineQuantity.decode(data)
        reason = try data.optionalString("reason")
    }

    public var json: JSONValue {
        .members([
            ("orderId", .string(orderId.rawValue)), ("rmaId", .string(rmaId.rawValue)),
            ("lines", LineQuantity.json(lines)), ("reason", reason.map(JSONValue.string)),
        ])
    }
}
