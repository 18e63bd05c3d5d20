import WaybillCore

/// What a partner knows of an order, to speak of it in the partner's own terms: the buyer's PO
/// number, and per line the buyer's and our part numbers and the unit the partner ordered in.
///
/// Outbound documents (855, 856, 810) state quantities and prices in the partner's unit when the
/// base quantity divides into it exactly (48 EA shipped of a line ordered in CA of 12 → 4 CA),
/// and in the base unit otherwise — never a rounded quantity.
public struct X12OrderContext: Sendable, Equatable {
    public struct Line: Sendable, Equatable {
        public var lineId: LineID
        /// Our item number (the canonical SKU): PO1/LIN/IT1 `VP`.
        public var vendorPart: String
        /// The buyer's item number, when known: `BP`.
        public var buyerPart: String?
        public var baseUom: UnitOfMeasure
        /// The unit the partner ordered in, and how many base units it holds.
        public var partnerUom: UnitOfMeasure
        public var factor: Quantity
        /// Ordered, in base units.
        public var ordered: Quantity
        /// Price per base unit.
        public var unitPrice: UnitPrice

        public init(
            lineId: LineID, vendorPart: String, buyerPart: String?, baseUom: UnitOfMeasure, partnerUom: UnitOfMeasure, factor: Quantity,
            ordered: Quantity, unitPrice: UnitPrice
        ) {
            self.lineId = lineId
            self.vendorPart = vendorPart
            self.buyerPart = buyerPart
            self.baseUom = baseUom
            self.partnerUom = partnerUom
            self.factor = factor
            self.ordered = ordered
            self.unitPrice = unitPrice
        }

        /// `base` in the partner's unit when it is a whole number of them, else in the base unit.
        public func partnerQuantity(_ base: Quantity) -> (quantity: Quantity, uom: UnitOfMeasure) {
            guard factor.scaled > 0, factor != Quantity(1) else { return (base, baseUom) }
            let numerator = Int128(base.scaled) * Int128(Quantity.scale)
            guard numerator % Int128(factor.scaled) == 0, let q = Int64(exactly: numerator / Int128(factor.scaled)), q % Quantity.scale == 0 else {
                return (base, baseUom)
            }
            return (Quantity(scaled: q), partnerUom)
        }

        /// The unit price for one of `uom` (the partner's unit or the base unit).
        public func price(per uom: UnitOfMeasure) -> UnitPrice {
            guard uom == partnerUom, uom != baseUom else { return unitPrice }
            let micros = Int128(unitPrice.micros) * Int128(factor.scaled) / Int128(Quantity.scale)
            return UnitPrice(micros: Int64(clamping: micros), currency: unitPrice.currency)
        }

        /// The item identification pairs: `BP` buyer's part (when known), `VP` ours (when known:
        /// empty for an item the hub cannot map).
        var itemIds: [String] { (buyerPart.map { ["BP", $0] } ?? []) + (vendorPart.isEmpty ? [] : ["VP", vendorPart]) }
    }

    /// The buyer's purchase order number (BEG03 of their 850), else our order id.
    public var purchaseOrder: String
    /// CCYYMMDD the order was placed.
    public var orderDate: String
    public var shipToId: String?
    public var lines: [Line]

    public init(purchaseOrder: String, orderDate: String, shipToId: String?, lines: [Line]) {
        self.purchaseOrder = purchaseOrder
        self.orderDate = orderDate
        self.shipToId = shipToId
        self.lines = lines
    }

    public func line(_ id: LineID) -> Line? { lines.first { $0.lineId == id } }

    /// Builds the context from the order as the hub keeps it.
    ///
    /// - Parameters:
    ///   - conversions: base units per unit, by SKU (from the product records).
    ///   - partnerParts: the partner's item number by SKU (the product's `externalIds[partner]`).
    public static func of(_ order: OrderState, conversions: [SKU: [UnitOfMeasure: Quantity]], partnerParts: [SKU: String]) -> X12OrderContext {
        var lines: [Line] = []
        for line in order.lines {
            let placed = order.placement.lines.first { $0.lineId == line.lineId }
            let partnerUom = placed?.uom ?? line.uom
            let factor = partnerUom == line.uom ? Quantity(1) : (conversions[line.sku]?[partnerUom] ?? Quantity(1))
            let sentPart = placed.map(\.sku).flatMap { $0 == line.sku.rawValue ? nil : $0 }
            lines.append(
                Line(
                    lineId: line.lineId, vendorPart: line.sku.rawValue, buyerPart: partnerParts[line.sku] ?? sentPart, baseUom: line.uom,
                    partnerUom: factor == Quantity(1) ? line.uom : partnerUom, factor: factor, ordered: line.ordered, unitPrice: line.unitPrice))
        }
        // Lines the hub could not map yet (an order waiting for master data) are spoken of as the
        // partner placed them: its part number, quantity, unit and price.
        // A part number the hub knows as a SKU is ours (VP); any other is the partner's (BP).
        for placed in order.placement.lines where !order.lines.contains(where: { $0.lineId == placed.lineId }) {
            let uom = placed.uom ?? UnitOfMeasure("EA")
            let sku = SKU(placed.sku)
            let ours = conversions[sku] != nil
            lines.append(
                Line(
                    lineId: placed.lineId, vendorPart: ours ? placed.sku : "", buyerPart: ours ? partnerParts[sku] : placed.sku, baseUom: uom,
                    partnerUom: uom, factor: Quantity(1), ordered: placed.quantity,
                    unitPrice: placed.unitPrice ?? UnitPrice(micros: 0, currency: order.currency)))
        }
        return X12OrderContext(
            purchaseOrder: order.placement.customerPO ?? order.orderId.rawValue, orderDate: X12Date.date(order.placedAt.day),
            shipToId: order.placement.shipToId?.rawValue, lines: lines)
    }
}

/// X12 date and time forms.
public enum X12Date {
    /// CCYYMMDD.
    public static func date(_ day: CalendarDate) -> String { String(day.text.filter { $0 != "-" }) }
    /// HHMM (UTC) of a timestamp.
    public static func time(_ at: Timestamp) -> String {
        var minutes = at.milliseconds / 60_000 % 1_440
        if minutes < 0 { minutes += 1_440 }
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return two(minutes / 60) + two(minutes % 60)
    }
}
