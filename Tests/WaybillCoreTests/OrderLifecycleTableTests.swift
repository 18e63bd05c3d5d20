import Testing
import WaybillCore

/// Every (status, event type) pair: handled, or refused with a stable code.
@Suite("Order lifecycle table")
struct OrderLifecycleTableTests {
    static let lifecycle = OrderLifecycle(policies: Policies())

    /// The sample event of each order event type used against every status.
    static let events: [(String, EventType, String)] = [
        ("placed", .orderPlaced, #"{"orderId":"SO-T","customerId":"C-1","currency":"USD","lines":[{"lineId":"1","sku":"A","quantity":1}]}"#),
        ("changed", .orderChanged, #"{"orderId":"SO-T","lines":[{"lineId":"2","quantity":12}]}"#),
        ("cancelled", .orderCancelled, #"{"orderId":"SO-T","reason":"customer request"}"#),
        ("held", .orderHeld, #"{"orderId":"SO-T","hold":"tax","reason":"exemption certificate expired"}"#),
        ("released", .orderReleased, #"{"orderId":"SO-T","hold":"credit"}"#),
        ("allocated", .inventoryAllocated, #"{"orderId":"SO-T","warehouse":"DAL","lines":[{"lineId":"2","quantity":1}]}"#),
        ("backordered", .inventoryBackordered, #"{"orderId":"SO-T","lines":[{"lineId":"2","quantity":1,"expectedDate":"2026-12-15"}]}"#),
        ("shipped", .shipmentConfirmed, #"{"orderId":"SO-T","shipmentId":"SH-NEW","lines":[{"lineId":"2","quantity":1}]}"#),
        ("tracking", .shipmentTracking, #"{"orderId":"SO-T","shipmentId":"SH-1","status":"in_transit"}"#),
        ("delivered", .shipmentDelivered, #"{"orderId":"SO-T","shipmentId":"SH-1"}"#),
        (
            "invoice", .invoicePosted,
            #"{"orderId":"SO-T","invoiceId":"INV-NEW","currency":"USD","lines":[{"lineId":"1","quantity":1,"unitPrice":"5.00"}],"total":"5.00"}"#
        ),
        (
            "creditmemo", .creditMemoPosted,
            #"{"orderId":"SO-T","creditMemoId":"CM-NEW","lines":[{"lineId":"1","quantity":1,"unitPrice":"5.00"}],"total":"5.00"}"#
        ),
        ("return.authorized", .returnAuthorized, #"{"orderId":"SO-T","rmaId":"RMA-1","lines":[{"lineId":"1","quantity":1}]}"#),
        ("return.received", .returnReceived, #"{"orderId":"SO-T","rmaId":"RMA-1","lines":[{"lineId":"1","quantity":1}]}"#),
    ]

    /// Builds an order in `status` by running events through the lifecycle itself.
    static func order(in status: OrderStatus) throws -> OrderState {
        var master = standardMaster
        if status == .received { master.products.removeAll { $0.sku == "B" } }
        if status == .onHold { master.receivables["C-1"] = 950_00 }
        var state = lifecycle.place(placement(), from: "portal", at: t0, traceId: "t", master: master).state
        func step(_ type: EventType, _ text: String) throws {
            state = try lifecycle.apply(try payload(type, text), to: state, master: master).state
        }
        func ship(_ id: String, line: String) throws {
            try step(.shipmentConfirmed, #"{"orderId":"SO-T","shipmentId":"\#(id)","lines":[{"lineId":"\#(line)","quantity":10}]}"#)
        }
        func invoice(_ id: String, line: String) throws {
            try step(
                .invoicePosted,
                #"{"orderId":"SO-T","invoiceId":"\#(id)","currency":"USD","lines":[{"lineId":"\#(line)","quantity":10,"unitPrice":"5.00"}],"total":"50.00"}"#)
        }
        func pay(_ invoice: String) {
            state =
                lifecycle.applyPayment(
                    PaymentID("PAY-\(invoice)"), PaymentApplication(invoiceId: InvoiceID(invoice), amount: Money(minorUnits: 50_00, currency: .usd)), to: state
                ).state
        }
        switch status {
        case .received, .onHold, .accepted: break
        case .partiallyAllocated:
            try step(.inventoryAllocated, #"{"orderId":"SO-T","lines":[{"lineId":"1","quantity":10}]}"#)
        case .allocated:
            try step(.inventoryAllocated, #"{"orderId":"SO-T","lines":[{"lineId":"1","quantity":10},{"lineId":"2","quantity":10}]}"#)
        case .backordered:
            try step(.inventoryAllocated, #"{"orderId":"SO-T","lines":[{"lineId":"1","quantity":10}]}"#)
            try step(.inventoryBackordered, #"{"orderId":"SO-T","lines":[{"lineId":"2","quantity":10,"expectedDate":"2026-12-15"}]}"#)
        case .partiallyShipped:
            try ship("SH-1", line: "1")
        case .shipped:
            try ship("SH-1", line: "1"); try ship("SH-2", line: "2")
        case .delivered:
            try ship("SH-1", line: "1"); try ship("SH-2", line: "2")
            try step(.shipmentDelivered, #"{"orderId":"SO-T","shipmentId":"SH-1"}"#)
            try step(.shipmentDelivered, #"{"orderId":"SO-T","shipmentId":"SH-2"}"#)
        case .partiallyInvoiced:
            try ship("SH-1", line: "1"); try ship("SH-2", line: "2"); try invoice("INV-1", line: "1")
        case .invoiced:
            try ship("SH-1", line: "1"); try ship("SH-2", line: "2"); try invoice("INV-1", line: "1"); try invoice("INV-2", line: "2")
        case .partiallyPaid:
            try ship("SH-1", line: "1"); try ship("SH-2", line: "2"); try invoice("INV-1", line: "1"); try invoice("INV-2", line: "2"); pay("INV-1")
        case .closed:
            try ship("SH-1", line: "1"); try ship("SH-2", line: "2"); try invoice("INV-1", line: "1"); try invoice("INV-2", line: "2")
            pay("INV-1"); pay("INV-2")
        case .cancelled:
            try step(.orderCancelled, #"{"orderId":"SO-T"}"#)
        }
        return state
    }

    /// What each status does with each event: `nil` = handled, else the refusal code.
    static let refusals: [OrderStatus: [String: ErrorCode]] = {
        let base: [String: ErrorCode] = [
            "placed": .orderExists, "released": .noSuchHold, "tracking": .unknownShipment, "delivered": .unknownShipment,
            "invoice": .invoiceExceedsShipped, "creditmemo": .overCredit, "return.authorized": .overReturn, "return.received": .overReturn,
        ]
        var afterShipping = base
        afterShipping["cancelled"] = .cancelAfterShipment
        afterShipping["tracking"] = nil
        afterShipping["delivered"] = nil
        afterShipping["invoice"] = nil
        var fullyShipped = afterShipping
        fullyShipped["allocated"] = .overAllocation
        fullyShipped["backordered"] = .overAllocation
        fullyShipped["shipped"] = .overShipment
        var delivered = fullyShipped
        delivered["return.authorized"] = nil
        delivered["return.received"] = nil
        var invoiced = fullyShipped
        invoiced["invoice"] = .invoiceExceedsShipped
        invoiced["creditmemo"] = nil
        var onHold = base
        onHold["released"] = nil
        onHold["allocated"] = .orderOnHold
        onHold["backordered"] = .orderOnHold
        onHold["shipped"] = nil  // recorded (it happened), with an exception for the hold's owner
        var allocated = base
        allocated["allocated"] = .overAllocation
        allocated["backordered"] = .overAllocation
        return [
            .received: Dictionary(uniqueKeysWithValues: events.map { ($0.0, ErrorCode.orderNotAccepted) }),
            .cancelled: Dictionary(uniqueKeysWithValues: events.map { ($0.0, ErrorCode.orderCancelled) }),
            .onHold: onHold, .accepted: base, .partiallyAllocated: base, .allocated: allocated, .backordered: base,
            .partiallyShipped: afterShipping, .shipped: fullyShipped, .delivered: delivered,
            .partiallyInvoiced: invoiced, .invoiced: invoiced, .partiallyPaid: invoiced, .closed: invoiced,
        ]
    }()

    @Test("the fixture orders really are in the status they are named after", arguments: OrderStatus.allCases)
    func fixtures(_ status: OrderStatus) throws {
        #expect(try Self.order(in: status).status == status)
    }

    @Test("every status handles or refuses every order event with its code", arguments: OrderStatus.allCases)
    func table(_ status: OrderStatus) throws {
        let state = try Self.order(in: status)
        var master = standardMaster
        if status == .onHold { master.receivables["C-1"] = 950_00 }
        let expected = try #require(Self.refusals[status])
        for (name, type, text) in Self.events {
            let event = try payload(type, text)
            do {
                let transition = try Self.lifecycle.apply(event, to: state, master: master)
                #expect(expected[name] == nil, "\(status.rawValue) + \(name) was handled, expected refusal \(expected[name]?.rawValue ?? "")")
                for line in transition.state.lines {
                    #expect(line.brokenInvariants(invoiceOn: .shipment).isEmpty, "\(status.rawValue) + \(name) broke an invariant")
                }
            } catch {
                #expect(
                    error.code == expected[name],
                    "\(status.rawValue) + \(name) refused with \(error.code.rawValue), expected \(expected[name]?.rawValue ?? "handled")")
            }
        }
    }
}
