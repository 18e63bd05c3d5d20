/// The service-level clocks of `slo:`: what each one times, and whose queue its breach lands in.
///
/// The clocks themselves (when they start, stop and breach) run in the engine against the
/// store and the injected clock; this is only their names and owners.
public enum ServiceLevelClock: String, Sendable, CaseIterable {
    /// An order placed → its acceptance (or acknowledgement) delivered to the system that placed it.
    case orderAcknowledgement = "order_acknowledgement"
    /// A shipment confirmation received → delivered to every subscriber of it.
    case shipmentPropagation = "shipment_propagation"
    /// A shipment received → the order's invoices cover what it shipped.
    case invoicePosting = "invoice_posting"
    /// A payment received → applied to its invoices.
    case paymentSync = "payment_sync"

    /// Who works this clock's breaches: the customer hears nothing (service), a system is not
    /// told of a shipment (support), invoicing and cash application lag (finance).
    public var owner: Role {
        switch self {
        case .orderAcknowledgement: .service
        case .shipmentPropagation: .support
        case .invoicePosting, .paymentSync: .finance
        }
    }

    /// The code of its breach's `slo` exception.
    public var exceptionCode: String { "slo_\(rawValue)" }

    /// The clock whose breach has `code`.
    public init?(exceptionCode code: String) {
        guard code.hasPrefix("slo_"), let clock = ServiceLevelClock(rawValue: String(code.dropFirst(4))) else { return nil }
        self = clock
    }
}
