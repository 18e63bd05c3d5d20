/// When shipped quantities become ready to invoice.
public enum InvoicePolicy: String, Sendable, CaseIterable {
    case shipment, delivery
}

/// The workflow policies of one hub (`policies:` in `waybill.yml`).
public struct Policies: Sendable, Equatable {
    public var invoiceOn: InvoicePolicy
    /// Allowed deviation from the list price, in basis points (0.5 % = 50).
    public var priceToleranceBasisPoints: Int64
    /// How long an event for an unknown order may wait before a `sequencing` exception.
    public var parkTimeoutMilliseconds: Int64
    /// The validations every order must pass before it is accepted (credit, availability, tax):
    /// the names of the validating subscriptions in `waybill.yml`, asked once the order is mapped.
    public var validations: [String] = []

    public init(invoiceOn: InvoicePolicy = .shipment, priceToleranceBasisPoints: Int64 = 50, parkTimeoutMilliseconds: Int64 = 15 * 60_000) {
        self.invoiceOn = invoiceOn
        self.priceToleranceBasisPoints = priceToleranceBasisPoints
        self.parkTimeoutMilliseconds = parkTimeoutMilliseconds
    }
}

/// Master data as the lifecycle needs it; the engine implements it over the store.
public protocol MasterData {
    /// The customer named `reference` (canonical id, or `system`'s own id).
    func customer(_ reference: String, namedBy system: SystemName) -> CustomerRecord?
    /// The product named `reference` (canonical SKU, or `system`'s own item number).
    func product(_ reference: String, namedBy system: SystemName) -> ProductRecord?
    /// What the customer owes on posted, unpaid invoices.
    func openReceivables(of customer: CustomerID) -> Int64
}
