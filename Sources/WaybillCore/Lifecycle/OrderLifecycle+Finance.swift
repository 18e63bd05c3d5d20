extension OrderLifecycle {
    func applyInvoice(_ invoice: InvoicePosting, to state: inout OrderState, effects: inout [OrderEffect]) throws(WaybillError) {
        guard invoice.currency == state.currency else {
            throw WaybillError(
                .currencyMismatch, "invoice \(invoice.invoiceId) is in \(invoice.currency), order \(state.orderId) in \(state.currency)", at: "$.data.currency")
        }
        guard !state.invoices.contains(where: { $0.invoiceId == invoice.invoiceId }) else {
            throw WaybillError(.duplicateInvoice, "invoice \(invoice.invoiceId) was already posted for order \(state.orderId)", at: "$.data.invoiceId")
        }
        var mismatches: [String] = []
        for (i, entry) in invoice.lines.enumerated() {
            let index = try lineIndex(entry.lineId, in: state, position: i)
            var line = state.lines[index]
            let limit = policies.invoiceOn == .delivery ? line.delivered : line.shipped
            guard line.invoiced + entry.quantity <= limit else {
                throw WaybillError(
                    .invoiceExceedsShipped,
                    "line \(line.lineId): invoicing \(entry.quantity) would invoice \(line.invoiced + entry.quantity) but only \(limit) \(policies.invoiceOn == .delivery ? "delivered" : "shipped")",
                    at: "$.data.lines[\(i)].quantity")
            }
            if entry.unitPrice.micros != line.unitPrice.micros {
                mismatches.append("line \(line.lineId) invoiced at \(entry.unitPrice.text), ordered at \(line.unitPrice.text)")
            }
            line.invoiced += entry.quantity
            if line.invoiceRequested < line.invoiced { line.invoiceRequested = line.invoiced }
            state.lines[index] = line
        }
        if !mismatches.isEmpty {
            effects.append(
                .raise(
                    ExceptionDraft(
                        .invoiceMismatch, .invoicePriceMismatch,
                        "invoice \(invoice.invoiceId) for order \(state.orderId): " + mismatches.joined(separator: "; "))))
        }
        state.invoices.append(
            InvoiceRecord(
                invoiceId: invoice.invoiceId, total: invoice.total, paid: .zero(state.currency),
                credited: .zero(state.currency), dueDate: invoice.dueDate))
        if let customer = state.customerId { effects.append(.receivablesChanged(customer, invoice.total.minorUnits)) }
    }

    func applyCreditMemo(_ memo: CreditMemoPosting, to state: inout OrderState, effects: inout [OrderEffect]) throws(WaybillError) {
        guard !state.creditMemos.contains(memo.creditMemoId) else {
            throw WaybillError(.duplicateCreditMemo, "credit memo \(memo.creditMemoId) was already posted", at: "$.data.creditMemoId")
        }
        guard let total = memo.total.money(in: state.currency) else {
            throw WaybillError(.invalidPayload, "\(memo.total.text) has more decimals than \(state.currency) allows", at: "$.data.total")
        }
        var sum = Money.zero(state.currency)
        for (i, entry) in memo.lines.enumerated() {
            let index = try lineIndex(entry.lineId, in: state, position: i)
            let line = state.lines[index]
            guard line.credited + entry.quantity <= line.invoiced else {
                throw WaybillError(
                    .overCredit, "line \(line.lineId): crediting \(entry.quantity) exceeds the \(line.invoiced - line.credited) invoiced and not yet credited",
                    at: "$.data.lines[\(i)].quantity")
            }
            state.lines[index].credited += entry.quantity
            sum = sum + entry.unitPrice.unitPrice(in: state.currency).extended(entry.quantity)
        }
        guard sum == total else {
            throw WaybillError(.creditMemoTotalMismatch, "total \(total.text) is not the sum of the lines \(sum.text)", at: "$.data.total")
        }
        var remaining = total.minorUnits
        var targets = Array(state.invoices.indices)
        if let invoiceId = memo.invoiceId {
            guard let index = state.invoices.firstIndex(where: { $0.invoiceId == invoiceId }) else {
                throw WaybillError(.unknownInvoice, "order \(state.orderId) has no invoice \(invoiceId)", at: "$.data.invoiceId")
            }
            targets = [index] + targets.filter { $0 != index }
        }
        for index in targets where remaining > 0 {
            let take = min(remaining, max(0, state.invoices[index].openBalance.minorUnits))
            state.invoices[index].credited.minorUnits += take
            remaining -= take
        }
        if remaining > 0, let first = targets.first { state.invoices[first].credited.minorUnits += remaining }
        state.creditMemos.append(memo.creditMemoId)
        if let customer = state.customerId { effects.append(.receivablesChanged(customer, -total.minorUnits)) }
    }

    /// Applies one application of a payment to an invoice of this order. A second application of
    /// the same payment changes nothing; paying more than the open balance is an overpayment exception.
    public func applyPayment(_ paymentId: PaymentID, _ application: PaymentApplication, to state: OrderState) -> Transition {
        var next = state
        var effects: [OrderEffect] = []
        let key = PaymentID("\(paymentId)/\(application.invoiceId)")
        guard !state.payments.contains(key),
            let index = next.invoices.firstIndex(where: { $0.invoiceId == application.invoiceId })
        else {
            return Transition(state: state, effects: [])
        }
        let open = next.invoices[index].openBalance
        next.invoices[index].paid = next.invoices[index].paid + application.amount
        next.payments.append(key)
        if application.amount > open {
            effects.append(
                .raise(
                    ExceptionDraft(
                        .paymentMismatch, .overPayment,
                        "payment \(paymentId) applies \(application.amount.text) to invoice \(application.invoiceId) whose open balance is \(open.text)")))
        }
        if let customer = next.customerId { effects.append(.receivablesChanged(customer, -application.amount.minorUnits)) }
        return finish(before: state, after: next, effects: effects)
    }
}
