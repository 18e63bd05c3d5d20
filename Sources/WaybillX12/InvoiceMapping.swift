import WaybillCore

/// `o2c.invoice.posted` → an 810 invoice: BIG (invoice date and number, order date, the buyer's
/// PO), CUR when not USD, N1 ST, ITD net due date, IT1 per line (quantity and price in the
/// partner's unit, part numbers), TDS total in implied cents, TXI tax, SAC freight, CTT.
public enum InvoiceMapping {
    /// The segments of the 810 between ST and SE.
    ///
    /// - Throws: when the invoice names a line the order does not have.
    public static func segments(_ invoice: InvoicePosting, order: X12OrderContext, date: String) throws(X12Error) -> [[String]] {
        var segments: [[String]] = [["BIG", invoice.invoiceDate.map(X12Date.date) ?? date, invoice.invoiceId.rawValue, order.orderDate, order.purchaseOrder]]
        if invoice.currency != .usd { segments.append(["CUR", "SE", invoice.currency.code]) }
        if let shipTo = order.shipToId { segments.append(["N1", "ST", "", "92", shipTo]) }
        if let due = invoice.dueDate { segments.append(["ITD", "01", "3", "", "", "", X12Date.date(due)]) }
        for invoiced in invoice.lines {
            guard let line = order.line(invoiced.lineId) else {
                throw X12Error(
                    .unexpectedSegment, "invoice \(invoice.invoiceId) names line \(invoiced.lineId), which order \(order.purchaseOrder) does not have")
            }
            // The invoice's own price per base unit, restated per the partner's unit.
            var priced = line
            priced.unitPrice = invoiced.unitPrice
            let (quantity, uom) = priced.partnerQuantity(invoiced.quantity)
            segments.append(["IT1", line.lineId.rawValue, quantity.text, uom.rawValue, priced.price(per: uom).text, ""] + line.itemIds)
        }
        segments.append(["TDS", String(invoice.total.minorUnits)])
        if invoice.tax.minorUnits != 0 { segments.append(["TXI", "TX", invoice.tax.text]) }
        if invoice.freight.minorUnits != 0 { segments.append(["SAC", "C", "D240", "", "", String(invoice.freight.minorUnits)]) }
        segments.append(["CTT", String(invoice.lines.count)])
        return segments
    }
}
