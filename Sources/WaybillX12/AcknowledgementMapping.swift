import WaybillCore

/// `o2c.order.accepted` (and the order's line decisions) → an 855 purchase order acknowledgement:
/// BAK with the buyer's PO number, then per line PO1 (as ordered, in the partner's unit and part
/// numbers) and ACK with the line status code: IA accepted, IB backordered, IR rejected, IQ
/// quantity changed.
public enum AcknowledgementMapping {
    /// What the seller says of one line.
    public enum LineStatus: String, Sendable {
        case accepted = "IA", backordered = "IB", rejected = "IR", quantityChanged = "IQ"
    }

    /// The seller's decision on one line: its status, the quantity acknowledged (base units;
    /// nil = as ordered) and the date it ships (CCYYMMDD, for backorders).
    public struct LineDecision: Sendable, Equatable {
        public var status: LineStatus
        public var quantity: Quantity?
        public var date: String?

        public init(_ status: LineStatus, quantity: Quantity? = nil, date: String? = nil) {
            self.status = status
            self.quantity = quantity
            self.date = date
        }
    }

    /// The segments of the 855 between ST and SE.
    ///
    /// - Parameters:
    ///   - decisions: a decision per line; lines not named are accepted as ordered.
    ///   - date: CCYYMMDD of the acknowledgement.
    ///   - purpose: BAK01 — `00` original, `05` replace (a later acknowledgement, e.g. of a backorder).
    public static func segments(order: X12OrderContext, decisions: [LineID: LineDecision] = [:], date: String, purpose: String = "00") -> [[String]] {
        let anyChange = decisions.values.contains { $0.status != .accepted }
        var segments: [[String]] = [["BAK", purpose, anyChange ? "AC" : "AT", order.purchaseOrder, date]]
        for line in order.lines {
            let decision = decisions[line.lineId] ?? LineDecision(.accepted)
            let (ordered, uom) = line.partnerQuantity(line.ordered)
            let (acknowledged, ackUom) = line.partnerQuantity(decision.quantity ?? line.ordered)
            segments.append(["PO1", line.lineId.rawValue, ordered.text, uom.rawValue, line.price(per: uom).text, ""] + line.itemIds)
            var ack = ["ACK", decision.status.rawValue, acknowledged.text, ackUom.rawValue]
            if let date = decision.date { ack += ["068", date] }
            segments.append(ack)
        }
        segments.append(["CTT", String(order.lines.count)])
        return segments
    }
}
