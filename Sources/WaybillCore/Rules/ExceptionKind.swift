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
    /// A validation call before acceptance that could not be made (timeout, error, circuit
    /// open) or answered no without naming another hold.
    case validation
    /// A service-level clock (`slo:`) ran past its target. Its exceptions are split between
    /// roles by clock (see `ServiceLevelClock.owner`), told apart by their code.
    case slo

    /// Who works this queue; for `slo`, whose part of it `code` is.
    public func role(code: String) -> Role {
        switch self {
        case .mapping, .sequencing, .invariant, .invalidEvent, .edi, .validation: return .support
        case .backorder, .carrier: return .service
        case .creditHold, .pricing, .invoiceMismatch, .paymentMismatch: return .finance
        case .slo: return ServiceLevelClock(exceptionCode: code)?.owner ?? .support
        }
    }

    /// Who works this queue (for `slo`, which is split by clock, the owner of the first clock's
    /// breaches: ask `role(code:)` of a particular exception).
    public var role: Role { role(code: self == .slo ? ServiceLevelClock.orderAcknowledgement.exceptionCode : "") }

    /// The roles that work some of this queue's exceptions.
    public var roles: Set<Role> {
        guard self == .slo else { return [role(code: "")] }
        return Set(ServiceLevelClock.allCases.map(\.owner))
    }

    /// The exception codes of this queue that `role` works (`nil`: all of them).
    public func codes(workedBy role: Role) -> [String]? {
        guard self == .slo else { return nil }
        return ServiceLevelClock.allCases.filter { $0.owner == role }.map(\.exceptionCode)
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
