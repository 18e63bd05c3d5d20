/// A decimal amount whose currency is known only from its order (credit memos, changed lines),
/// exact to a millionth. Converted to `Money` or `UnitPrice` once the currency is known.
public struct Amount: Hashable, Sendable {
    public let micros: Int64

    public init(micros: Int64) { self.micros = micros }

    public init?(text: String) {
        guard let v = FixedPoint.parse(Substring(text).utf8, scale: 6) else { return nil }
        self.micros = v
    }

    /// This amount in `currency`; `nil` if it has finer precision than the currency's minor unit.
    public func money(in currency: Currency) -> Money? {
        var divisor: Int64 = 1
        for _ in 0..<(6 - currency.minorUnitDigits) { divisor *= 10 }
        guard micros % divisor == 0 else { return nil }
        return Money(minorUnits: micros / divisor, currency: currency)
    }

    public func unitPrice(in currency: Currency) -> UnitPrice { UnitPrice(micros: micros, currency: currency) }

    public var text: String { FixedPoint.format(micros, scale: 6, minimumFraction: 2) }
}

extension PayloadReader {
    /// An optional decimal-string amount whose currency is not in the same payload.
    public func optionalAmount(_ key: String) throws(WaybillError) -> Amount? {
        switch value(key) {
        case nil, .null?: return nil
        case .string(let s)?:
            guard let a = Amount(text: s), a.micros >= 0 else {
                throw WaybillError(.invalidPayload, "\"\(s)\" is not a non-negative amount with at most 6 decimals", at: field(key))
            }
            return a
        case .number(let n)?:
            throw WaybillError(.invalidPayload, "amounts must be decimal strings such as \"\(n)\", not JSON numbers", at: field(key))
        case let other?:
            throw WaybillError(.invalidPayload, "expected a decimal string, found \(other.typeName)", at: field(key))
        }
    }

    public func amount(_ key: String) throws(WaybillError) -> Amount {
        guard let a = try optionalAmount(key) else { throw WaybillError(.invalidPayload, "is required", at: field(key)) }
        return a
    }

    /// Refuses two lines with the same `lineId`.
    func uniqueLineIDs<IDs: RandomAccessCollection>(_ lines: [PayloadReader], _ ids: IDs) throws(WaybillError)
    where IDs.Element == LineID, IDs.Index == Int {
        // A few lines (the usual case) are compared pairwise, without a set: the same first duplicate.
        let count = min(lines.count, ids.count)
        if count <= 16 {
            for i in 1..<max(count, 1) where ids[..<i].contains(ids[i]) {
                throw WaybillError(.duplicateLine, "line \(ids[i]) appears twice", at: lines[i].field("lineId"))
            }
            return
        }
        var seen = Set<LineID>()
        for (reader, id) in zip(lines, ids) where !seen.insert(id).inserted {
            throw WaybillError(.duplicateLine, "line \(id) appears twice", at: reader.field("lineId"))
        }
    }
}
