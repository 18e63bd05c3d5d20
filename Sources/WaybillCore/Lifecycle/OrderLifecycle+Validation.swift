/// Validation calls before acceptance: the order is asked about once it is mapped, accepted
/// only when every validation allows it (and no hold is active), and each answer — or the
/// fallback applied without one — arrives as an `o2c.order.validated` event in the log.
extension OrderLifecycle {
    /// Asks the validating systems about a freshly mapped order (once per order).
    func requestValidations(_ state: inout OrderState, effects: inout [OrderEffect]) {
        guard !policies.validations.isEmpty, state.validations.isEmpty else { return }
        state.validations = policies.validations.map { ValidationRecord(name: $0, status: .pending) }
        effects.append(.emit(HubEvent(.orderValidationRequested, Self.validationRequest(of: state))))
    }

    /// Accepts the order when it is mapped, holds nothing and every validation allows it.
    func acceptIfClear(_ state: inout OrderState, effects: inout [OrderEffect]) {
        guard state.validated, !state.released, state.activeHolds.isEmpty, state.validations.allSatisfy(\.allowsAcceptance) else { return }
        state.released = true
        effects.append(.emit(HubEvent(acceptanceOf: state)))
    }

    /// Applies a validating system's answer, or the fallback the hub applied without one.
    ///
    /// * `passed`: the answer's tax and promised dates go onto the lines; a `validation` hold
    ///   this validation had put on the order is released, its exception settled.
    /// * `failed`: the order is held (`hold`, default `validation`) with an exception for the
    ///   hold's owners — after acceptance too (the warehouse hears `o2c.order.held`).
    /// * `unavailable`: the fallback — `accept` (accepted, flagged with a `validation`
    ///   exception), `hold` (a `validation` hold), `park` (still waiting; the hub calls again).
    func applyValidation(_ answer: ValidationAnswer, to state: inout OrderState, effects: inout [OrderEffect]) throws(WaybillError) {
        guard let index = state.validations.firstIndex(where: { $0.name == answer.validation }) else {
            let known = state.validations.map(\.name)
            throw WaybillError(
                .unknownValidation,
                "order \(state.orderId) was not asked for validation \"\(answer.validation)\""
                    + (known.isEmpty ? "" : " (it was asked for \(known.joined(separator: ", ")))"),
                at: "$.data.validation")
        }
        var lines = state.lines
        for (position, answered) in answer.lines.enumerated() {
            let i = try lineIndex(answered.lineId, in: state, position: position)
            if let tax = answered.tax {
                guard tax.money(in: state.currency) != nil else {
                    throw WaybillError(
                        .invalidPayload, "tax \(tax.text) has more decimals than \(state.currency.code) allows", at: "$.data.lines[\(position)].tax")
                }
                lines[i].tax = tax
            }
            if let date = answered.promiseDate { lines[i].promiseDate = date }
        }
        state.lines = lines
        let name = answer.validation
        let previous = state.validations[index]
        var record = ValidationRecord(name: name, status: .pending, fallback: answer.fallback, reason: answer.reason)
        switch answer.outcome {
        case .passed:
            record.status = .passed
            if previous.status != .passed { effects.append(.settle(.validation)) }
            releaseValidationHold(of: name, in: &state, effects: &effects)
        case .failed:
            record.status = .failed
            let kind = answer.hold ?? .validation
            let reason = "\(name): \(answer.reason ?? "the validation answered no")"
            if previous.status != .failed {
                state.holds.append(Hold(kind: kind, state: .active, reason: reason))
                effects.append(.raise(ExceptionDraft(Self.exceptionKind(of: kind), .validationFailed, "order \(state.orderId): \(reason)")))
                effects.append(.emit(HubEvent(.orderHeld, HoldNotice(orderId: state.orderId, hold: kind, reason: reason).json)))
            }
        case .unavailable:
            let fallback = answer.fallback ?? .park
            let reason = "\(name) unavailable: \(answer.reason ?? "no answer")"
            // An answer already recorded stands: a later failure to call changes nothing.
            guard previous.status == .pending || previous.status == .unavailable else { return }
            record.status = fallback == .park ? .pending : .unavailable
            if previous.status == .pending && previous.reason == nil {
                let consequence =
                    switch fallback {
                    case .accept: "accepted without it"
                    case .hold: "held until it answers or a person releases the order"
                    case .park: "waiting; the hub calls again"
                    }
                effects.append(.raise(ExceptionDraft(.validation, .validationUnavailable, "order \(state.orderId): \(reason); \(consequence)")))
            }
            if fallback == .hold && !state.holds.contains(where: { $0.kind == .validation && $0.state == .active }) {
                state.holds.append(Hold(kind: .validation, state: .active, reason: reason))
                effects.append(.emit(HubEvent(.orderHeld, HoldNotice(orderId: state.orderId, hold: .validation, reason: reason).json)))
            }
        }
        state.validations[index] = record
        acceptIfClear(&state, effects: &effects)
    }

    /// Releases the `validation` hold `name` put on the order (its answer came after all).
    func releaseValidationHold(of name: String, in state: inout OrderState, effects: inout [OrderEffect]) {
        guard let i = state.holds.firstIndex(where: { $0.kind == .validation && $0.state == .active && ($0.reason ?? "").hasPrefix(name) }) else {
            return
        }
        state.holds[i].state = .released
        effects.append(.emit(HubEvent(.orderReleased, HoldNotice(orderId: state.orderId, hold: .validation, reason: "\(name) answered").json)))
    }

    /// The queue that works a hold of `kind`.
    public static func exceptionKind(of kind: HoldKind) -> ExceptionKind {
        switch kind {
        case .credit: .creditHold
        case .pricing, .tax: .pricing
        case .validation: .validation
        }
    }

    /// The `o2c.order.validation_requested` data: the canonical order and what it is asked for.
    static func validationRequest(of state: OrderState) -> JSONValue {
        guard case .object(var members) = state.canonicalOrderJSON else { return state.canonicalOrderJSON }
        members.append(("validations", .array(state.validations.map { .string($0.name) })))
        return .object(members)
    }
}
