import WaybillCore

/// A realistic, reproducible order-to-cash event stream for `waybill bench`: master data, then
/// orders of 1–20 lines moving through allocation, shipment, invoice and payment, interleaved
/// across many open orders as a real hub sees them.
public struct BenchWorkload: Sendable {
    public let customers: Int
    public let products: Int
    public let seed: UInt64

    public init(customers: Int = 200, products: Int = 2_000, seed: UInt64 = 7) {
        self.customers = customers
        self.products = products
        self.seed = seed
    }

    static let time = Timestamp(rfc3339: "2026-12-01T08:00:00Z")!

    func event(_ system: String, _ id: String, _ type: EventType, _ subject: String, _ data: JSONValue) -> [UInt8] {
        JSONWriter.bytes(
            CloudEvent(
                id: id, source: "/systems/\(system)", type: type, subject: subject, time: Self.time,
                traceparent: nil, data: data
            ).json)
    }

    func sku(_ i: Int) -> String { "SKU-\(100_000 + i)" }
    func customer(_ i: Int) -> String { "C-\(10_000 + i)" }

    /// The master data events (customers with high credit limits, products with a case unit).
    public func masterData() -> [[UInt8]] {
        var events: [[UInt8]] = []
        for i in 0..<customers {
            events.append(
                event(
                    "erp", "cust-\(i)", .customerUpserted, customer(i),
                    J.o(
                        ("customerId", J.s(customer(i))), ("name", J.s("Customer \(i) Industrial Supply")), ("currency", J.s("USD")),
                        ("creditLimit", J.s("900000000.00")), ("paymentTermsDays", J.n(30)),
                        ("externalIds", J.o(("erp", J.s("E\(i)")), ("crm", J.s("CRM\(i)")))))))
        }
        for i in 0..<products {
            events.append(
                event(
                    "erp", "prod-\(i)", .productUpserted, sku(i),
                    J.o(
                        ("sku", J.s(sku(i))), ("description", J.s("Industrial component number \(i)")), ("baseUom", J.s("EA")),
                        ("uomConversions", J.o(("CA", J.n(12)))), ("listPrice", J.s(price(i))), ("currency", J.s("USD")),
                        ("externalIds", J.o(("erp", J.s("I\(i)")))))))
        }
        return events
    }

    func price(_ i: Int) -> String { "\(1 + i % 97).\(i % 4 * 25 == 0 ? "00" : String(i % 4 * 25))" }

    /// The five events of order number `n` (placed, allocated, shipped, invoiced, paid), prefixed `tag`.
    public func orderEvents(_ n: Int, tag: String = "o") -> [[UInt8]] {
        var rng = SplitMix64(seed: seed &+ UInt64(n) &* 0x9E37)
        let orderId = "\(tag.uppercased())-\(n)"
        let lineCount = Int(rng.next() % 20) + 1
        let customerIndex = Int(rng.next() % UInt64(customers))
        var lines: [(String, Int, Int, String)] = []
        for l in 0..<lineCount {
            let p = Int(rng.next() % UInt64(products))
            lines.append(("\(l + 1)", p, Int(rng.next() % 40) + 1, price(p)))
        }
        let placed = event(
            "portal", "\(tag)-\(n)-p", .orderPlaced, orderId,
            J.o(
                ("orderId", J.s(orderId)), ("customerId", J.s(customer(customerIndex))), ("currency", J.s("USD")), ("channel", J.s("portal")),
                ("customerPO", J.s("PO-\(n)")), ("requestedDate", J.s("2026-12-04")), ("shipToId", J.s("ST-1")),
                ("notes", J.s("Deliver to dock 4 between 7am and 3pm; call ahead")),
                (
                    "lines",
                    J.a(
                        lines.map { J.o(("lineId", J.s($0.0)), ("sku", J.s(sku($0.1))), ("quantity", J.n($0.2)), ("uom", J.s("EA")), ("unitPrice", J.s($0.3))) }
                    )
                )))
        let quantities = J.a(lines.map { J.o(("lineId", J.s($0.0)), ("quantity", J.n($0.2))) })
        let allocated = event(
            "wms", "\(tag)-\(n)-a", .inventoryAllocated, orderId, J.o(("orderId", J.s(orderId)), ("warehouse", J.s("DAL")), ("lines", quantities)))
        let shipped = event(
            "wms", "\(tag)-\(n)-s", .shipmentConfirmed, orderId,
            J.o(
                ("orderId", J.s(orderId)), ("shipmentId", J.s("SH-\(n)")), ("warehouse", J.s("DAL")), ("carrier", J.s("UPS")), ("service", J.s("GROUND")),
                ("shippedAt", J.s("2026-12-02T17:30:00Z")), ("trackingNumber", J.s("1Z999AA1\(n)")), ("lines", quantities)))
        let usd = Currency.usd
        let linesTotal = lines.reduce(Money.zero(usd)) { $0 + UnitPrice(text: $1.3, currency: usd)!.extended(Quantity($1.2)) }
        let invoiceId = "INV-\(tag)-\(n)"
        let invoiced = event(
            "erp", "\(tag)-\(n)-i", .invoicePosted, orderId,
            J.o(
                ("orderId", J.s(orderId)), ("invoiceId", J.s(invoiceId)), ("currency", J.s("USD")),
                ("invoiceDate", J.s("2026-12-02")), ("dueDate", J.s("2027-01-01")),
                ("lines", J.a(lines.map { J.o(("lineId", J.s($0.0)), ("quantity", J.n($0.2)), ("unitPrice", J.s($0.3))) })),
                ("freight", J.s("0.00")), ("tax", J.s("0.00")), ("total", J.s(linesTotal.text))))
        let paid = event(
            "ar", "\(tag)-\(n)-y", .paymentReceived, customer(customerIndex),
            J.o(
                ("paymentId", J.s("PAY-\(tag)-\(n)")), ("customerId", J.s(customer(customerIndex))), ("amount", J.s(linesTotal.text)),
                ("currency", J.s("USD")), ("receivedAt", J.s("2026-12-20T10:00:00Z")),
                ("applications", J.a([J.o(("invoiceId", J.s(invoiceId)), ("amount", J.s(linesTotal.text)))]))))
        return [placed, allocated, shipped, invoiced, paid]
    }

    /// The order events of orders `range`, interleaved the way a busy hub receives them: at any
    /// moment about `window` orders are open, each at a different step.
    public func stream(orders range: Range<Int>, window: Int = 2_000, tag: String = "o") -> [([UInt8], String)] {
        var out: [([UInt8], String)] = []
        out.reserveCapacity(range.count * 5)
        var open: [(events: [[UInt8]], next: Int)] = []
        var nextOrder = range.lowerBound
        let systems = ["portal", "wms", "wms", "erp", "ar"]
        while nextOrder < range.upperBound || !open.isEmpty {
            while open.count < window && nextOrder < range.upperBound {
                open.append((orderEvents(nextOrder, tag: tag), 0))
                nextOrder += 1
            }
            var i = 0
            while i < open.count {
                out.append((open[i].events[open[i].next], systems[open[i].next]))
                open[i].next += 1
                if open[i].next == 5 { open.remove(at: i) } else { i += 1 }
            }
        }
        return out
    }
}

/// Small helpers to write workload payloads tersely.
enum J {
    static func s(_ v: String) -> JSONValue { .string(v) }
    static func n(_ v: Int) -> JSONValue { .int(v) }
    static func o(_ pairs: (String, JSONValue)...) -> JSONValue { .object(pairs) }
    static func a(_ items: [JSONValue]) -> JSONValue { .array(items) }
}
