import WaybillCore

/// 850 purchase order → the data of `o2c.order.placed` (EVENTS.md), in the partner's ids: the
/// hub resolves the customer and items through the partner system's cross-references.
public enum PurchaseOrderMapping {
    /// Maps one 850 set.
    ///
    /// - orderId: `<sender>-<BEG03>`; customerPO: BEG03; customerId: N1*BY/BT with qualifier 92,
    ///   else the ISA sender; requestedDate: DTM*002; shipToId: N1*ST element 4; lines: PO1 with
    ///   the vendor's part number (VP) when given, else the buyer's (BP), and the PID description;
    ///   currency: CUR, else USD. Also (extensions): orderDate BEG05, shipTo name and N3/N4
    ///   address, references REF01 → REF02.
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
        var references: [(String, JSONValue?)] = []
        var party: String?
        var shipToName: String?
        var address: [(String, JSONValue?)] = []
        var pendingLine: X12Segment?
        var description: String?
        func flushLine() throws(X12Error) {
            if let po1 = pendingLine { lines.append(try line(po1, number: lines.count + 1, description: description)) }
            pendingLine = nil
            description = nil
        }
        // One pass over the set.
        for segment in set.segments {
            switch segment.id {
            case "N1":
                party = segment[1]
                if (segment[1] == "BY" || segment[1] == "BT"), segment[3] == "92", !segment[4].isEmpty { customer = segment[4] }
                if segment[1] == "ST" {
                    if !segment[4].isEmpty { shipTo = segment[4] }
                    if !segment[2].isEmpty { shipToName = segment[2] }
                }
            case "N3" where party == "ST":
                address.append(("line1", .string(segment[1])))
                if !segment[2].isEmpty { address.append(("line2", .string(segment[2]))) }
            case "N4" where party == "ST":
                address += [
                    ("city", .string(segment[1])), ("region", segment[2].isEmpty ? nil : .string(segment[2])),
                    ("postalCode", segment[3].isEmpty ? nil : .string(segment[3])), ("country", segment[4].isEmpty ? nil : .string(segment[4])),
                ]
            case "REF" where !segment[1].isEmpty: references.append((segment[1], .string(segment[2].isEmpty ? segment[3] : segment[2])))
            case "DTM" where requested == nil && segment[1] == "002": requested = segment[2]
            case "CUR": currency = segment[2]
            case "CTT": ctt = segment
            case "PO1":
                try flushLine()
                party = nil
                pendingLine = segment
            case "PID" where pendingLine != nil && description == nil && !segment[5].isEmpty: description = segment[5]
            default: break
            }
        }
        try flushLine()
        if let ctt {
            guard Int(ctt[1]) == lines.count else {
                throw X12Error(.controlTotalMismatch, "CTT01 counts \(ctt[1]) lines, the 850 has \(lines.count)", segment: ctt.position, element: 1)
            }
        }
        // Beyond EVENTS.md (compatible extensions, kept in the log): the ship-to name and address
        // of the N1 ST loop, the REF references by qualifier, the PO date.
        let shipToDetail: JSONValue? =
            shipToName == nil && address.isEmpty
            ? nil : .members([("name", shipToName.map(JSONValue.string)), ("address", address.isEmpty ? nil : .members(address))])
        return .members([
            ("orderId", .string("\(interchange.sender)-\(po)")), ("customerId", .string(customer)), ("customerPO", .string(po)),
            ("channel", .string("edi")), ("currency", .string(currency)), ("shipToId", shipTo.map(JSONValue.string)),
            ("requestedDate", requested.flatMap(date).map(JSONValue.string)), ("lines", .array(lines)),
            ("orderDate", date(beg[5]).map(JSONValue.string)), ("shipTo", shipToDetail),
            ("references", references.isEmpty ? nil : .members(references)),
        ])
    }

    /// The item a PO1 orders and the element that names it: our part number (VP) when given,
    /// else the buyer's (BP), else the manufacturer's (IN); nil when it names none.
    public static func item(of po1: X12Segment) -> (element: Int, value: String)? {
        var best: (element: Int, value: String)?
        var bestRank = Int.max
        var n = 6
        while n + 1 <= po1.elements.count {
            let rank =
                switch po1[n] {
                case "VP": 0
                case "BP": 1
                case "IN": 2
                default: Int.max
                }
            if rank < bestRank, !po1[n + 1].isEmpty {
                best = (n + 1, po1[n + 1])
                bestRank = rank
            }
            n += 2
        }
        return best
    }

    /// One PO1: line number, quantity, unit, price and the item — our part number (VP) when
    /// given, else the buyer's (BP), else the manufacturer's (IN).
    static func line(_ po1: X12Segment, number: Int, description: String?) throws(X12Error) -> JSONValue {
        guard Quantity(text: po1[2]) != nil else {
            throw X12Error(.invalidNumber, "PO102 \"\(po1[2])\" is not a quantity", segment: po1.position, element: 2)
        }
        guard let sku = item(of: po1)?.value else {
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
        if let description { members.append(("description", .string(description))) }
        return .members(members)
    }

    /// The CloudEvent an 850 becomes: `o2c.order.placed` with id `<ISA13>-<GS06>-<ST02>` (so the
    /// same interchange sent again is a duplicate), the partner as source, the group's date and
    /// time as `time`, the order as subject.
    public static func cloudEvent(
        _ set: X12TransactionSet, group: X12FunctionalGroup, in interchange: X12Interchange, source: String
    ) throws(X12Error) -> CloudEvent {
        let data = try orderPlaced(set, in: interchange)
        let day = group.header[4]
        let time = group.header[5]
        var at: Timestamp?
        if let day = date(day), time.count >= 4, time.prefix(4).allSatisfy(\.isNumber) {
            let t = Array(time)
            at = Timestamp(rfc3339: "\(day)T\(String(t[0..<2])):\(String(t[2..<4])):00Z")
        }
        let orderId: String? = if case .string(let s)? = data["orderId"] { s } else { nil }
        return CloudEvent(
            id: "\(interchange.controlNumber)-\(group.controlNumber)-\(set.controlNumber)", source: source, type: .orderPlaced, subject: orderId,
            time: at, traceparent: nil, data: data)
    }

    /// CCYYMMDD → YYYY-MM-DD.
    static func date(_ text: String) -> String? {
        let digits = Array(text)
        guard digits.count == 8, digits.allSatisfy(\.isNumber) else { return nil }
        return "\(String(digits[0..<4]))-\(String(digits[4..<6]))-\(String(digits[6..<8]))"
    }
}
