import WaybillCore
import WaybillStore
import WaybillX12

extension X12Partner {
    /// The envelope of what we send this partner, dated `at` (UTC).
    func envelope(at: Timestamp) -> X12Writer.Envelope {
        let day = X12Date.date(at.day)
        return X12Writer.Envelope(
            senderQualifier: ourQualifier, sender: ourId, receiverQualifier: qualifier, receiver: interchangeId, date: String(day.dropFirst(2)),
            time: X12Date.time(at), groupDate: day, testIndicator: usage)
    }
}

/// The outbound documents: which event each set carries, its functional group, and how the
/// canonical event becomes its segments.
public enum X12Outbound {
    /// The functional identifier code (GS01) of a set.
    static func functionalCode(_ set: String) -> String {
        switch set {
        case "855": return "PR"
        case "856": return "SH"
        case "810": return "IN"
        case "997": return "FA"
        default: return "ZZ"
        }
    }

    /// The sets Waybill writes, and the event types each carries: the 855 acknowledges the order
    /// when it is accepted, and again (BAK01 `05`, ACK `IB` with the expected date) when lines
    /// are backordered.
    public static let carries: [String: Set<EventType>] = [
        "855": [.orderAccepted, .orderAcknowledged, .inventoryBackordered], "856": [.shipmentConfirmed], "810": [.invoicePosted],
    ]

    /// The business document the event is about (for the interchange record and file name).
    static func reference(_ data: JSONValue, type: EventType) -> String {
        func text(_ key: String) -> String? { if case .string(let s)? = data[key] { s } else { nil } }
        switch type {
        case .shipmentConfirmed: return text("shipmentId") ?? "?"
        case .invoicePosted: return text("invoiceId") ?? "?"
        default: return text("orderId") ?? "?"
        }
    }

    /// The segments of `set` for an event's `data`, in the partner's terms.
    static func segments(set: String, type: EventType, data: JSONValue, order: X12OrderContext, at: Timestamp) throws -> [[String]] {
        guard carries[set]?.contains(type) == true else {
            let carried = (carries[set] ?? []).map(\.rawValue).sorted().joined(separator: ", ")
            throw WaybillError(
                .invalidPayload, "an X12 \(set) cannot carry \(type.rawValue); it carries \(carried.isEmpty ? "nothing Waybill writes" : carried)")
        }
        let day = X12Date.date(at.day)
        switch set {
        case "855" where type == .inventoryBackordered:
            let backorder = try Backorder(PayloadReader.object(data, at: "$.data"))
            var decisions = decisions(order)
            for line in backorder.lines {
                decisions[line.lineId] = .init(.backordered, quantity: line.quantity, date: line.date.map(X12Date.date))
            }
            return AcknowledgementMapping.segments(order: order, decisions: decisions, date: day, purpose: "05")
        case "855" where type == .orderAcknowledged:
            // An order waiting for master data: the lines the hub cannot fill are rejected (IR).
            var decisions = decisions(order)
            guard case .array(let lines)? = data["lines"] else { throw WaybillError(.invalidPayload, "the acknowledgement has no lines", at: "$.data.lines") }
            for line in lines where line["status"] == .string("rejected") {
                guard case .string(let id)? = line["lineId"] else { continue }
                decisions[LineID(id)] = .init(.rejected)
            }
            return AcknowledgementMapping.segments(order: order, decisions: decisions, date: day)
        case "855":
            return AcknowledgementMapping.segments(order: order, decisions: decisions(order), date: day)
        case "856":
            return try ShipNoticeMapping.segments(
                ShipmentConfirmation(PayloadReader.object(data, at: "$.data")), order: order, date: day, time: X12Date.time(at))
        default:
            return try InvoiceMapping.segments(InvoicePosting(PayloadReader.object(data, at: "$.data")), order: order, date: day)
        }
    }

    /// Lines cancelled to zero before the acknowledgement are rejected (IR); the others accepted.
    static func decisions(_ order: X12OrderContext) -> [LineID: AcknowledgementMapping.LineDecision] {
        var decisions: [LineID: AcknowledgementMapping.LineDecision] = [:]
        for line in order.lines where line.ordered.isZero { decisions[line.lineId] = .init(.rejected) }
        return decisions
    }

    /// The file name of an interchange in the partner's directory: set, then control number.
    static func fileName(set: String, control: Int) -> String {
        "\(set)-\(X12Writer.controlNumber(control)).edi"
    }
}
