/// The stored form of an order's state: a JSON document that round-trips exactly.
extension OrderState {
    public var storageJSON: JSONValue {
        .members([
            ("orderId", .string(orderId.rawValue)), ("origin", .string(origin.rawValue)), ("placement", placement.json),
            ("customerId", customerId.map { .string($0.rawValue) }), ("currency", .string(currency.code)), ("traceId", .string(traceId)),
            ("placedAt", .number(String(placedAt.milliseconds))),
            ("externalIds", .object(externalIds.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
            ("validated", .bool(validated)), ("released", .bool(released)),
            ("gaps", .array(gaps.map { .members([("kind", .string($0.kind.rawValue)), ("reference", .string($0.reference)), ("detail", .string($0.detail)), ("path", .string($0.path))]) })),
            ("cancelled", .bool(cancelled)), ("cancelReason", cancelReason.map(JSONValue.string)),
            ("lines", .array(lines.map { l in .members([
                ("lineId", .string(l.lineId.rawValue)), ("sku", .string(l.sku.rawValue)), ("uom", .string(l.uom.rawValue)),
                ("unitPrice", .string(l.unitPrice.text)), ("ordered", l.ordered.json), ("allocated", l.allocated.json),
                ("backordered", l.backordered.json), ("shipped", l.shipped.json), ("delivered", l.delivered.json),
                ("invoiced", l.invoiced.json), ("returned", l.returned.json), ("credited", l.credited.json),
                ("invoiceRequested", l.invoiceRequested.json), ("promiseDate", l.promiseDate.map { .string($0.text) }),
                ("expectedDate", l.expectedDate.map { .string($0.text) }), ("warehouse", l.warehouse.map(JSONValue.string)),
            ]) })),
            ("holds", .array(holds.map { .members([("kind", .string($0.kind.rawValue)), ("state", .string($0.state.rawValue)), ("reason", $0.reason.map(JSONValue.string))]) })),
            ("shipments", .array(shipments.map { s in .members([
                ("shipmentId", .string(s.shipmentId.rawValue)), ("warehouse", s.warehouse.map(JSONValue.string)),
                ("carrier", s.carrier.map(JSONValue.string)), ("trackingNumber", s.trackingNumber.map(JSONValue.string)),
                ("status", .string(s.status.rawValue)), ("lines", LineQuantity.json(s.lines)), ("signedBy", s.signedBy.map(JSONValue.string)),
            ]) })),
            ("invoices", .array(invoices.map { i in .members([
                ("invoiceId", .string(i.invoiceId.rawValue)), ("total", .string(i.total.text)), ("paid", .string(i.paid.text)),
                ("credited", .string(i.credited.text)), ("dueDate", i.dueDate.map { .string($0.text) }),
            ]) })),
            ("creditMemos", .array(creditMemos.map { .string($0.rawValue) })),
            ("returns", .array(returns.map { .string($0.rawValue) })),
            ("payments", .array(payments.map { .string($0.rawValue) })),
            ("version", .int(version)),
        ])
    }

    /// Reads a stored state; a corrupt document is reported with its path.
    public init(storage json: JSONValue) throws(WaybillError) {
        let r = try PayloadReader.object(json, at: "$")
        guard let placementJSON = r.value("placement") else { throw WaybillError(.invalidPayload, "is required", at: "$.placement") }
        let placement = try PlacedOrder(try PayloadReader.object(placementJSON, at: "$.placement"))
        guard case .number(let millis)? = r.value("placedAt"), let placedAt = Int64(millis) else {
            throw WaybillError(.invalidPayload, "is required", at: "$.placedAt")
        }
        self.init(orderId: OrderID(try r.string("orderId")), origin: SystemName(try r.string("origin")), placement: placement,
                  traceId: try r.string("traceId"), placedAt: Timestamp(milliseconds: placedAt))
        currency = try r.currency("currency")
        customerId = try r.optionalString("customerId").map(CustomerID.init)
        externalIds = try r.stringMap("externalIds")
        validated = r.value("validated") == .bool(true)
        released = r.value("released") == .bool(true)
        cancelled = r.value("cancelled") == .bool(true)
        cancelReason = try r.optionalString("cancelReason")
        gaps = []
        for g in try r.objects("gaps", allowEmpty: true) {
            gaps.append(MappingGap(kind: MappingGap.Kind(rawValue: try g.string("kind")) ?? .item, reference: try g.string("reference"),
                                   detail: try g.string("detail"), path: try g.string("path")))
        }
        let currency = self.currency
        lines = []
        for l in try r.objects("lines", allowEmpty: true) {
            var line = OrderLine(lineId: LineID(try l.string("lineId")), sku: SKU(try l.string("sku")), uom: UnitOfMeasure(try l.string("uom")),
                                 unitPrice: try l.unitPrice("unitPrice", currency: currency), ordered: try l.quantity("ordered", allowZero: true))
            line.allocated = try l.quantity("allocated", allowZero: true)
            line.backordered = try l.quantity("backordered", allowZero: true)
            line.shipped = try l.quantity("shipped", allowZero: true)
            line.delivered = try l.quantity("delivered", allowZero: true)
            line.invoiced = try l.quantity("invoiced", allowZero: true)
            line.returned = try l.quantity("returned", allowZero: true)
            line.credited = try l.quantity("credited", allowZero: true)
            line.invoiceRequested = try l.quantity("invoiceRequested", allowZero: true)
            line.promiseDate = try l.optionalDate("promiseDate")
            line.expectedDate = try l.optionalDate("expectedDate")
            line.warehouse = try l.optionalString("warehouse")
            lines.append(line)
        }
        holds = []
        for h in try r.objects("holds", allowEmpty: true) {
            holds.append(Hold(kind: HoldKind(rawValue: try h.string("kind")) ?? .credit, state: Hold.State(rawValue: try h.string("state")) ?? .active,
                              reason: try h.optionalString("reason")))
        }
        shipments = []
        for s in try r.objects("shipments", allowEmpty: true) {
            shipments.append(ShipmentRecord(shipmentId: ShipmentID(try s.string("shipmentId")), warehouse: try s.optionalString("warehouse"),
                                            carrier: try s.optionalString("carrier"), trackingNumber: try s.optionalString("trackingNumber"),
                                            status: ShipmentRecord.Status(rawValue: try s.string("status")) ?? .shipped,
                                            lines: try LineQuantity.decode(s), signedBy: try s.optionalString("signedBy")))
        }
        invoices = []
        for i in try r.objects("invoices", allowEmpty: true) {
            invoices.append(InvoiceRecord(invoiceId: InvoiceID(try i.string("invoiceId")), total: try i.money("total", currency: currency, allowNegative: true),
                                          paid: try i.money("paid", currency: currency, allowNegative: true),
                                          credited: try i.money("credited", currency: currency, allowNegative: true), dueDate: try i.optionalDate("dueDate")))
        }
        creditMemos = try r.strings("creditMemos").map(CreditMemoID.init)
        returns = try r.strings("returns").map(RMAID.init)
        payments = try r.strings("payments").map(PaymentID.init)
        version = try r.int("version")
    }
}
