/// Reads typed fields out of a JSON object and names the exact JSON path of anything wrong.
///
/// ```swift
/// let data = try PayloadReader.object(json, at: "$.data")
/// let orderId = try data.string("orderId")     // "$.data.orderId is required"
/// ```
public struct PayloadReader: Sendable {
    public let members: [(String, JSONValue)]
    /// The path is written only when asked for (an error names it): a list's element keeps its
    /// list's reader's path, the list's key and its index, `"\(base).\(key)[\(index)]"`.
    let base: String
    let key: String?
    let index: Int

    /// The JSON path of this object (`$.data`, `$.data.lines[0]`).
    public var path: String {
        guard let key else { return base }
        return "\(base).\(key)[\(index)]"
    }

    public init(members: [(String, JSONValue)], path: String) {
        self.members = members
        self.base = path
        self.key = nil
        self.index = 0
    }

    /// Element `index` of the list at `field(key)` of the object at `base`.
    init(members: [(String, JSONValue)], base: String, key: String, index: Int) {
        self.members = members
        self.base = base
        self.key = key
        self.index = index
    }

    /// Reads `value` as an object located at `path`.
    public static func object(_ value: JSONValue, at path: String) throws(WaybillError) -> PayloadReader {
        guard case .object(let members) = value else {
            throw WaybillError(.invalidPayload, "expected an object, found \(value.typeName)", at: path)
        }
        return PayloadReader(members: members, path: path)
    }

    public func field(_ key: String) -> String { "\(path).\(key)" }

    public func value(_ key: String) -> JSONValue? {
        // The lengths first: most names that differ differ in length, told without comparing.
        let count = key.utf8.count
        for i in members.indices where members[i].0.utf8.count == count && members[i].0 == key { return members[i].1 }
        return nil
    }

    /// A required non-empty string.
    public func string(_ key: String) throws(WaybillError) -> String {
        guard let value = try optionalString(key) else {
            throw WaybillError(.invalidPayload, "is required", at: field(key))
        }
        return value
    }

    /// An optional string; `null` counts as absent; an empty string is refused.
    public func optionalString(_ key: String) throws(WaybillError) -> String? {
        switch value(key) {
        case nil, .null?: return nil
        case .string(let s)?:
            guard !s.isEmpty else { throw WaybillError(.invalidPayload, "must not be empty", at: field(key)) }
            return s
        case let other?:
            throw WaybillError(.invalidPayload, "expected a string, found \(other.typeName)", at: field(key))
        }
    }

    /// A required integer.
    public func int(_ key: String) throws(WaybillError) -> Int {
        guard let v = try optionalInt(key) else { throw WaybillError(.invalidPayload, "is required", at: field(key)) }
        return v
    }

    public func optionalInt(_ key: String) throws(WaybillError) -> Int? {
        switch value(key) {
        case nil, .null?: return nil
        case .number(let n)?:
            guard let v = Int(n) else { throw WaybillError(.invalidPayload, "expected a whole number, found \(n)", at: field(key)) }
            return v
        case let other?:
            throw WaybillError(.invalidPayload, "expected a number, found \(other.typeName)", at: field(key))
        }
    }

    /// A required quantity (JSON number), refused when negative (or zero unless `allowZero`).
    public func quantity(_ key: String, allowZero: Bool = false) throws(WaybillError) -> Quantity {
        guard let raw = value(key) else { throw WaybillError(.invalidPayload, "is required", at: field(key)) }
        guard case .number(let text) = raw else {
            throw WaybillError(.invalidPayload, "expected a number, found \(raw.typeName)", at: field(key))
        }
        guard let q = Quantity(text: text) else {
            throw WaybillError(.invalidPayload, "\(text) is not a quantity with at most 4 decimal places", at: field(key))
        }
        if q.scaled < 0 || (!allowZero && q.scaled == 0) {
            throw WaybillError(.invalidPayload, "must be \(allowZero ? "zero or more" : "more than zero"), found \(text)", at: field(key))
        }
        return q
    }

    /// A required money amount: a decimal string in `currency`.
    public func money(_ key: String, currency: Currency, allowNegative: Bool = false) throws(WaybillError) -> Money {
        guard let m = try optionalMoney(key, currency: currency, allowNegative: allowNegative) else {
            throw WaybillError(.invalidPayload, "is required", at: field(key))
        }
        return m
    }

