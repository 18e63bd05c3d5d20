import WaybillCore
import WaybillEngine

extension DemoWorld {
    static func string(_ v: JSONValue?) -> String { if case .string(let s)? = v { s } else { "" } }
    static func int(_ v: JSONValue?) -> Int { if case .number(let n)? = v { Int(n) ?? Int(Double(n) ?? 0) } else { 0 } }
    static func objects(_ v: JSONValue?) -> [JSONValue] { if case .array(let items)? = v { items } else { [] } }

    /// The day after today, as a date string.
    func day(plus days: Int) -> String { clock.now().adding(milliseconds: Int64(days) * 86_400_000).day.text }

    // MARK: WMS: allocate from DAL, then MEM; backorder what neither has.

    func wmsAllocate(_ order: JSONValue) {
        let orderId = Self.string(order["orderId"])
        var byWarehouse: [String: [JSONValue]] = [:]
        var backordered: [JSONValue] = []
        let promise = day(plus: 1)
        let expected = day(plus: 14)
        state.withLock { s in
            for line in Self.objects(order["lines"]) {
                let sku = Self.string(line["sku"]), lineId = Self.string(line["lineId"]), quantity = Self.int(line["quantity"])
                if let warehouse = ["DAL", "MEM"].first(where: { (s.stock[$0]?[sku] ?? 0) >= quantity }) {
                    s.stock[warehouse]?[sku, default: 0] -= quantity
                    s.toShip.append(Allocation(orderId: orderId, lineId: lineId, sku: sku, quantity: quantity, warehouse: warehouse))
                    byWarehouse[warehouse, default: []].append(J.o(("lineId", J.s(lineId)), ("quantity", J.n(quantity)), ("promiseDate", J.s(promise))))
                } else {
                    s.backorders.append(Backorder(orderId: orderId, lineId: lineId, sku: sku, quantity: quantity))
                    backordered.append(J.o(("lineId", J.s(lineId)), ("quantity", J.n(quantity)), ("expectedDate", J.s(expected))))
                }
            }
        }
        for warehouse in byWarehouse.keys.sorted() {
            send(
                "wms", .inventoryAllocated, subject: orderId,
                J.o(("orderId", J.s(orderId)), ("warehouse", J.s(warehouse)), ("lines", J.a(byWarehouse[warehouse]!))))
        }
        if !backordered.isEmpty {
            send("wms", .inventoryBackordered, subject: orderId, J.o(("orderId", J.s(orderId)), ("lines", J.a(backordered))))
        }
    }

    func wmsCancel(_ data: JSONValue) {
        let orderId = Self.string(data["orderId"])
        state.withLock { s in
            for a in s.toShip where a.orderId == orderId { s.stock[a.warehouse]?[a.sku, default: 0] += a.quantity }
            s.toShip.removeAll { $0.orderId == orderId }
            s.backorders.removeAll { $0.orderId == orderId }
            s.cancelled.insert(orderId)
        }
    }

    /// Stock arrives at a warehouse; waiting backorders of that item are allocated.
    func wmsReceiveStock(_ warehouse: String, sku: String, quantity: Int) {
        var allocations: [(String, JSONValue)] = []
        let promise = day(plus: 1)
        state.withLock { s in
            s.stock[warehouse]?[sku, default: 0] += quantity
            for b in s.backorders where b.sku == sku && (s.stock[warehouse]?[sku] ?? 0) >= b.quantity {
                s.stock[warehouse]?[sku, default: 0] -= b.quantity
                s.toShip.append(Allocation(orderId: b.orderId, lineId: b.lineId, sku: sku, quantity: b.quantity, warehouse: warehouse))
                allocations.append((b.orderId, J.o(("lineId", J.s(b.lineId)), ("quantity", J.n(b.quantity)), ("promiseDate", J.s(promise)))))
            }
            s.backorders.removeAll { b in allocations.contains { $0.0 == b.orderId } && b.sku == sku }
        }
        for (orderId, line) in allocations {
            send("wms", .inventoryAllocated, subject: orderId, J.o(("orderId", J.s(orderId)), ("warehouse", J.s(warehouse)), ("lines", J.a([line]))))
        }
    }

    /// The pick-pack-ship wave: one shipment per order and warehouse.
    func wmsShipWave() {
        let allocations = state.withLock { s -> [Allocation] in
            defer { s.toShip = [] }
            return s.toShip
        }
        var groups: [(String, String, [Allocation])] = []
        for a in allocations {
            if let i = groups.firstIndex(where: { $0.0 == a.orderId && $0.1 == a.warehouse }) {
                groups[i].2.append(a)
            } else {
                groups.append((a.orderId, a.warehouse, [a]))
            }
        }
        let shippedAt = clock.now().rfc3339
        for (orderId, warehouse, lines) in groups {
            let number = state.withLock { s -> Int in
                s.shipmentCounter += 1; return s.shipmentCounter
            }
            let carrier = warehouse == "DAL" ? "UPS" : "FDXG"
            let tracking = warehouse == "DAL" ? "1Z999AA1\(String(number * 7919 % 100_000_000))" : "7946\(String(number * 104_729 % 100_000_000))"
            send(
                "wms", .shipmentConfirmed, subject: orderId,
                J.o(
                    ("orderId", J.s(orderId)), ("shipmentId", J.s("SH-\(number)")), ("warehouse", J.s(warehouse)), ("shippedAt", J.s(shippedAt)),
                    ("carrier", J.s(carrier)), ("service", J.s("GROUND")), ("trackingNumber", J.s(tracking)),
                    ("lines", J.a(lines.map { J.o(("lineId", J.s($0.lineId)), ("quantity", J.n($0.quantity))) }))))
        }
    }

