import WaybillCore

/// `o2c.order.accepted` (and the order's line decisions) → an 855 purchase order acknowledgement:
/// BAK with the buyer's PO number, then per line PO1 (as ordered) and ACK with the line status
/// code: IA accepted, IB backordered, IR rejected, IQ quantity changed.
public enum AcknowledgementMapping {
    /// What the seller says of one line.
    public enum LineStatus: String, Sendable {
        case accepted = "IA", backordered = "IB", rejected = "IR", quantityChanged = "IQ"
    }

    /// The segments of the 855 between ST and SE.
    ///
    /// - Parameters:
    ///   - order: the `data` of `o2c.order.accepted` (canonical order: base units, prices).
    ///   - statuses: a status per `lineId`; lines not named are accepted.
    ///   - date: CCYYMMDD of the acknowledgement.
    public static func segments(
        order: JSONValue, statuses: [String: (LineStatus, quantity: String?, date: String?)] = [:], date: String
    )
        throws(X12Error) -> [[String]]
    {
        func text(_ value: JSONValue?) -> String {
            switch value {
            case .string(let s)?: return s
            case .number(let n)?: return n
            default: return ""
            }
        }
        guard case .array(let lines)? = order["lines"], !text(order["orderId"]).isEmpty else {
            throw X12Error(.unexpectedSegment, "the accepted order has no orderId or lines")
        }
        let po = text(order["customerPO"]).isEmpty ? text(order["orderId"]) : text(order["customerPO"])
        let anyChange = statuses.values.contains { $0.0 != .accepted }
        var segments: [[String]] = [["BAK", "00", anyChange ? "AC" : "AT", po, date]]
        for line in lines {
            let id = text(line["lineId"])
            let (status, changed, lineDate) = statuses[id] ?? (.accepted, nil, nil)
            segments.append(["PO1", id, text(line["quantity"]), text(line["uom"]), text(line["unitPrice"]), "", "VP", text(line["sku"])])
            var ack = ["ACK", status.rawValue, changed ?? text(line["quantity"]), text(line["uom"])]
            if let lineDate { ack += ["068", lineDate] }
            segments.append(ack)
        }
        segments.append(["CTT", String(lines.count)])
        return segments
    }
}
