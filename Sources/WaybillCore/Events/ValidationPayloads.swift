/// What a validation call before acceptance came to (credit check, availability, tax).
public enum ValidationOutcome: String, Sendable, CaseIterable {
    /// The system answered and the order may go on (with what the answer adds: tax, dates).
    case passed
    /// The system answered no (credit refused, nothing available): the order is held.
    case failed
    /// The system did not answer in time, answered an error, or its circuit is open: the
    /// validation's declared fallback applies.
    case unavailable
}

/// What the hub does with an order whose validation call cannot be made (`fallback:`).
public enum ValidationFallback: String, Sendable, CaseIterable {
    /// Accept the order without the answer, and flag it with a `validation` exception.
    case accept
    /// Hold the order (a `validation` hold) until the answer comes or a person releases it.
    case hold
    /// Keep the order waiting and call again on the retry schedule.
    case park
}

/// `o2c.order.validated`: a validating system's answer about one order, as the hub recorded it
/// (mapped from the system's own answer, or the fallback applied when there was none). Being
/// in the log, a rebuild applies it again without calling the system.
public struct ValidationAnswer: Sendable, Equatable {
    public struct Line: Sendable, Equatable {
        public var lineId: LineID
        /// Tax on the line, in the order's currency.
        public var tax: Amount?
        /// The date the system promises the line for.
        public var promiseDate: CalendarDate?

        public init(lineId: LineID, tax: Amount? = nil, promiseDate: CalendarDate? = nil) {
            self.lineId = lineId
            self.tax = tax
            self.promiseDate = promiseDate
        }
    }

    public var orderId: OrderID
    /// The validation's name in `waybill.yml` (`tax`, `credit`, `atp`).
    public var validation: String
    public var outcome: ValidationOutcome
    public var reason: String?
    /// The hold a failed answer puts on the order (default `validation`; a credit service
    /// answers `credit`, so finance works it like any credit hold).
    public var hold: HoldKind?
    /// The fallback applied, for an `unavailable` outcome.
    public var fallback: ValidationFallback?
    public var lines: [Line]

    public init(
        orderId: OrderID, validation: String, outcome: ValidationOutcome, reason: String? = nil, hold: HoldKind? = nil,
        fallback: ValidationFallback? = nil, lines: [Line] = []
    ) {
        self.orderId = orderId
        self.validation = validation
        self.outcome = outcome
        self.reason = reason
        self.hold = hold
        self.fallback = fallback
        self.lines = lines
    }

    public init(_ data: PayloadReader) throws(WaybillError) {
        orderId = OrderID(try data.string("orderId"))
        validation = try data.string("validation")
        let outcomeText = try data.string("outcome")
        guard let outcome = ValidationOutcome(rawValue: outcomeText) else {
            throw WaybillError(.invalidPayload, "\"\(outcomeText)\" is not one of passed, failed, unavailable", at: data.field("outcome"))
        }
        self.outcome = outcome
        reason = try data.optionalString("reason")
        if let name = try data.optionalString("hold") {
            guard let kind = HoldKind(rawValue: name) else {
                throw WaybillError(
                    .invalidPayload, "\"\(name)\" is not one of \(HoldKind.allCases.map(\.rawValue).joined(separator: ", "))", at: data.field("hold"))
            }
            hold = kind
        }
        if let name = try data.optionalString("fallback") {
            guard let fallback = ValidationFallback(rawValue: name) else {
                throw WaybillError(.invalidPayload, "\"\(name)\" is not one of accept, hold, park", at: data.field("fallback"))
            }
            self.fallback = fallback
        }
        if outcome == .unavailable && fallback == nil {
            throw WaybillError(.invalidPayload, "an unavailable validation names the fallback applied", at: data.field("fallback"))
        }
        lines = []
        for line in try data.optionalObjects("lines") ?? [] {
            lines.append(
                Line(lineId: LineID(try line.string("lineId")), tax: try line.optionalAmount("tax"), promiseDate: try line.optionalDate("promiseDate")))
        }
    }

    public var json: JSONValue {
        .members([
            ("orderId", .string(orderId.rawValue)), ("validation", .string(validation)), ("outcome", .string(outcome.rawValue)),
            ("reason", reason.map(JSONValue.string)), ("hold", hold.map { .string($0.rawValue) }), ("fallback", fallback.map { .string($0.rawValue) }),
            (
                "lines",
                lines.isEmpty
                    ? nil
                    : .array(
                        lines.map {
                            .members([
                                ("lineId", .string($0.lineId.rawValue)), ("tax", $0.tax.map { .string($0.text) }),
                                ("promiseDate", $0.promiseDate.map { .string($0.text) }),
                            ])
                        })
            ),
        ])
    }
}

/// Where an order stands with one of the validations it must pass before acceptance.
public struct ValidationRecord: Sendable, Equatable {
    public enum Status: String, Sendable {
        /// Asked, not answered (or unavailable with the `park` fallback: asked again).
        case pending
        case passed
        case failed
        /// Not answered; the fallback (`accept` or `hold`) was applied.
        case unavailable
        /// Failed or unavailable, and a person released the hold it caused.
        case overridden
    }

    public var name: String
    public var status: Status
    public var fallback: ValidationFallback?
    public var reason: String?

    public init(name: String, status: Status, fallback: ValidationFallback? = nil, reason: String? = nil) {
        self.name = name
        self.status = status
        self.fallback = fallback
        self.reason = reason
    }

    /// Whether the order may be accepted as far as this validation goes.
    public var allowsAcceptance: Bool {
        switch status {
        case .passed, .overridden: true
        case .unavailable: fallback == .accept
        case .pending, .failed: false
        }
    }
}
