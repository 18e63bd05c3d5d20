import WaybillCore

/// Runs decoded events through the lifecycle with in-memory master data and order states, to
/// measure the pure core apart from the store (`waybill bench --lifecycle-only`). The emitted
/// events' data and the stored form of each new state are written too, as the hub does.
public struct LifecycleBenchmark {
    final class Master: MasterData {
        var customers: [String: CustomerRecord] = [:]
        var products: [String: ProductRecord] = [:]
        var receivables: [CustomerID: Int64] = [:]

        func customer(_ reference: String, namedBy system: SystemName) -> CustomerRecord? { customers[reference] }
        func product(_ reference: String, namedBy system: SystemName) -> ProductRecord? { products[reference] }
        func openReceivables(of customer: CustomerID) -> Int64 { receivables[customer] ?? 0 }
    }

    let lifecycle = OrderLifecycle(policies: Policies())
    let master = Master()
    var orders: [OrderID: OrderState] = [:]
    var invoices: [InvoiceID: OrderID] = [:]

    public init() {}

    /// Writes what the hub would store for `transition`; returns how many events it emitted.
    static func render(_ transition: Transition) -> Int {
        var bytes = transition.state.storageBytes.count
        for event in transition.emitted { bytes += event.dataBytes.count }
        return bytes > 0 ? transition.emitted.count : 0
    }

    /// Applies one event; returns how many hub events it emitted.
    @discardableResult
    public mutating func apply(_ event: InboundEvent) throws -> Int {
        switch event.payload {
        case .customerUpserted(let c): master.customers[c.customerId.rawValue] = c; return 0
        case .productUpserted(let p): master.products[p.sku.rawValue] = p; return 0
        case .orderPlaced(let p):
            let t = lifecycle.place(p, from: "portal", at: Timestamp(milliseconds: 0), traceId: "t", master: master)
            orders[p.orderId] = t.state
            return Self.render(t)
        case .paymentReceived(let p):
            var emitted = 0
            for application in p.applications {
                guard let id = invoices[application.invoiceId], let state = orders[id] else { continue }
                let t = lifecycle.applyPayment(p.paymentId, application, to: state)
                orders[id] = t.state
                emitted += Self.render(t)
            }
            return emitted
        default:
            guard let id = event.payload.orderReference, let state = orders[id] else { return 0 }
            let t = try lifecycle.apply(event.payload, to: state, master: master)
            orders[id] = t.state
            if case .invoicePosted(let invoice) = event.payload { invoices[invoice.invoiceId] = id }
            return Self.render(t)
        }
    }
}