    // MARK: TMS: book freight, report in transit, deliver on the delivery run.

    func tmsBook(_ data: JSONValue) {
        let orderId = Self.string(data["orderId"]), shipmentId = Self.string(data["shipmentId"]), carrier = Self.string(data["carrier"])
        state.withLock { $0.inTransit.append((orderId, shipmentId, carrier)) }
        send(
            "tms", .shipmentTracking, subject: orderId,
            J.o(
                ("orderId", J.s(orderId)), ("shipmentId", J.s(shipmentId)), ("status", J.s("in_transit")), ("at", J.s(clock.now().rfc3339)),
                ("location", J.s(carrier == "UPS" ? "Dallas, TX" : "Memphis, TN"))))
    }

    func tmsDeliveryRun() {
        let shipments = state.withLock { s -> [(orderId: String, shipmentId: String, carrier: String)] in
            defer { s.inTransit = [] }
            return s.inTransit
        }
        for shipment in shipments {
            send(
                "tms", .shipmentDelivered, subject: shipment.orderId,
                J.o(
                    ("orderId", J.s(shipment.orderId)), ("shipmentId", J.s(shipment.shipmentId)), ("deliveredAt", J.s(clock.now().rfc3339)),
                    ("signedBy", J.s(shipment.carrier == "UPS" ? "J. Ortiz" : "M. Chen"))))
        }
    }

    // MARK: ERP: invoice what the hub says is ready; finance reviews holds.

    func erpInvoice(_ request: JSONValue) {
        let orderId = Self.string(request["orderId"])
        let usd = Currency.usd
        var linesTotal = Money.zero(usd)
        var lines: [JSONValue] = []
        for line in Self.objects(request["lines"]) {
            guard case .number(let q)? = line["quantity"], let quantity = Quantity(text: q),
                let price = UnitPrice(text: Self.string(line["unitPrice"]), currency: usd)
            else { continue }
            linesTotal = linesTotal + price.extended(quantity)
            lines.append(J.o(("lineId", line["lineId"] ?? .null), ("quantity", .number(q)), ("unitPrice", J.s(price.text))))
        }
        let freight = Money(minorUnits: 1_800, currency: usd)
        let tax = Money(minorUnits: (linesTotal.minorUnits * 825 + 5_000) / 10_000, currency: usd)
        let total = linesTotal + freight + tax
        let number = state.withLock { s -> Int in
            s.invoiceCounter += 1; return s.invoiceCounter
        }
        send(
            "erp", .invoicePosted, subject: orderId,
            J.o(
                ("orderId", J.s(orderId)), ("invoiceId", J.s("INV-\(number)")), ("invoiceDate", J.s(clock.now().day.text)),
                ("dueDate", J.s(day(plus: 30))), ("currency", J.s("USD")), ("lines", J.a(lines)),
                ("freight", J.s(freight.text)), ("tax", J.s(tax.text)), ("total", J.s(total.text))))
    }

    /// Finance reviews the credit holds and releases them.
    func erpFinanceReview(reason: String) {
        let held = state.withLock { s -> [String] in
            defer { s.creditHolds = [] }
            return s.creditHolds
        }
        for orderId in held {
            send("erp", .orderReleased, subject: orderId, J.o(("orderId", J.s(orderId)), ("hold", J.s("credit")), ("reason", J.s(reason))))
        }
    }

    // MARK: AR: one payment per customer for all its open invoices.

    func arRecord(_ invoice: JSONValue) {
        let orderId = Self.string(invoice["orderId"])
        state.withLock { s in
            s.openInvoices.append(
                (customerId: s.customerOfOrder[orderId] ?? "", invoiceId: Self.string(invoice["invoiceId"]), total: Self.string(invoice["total"])))
        }
    }

    func arPaymentRun() {
        let open = state.withLock { s -> [(customerId: String, invoiceId: String, total: String)] in
            defer { s.openInvoices = [] }
            return s.openInvoices
        }
        var customers: [String] = []
        for invoice in open where !customers.contains(invoice.customerId) { customers.append(invoice.customerId) }
        for customer in customers {
            let invoices = open.filter { $0.customerId == customer }
            let amount = invoices.reduce(Money.zero(.usd)) { $0 + (Money(text: $1.total, currency: .usd) ?? .zero(.usd)) }
            let number = state.withLock { s -> Int in
                s.paymentCounter += 1; return s.paymentCounter
            }
            send(
                "ar", .paymentReceived, subject: customer,
                J.o(
                    ("paymentId", J.s("PAY-\(number)")), ("customerId", J.s(customer)), ("amount", J.s(amount.text)), ("currency", J.s("USD")),
                    ("receivedAt", J.s(clock.now().rfc3339)),
                    ("applications", J.a(invoices.map { J.o(("invoiceId", J.s($0.invoiceId)), ("amount", J.s($0.total))) }))))
        }
    }
}
