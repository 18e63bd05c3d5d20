/// The stored form of an order's state: a compact versioned binary record that round-trips
/// exactly. It is rewritten on every event, so it is kept small and cheap to produce; the event
/// log (JSON) stays the source of truth and the projection can always be rebuilt from it.
extension OrderState {
    /// 2 added each line's tax and the order's validations; version 1 records are still read.
    static let storageVersion: UInt8 = 2

    public var storageBytes: [UInt8] {
        var w = BinaryWriter(capacity: 128 + lines.count * 48)
        w.byte(Self.storageVersion)
        w.string(orderId.rawValue)
        w.string(origin.rawValue)
        placement.write(to: &w)
        w.optionalString(customerId?.rawValue)
        w.string(currency.code)
        w.string(traceId)
        w.signed(placedAt.milliseconds)
        w.unsigned(UInt64(externalIds.count))
        for (system, external) in externalIds.sorted(by: { $0.key < $1.key }) { w.string(system); w.string(external) }
        w.bool(validated); w.bool(released); w.bool(cancelled)
        w.optionalString(cancelReason)
        w.unsigned(UInt64(gaps.count))
        for g in gaps { w.string(g.kind.rawValue); w.string(g.reference); w.string(g.detail); w.string(g.path) }
        w.unsigned(UInt64(lines.count))
        for l in lines {
            w.string(l.lineId.rawValue); w.string(l.sku.rawValue); w.string(l.uom.rawValue); w.signed(l.unitPrice.micros)
            for q in [l.ordered, l.allocated, l.backordered, l.shipped, l.delivered, l.invoiced, l.returned, l.credited, l.invoiceRequested] {
                w.signed(q.scaled)
            }
            w.optionalString(l.promiseDate?.text); w.optionalString(l.expectedDate?.text); w.optionalString(l.warehouse)
            if let tax = l.tax { w.byte(1); w.signed(tax.micros) } else { w.byte(0) }
        }
        w.unsigned(UInt64(holds.count))
        for h in holds { w.string(h.kind.rawValue); w.string(h.state.rawValue); w.optionalString(h.reason) }
        w.unsigned(UInt64(shipments.count))
        for sh in shipments {
            w.string(sh.shipmentId.rawValue); w.optionalString(sh.warehouse); w.optionalString(sh.carrier)
            w.optionalString(sh.trackingNumber); w.string(sh.status.rawValue); w.optionalString(sh.signedBy)
            w.unsigned(UInt64(sh.lines.count))
            for entry in sh.lines { w.string(entry.lineId.rawValue); w.signed(entry.quantity.scaled) }
        }
        w.unsigned(UInt64(invoices.count))
        for i in invoices {
            w.string(i.invoiceId.rawValue); w.signed(i.total.minorUnits); w.signed(i.paid.minorUnits); w.signed(i.credited.minorUnits)
            w.optionalString(i.dueDate?.text)
        }
        for list in [creditMemos.map(\.rawValue), returns.map(\.rawValue), payments.map(\.rawValue)] {
            w.unsigned(UInt64(list.count))
            for id in list { w.string(id) }
        }
        w.unsigned(UInt64(validations.count))
        for v in validations { w.string(v.name); w.string(v.status.rawValue); w.optionalString(v.fallback?.rawValue); w.optionalString(v.reason) }
        w.int(version)
        return w.bytes
    }

