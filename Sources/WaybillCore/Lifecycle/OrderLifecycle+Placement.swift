extension OrderLifecycle {
    /// Maps the placement to canonical ids and base units, then runs the pricing and credit rules.
    func validate(_ state: inout OrderState, master: some MasterData, effects: inout [OrderEffect]) {
        let order = state.placement
        var gaps: [MappingGap] = []
        let customer = master.customer(order.customerId, namedBy: state.origin)
        if customer == nil {
            gaps.append(
                MappingGap(
                    kind: .customer, reference: order.customerId,
                    detail: "unknown customer \(order.customerId) from \(state.origin)", path: "$.data.customerId"))
        }
        var lines: [OrderLine] = []
        var listPrices: [UnitPrice?] = []
        lines.reserveCapacity(order.lines.count)
        listPrices.reserveCapacity(order.lines.count)
        for (i, placed) in order.lines.enumerated() {
            guard let product = master.product(placed.sku, namedBy: state.origin) else {
                gaps.append(
                    MappingGap(kind: .item, reference: placed.sku, detail: "unknown item \(placed.sku) from \(state.origin)", path: "$.data.lines[\(i)].sku"))
                continue
            }
            let unit = placed.uom ?? product.baseUom
            guard let factor = product.factor(for: unit), let base = placed.quantity.converted(by: factor) else {
                gaps.append(
                    MappingGap(
                        kind: .unit, reference: "\(product.sku)/\(unit)", detail: "no conversion from \(unit) to \(product.baseUom) for \(product.sku)",
                        path: "$.data.lines[\(i)].uom"))
                continue
            }
            let price =
                placed.unitPrice?.perBaseUnit(factor: factor)
                ?? product.listPrice.map { UnitPrice(micros: $0.micros, currency: order.currency) }
                ?? UnitPrice(micros: 0, currency: order.currency)
            lines.append(OrderLine(lineId: placed.lineId, sku: product.sku, uom: product.baseUom, unitPrice: price, ordered: base))
            listPrices.append(product.currency == order.currency && placed.unitPrice != nil ? product.listPrice : nil)
        }
        guard gaps.isEmpty, let customer else {
            if gaps != state.gaps {
                effects.append(
                    .raise(
                        ExceptionDraft(
                            .mapping, gaps[0].kind == .customer ? .unknownCustomer : gaps[0].kind == .item ? .unknownItem : .unknownUnit,
                            "order \(state.orderId) waits for master data: " + gaps.map(\.detail).joined(separator: "; "))))
            }
            // The customer is known and only lines are not: the sender hears at once which lines
            // the hub can take (once — when the customer becomes known, or at placement).
            let acknowledgedBefore = !state.gaps.isEmpty && !state.gaps.contains { $0.kind == .customer }
            if customer != nil && !acknowledgedBefore {
                effects.append(.emit(HubEvent(.orderAcknowledged, Self.acknowledgement(of: state, gaps: gaps))))
            }
            state.gaps = gaps
            return
        }
        if !state.gaps.isEmpty { effects.append(.settle(.mapping)) }
        state.gaps = []
        state.customerId = customer.customerId
        state.lines = lines
        state.validated = true

        var holds: [Hold] = []
        if customer.currency != order.currency {
            holds.append(Hold(kind: .pricing, state: .active, reason: "order currency \(order.currency) differs from the customer's \(customer.currency)"))
        }
        for (line, listPrice) in zip(lines, listPrices) {
            guard let list = listPrice.map({ UnitPrice(micros: $0.micros, currency: order.currency) }) else { continue }
            let deviation = line.unitPrice.deviationBasisPoints(from: list)
            if deviation > policies.priceToleranceBasisPoints {
                holds.append(
                    Hold(
                        kind: .pricing, state: .active,
                        reason:
                            "line \(line.lineId) price \(line.unitPrice.text) differs from list \(list.text) by \(percent(deviation)) (tolerance \(percent(policies.priceToleranceBasisPoints)))"
                    ))
                break
            }
        }
        if let hold = creditHold(for: state, customer: customer, master: master) { holds.append(hold) }
        for hold in holds {
            state.holds.append(hold)
            let kind: ExceptionKind = hold.kind == .credit ? .creditHold : .pricing
            let code: ErrorCode = hold.kind == .credit ? .creditLimitExceeded : .priceOutOfTolerance
            effects.append(.raise(ExceptionDraft(kind, code, "order \(state.orderId): \(hold.reason ?? "")")))
            effects.append(.emit(HubEvent(.orderHeld, HoldNotice(orderId: state.orderId, hold: hold.kind, reason: hold.reason).json)))
        }
        requestValidations(&state, effects: &effects)
        acceptIfClear(&state, effects: &effects)
    }

    /// A credit hold when the order value plus open receivables exceeds the customer's limit.
    func creditHold(for state: OrderState, customer: CustomerRecord, master: some MasterData) -> Hold? {
        guard let limit = customer.creditLimit, limit.currency == state.currency else { return nil }
        let open = master.openReceivables(of: customer.customerId)
        let exposure = state.total.minorUnits + open
        guard exposure > limit.minorUnits else { return nil }
        let openText = Money(minorUnits: open, currency: state.currency).text
        return Hold(
            kind: .credit, state: .active,
            reason: "order value \(state.total.text) plus open AR \(openText) exceeds credit limit \(limit.text) \(limit.currency)")
    }

    func percent(_ basisPoints: Int64) -> String {
        basisPoints == Int64.max ? "∞" : FixedPoint.format(basisPoints, scale: 2, minimumFraction: 1) + "%"
    }

    func applyChange(_ change: OrderChange, to state: inout OrderState, master: some MasterData, effects: inout [OrderEffect]) throws(WaybillError) {
        let valueBefore = state.total
        for (i, changed) in change.lines.enumerated() {
            let path = "$.data.lines[\(i)]"
            if let index = state.lineIndex(changed.lineId) {
                var line = state.lines[index]
                let product = master.product(line.sku.rawValue, namedBy: .hub)
                let unit = changed.uom ?? line.uom
                guard let factor = unit == line.uom ? Quantity(1) : product?.factor(for: unit), let base = changed.quantity.converted(by: factor) else {
                    throw WaybillError(.unknownUnit, "no conversion from \(unit) to \(line.uom) for \(line.sku)", at: "\(path).uom")
                }
                guard base >= line.shipped else {
                    throw WaybillError(
                        .quantityBelowShipped, "line \(line.lineId) cannot be reduced to \(base) below the \(line.shipped) already shipped",
                        at: "\(path).quantity")
                }
                line.ordered = base
                if line.allocated > base { line.allocated = base }
                let unallocated = base - line.allocated
                if line.backordered > unallocated { line.backordered = unallocated }
                state.lines[index] = line
            } else {
                guard let sku = changed.sku else {
                    throw WaybillError(.invalidPayload, "sku is required to add line \(changed.lineId)", at: "\(path).sku")
                }
                guard let product = master.product(sku, namedBy: state.origin) else {
                    throw WaybillError(.unknownItem, "unknown item \(sku)", at: "\(path).sku")
                }
                let unit = changed.uom ?? product.baseUom
                guard let factor = product.factor(for: unit), let base = changed.quantity.converted(by: factor) else {
                    throw WaybillError(.unknownUnit, "no conversion from \(unit) to \(product.baseUom) for \(product.sku)", at: "\(path).uom")
                }
                let price =
                    changed.unitPrice.map { $0.unitPrice(in: state.currency).perBaseUnit(factor: factor) }
                    ?? UnitPrice(micros: product.listPrice?.micros ?? 0, currency: state.currency)
                state.lines.append(OrderLine(lineId: changed.lineId, sku: product.sku, uom: product.baseUom, unitPrice: price, ordered: base))
            }
        }
        if state.total > valueBefore, !state.activeHolds.contains(where: { $0.kind == .credit }),
            let customerId = state.customerId, let customer = master.customer(customerId.rawValue, namedBy: .hub),
            let hold = creditHold(for: state, customer: customer, master: master)
        {
            state.holds.append(hold)
            effects.append(.raise(ExceptionDraft(.creditHold, .creditLimitExceeded, "order \(state.orderId): \(hold.reason ?? "")")))
            effects.append(.emit(HubEvent(.orderHeld, HoldNotice(orderId: state.orderId, hold: .credit, reason: hold.reason).json)))
        }
    }

    func applyCancel(_ cancel: OrderCancellation, to state: inout OrderState) throws(WaybillError) {
        if let shipped = state.lines.first(where: { !$0.shipped.isZero }) {
            throw WaybillError(.cancelAfterShipment, "order \(state.orderId) cannot be cancelled: line \(shipped.lineId) has shipped \(shipped.shipped)")
        }
        state.cancelled = true
        state.cancelReason = cancel.reason
        for i in state.lines.indices {
            state.lines[i].allocated = .zero
            state.lines[i].backordered = .zero
        }
    }

    func applyHold(_ notice: HoldNotice, to state: inout OrderState) throws(WaybillError) {
        guard !state.activeHolds.contains(where: { $0.kind == notice.hold }) else { return }
        state.holds.append(Hold(kind: notice.hold, state: .active, reason: notice.reason))
    }

    func applyRelease(_ notice: HoldNotice, to state: inout OrderState, effects: inout [OrderEffect]) throws(WaybillError) {
        guard let index = state.holds.firstIndex(where: { $0.kind == notice.hold && $0.state == .active }) else {
            throw WaybillError(.noSuchHold, "order \(state.orderId) has no active \(notice.hold.rawValue) hold", at: "$.data.hold")
        }
        state.holds[index].state = .released
        if let reason = notice.reason { state.holds[index].reason = reason }
        effects.append(.settle(Self.exceptionKind(of: notice.hold)))
        // A person released the last hold: validations that held the order are overridden.
        if state.activeHolds.isEmpty {
            for i in state.validations.indices where !state.validations[i].allowsAcceptance && state.validations[i].status != .pending {
                state.validations[i].status = .overridden
            }
        }
        acceptIfClear(&state, effects: &effects)
    }
}

extension OrderLifecycle {
    /// The `o2c.order.acknowledged` data of an order that waits for master data: each line as
    /// placed, `rejected` with the reason when the hub cannot map it, else `accepted`.
    static func acknowledgement(of state: OrderState, gaps: [MappingGap]) -> JSONValue {
        let lines: [JSONValue] = state.placement.lines.enumerated().map { i, line in
            let gap = gaps.first { $0.path.hasPrefix("$.data.lines[\(i)].") }
            return .members([
                ("lineId", .string(line.lineId.rawValue)), ("sku", .string(line.sku)), ("quantity", line.quantity.json),
                ("uom", line.uom.map { .string($0.rawValue) }), ("status", .string(gap == nil ? "accepted" : "rejected")),
                ("reason", gap.map { .string($0.detail) }),
            ])
        }
        return .members([("orderId", .string(state.orderId.rawValue)), ("lines", .array(lines))])
    }
}
