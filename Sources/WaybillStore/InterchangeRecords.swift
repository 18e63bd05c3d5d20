import WaybillCore

/// An X12 interchange the hub sent a trading partner (855, 856, 810, 997, TA1), under the
/// control number it drew from the partner's one sequence, and what the partner said of it.
public struct OutboundInterchange: Sendable, Equatable {
    /// Where the partner's 997 leaves the document.
    public enum Status: String, Sendable {
        /// Sent; a 997 is expected by `ackDueAt`.
        case sent
        case accepted
        /// The partner's 997 accepted it with errors (AK9/AK5 `E`).
        case acceptedWithErrors = "accepted_with_errors"
        case rejected
        /// No 997 came within the partner's window (an exception was raised).
        case overdue
        /// An acknowledgement itself (997, TA1): nothing comes back for it.
        case notExpected = "not_expected"
    }

    public var partner: SystemName
    /// ISA13, and GS06 of the one group.
    public var control: Int
    /// 855, 856, 810, 997 or TA1.
    public var setCode: String
    /// The delivery that wrote it (absent for acknowledgements of inbound interchanges).
    public var deliveryId: Int64?
    /// The order it speaks of (`order:<id>`), when there is one.
    public var key: String?
    /// The business document it carries (shipment id, invoice id, PO number, …).
    public var reference: String
    public var sentAt: Timestamp
    public var ackDueAt: Timestamp?
    public var status: Status
    /// What the partner's 997 said (AK5/AK9 codes), or why it is overdue.
    public var note: String?

    public init(
        partner: SystemName, control: Int, setCode: String, deliveryId: Int64?, key: String?, reference: String, sentAt: Timestamp,
        ackDueAt: Timestamp?, status: Status, note: String? = nil
    ) {
        self.partner = partner
        self.control = control
        self.setCode = setCode
        self.deliveryId = deliveryId
        self.key = key
        self.reference = reference
        self.sentAt = sentAt
        self.ackDueAt = ackDueAt
        self.status = status
        self.note = note
    }
}

/// An interchange received from a trading partner, kept by its ISA13 so that the same
/// interchange sent again is recognised and answered with the same acknowledgement.
public struct InboundInterchange: Sendable, Equatable {
    public var partner: SystemName
    /// ISA13 as received.
    public var control: String
    public var receivedAt: Timestamp
    /// The bytes received, to tell a resend of the same interchange from a different one that
    /// reuses its control number.
    public var request: [UInt8]
    /// The acknowledgement we answered with (a 997 or TA1 interchange), byte for byte.
    public var response: [UInt8]
    /// One line on what came of it (sets accepted / rejected, events created).
    public var summary: String

    public init(partner: SystemName, control: String, receivedAt: Timestamp, request: [UInt8], response: [UInt8], summary: String) {
        self.partner = partner
        self.control = control
        self.receivedAt = receivedAt
        self.request = request
        self.response = response
        self.summary = summary
    }
}
