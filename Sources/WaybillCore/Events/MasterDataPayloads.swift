/// A ship-to location of a customer.
public struct ShipTo: Sendable, Equatable {
    public var shipToId: ShipToID
    public var name: String?
    public var address: JSONValue?
}

/// `o2c.customer.upserted`: the master record of a customer.
public struct CustomerRecord: Sendable, Equatable {
    public var customerId: CustomerID
    public var name: String
    public var currency: Currency
    public var creditLimit: Money?
    public var paymentTermsDays: Int?
    public var parentId: CustomerID?
    public var billTo: JSONValue?
    public var shipTo: [ShipTo]
    /// The customer's id in each system: system name → external id.
    public var externalIds: [String: String]

    public init(_ data: PayloadReader) throws(WaybillError) {
        customerId = CustomerID(try data.string("customerId"))
        name = try data.string("name")
        currency = try data.currency("currency")
        creditLimit = try data.optionalMoney("creditLimit", currency: currency)
        paymentTermsDays = try data.optionalInt("paymentTermsDays")
        if let days = paymentTermsDays, days < 0 {
            throw WaybillError(.invalidPayload, "must not be negative", at: data.field("paymentTermsDays"))
        }
        parentId = try data.optionalString("parentId").map(CustomerID.init)
        billTo = try data.optionalObject("billTo").map { .object($0.members) }
        shipTo = []
        for entry in try data.optionalObjects("shipTo") ?? [] {
            shipTo.append(
                ShipTo(
                    shipToId: ShipToID(try entry.string("shipToId")), name: try entry.optionalString("name"),
                    address: try entry.optionalObject("address").map { .object($0.members) }))
        }
        externalIds = try data.stringMap("externalIds")
    }

    public var json: JSONValue {
        .members([
            ("customerId", .string(customerId.rawValue)), ("name", .string(name)), ("currency", .string(currency.code)),
            ("creditLimit", creditLimit.map { .string($0.text) }), ("paymentTermsDays", paymentTermsDays.map { .int($0) }),
            ("parentId", parentId.map { .string($0.rawValue) } ?? .null), ("billTo", billTo),
            (
                "shipTo",
                .array(
                    shipTo.map { .members([("shipToId", .string($0.shipToId.rawValue)), ("name", $0.name.map(JSONValue.string)), ("address", $0.address)]) })
            ),
            ("externalIds", .object(externalIds.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
        ])
    }
}

/// `o2c.product.upserted`: an item with its units of measure.
public struct ProductRecord: Sendable, Equatable {
    public var sku: SKU
    public var description: String?
    public var baseUom: UnitOfMeasure
    /// Base units in one of each other unit (`CA` → 12).
    public var uomConversions: [UnitOfMeasure: Quantity]
    public var listPrice: UnitPrice?
    public var currency: Currency?
    public var externalIds: [String: String]

    public init(_ data: PayloadReader) throws(WaybillError) {
        sku = SKU(try data.string("sku"))
        description = try data.optionalString("description")
        baseUom = UnitOfMeasure(try data.optionalString("baseUom") ?? "EA")
        uomConversions = [:]
        if let conversions = try data.optionalObject("uomConversions") {
            for (unit, _) in conversions.members {
                uomConversions[UnitOfMeasure(unit)] = try conversions.quantity(unit)
            }
        }
        currency = try data.value("currency") == nil ? nil : data.currency("currency")
        if data.value("listPrice") != nil, currency == nil {
            throw WaybillError(.invalidPayload, "is required with listPrice", at: data.field("currency"))
        }
        listPrice = try currency.flatMap { c throws(WaybillError) in try data.optionalUnitPrice("listPrice", currency: c) }
        externalIds = try data.stringMap("externalIds")
    }

    /// Base units in one `unit`, or `nil` if the unit has no known factor.
    public func factor(for unit: UnitOfMeasure) -> Quantity? {
        unit == baseUom ? Quantity(1) : uomConversions[unit]
    }

    public var json: JSONValue {
        .members([
            ("sku", .string(sku.rawValue)), ("description", description.map(JSONValue.string)), ("baseUom", .string(baseUom.rawValue)),
            ("uomConversions", .object(uomConversions.sorted { $0.key < $1.key }.map { ($0.key.rawValue, $0.value.json) })),
            ("listPrice", listPrice.map { .string($0.text) }), ("currency", currency.map { .string($0.code) }),
            ("externalIds", .object(externalIds.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
        ])
    }
}
