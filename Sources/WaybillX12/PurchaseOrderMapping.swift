import WaybillCore

/// 850 purchase order → the data of `o2c.order.placed` (EVENTS.md), in the partner's ids: the
/// hub resolves the customer and items through the partner system's cross-references.
public enum PurchaseOrderMapping {
    /// Maps one 850 set.
    ///
    /// - orderId: `<sender>-<BEG03>`; customerPO: BEG03; customerId: N1*BY/BT with qualifier 92,
    ///   else the ISA sender; requestedDate: DTM*002; shipToId: N1*ST element 4; lines: PO1 with
    ///   the vendor's part number (VP) when given, else the buyer's (BP); currency: CUR, else USD.
    public static func orderPlaced(_ set: X12TransactionSet, in interchange: X12Interchange) throws(X12Error) -> JSONValue {
        guard set.code == "850" else {
            throw X12Error(.unexpectedSegment, "transaction set \(set.code) is not an 850", segment: set.header.position, element: 1)
        }
        guard let beg = set.segments.first(where: { $0.id == "BEG" }), !beg[3].isEmpty else {
            throw X12Error(.missingTrailer, "the 850 has no BEG with a purchase order number", segment: set.header.position)
        }
        let po = beg[3]
        var customer = interchange.sender
        var shipTo: String?
        var requested: String?
        var currency = "USD"
        var ctt: X12Segment?
        var lines: [JSONValue] = []
        lines.reserveCapacity(set.segments.count / 2)
        // One pass over the set.
        for segment in set.segments {
            switch segment.id {
            case "N1":
                if (segment[1] == "BY" || segment[1] == "BT"), segment[3] == "92", !segment[4].isEmpty { customer = segment[4] }
                if segment[1] == "ST", !segment[4].isEmpty { shipTo = segment[4] }
            case "DTM" where requested == nil && segment[1] == "002": requested = segment[2]
            case "CUR": currency = segment[2]
            case "CTT": ctt = segment
            case "PO1": lines.append(try line(segment, number: lines.count + 1))
            default: break
            }
        }
        if let ctt {
            guard Int(ctt[1]) == lines.count else {
                throw X12Error(.controlTotalMismatch, "CTT01 counts \(ctt[1]) lines, the 850 has \(lines.count)", segment: ctt.position, element: 1)
            }
        }
        return .members([
            ("orderId", .string("\(interchange.sender)-\(po)")), ("customerId", .string(customer)), ("customerPO", .string(po)),
            ("channel", .string("edi")), ("currency", .string(currency)), ("shipToId", shipTo.map(JSONValue.string)),
            ("requestedDate", requested.flatMap(date).map(JSONValue.string)), ("lines", .array(lines)),
        ])
    }

    /// One PO1: line number, quantity, unit, price and the item — our part number (VP) when
    /// given, else the buyer's (BP), else the manufacturer's (IN).
    static func line(_ po1: X12Segment, number: Int) throws(X12Error) -> JSONValue {
        guard Quantity(text: po1[2]) != nil else {
            throw X12Error(.invalidNumber, "PO102 \"\(po1[2])\" is not a quantity", segment: po1.position, element: 2)
        }
        var vendor: String?, buyer: String?, other: String?
        var n = 6
        while n + 1 <= po1.elements.count {
            switch po1[n] {
            case "VP": vendor = po1[n + 1]
            case "BP": buyer = po1[n + 1]
            case "IN": other = po1[n + 1]
            default: break
            }
            n += 2
        }
        guard let sku = vendor ?? buyer ?? other, !sku.isEmpty else {
            throw X12Error(.unexpectedSegment, "PO1 \(po1[1]) names no item (VP or BP)", segment: po1.position, element: 6)
        }
        var members: [(String, JSONValue?)] = [
            ("lineId", .string(po1[1].isEmpty ? String(number) : po1[1])), ("sku", .string(sku)),
            ("quantity", .number(po1[2])), ("uom", po1[3].isEmpty ? nil : .string(po1[3])),
        ]
        if !po1[4].isEmpty {
            guard UnitPrice(text: po1[4], currency: .usd) != nil else {
                throw X12Error(.invalidNumber, "PO104 \"\(po1[4])\" is not a price", segment: po1.position, element: 4)
            }
            members.append(("unitPrice", .string(po1[4])))
        }
        return .members(members)
    }

    /// CCYYMMDD → YYYY-MM-DD.
    static func date(_ text: String) -> String? {
        let digits = Array(text)
        guard digits.count == 8, digits.allSatisfy(\.isNumber) else { return nil }
        return "\(String(digits[0..<4]))-\(String(digits[4..<6]))-\(String(digits[6..<8]))"
    }
}
