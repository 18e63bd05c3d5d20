/// A refusal that crosses module boundaries: a stable snake_case `code` (also the API `code` and
/// a metric label), a message a user can act on, and where the problem is (a JSON path such as
/// `$.data.lines[1].quantity`).
public struct WaybillError: Error, Sendable, Equatable, CustomStringConvertible {
    public let code: ErrorCode
    public let message: String
    public let path: String?

    public init(_ code: ErrorCode, _ message: String, at path: String? = nil) {
        self.code = code
        self.message = message
        self.path = path
    }

    public var description: String {
        if let path { return "\(code.rawValue): \(message) (at \(path))" }
        return "\(code.rawValue): \(message)"
    }
}

/// Every stable error code the hub reports.
public enum ErrorCode: String, Sendable, CaseIterable {
    // The request or envelope.
    case invalidJSON = "invalid_json"
    case notACloudEvent = "not_a_cloudevent"
    case invalidEnvelope = "invalid_envelope"
    case unknownType = "unknown_type"
    case hubOnlyType = "hub_only_type"
    case batchTooLarge = "batch_too_large"
    case sourceMismatch = "source_mismatch"
    case typeNotPublished = "type_not_published"
    // The payload.
    case invalidPayload = "invalid_payload"
    case invoiceTotalMismatch = "invoice_total_mismatch"
    case creditMemoTotalMismatch = "credit_memo_total_mismatch"
    case subjectMismatch = "subject_mismatch"
    // Master data and mapping.
    case unknownCustomer = "unknown_customer"
    case unknownItem = "unknown_item"
    case unknownUnit = "unknown_unit"
    case currencyMismatch = "currency_mismatch"
    // The lifecycle.
    case orderExists = "order_exists"
    case orderNotAccepted = "order_not_accepted"
    case orderOnHold = "order_on_hold"
    case shippedWhileHeld = "shipped_while_held"
    case orderCancelled = "order_cancelled"
    case unknownLine = "unknown_line"
    case duplicateLine = "duplicate_line"
    case overAllocation = "over_allocation"
    case overShipment = "over_shipment"
    case invoiceExceedsShipped = "invoice_exceeds_shipped"
    case invoicePriceMismatch = "invoice_price_mismatch"
    case overCredit = "over_credit"
    case overReturn = "over_return"
    case cancelAfterShipment = "cancel_after_shipment"
    case quantityBelowShipped = "quantity_below_shipped"
    case duplicateShipment = "duplicate_shipment"
    case unknownShipment = "unknown_shipment"
    case duplicateInvoice = "duplicate_invoice"
    case unknownInvoice = "unknown_invoice"
    case duplicateCreditMemo = "duplicate_credit_memo"
    case noSuchHold = "no_such_hold"
    case overPayment = "over_payment"
    case unappliedCash = "unapplied_cash"
    case carrierException = "carrier_exception"
    case parkTimeout = "park_timeout"
    case creditLimitExceeded = "credit_limit_exceeded"
    case priceOutOfTolerance = "price_out_of_tolerance"
    case validationFailed = "validation_failed"
    case validationUnavailable = "validation_unavailable"
    case unknownValidation = "unknown_validation"
    case backordered = "backordered"
    case invariantViolation = "invariant_violation"
    case notRefused = "not_refused"
    // EDI trading partners
    case unknownPartner = "unknown_partner"
    case ediEnvelope = "edi_envelope"
    case ediRejected = "edi_rejected"
    case ediAcknowledgementOverdue = "edi_acknowledgement_overdue"
    case controlNumbersExhausted = "control_numbers_exhausted"
    // The store
    case deliveryIdsExhausted = "delivery_ids_exhausted"
}
