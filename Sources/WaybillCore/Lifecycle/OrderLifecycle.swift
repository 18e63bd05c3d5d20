/// The shared order lifecycle: every transition of an order lives in this type.
///
/// Each step takes the current state and an event and returns a `Transition` (the new state and
/// the effects for the engine to perform), or refuses with a `WaybillError` whose code says why.
/// It performs no I/O; master data comes in through `MasterData`.
///
/// ```swift
/// let lifecycle = OrderLifecycle(policies: Policies())
/// var t = lifecycle.place(order, from: "portal", at: time, traceId: id, master: master)
/// t = try lifecycle.apply(.shipmentConfirmed(shipment), to: t.state, master: master)
/// ```
public struct OrderLifecycle: Sendable {
    public let policies: Policies

    public init(policies: Policies) { self.policies = policies }

    /// A new order from `o2c.order.placed`: mapped and validated at once, or left `received`
    /// with a `mapping` exception until master data arrives.
    public func place(_ order: PlacedOrder, from system: SystemName, at time: Timestamp, traceId: String, master: some MasterData) -> Transition {
        var state = OrderState(orderId: order.orderId, origin: system, placement: order, traceId: traceId, placedAt: time)
        if let external = order.externalOrderId { state.externalIds[system.rawValue] = external }
        let before = state
        var effects: [OrderEffect] = []
        validate(&state, master: master, effects: &effects)
        return finish(before: before, after: state, effects: effects, isNew: true)
    }

    /// Validates an order that waits for master data again (after a customer or product upsert).
    public func revalidate(_ state: OrderState, master: some MasterData) -> Transition {
        var next = state
        var effects: [OrderEffect] = []
        validate(&next, master: master, effects: &effects)
        return finish(before: state, after: next, effects: effects)
    }

    /// Applies an inbound order event. The engine parks events for orders not yet validated.
    public func apply(_ payload: EventPayload, to state: OrderState, master: some MasterData) throws(WaybillError) -> Transition {
        if state.cancelled { throw WaybillError(.orderCancelled, "order \(state.orderId) is cancelled") }
        guard state.validated else {
            throw WaybillError(.orderNotAccepted, "order \(state.orderId) is waiting for master data and cannot take this event yet")
        }
        var next = state
        var effects: [OrderEffect] = []
        switch payload {
        case .orderPlaced:
            throw WaybillError(.orderExists, "order \(state.orderId) was already placed", at: "$.data.orderId")
        case .orderChanged(let change): try applyChange(change, to: &next, master: master, effects: &effects)
        case .orderCancelled(let cancel): try applyCancel(cancel, to: &next)
        case .orderHeld(let notice): try applyHold(notice, to: &next)
        case .orderReleased(let notice): try applyRelease(notice, to: &next, effects: &effects)
        case .inventoryAllocated(let allocation): try applyAllocation(allocation, to: &next)
        case .inventoryBackordered(let backorder): try applyBackorder(backorder, to: &next, effects: &effects)
        case .shipmentConfirmed(let shipment): try applyShipment(shipment, to: &next, effects: &effects)
        case .shipmentTracking(let update): try applyTracking(update, to: &next, effects: &effects)
        case .shipmentDelivered(let delivery): try applyDelivery(delivery.shipmentId, signedBy: delivery.signedBy, to: &next, effects: &effects)
        case .invoicePosted(let invoice): try applyInvoice(invoice, to: &next, effects: &effects)
        case .creditMemoPosted(let memo): try applyCreditMemo(memo, to: &next, effects: &effects)
        case .returnAuthorized(let notice): try applyReturn(notice, received: false, to: &next)
        case .returnReceived(let notice): try applyReturn(notice, received: true, to: &next)
        case .orderValidated(let answer): try applyValidation(answer, to: &next, effects: &effects)
        case .customerUpserted, .productUpserted, .paymentReceived:
            throw WaybillError(.invalidPayload, "not an order event")
        }
        if state.lines.contains(where: { !$0.backordered.isZero }) && next.lines.allSatisfy({ $0.backordered.isZero }) {
            effects.append(.settle(.backorder))
        }
        let transition = finish(before: state, after: next, effects: effects)
        try checkInvariants(transition.state)
        return transition
    }

    /// Adds the `o2c.order.status_changed` event when the derived status moved, and counts the step.
    func finish(before: OrderState, after: OrderState, effects: [OrderEffect], isNew: Bool = false) -> Transition {
        var state = after
        state.version += 1
        var all = effects
        let previous = before.status
        let current = state.status
        if isNew || previous != current {
            all.append(.emit(HubEvent(statusChangeOf: state, from: isNew ? nil : previous)))
        }
        return Transition(state: state, effects: all)
    }

    func checkInvariants(_ state: OrderState) throws(WaybillError) {
        for line in state.lines {
            if let broken = line.brokenInvariants(invoiceOn: policies.invoiceOn).first {
                throw WaybillError(.invariantViolation, broken)
            }
        }
    }

    /// The index of line `id`, which the event names at position `position` of its lines (an
    /// event usually lists them in the order's own order, so that index is tried first).
    func lineIndex(_ id: LineID, in state: OrderState, position: Int) throws(WaybillError) -> Int {
        if position < state.lines.count, state.lines[position].lineId == id { return position }
        guard let index = state.lineIndex(id) else {
            throw WaybillError(.unknownLine, "order \(state.orderId) has no line \(id)", at: "$.data.lines[\(position)].lineId")
        }
        return index
    }

    func requireReleased(_ state: OrderState) throws(WaybillError) {
        guard state.released else {
            throw WaybillError(
                .orderOnHold,
                "order \(state.orderId) is on hold (\(state.activeHolds.map(\.kind.rawValue).joined(separator: ", "))) and has not been released to fulfilment")
        }
    }
}
