/// A priced line of an invoice or credit memo, in base units.
public struct PricedLine: Sendable, Equatable {
    public var lineId: LineID
    public var quantity: Quantity
    public var unitPrice: UnitPrice

    public init(lineId: LineID, quantity: Quantity, unitPrice: UnitPrice) {
        self.lineId = lineId
        self.quantity = quantity
        self.unitPrice = unitPrice
    }

    var json: JSONValue {
        .members([("lineId", .string(lineId.rawValue)), ("quantity", quantity.json), ("unitPrice", .string(unitPrice.text))])
    }
}

/// `o2c.invoice.posted`. Decoding refuses an invoice whose total is not lines + freight + tax.
public struct InvoicePosting: Sendable, Equatable {
    public var orderId: OrderID
    public var invoiceId: InvoiceID
    public var invoiceDate: CalendarDate?
    public var dueDate: CalendarDate?
    public var currency: Currency
    public var lines: [PricedLine]
    public var freight: Money
    public var tax: Money
    public var total: Money

    public init(_ data: PayloadReader) throws(WaybillError) {
        orderId = OrderID(try data.string("orderId"))
        invoiceId = InvoiceID(try data.string("invoiceId"))
        invoiceDate = try data.optionalDate("invoiceDate")
        dueDate = try data.optionalDate("dueDate")
        currency = try data.currency("currency")
        let readers = try data.objects("lines")
        lines = []
        for line in readers {
            lines.append(
                PricedLine(
                    lineId: LineID(try line.string("lineId")), quantity: try line.quantity("quantity"),
                    unitPrice: try line.unitPrice("unitPrice", currency: currency)))
        }
        try data.uniqueLineIDs(readers, lines.lazy.map(\.lineId))
        freight = try data.optionalMoney("freight", currency: currency) ?? .zero(currency)
        tax = try data.optionalMoney("tax", currency: currency) ?? .zero(currency)
        total = try data.money("total", currency: currency)
        let expected = linesTotal + freight + tax
        guard expected == total else {
            throw WaybillError(
                .invoiceTotalMismatch,
                "total \(total.text) is not lines \(linesTotal.text) + freight \(freight.text) + tax \(tax.text) = \(expected.text)",
                at: data.field("total"))
        }
    }

    /// The sum of the extended line amounts.
    public var linesTotal: Money {
        lines.reduce(Money.zero(currency)) { $0 + $1.unitPrice.extended($1.quantity) }
    }

    public var json: JSONValue {
        .members([
            ("orderId", .string(orderId.rawValue)), ("invoiceId", .string(invoiceId.rawValue)),
            ("invoiceDate", invoiceDate.map { .string($0.text) }), ("dueDate", dueDate.map { .string($0.text) }),
            ("currency", .string(currency.code)), ("lines", .array(lines.map(\.json))),
            ("freight", .string(freight.text)), ("tax", .string(tax.text)), ("total", .string(total.text)),
        ])
    }
}

/// One application of a payment to an invoice.
public struct PaymentApplication: Sendable, Equatable {
    public var invoiceId: InvoiceID
    public var amount: Money

    public init(invoiceId: InvoiceID, amount: Money) {
        self.invoiceId = invoiceId
        self.amount = amount
    }
}

/// `o2c.payment.received`. Its subject is the customer.
public struct PaymentReceipt: Sendable, Equatable {
    public var paymentId: PaymentID
    public var customerId: String
    public var amount: Money
    public var currency: Currency
    public var receivedAt: Timestamp?
    public var applications: [PaymentApplication]

    public init(_ data: PayloadReader) throws(WaybillError) {
        paymentId = PaymentID(try data.string("paymentId"))
        customerId = try data.string("customerId")
        currency = try data.currency("currency")
        amount = try data.money("amount", currency: currency)
        guard amount.minorUnits > 0 else { throw WaybillError(.invalidPayload, "must be more than zero", at: data.field("amount")) }
        receivedAt = try data.optionalTimestamp("receivedAt")
        applications = []
        for entry in try data.objects("applications", allowEmpty: true) {
            let applied = try entry.money("amount", currency: currency)
            guard applied.minorUnits > 0 else { throw WaybillError(.invalidPayload, "must be more than zero", at: entry.field("amount")) }
            applications.append(PaymentApplication(invoiceId: InvoiceID(try entry.string("invoiceId")), amount: applied))
        }
        let applied = applications.reduce(Money.zero(currency)) { $0 + $1.amount }
        guard applied <= amount else {
            throw WaybillError(.invalidPayload, "applications add up to \(applied.text), more than the amount \(amount.text)", at: data.field("applications"))
        }
    }

    public var json: JSONValue {
        .members([
            ("paymentId", .string(paymentId.rawValue)), ("customerId", .string(customerId)), ("amount", .string(amount.text)),
            ("currency", .string(currency.code)), ("receivedAt", receivedAt.map { .string($0.rfc3339) }),
            ("applications", .array(applications.map { .members([("invoiceId", .string($0.invoiceId.rawValue)), ("amount", .string($0.amount.text))]) })),
        ])
    }
}

/// `o2c.creditmemo.posted`. Amounts are in the order's currency.
public struct CreditMemoPosting: Sendable, Equatable {
    public var orderId: OrderID
    public var creditMemoId: CreditMemoID
    public var invoiceId: InvoiceID?
    public var lines: [(lineId: LineID, quantity: Quantity, unitPrice: Amount)]
    public var total: Amount

    public init(_ data: PayloadReader) throws(WaybillError) {
        orderId = OrderID(try data.string("orderId"))
        creditMemoId = CreditMemoID(try data.string("creditMemoId"))
        invoiceId = try data.optionalString("invoiceId").map(InvoiceID.init)
        let readers = try data.objects("lines")
        lines = []
        for line in readers {
            lines.append((LineID(try line.string("lineId")), try line.quantity("quantity"), try line.amount("unitPrice")))
        }
        try data.uniqueLineIDs(readers, lines.lazy.map(\.lineId))
        total = try data.amount("total")
    }

    public static func == (a: CreditMemoPosting, b: CreditMemoPosting) -> Bool {
        a.orderId == b.orderId && a.creditMemoId == b.creditMemoId && a.invoiceId == b.invoiceId && a.total == b.total
            && a.lines.count == b.lines.count
            && zip(a.lines, b.lines).allSatisfy { $0.lineId == $1.lineId && $0.quantity == $1.quantity && $0.unitPrice == $1.unitPrice }
    }

    public var json: JSONValue {
        .members([
            ("orderId", .string(orderId.rawValue)), ("creditMemoId", .string(creditMemoId.rawValue)),
            ("invoiceId", invoiceId.map { .string($0.rawValue) }),
            (
                "lines",
                .array(
                    lines.map {
                        .members([("lineId", .string($0.lineId.rawValue)), ("quantity", $0.quantity.json), ("unitPrice", .string($0.unitPrice.text))])
                    })
            ),
            ("total", .string(total.text)),
        ])
    }
}
