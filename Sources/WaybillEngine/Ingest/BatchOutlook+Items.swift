import WaybillCore
import WaybillStore

extension BatchOutlook {
    /// What a batch of decoded items names: each event's key as the engine will most likely
    /// resolve it (an order by the id the event gives, a payment by its customer) and the keys
    /// of the invoices payments wait under, the orders,
    /// invoices, customers and products its processing reads, and its (source, id).
    init(_ items: some Sequence<IngestItem>) {
        self.init()
        for case .event(let event) in items {
            events.append(EventName(source: event.envelope.source, id: event.envelope.id))
            if let order = event.payload.orderReference {
                keys.insert(RecordKey.order(order))
                orders.insert(order)
            }
            switch event.payload {
            case .orderPlaced(let placed):
                customers.insert(CustomerID(placed.customerId))
                for line in placed.lines { skus.insert(SKU(line.sku)) }
            case .paymentReceived(let payment):
                keys.insert(RecordKey.customer(payment.customerId))
                customers.insert(CustomerID(payment.customerId))
                for application in payment.applications {
                    invoices.insert(application.invoiceId)
                    keys.insert(RecordKey.invoice(application.invoiceId))
                }
            case .invoicePosted(let invoice):
                // Payments that came first wait under the invoice's key.
                keys.insert(RecordKey.invoice(invoice.invoiceId))
            case .customerUpserted(let customer):
                keys.insert(RecordKey.customer(customer.customerId.rawValue))
            case .productUpserted(let product):
                keys.insert(RecordKey.product(product.sku.rawValue))
            default:
                break
            }
        }
    }
}