    public func optionalMoney(_ key: String, currency: Currency, allowNegative: Bool = false) throws(WaybillError) -> Money? {
        switch value(key) {
        case nil, .null?: return nil
        case .string(let s)?:
            guard let m = Money(text: s, currency: currency) else {
                throw WaybillError(
                    .invalidPayload, "\"\(s)\" is not an amount in \(currency.code) (at most \(currency.minorUnitDigits) decimals)", at: field(key))
            }
            if !allowNegative && m.minorUnits < 0 { throw WaybillError(.invalidPayload, "must not be negative", at: field(key)) }
            return m
        case .number(let n)?:
            throw WaybillError(.invalidPayload, "money must be a decimal string such as \"\(n)\", not a JSON number", at: field(key))
        case let other?:
            throw WaybillError(.invalidPayload, "expected a decimal string, found \(other.typeName)", at: field(key))
        }
    }

    /// A required unit price: a decimal string, up to 6 decimals.
    public func unitPrice(_ key: String, currency: Currency) throws(WaybillError) -> UnitPrice {
        guard let p = try optionalUnitPrice(key, currency: currency) else {
            throw WaybillError(.invalidPayload, "is required", at: field(key))
        }
        return p
    }

    public func optionalUnitPrice(_ key: String, currency: Currency) throws(WaybillError) -> UnitPrice? {
        switch value(key) {
        case nil, .null?: return nil
        case .string(let s)?:
            guard let p = UnitPrice(text: s, currency: currency), p.micros >= 0 else {
                throw WaybillError(.invalidPayload, "\"\(s)\" is not a non-negative price with at most 6 decimals", at: field(key))
            }
            return p
        case .number(let n)?:
            throw WaybillError(.invalidPayload, "prices must be decimal strings such as \"\(n)\", not JSON numbers", at: field(key))
        case let other?:
            throw WaybillError(.invalidPayload, "expected a decimal string, found \(other.typeName)", at: field(key))
        }
    }

    /// A required `YYYY-MM-DD` date.
    public func date(_ key: String) throws(WaybillError) -> CalendarDate {
        guard let d = try optionalDate(key) else { throw WaybillError(.invalidPayload, "is required", at: field(key)) }
        return d
    }

    public func optionalDate(_ key: String) throws(WaybillError) -> CalendarDate? {
        guard let s = try optionalString(key) else { return nil }
        guard let d = CalendarDate(s) else { throw WaybillError(.invalidPayload, "\"\(s)\" is not a YYYY-MM-DD date", at: field(key)) }
        return d
    }

    /// A required RFC 3339 timestamp.
    public func timestamp(_ key: String) throws(WaybillError) -> Timestamp {
        guard let t = try optionalTimestamp(key) else { throw WaybillError(.invalidPayload, "is required", at: field(key)) }
        return t
    }

    public func optionalTimestamp(_ key: String) throws(WaybillError) -> Timestamp? {
        guard let s = try optionalString(key) else { return nil }
        guard let t = Timestamp(rfc3339: s) else { throw WaybillError(.invalidPayload, "\"\(s)\" is not an RFC 3339 timestamp", at: field(key)) }
        return t
    }

    /// A required currency code.
    public func currency(_ key: String) throws(WaybillError) -> Currency {
        let code = try string(key)
        guard let c = Currency(code: code) else {
            throw WaybillError(.invalidPayload, "\"\(code)\" is not an ISO 4217 currency code", at: field(key))
        }
        return c
    }

    /// A required non-empty array of objects.
    public func objects(_ key: String, allowEmpty: Bool = false) throws(WaybillError) -> [PayloadReader] {
        guard let list = try optionalObjects(key) else { throw WaybillError(.invalidPayload, "is required", at: field(key)) }
        if list.isEmpty && !allowEmpty { throw WaybillError(.invalidPayload, "must not be empty", at: field(key)) }
        return list
    }

    public func optionalObjects(_ key: String) throws(WaybillError) -> [PayloadReader]? {
        switch value(key) {
        case nil, .null?: return nil
        case .array(let items)?:
            var readers: [PayloadReader] = []
            readers.reserveCapacity(items.count)
            // Each element's path is written only should an error name it.
            let base = path
            for (i, item) in items.enumerated() {
                guard case .object(let members) = item else {
                    throw WaybillError(.invalidPayload, "expected an object, found \(item.typeName)", at: "\(field(key))[\(i)]")
                }
                readers.append(PayloadReader(members: members, base: base, key: key, index: i))
            }
            return readers
        case let other?:
            throw WaybillError(.invalidPayload, "expected an array, found \(other.typeName)", at: field(key))
        }
    }

    /// An optional object.
    public func optionalObject(_ key: String) throws(WaybillError) -> PayloadReader? {
        switch value(key) {
        case nil, .null?: return nil
        case let v?: return try PayloadReader.object(v, at: field(key))
        }
    }

    /// An optional object of string values (such as `externalIds`).
    public func stringMap(_ key: String) throws(WaybillError) -> [String: String] {
        guard let object = try optionalObject(key) else { return [:] }
        var map: [String: String] = [:]
        for (name, _) in object.members { map[name] = try object.string(name) }
        return map
    }

}