    /// Reads a stored state; a corrupt record is reported with its byte offset.
    public init(storage bytes: [UInt8]) throws(WaybillError) {
        var r = BinaryReader(bytes)
        let v = try r.byte()
        guard v == 1 || v == Self.storageVersion else { throw WaybillError(.invalidPayload, "stored order state has unknown version \(v)") }
        let orderId = OrderID(try r.string())
        let origin = SystemName(try r.string())
        let placement = try PlacedOrder(reading: &r)
        let customerId = try r.optionalString().map(CustomerID.init)
        let code = try r.string()
        guard let currency = Currency(code: code) else { throw WaybillError(.invalidPayload, "stored order state has currency \(code)") }
        let traceId = try r.string()
        self.init(orderId: orderId, origin: origin, placement: placement, traceId: traceId, placedAt: Timestamp(milliseconds: try r.signed()))
        self.customerId = customerId
        self.currency = currency
        for _ in 0..<(try r.count()) { externalIds[try r.string()] = try r.string() }
        validated = try r.bool(); released = try r.bool(); cancelled = try r.bool()
        cancelReason = try r.optionalString()
        for _ in 0..<(try r.count()) {
            gaps.append(
                MappingGap(
                    kind: MappingGap.Kind(rawValue: try r.string()) ?? .item, reference: try r.string(),
                    detail: try r.string(), path: try r.string()))
        }
        for _ in 0..<(try r.count()) {
            var line = OrderLine(
                lineId: LineID(try r.string()), sku: SKU(try r.string()), uom: UnitOfMeasure(try r.string()),
                unitPrice: UnitPrice(micros: try r.signed(), currency: currency), ordered: .zero)
            line.ordered = Quantity(scaled: try r.signed()); line.allocated = Quantity(scaled: try r.signed())
            line.backordered = Quantity(scaled: try r.signed()); line.shipped = Quantity(scaled: try r.signed())
            line.delivered = Quantity(scaled: try r.signed()); line.invoiced = Quantity(scaled: try r.signed())
            line.returned = Quantity(scaled: try r.signed()); line.credited = Quantity(scaled: try r.signed())
            line.invoiceRequested = Quantity(scaled: try r.signed())
            line.promiseDate = try r.optionalString().flatMap(CalendarDate.init)
            line.expectedDate = try r.optionalString().flatMap(CalendarDate.init)
            line.warehouse = try r.optionalString()
            if v >= 2, try r.byte() == 1 { line.tax = Amount(micros: try r.signed()) }
            lines.append(line)
        }
        for _ in 0..<(try r.count()) {
            holds.append(
                Hold(
                    kind: HoldKind(rawValue: try r.string()) ?? .credit, state: Hold.State(rawValue: try r.string()) ?? .active,
                    reason: try r.optionalString()))
        }
        for _ in 0..<(try r.count()) {
            var shipment = ShipmentRecord(
                shipmentId: ShipmentID(try r.string()), warehouse: try r.optionalString(), carrier: try r.optionalString(),
                trackingNumber: try r.optionalString(), status: .shipped, lines: [], signedBy: nil)
            shipment.status = ShipmentRecord.Status(rawValue: try r.string()) ?? .shipped
            shipment.signedBy = try r.optionalString()
            for _ in 0..<(try r.count()) { shipment.lines.append(LineQuantity(lineId: LineID(try r.string()), quantity: Quantity(scaled: try r.signed()))) }
            shipments.append(shipment)
        }
        for _ in 0..<(try r.count()) {
            invoices.append(
                InvoiceRecord(
                    invoiceId: InvoiceID(try r.string()), total: Money(minorUnits: try r.signed(), currency: currency),
                    paid: Money(minorUnits: try r.signed(), currency: currency),
                    credited: Money(minorUnits: try r.signed(), currency: currency),
                    dueDate: try r.optionalString().flatMap(CalendarDate.init)))
        }
        for _ in 0..<(try r.count()) { creditMemos.append(CreditMemoID(try r.string())) }
        for _ in 0..<(try r.count()) { returns.append(RMAID(try r.string())) }
        for _ in 0..<(try r.count()) { payments.append(PaymentID(try r.string())) }
        if v >= 2 {
            for _ in 0..<(try r.count()) {
                validations.append(
                    ValidationRecord(
                        name: try r.string(), status: ValidationRecord.Status(rawValue: try r.string()) ?? .pending,
                        fallback: try r.optionalString().flatMap(ValidationFallback.init(rawValue:)), reason: try r.optionalString()))
            }
        }
        version = try r.int()
        guard r.isAtEnd else { throw WaybillError(.invalidPayload, "stored order state has trailing bytes") }
    }
}

extension PlacedOrder {
    func write(to w: inout BinaryWriter) {
        w.string(orderId.rawValue); w.optionalString(externalOrderId); w.string(customerId); w.optionalString(shipToId?.rawValue)
        w.optionalString(customerPO); w.optionalString(channel); w.string(currency.code); w.optionalString(requestedDate?.text)
        w.optionalString(notes)
        w.unsigned(UInt64(lines.count))
        for line in lines {
            w.string(line.lineId.rawValue); w.string(line.sku); w.signed(line.quantity.scaled); w.optionalString(line.uom?.rawValue)
            if let p = line.unitPrice { w.byte(1); w.signed(p.micros) } else { w.byte(0) }
        }
    }

    init(reading r: inout BinaryReader) throws(WaybillError) {
        orderId = OrderID(try r.string())
        externalOrderId = try r.optionalString()
        customerId = try r.string()
        shipToId = try r.optionalString().map(ShipToID.init)
        customerPO = try r.optionalString()
        channel = try r.optionalString()
        let code = try r.string()
        guard let c = Currency(code: code) else { throw WaybillError(.invalidPayload, "stored placement has currency \(code)") }
        currency = c
        requestedDate = try r.optionalString().flatMap(CalendarDate.init)
        notes = try r.optionalString()
        lines = []
        for _ in 0..<(try r.count()) {
            let lineId = LineID(try r.string()), sku = try r.string(), quantity = Quantity(scaled: try r.signed())
            let uom = try r.optionalString().map(UnitOfMeasure.init)
            let price = try r.byte() == 1 ? UnitPrice(micros: try r.signed(), currency: c) : nil
            lines.append(PlacedLine(lineId: lineId, sku: sku, quantity: quantity, uom: uom, unitPrice: price))
        }
    }
}
