import Testing
import WaybillCore

@Suite("Workflow rules")
struct WorkflowRuleTests {
    let lifecycle = OrderLifecycle(policies: Policies())

    func apply(
        _ state: OrderState, _ type: EventType, _ text: String, master: FixedMasterData = standardMaster, lifecycle: OrderLifecycle? = nil
    ) throws -> Transition {
        try (lifecycle ?? self.lifecycle).apply(try payload(type, text), to: state, master: master)
    }

    @Test("cases are converted to eaches and case prices to each prices")
    func unitConversion() {
        let order = placement(
            #"{"orderId":"SO-1","customerId":"C-1","currency":"USD","lines":[{"lineId":"1","sku":"A","quantity":4,"uom":"CA","unitPrice":"60.00"}]}"#)
        let state = lifecycle.place(order, from: "portal", at: t0, traceId: "t", master: standardMaster).state
        #expect(state.lines[0].ordered == Quantity(48))
        #expect(state.lines[0].unitPrice.text == "5.00")
        #expect(state.total.text == "240.00")
    }

    @Test("an unknown item or unit parks the order with a mapping exception; master data releases it")
    func mappingGapThenRevalidate() throws {
        let order = placement(
            #"{"orderId":"SO-1","customerId":"CRM-1","currency":"USD","lines":[{"lineId":"1","sku":"NEW-1","quantity":2},{"lineId":"2","sku":"A","quantity":1,"uom":"PL"}]}"#
        )
        let parked = lifecycle.place(order, from: "crm", at: t0, traceId: "t", master: standardMaster)
        #expect(parked.state.status == .received)
        #expect(parked.state.gaps.map(\.kind) == [.item, .unit])
        #expect(parked.raised.map(\.kind) == [.mapping])
        #expect(parked.state.gaps[0].path == "$.data.lines[0].sku")
        #expect(!parked.emitted.contains { $0.type == .orderAccepted })

        var master = standardMaster
        master.products.append(try ProductRecord(PayloadReader.object(json(#"{"sku":"NEW-1","baseUom":"EA","listPrice":"1.00","currency":"USD"}"#), at: "$")))
        master.products[0].uomConversions[UnitOfMeasure("PL")] = Quantity(100)
        let fixed = lifecycle.revalidate(parked.state, master: master)
        #expect(fixed.state.status == .accepted)
        #expect(fixed.state.customerId == "C-1", "the CRM's own customer id resolves through the cross-reference")
        #expect(fixed.effects.contains(.settle(.mapping)))
        #expect(fixed.emitted.contains { $0.type == .orderAccepted })
        #expect(fixed.state.lines[1].ordered == Quantity(100))
    }

    @Test("an event's lines find the order's lines in any order; a line the order lacks is refused at its path")
    func linesByIdInAnyOrder() throws {
        let state = lifecycle.place(placement(), from: "portal", at: t0, traceId: "t", master: standardMaster).state
        let allocated = try apply(
            state, .inventoryAllocated, #"{"orderId":"SO-T","lines":[{"lineId":"2","quantity":3},{"lineId":"1","quantity":7}]}"#)
        #expect(allocated.state.lines.map(\.allocated) == [Quantity(7), Quantity(3)])
        #expect(throws: WaybillError.self) {
            do {
                _ = try apply(state, .inventoryAllocated, #"{"orderId":"SO-T","lines":[{"lineId":"1","quantity":1},{"lineId":"9","quantity":1}]}"#)
            } catch let error as WaybillError {
                #expect(error.code == .unknownLine && error.path == "$.data.lines[1].lineId" && error.message.contains("no line 9"))
                throw error
            }
        }
    }

    @Test("order value plus open receivables over the credit limit holds the order until finance releases it")
    func creditHold() throws {
        var master = standardMaster
        master.receivables["C-1"] = 950_00
        let held = lifecycle.place(placement(), from: "portal", at: t0, traceId: "t", master: master)
        #expect(held.state.status == .onHold)
        #expect(held.raised.map(\.kind) == [.creditHold])
        #expect(held.emitted.map(\.type).contains(.orderHeld))
        #expect(!held.emitted.map(\.type).contains(.orderAccepted))
        let released = try apply(held.state, .orderReleased, #"{"orderId":"SO-T","hold":"credit","reason":"approved"}"#, master: master)
        #expect(released.state.status == .accepted)
        #expect(released.emitted.map(\.type).contains(.orderAccepted))
        #expect(released.effects.contains(.settle(.creditHold)))
    }

    @Test("the credit limit is not exceeded at exactly the limit")
    func creditAtLimit() {
        var master = standardMaster
        master.receivables["C-1"] = 900_00  // 900 + 100 = 1000 = the limit
        #expect(lifecycle.place(placement(), from: "portal", at: t0, traceId: "t", master: master).state.status == .accepted)
    }

    @Test(
        "a price outside the tolerance of the list price is a pricing hold; inside it is not",
        arguments: [("5.02", false), ("4.98", false), ("5.10", true), ("4.50", true)])
    func priceTolerance(_ price: String, _ held: Bool) {
        let order = placement(
            #"{"orderId":"SO-1","customerId":"C-1","currency":"USD","lines":[{"lineId":"1","sku":"A","quantity":1,"unitPrice":"\#(price)"}]}"#)
        let t = lifecycle.place(order, from: "portal", at: t0, traceId: "t", master: standardMaster)
        #expect((t.state.status == .onHold) == held)
        #expect(t.raised.contains { $0.kind == .pricing } == held)
    }

    @Test("invoice requests cover shipped, uninvoiced quantities only and never repeat")
    func invoiceReadinessOnShipment() throws {
        var state = lifecycle.place(placement(), from: "portal", at: t0, traceId: "t", master: standardMaster).state
        let first = try apply(state, .shipmentConfirmed, #"{"orderId":"SO-T","shipmentId":"SH-1","lines":[{"lineId":"1","quantity":4}]}"#)
        let request = try #require(first.emitted.first { $0.type == .invoiceRequested })
        #expect(JSONWriter.string(request.data) == #"{"lines":[{"lineId":"1","quantity":4,"unitPrice":"5.00"}],"orderId":"SO-T","shipmentIds":["SH-1"]}"#)
        state = first.state
        state = try apply(
            state, .invoicePosted,
            #"{"orderId":"SO-T","invoiceId":"I-1","currency":"USD","lines":[{"lineId":"1","quantity":4,"unitPrice":"5.00"}],"total":"20.00"}"#
        ).state
        let second = try apply(
            state, .shipmentConfirmed, #"{"orderId":"SO-T","shipmentId":"SH-2","lines":[{"lineId":"1","quantity":6},{"lineId":"2","quantity":10}]}"#)
        let next = try #require(second.emitted.first { $0.type == .invoiceRequested })
        #expect(JSONWriter.string(next.data).contains(#"{"lineId":"1","quantity":6,"unitPrice":"5.00"}"#))
        #expect(JSONWriter.string(next.data).contains(#"{"lineId":"2","quantity":10,"unitPrice":"5.00"}"#))
        let tracking = try apply(second.state, .shipmentTracking, #"{"orderId":"SO-T","shipmentId":"SH-2","status":"in_transit"}"#)
        #expect(!tracking.emitted.contains { $0.type == .invoiceRequested })
    }

    @Test("with invoiceOn: delivery, the request waits for proof of delivery and invoices may not exceed it")
    func invoiceReadinessOnDelivery() throws {
        let byDelivery = OrderLifecycle(policies: Policies(invoiceOn: .delivery))
        let state = byDelivery.place(placement(), from: "portal", at: t0, traceId: "t", master: standardMaster).state
        let shipped = try apply(
            state, .shipmentConfirmed, #"{"orderId":"SO-T","shipmentId":"SH-1","lines":[{"lineId":"1","quantity":10}]}"#, lifecycle: byDelivery)
        #expect(!shipped.emitted.contains { $0.type == .invoiceRequested })
        #expect(throws: WaybillError.self) {
            try apply(
                shipped.state, .invoicePosted,
                #"{"orderId":"SO-T","invoiceId":"I-1","currency":"USD","lines":[{"lineId":"1","quantity":10,"unitPrice":"5.00"}],"total":"50.00"}"#,
                lifecycle: byDelivery)
        }
        let delivered = try apply(shipped.state, .shipmentDelivered, #"{"orderId":"SO-T","shipmentId":"SH-1"}"#, lifecycle: byDelivery)
        #expect(delivered.emitted.contains { $0.type == .invoiceRequested })
    }

    @Test("over-shipping is refused and names the line and quantity")
    func overShipment() throws {
        let state = lifecycle.place(placement(), from: "portal", at: t0, traceId: "t", master: standardMaster).state
        let error = #expect(throws: WaybillError.self) {
            try apply(state, .shipmentConfirmed, #"{"orderId":"SO-T","shipmentId":"SH-1","lines":[{"lineId":"2","quantity":3},{"lineId":"1","quantity":11}]}"#)
        }
        #expect(error?.code == .overShipment)
        #expect(error?.path == "$.data.lines[1].quantity")
        #expect(error?.message.contains("11 of 10") == true)
    }

    @Test("an invoice at another price than ordered is posted but raises invoice_mismatch")
    func invoicePriceMismatch() throws {
        var state = lifecycle.place(placement(), from: "portal", at: t0, traceId: "t", master: standardMaster).state
        state = try apply(state, .shipmentConfirmed, #"{"orderId":"SO-T","shipmentId":"SH-1","lines":[{"lineId":"1","quantity":10}]}"#).state
        let t = try apply(
            state, .invoicePosted,
            #"{"orderId":"SO-T","invoiceId":"I-1","currency":"USD","lines":[{"lineId":"1","quantity":10,"unitPrice":"5.50"}],"total":"55.00"}"#)
        #expect(t.raised.map(\.code) == [.invoicePriceMismatch])
        #expect(t.state.invoicedTotal.text == "55.00")
        #expect(t.effects.contains(.receivablesChanged("C-1", 55_00)))
    }

    @Test("payments apply once; more than the open balance is an overpayment exception")
    func payments() throws {
        var state = lifecycle.place(placement(), from: "portal", at: t0, traceId: "t", master: standardMaster).state
        state = try apply(
            state, .shipmentConfirmed, #"{"orderId":"SO-T","shipmentId":"SH-1","lines":[{"lineId":"1","quantity":10},{"lineId":"2","quantity":10}]}"#
        ).state
        state = try apply(
            state, .invoicePosted,
            #"{"orderId":"SO-T","invoiceId":"I-1","currency":"USD","lines":[{"lineId":"1","quantity":10,"unitPrice":"5.00"},{"lineId":"2","quantity":10,"unitPrice":"5.00"}],"total":"100.00"}"#
        ).state
        let part = lifecycle.applyPayment("P-1", PaymentApplication(invoiceId: "I-1", amount: Money(minorUnits: 40_00, currency: .usd)), to: state)
        #expect(part.state.status == .partiallyPaid)
        let again = lifecycle.applyPayment("P-1", PaymentApplication(invoiceId: "I-1", amount: Money(minorUnits: 40_00, currency: .usd)), to: part.state)
        #expect(again.state.paidTotal.text == "40.00", "the same payment applied twice counts once")
        let over = lifecycle.applyPayment("P-2", PaymentApplication(invoiceId: "I-1", amount: Money(minorUnits: 70_00, currency: .usd)), to: part.state)
        #expect(over.raised.map(\.code) == [.overPayment])
        #expect(over.state.status == .closed)
    }

    @Test("credit memos reduce what is owed and may not exceed what was invoiced")
    func creditMemo() throws {
        var state = lifecycle.place(placement(), from: "portal", at: t0, traceId: "t", master: standardMaster).state
        state = try apply(state, .shipmentConfirmed, #"{"orderId":"SO-T","shipmentId":"SH-1","lines":[{"lineId":"1","quantity":10}]}"#).state
        state = try apply(
            state, .invoicePosted,
            #"{"orderId":"SO-T","invoiceId":"I-1","currency":"USD","lines":[{"lineId":"1","quantity":10,"unitPrice":"5.00"}],"total":"50.00"}"#
        ).state
        let memo = try apply(
            state, .creditMemoPosted,
            #"{"orderId":"SO-T","creditMemoId":"CM-1","invoiceId":"I-1","lines":[{"lineId":"1","quantity":2,"unitPrice":"5.00"}],"total":"10.00"}"#)
        #expect(memo.state.openBalance.text == "40.00")
        #expect(memo.effects.contains(.receivablesChanged("C-1", -10_00)))
        let bad = #expect(throws: WaybillError.self) {
            try apply(
                state, .creditMemoPosted, #"{"orderId":"SO-T","creditMemoId":"CM-2","lines":[{"lineId":"1","quantity":2,"unitPrice":"5.00"}],"total":"11.00"}"#)
        }
        #expect(bad?.code == .creditMemoTotalMismatch)
    }

    @Test("a carrier exception raises a carrier exception for customer service")
    func carrierException() throws {
        var state = lifecycle.place(placement(), from: "portal", at: t0, traceId: "t", master: standardMaster).state
        state = try apply(state, .shipmentConfirmed, #"{"orderId":"SO-T","shipmentId":"SH-1","carrier":"UPS","lines":[{"lineId":"1","quantity":10}]}"#).state
        let t = try apply(state, .shipmentTracking, #"{"orderId":"SO-T","shipmentId":"SH-1","status":"exception","reason":"address not found"}"#)
        #expect(t.raised.map(\.kind) == [.carrier])
        #expect(t.raised[0].kind.role == .service)
        #expect(t.state.explanation.contains("carrier exception on SH-1"))
    }

    @Test("status_changed is emitted when the derived status moves, and only then")
    func statusChanged() throws {
        let placed = lifecycle.place(placement(), from: "portal", at: t0, traceId: "t", master: standardMaster)
        #expect(placed.emitted.filter { $0.type == .orderStatusChanged }.count == 1)
        let partial = try apply(placed.state, .inventoryAllocated, #"{"orderId":"SO-T","lines":[{"lineId":"1","quantity":5}]}"#)
        #expect(partial.emitted.map(\.type) == [.orderStatusChanged])
        let still = try apply(partial.state, .inventoryAllocated, #"{"orderId":"SO-T","lines":[{"lineId":"1","quantity":5}]}"#)
        #expect(still.emitted.isEmpty, "still partially allocated: nothing to announce")
    }

    @Test("the explanation tells customer service where the order stands")
    func explanation() throws {
        var state = lifecycle.place(placement(), from: "portal", at: t0, traceId: "t", master: standardMaster).state
        state = try apply(
            state, .shipmentConfirmed,
            #"{"orderId":"SO-T","shipmentId":"SH-1","warehouse":"DAL","carrier":"UPS","trackingNumber":"1Z999","lines":[{"lineId":"1","quantity":10}]}"#
        ).state
        state = try apply(state, .inventoryBackordered, #"{"orderId":"SO-T","lines":[{"lineId":"2","quantity":10,"expectedDate":"2026-12-15"}]}"#).state
        state = try apply(
            state, .invoicePosted,
            #"{"orderId":"SO-T","invoiceId":"INV-7001","currency":"USD","lines":[{"lineId":"1","quantity":10,"unitPrice":"5.00"}],"total":"50.00"}"#
        ).state
        #expect(
            state.explanation
                == "1 of 2 lines shipped from DAL via UPS 1Z999; line 2 backordered until 2026-12-15; invoice INV-7001 posted; awaiting payment of 50.00 USD.")
    }

    @Test("a status change is stored smaller than its JSON and written back byte for byte")
    func statusChangeStorage() throws {
        for status in OrderStatus.allCases {
            let state = try OrderLifecycleTableTests.order(in: status)
            for previous in [nil, OrderStatus.accepted] {
                let change = StatusChange(state, previous: previous)
                let stored = try StatusChange(storage: change.storage)
                #expect(stored.json == change.json, "\(status) from \(previous?.rawValue ?? "nil")")
                #expect(change.storage.count < change.json.count)
            }
        }
        // Fractional quantities, a currency without minor units, text that JSON must escape.
        var state = lifecycle.place(placement(), from: "portal", at: t0, traceId: "t", master: standardMaster).state
        state.orderId = OrderID("SO-\"Ünïcode\"\n")
        state.lines[0].unitPrice = UnitPrice(micros: 1_500_000, currency: try #require(Currency(code: "JPY")))
        state.lines[0].allocated = try #require(Quantity(text: "2.5"))
        let change = StatusChange(state, previous: .received)
        #expect(try StatusChange(storage: change.storage).json == change.json)
        #expect(change.json == HubEvent(statusChangeOf: state, from: .received).dataBytes)
    }

    @Test("a damaged stored status change is refused with the place it breaks")
    func statusChangeCorrupt() throws {
        let bytes = StatusChange(try OrderLifecycleTableTests.order(in: .shipped), previous: nil).storage
        #expect(throws: WaybillError.self) { try StatusChange(storage: Array(bytes.dropLast(3))) }
        #expect(throws: WaybillError.self) { try StatusChange(storage: bytes + [0]) }
        do {
            _ = try StatusChange(storage: [StatusChange.storageTag, 200])
            Issue.record("a string longer than the record must be refused")
        } catch {
            #expect(error.message.contains("at byte"))
        }
    }

    @Test("the stored state reads back exactly")
    func storageRoundTrip() throws {
        let state = try OrderLifecycleTableTests.order(in: .partiallyPaid)
        #expect(try OrderState(storage: state.storageBytes) == state)
        let received = try OrderLifecycleTableTests.order(in: .received)
        #expect(try OrderState(storage: received.storageBytes) == received)
    }
}
