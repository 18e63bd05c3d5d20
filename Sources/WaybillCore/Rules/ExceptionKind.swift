/// The business exception queues, each owned by a role.
public enum ExceptionKind: String, Sendable, CaseIterable {
    case mapping
    case creditHold = "credit_hold"
    case pricing
    case backorder
    case invoiceMismatch = "invoice_mismatch"
    case paymentMismatch = "payment_mismatch"
    case carrier
    case sequencing
    /// An event refused because it would break a line invariant or the lifecycle.
    case invariant
    /// An event whose envelope or payload could not be read.
    case invalidEvent = "invalid_event"
    /// A trading partner's interchange that could not be read, a 997 that rejects one of ours,
    /// or an acknowledgement that did not come within the partner's window.
    case edi

    /// Who works this queue.
    public var role: Role {
        switch self {
        case .mapping, .sequencing, .invariant, .invalidEvent, .edi: return .support
        case .backorder, .carrier: return .service
        case .creditHold, .pricing, .invoiceMismatch, .paymentMismatch: return .finance
        }
    }

    /// The queue an event refused with `code` lands in.
    public static func forRefusal(_ code: ErrorCode) -> ExceptionKind {
        switch code {
        case .invoiceExceedsShipped, .invoicePriceMismatch, .duplicateInvoice, .currencyMismatch, .creditMemoTotalMismatch, .overCredit, .invoiceTotalMismatch:
            return .invoiceMismatch
        case .unknownInvoice, .overPayment, .unappliedCash:
            return .paymentMismatch
        case .unknownItem, .unknownCustomer, .unknownUnit:
            return .mapping
        default:
            return .invariant
        }
    }
}

/// The people who use the API and dashboard.
public enum Role: String, Sendable, CaseIterable {
    case support, service, finance, admin
}

/// An exception the lifecycle asks the engine to open.
public struct ExceptionDraft: Sendable, Equatable {
    public var kind: ExceptionKind
    public var code: ErrorCode
    public var message: String

    public init(_ kind: ExceptionKind, _ code: ErrorCode, _ message: String) {
        self.kind = kind
        self.code = code
        self.message = message
    }
}

/// An event the hub emits about an order.
public struct HubEvent: Sendable, Equatable {
    public var type: EventType
    private var content: Content

    private enum Content: Sendable {
        case value(JSONValue)
        /// `o2c.order.status_changed`, written from the order's state when asked for: the bytes
        /// are the same whenever they are written, and the engine writes them off the writer.
        case statusChange(OrderState, previous: OrderStatus?)
        /// `o2c.order.accepted`: the canonical order, written when asked for.
        case acceptance(OrderState)
    }

    public init(_ type: EventType, _ data: JSONValue) {
        self.type = type
        content = .value(data)
    }

    /// The `o2c.order.status_changed` event for `state`, which had status `previous` (nil for a
    /// new order).
    public init(statusChangeOf state: OrderState, from previous: OrderStatus?) {
        type = .orderStatusChanged
        content = .statusChange(state, previous: previous)
    }

    /// The `o2c.order.accepted` event for `state`.
    public init(acceptanceOf state: OrderState) {
        type = .orderAccepted
        content = .acceptance(state)
    }

    /// The event's `data`.
    public var data: JSONValue {
        switch content {
        case .value(let value): value
        case .statusChange: .raw(dataBytes)
        case .acceptance(let state): state.canonicalOrderJSON
        }
    }

    /// The event's `data` as JSON text.
    public var dataBytes: [UInt8] {
        switch content {
        case .value(let value): JSONWriter.bytes(value)
        case .statusChange(let state, let previous): StatusChange(state, previous: previous).json
        case .acceptance(let state): JSONWriter.bytes(state.canonicalOrderJSON)
        }
    }

    /// What the store keeps as this event's body: its CloudEvent JSON, except for a status
    /// change, whose data is kept as a `StatusChange` record (the envelope's attributes are the
    /// log row's columns). `HubEvent.cloudEvent(storedBody:…)` gives back the JSON.
    public func storedBody(id: String, source: String, subject: String, time: Timestamp) -> [UInt8] {
        if case .statusChange(let state, let previous) = content { return StatusChange(state, previous: previous).storage }
        return CloudEvent(id: id, source: source, type: type, subject: subject, time: time, traceparent: nil, data: .raw(dataBytes)).bytes
    }

    /// The CloudEvent JSON of a body `storedBody` wrote, given the attributes it was written with.
    public static func cloudEvent(
        storedBody body: [UInt8], id: String, source: String, type: EventType, subject: String?, time: Timestamp
    ) throws(WaybillError) -> [UInt8] {
        guard body.first == StatusChange.storageTag else { return body }
        let data = try StatusChange(storage: body).json
        return CloudEvent(id: id, source: source, type: type, subject: subject, time: time, traceparent: nil, data: .raw(data)).bytes
    }

    public static func == (lhs: HubEvent, rhs: HubEvent) -> Bool {
        lhs.type == rhs.type && lhs.dataBytes == rhs.dataBytes
    }
}

/// What the engine must do after a lifecycle transition.
public enum OrderEffect: Sendable, Equatable {
    /// Publish a hub event to its subscribers.
    case emit(HubEvent)
    /// Open an exception on this order.
    case raise(ExceptionDraft)
    /// Close this order's open exceptions of a kind (their cause is gone).
    case settle(ExceptionKind)
    /// The customer's open receivables changed by this many minor units.
    case receivablesChanged(CustomerID, Int64)
}

/// The result of one lifecycle step: the new state and the effects to perform.
public struct Transition: Sendable {
    public var state: OrderState
    public var effects: [OrderEffect]

    public var emitted: [HubEvent] {
        effects.compactMap { if case .emit(let e) = $0 { return e } else { return nil } }
    }

    public var raised: [ExceptionDraft] {
        effects.compactMap { if case .raise(let e) = $0 { return e } else { return nil } }
    }
}
