/// Delivery figures of one subscription for one order, shown in the order view.
public struct SubscriptionProgress: Sendable, Equatable {
    public var delivered: Int
    public var pending: Int
    public var dead: Int
    public var lastType: EventType?

    public init(delivered: Int, pending: Int, dead: Int, lastType: EventType?) {
        self.delivered = delivered
        self.pending = pending
        self.dead = dead
        self.lastType = lastType
    }
}

extension OrderState {
    /// The canonical order, as `o2c.order.accepted` carries it: canonical ids, base units, totals.
    public var canonicalOrderJSON: JSONValue {
        let p = placement
        return .members([
            ("orderId", .string(orderId.rawValue)), ("customerId", customerId.map { .string($0.rawValue) }),
            ("shipToId", p.shipToId.map { .string($0.rawValue) }), ("customerPO", p.customerPO.map(JSONValue.string)),
            ("channel", p.channel.map(JSONValue.string)), ("currency", .string(currency.code)),
            ("requestedDate", p.requestedDate.map { .string($0.text) }), ("notes", p.notes.map(JSONValue.string)),
            ("externalIds", .object(externalIds.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
            ("total", .string(total.text)),
            (
                "lines",
                .array(
                    lines.map {
                        .members([
                            ("lineId", .string($0.lineId.rawValue)), ("sku", .string($0.sku.rawValue)), ("quantity", $0.ordered.json),
                            ("uom", .string($0.uom.rawValue)), ("unitPrice", .string($0.unitPrice.text)),
                        ])
                    })
            ),
        ])
    }

    /// The order view of `GET /v1/orders/{id}` (EVENTS.md), given each subscription's progress.
    public func viewJSON(systems: [SubscriptionName: SubscriptionProgress]) -> JSONValue {
        .members([
            ("orderId", .string(orderId.rawValue)), ("customerId", customerId.map { .string($0.rawValue) } ?? .string(placement.customerId)),
            ("currency", .string(currency.code)), ("status", .string(status.rawValue)), ("explanation", .string(explanation)),
            ("total", .string(total.text)), ("invoicedTotal", .string(invoicedTotal.text)), ("paidTotal", .string(paidTotal.text)),
            (
                "holds",
                .array(
                    holds.map {
                        .members([("hold", .string($0.kind.rawValue)), ("state", .string($0.state.rawValue)), ("reason", $0.reason.map(JSONValue.string))])
                    })
            ),
            (
                "validations",
                validations.isEmpty
                    ? nil
                    : .array(
                        validations.map {
                            .members([
                                ("validation", .string($0.name)), ("status", .string($0.status.rawValue)),
                                ("fallback", $0.fallback.map { .string($0.rawValue) }), ("reason", $0.reason.map(JSONValue.string)),
                            ])
                        })
            ),
            (
                "lines",
                .array(
                    lines.map { line in
                        var out = JSONStream(capacity: 256)
                        line.writeQuantities(to: &out)
                        return .raw(out.bytes)
                    })
            ),
            (
                "shipments",
                .array(
                    shipments.map {
                        .members([
                            ("shipmentId", .string($0.shipmentId.rawValue)), ("warehouse", $0.warehouse.map(JSONValue.string)),
                            ("carrier", $0.carrier.map(JSONValue.string)), ("trackingNumber", $0.trackingNumber.map(JSONValue.string)),
                            ("status", .string($0.status.rawValue)),
                        ])
                    })
            ),
            (
                "invoices",
                .array(
                    invoices.map {
                        .members([("invoiceId", .string($0.invoiceId.rawValue)), ("total", .string($0.total.text)), ("paid", .string($0.paid.text))])
                    })
            ),
            (
                "systems",
                .object(
                    systems.sorted { $0.key < $1.key }.map { name, p in
                        (
                            name.rawValue,
                            .members([
                                ("delivered", .int(p.delivered)), ("pending", .int(p.pending)), ("dead", .int(p.dead)),
                                ("lastType", p.lastType.map { .string($0.rawValue) }),
                            ])
                        )
                    })
            ),
            ("traceId", .string(traceId)),
        ])
    }
}
