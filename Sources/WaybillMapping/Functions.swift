import Foundation
import WaybillCore

/// A value map of a mapping file (`maps: { units: { CS: CA, EA: EA } }`).
public typealias ValueMap = [String: JSONValue]

/// The functions of the mapping language. Each is pure but for `lookup` (the hub's
/// cross-references, read-only) and `header` (the request's headers).
enum Functions {
    /// How many arguments each function takes.
    static let arity: [String: ClosedRange<Int>] = [
        "text": 1...1, "number": 1...1, "round": 2...2, "fixed": 2...2, "abs": 1...1,
        "sum": 1...1, "count": 1...1, "first": 1...1, "last": 1...1,
        "concat": 1...Int.max, "join": 2...2, "split": 2...2, "upper": 1...1, "lower": 1...1, "trim": 1...1,
        "replace": 3...3, "contains": 2...2, "startsWith": 2...2,
        "coalesce": 1...Int.max, "exists": 1...1, "if": 3...3,
        "map": 2...3, "lookup": 2...2, "header": 1...1,
        "timestamp": 1...1, "date": 1...2,
    ]

    static func call(_ name: String, _ arguments: [Expression], in scope: Scope) throws(MappingError) -> Value {
        // Lazily evaluated: `if` and `coalesce` evaluate only what they need.
        switch name {
        case "if":
            return try Evaluator.truth(Evaluator.evaluate(arguments[0], in: scope))
                ? Evaluator.evaluate(arguments[1], in: scope) : Evaluator.evaluate(arguments[2], in: scope)
        case "coalesce":
            var last = Value(nil, path: nil)
            for argument in arguments {
                last = try Evaluator.evaluate(argument, in: scope)
                if !last.isAbsent { return last }
            }
            return Value(nil, path: last.path)
        default: break
        }
        // The first argument apart, so that a call of one argument needs no list.
        let first = try Evaluator.evaluate(arguments[0], in: scope)
        var rest: [Value] = []
        if arguments.count > 1 {
            rest.reserveCapacity(arguments.count - 1)
            for argument in arguments.dropFirst() { rest.append(try Evaluator.evaluate(argument, in: scope)) }
        }
        return try apply(name, first, rest, in: scope)
    }

    /// The functions by name, resolved once where a mapping is compiled (`RowMapper`).
    enum Name: String, Sendable {
        case text, number, round, fixed, abs, sum, count, first, last, concat, join, split, upper, lower, trim, replace, contains, startsWith
        case coalesce, exists, `if`, map, lookup, header, timestamp, date
    }

    /// A function other than `if` and `coalesce` applied to its evaluated arguments.
    static func apply(_ name: String, _ first: Value, _ rest: [Value], in scope: Scope) throws(MappingError) -> Value {
        guard let function = Name(rawValue: name) else { throw MappingError(.syntax, "there is no function \(name)()") }
        return try apply(function, first, rest, in: scope)
    }

    /// `apply` of a function resolved by name.
    static func apply(_ name: Name, _ first: Value, _ rest: [Value], in scope: Scope) throws(MappingError) -> Value {
        switch name {
        case .text:
            return Value(try text(first).map(JSONValue.string), path: first.path)
        case .number:
            if first.isAbsent { return first }
            return Value(.number(try Decimals.canonical(first)), path: first.path)
        case .round:
            let places = try integer(rest[0])
            var input = try Decimals.decimal(first)
            var rounded = Decimal()
            NSDecimalRound(&rounded, &input, places, .plain)
            return Value(.number(Decimals.text(rounded)), path: first.path)
        case .fixed:
            return Value(.string(Decimals.fixed(try Decimals.decimal(first), places: try integer(rest[0]))), path: first.path)
        case .abs:
            let d = try Decimals.decimal(first)
            return Value(.number(Decimals.text(d < 0 ? -d : d)), path: first.path)
        case .sum:
            var total = Decimal(0)
            for (i, item) in try array(first).enumerated() { total += try Decimals.decimal(Value(item, path: first.path.map { "\($0)[\(i)]" })) }
            return Value(.number(Decimals.text(total)), path: first.path)
        case .count:
            return Value(.int(try array(first).count), path: first.path)
        case .first, .last:
            let items = try array(first)
            let index = name == .first ? 0 : items.count - 1
            return Value(items.isEmpty ? nil : items[index], path: first.path.map { "\($0)[\(index)]" })
        case .concat:
            func piece(_ value: Value) throws(MappingError) -> String {
                guard let piece = try text(value) else {
                    throw MappingError(.missingValue, "concat() has nothing to join at an argument", inputPath: value.path)
                }
                return piece
            }
            var out = try piece(first)
            for value in rest { out += try piece(value) }
            return Value(.string(out), path: nil)
        case .join:
            var pieces: [String] = []
            for item in try array(rest[0]) { if let piece = try text(Value(item, path: nil)) { pieces.append(piece) } }
            return Value(.string(pieces.joined(separator: try string(first))), path: rest[0].path)
        case .split:
            return Value(.array(splitValues(try string(first), by: try string(rest[0]))), path: first.path)
        case .upper, .lower, .trim:
            if first.isAbsent { return first }
            let s = try string(first)
            let out = name == .upper ? s.uppercased() : name == .lower ? s.lowercased() : s.trimmingCharacters(in: .whitespacesAndNewlines)
            return Value(.string(out), path: first.path)
        case .replace:
            if first.isAbsent { return first }
            return Value(.string(try string(first).replacingOccurrences(of: try string(rest[0]), with: try string(rest[1]))), path: first.path)
        case .contains:
            if case .array(let items)? = first.json { return Value(.bool(items.contains { Evaluator.equal($0, rest[0].json) }), path: nil) }
            if first.isAbsent { return Value(.bool(false), path: nil) }
            return Value(.bool(try string(first).contains(try string(rest[0]))), path: nil)
        case .startsWith:
            if first.isAbsent { return Value(.bool(false), path: nil) }
            return Value(.bool(try string(first).hasPrefix(try string(rest[0]))), path: nil)
        case .exists:
            return Value(.bool(!first.isAbsent), path: nil)
        case .map:
            return try valueMap(try string(first), rest[0], default: rest.count > 1 ? rest[1] : nil, in: scope)
        case .lookup:
            guard let id = try text(rest[0]) else { return Value(nil, path: rest[0].path) }
            return Value(scope.lookup?(try string(first), id).map(JSONValue.string), path: rest[0].path)
        case .header:
            return Value(scope.headers[try string(first).lowercased()].map(JSONValue.string), path: "header \(try string(first))")
        case .timestamp:
            return try timestamp(first).value
        case .date:
            if first.isAbsent { return first }
            return Value(.string(try date(first, zone: rest.isEmpty ? nil : try string(rest[0]))), path: first.path)
        case .if, .coalesce:
            throw MappingError(.syntax, "there is no function \(name.rawValue)()")
        }
    }

    /// A scalar as text: strings as they are, numbers as their exact literal, booleans; nil when absent.
    static func text(_ value: Value) throws(MappingError) -> String? {
        switch value.json {
        case .string(let s)?: return s
        case .number(let n)?: return n
        case .bool(let b)?: return b ? "true" : "false"
        case nil, .null?: return nil
        default: throw MappingError(.typeMismatch, "text is needed, found \(value.json?.typeName ?? "nothing")", inputPath: value.path)
        }
    }

    static func string(_ value: Value) throws(MappingError) -> String {
        guard let s = try text(value) else { throw MappingError(.missingValue, "a value is needed and the payload has none", inputPath: value.path) }
        return s
    }

    static func integer(_ value: Value) throws(MappingError) -> Int {
        guard case .number(let n)? = value.json, let i = Int(n) else {
            throw MappingError(.typeMismatch, "a whole number is needed", inputPath: value.path)
        }
        return i
    }

    static func array(_ value: Value) throws(MappingError) -> [JSONValue] {
        switch value.json {
        case .array(let items)?: return items
        case nil, .null?: return []
        default: throw MappingError(.typeMismatch, "a list is needed, found \(value.json?.typeName ?? "nothing")", inputPath: value.path)
        }
    }

    static func valueMap(_ name: String, _ value: Value, default fallback: Value?, in scope: Scope) throws(MappingError) -> Value {
        guard let table = scope.maps[name] else { throw MappingError(.syntax, "there is no value map '\(name)'") }
        guard let key = try text(value) else { return fallback ?? Value(nil, path: value.path) }
        if let mapped = table[key] { return Value(mapped, path: value.path) }
        if let fallback { return fallback }
        throw MappingError(
            .unmappedValue, "value map '\(name)' has no entry for \(key.debugDescription) (it maps \(table.keys.sorted().joined(separator: ", ")))",
            inputPath: value.path)
    }

    /// `text.components(separatedBy: separator)`, by the bytes when both are ASCII without CR (one
    /// byte, one character, so that the two agree).
    static func split(_ text: String, by separator: String) -> [String] {
        guard let mark = separator.utf8.first, separator.utf8.count == 1, isPlain(text), isPlain(separator) else {
            return text.components(separatedBy: separator)
        }
        return text.utf8.split(separator: mark, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
    }

    /// `split(text, by: separator).map(JSONValue.string)`, the list made once.
    static func splitValues(_ text: String, by separator: String) -> [JSONValue] {
        guard let mark = separator.utf8.first, separator.utf8.count == 1, isPlain(text), isPlain(separator) else {
            return text.components(separatedBy: separator).map(JSONValue.string)
        }
        var out: [JSONValue] = []
        let bytes = text.utf8
        var start = bytes.startIndex
        var i = start
        while i != bytes.endIndex {
            if bytes[i] == mark {
                out.append(.string(String(text[start..<i])))
                start = bytes.index(after: i)
            }
            i = bytes.index(after: i)
        }
        out.append(.string(String(text[start..<i])))
        return out
    }

    /// ASCII without CR: each byte one character (CRLF is one character, and so is a letter and
    /// its combining marks).
    static func isPlain(_ text: String) -> Bool {
        let bytes = text.utf8.span
        for i in bytes.indices where bytes[i] >= 0x80 || bytes[i] == 0x0D { return false }
        return true
    }

    /// `timestamp(first)`, with the instant its text is (when it parsed one), so that a caller
    /// need not parse the text again: `Timestamp(rfc3339:)` of the text gives the same instant.
    static func timestamp(_ first: Value) throws(MappingError) -> (value: Value, instant: Timestamp?) {
        if first.isAbsent { return (first, nil) }
        if case .number(let n)? = first.json, let milliseconds = Int64(n) {
            return (Value(.string(Timestamp(milliseconds: milliseconds).rfc3339), path: first.path), nil)  // epoch milliseconds
        }
        let text = withColonOffset(try string(first))
        guard let t = Timestamp(rfc3339: text) else {
            throw MappingError(.typeMismatch, "\(try string(first).debugDescription) is not an RFC 3339 timestamp", inputPath: first.path)
        }
        return (Value(.string(t.rfc3339(reusing: text)), path: first.path), t)
    }

    /// `2024-10-02T09:04:43.000+0000` (ISO 8601's basic offset, as Salesforce writes it) with the
    /// offset's colon RFC 3339 wants; anything else unchanged.
    static func withColonOffset(_ text: String) -> String {
        if isPlain(text) {
            // ASCII without CR (so one byte is one character): `…T…±hhmm` by the bytes.
            let b = text.utf8.span
            let n = b.count
            guard n > 5, b[n - 5] == UInt8(ascii: "+") || b[n - 5] == UInt8(ascii: "-"), (n - 4..<n).allSatisfy({ (0x30...0x39).contains(b[$0]) }),
                (0..<n).contains(where: { b[$0] == UInt8(ascii: "T") })
            else { return text }
            return String(text.dropLast(2)) + ":" + String(text.suffix(2))
        }
        let characters = Array(text)
        guard characters.count > 5, characters[characters.count - 5] == "+" || characters[characters.count - 5] == "-",
            characters.suffix(4).allSatisfy(\.isNumber), text.contains("T")
        else { return text }
        return String(characters.dropLast(2)) + ":" + String(characters.suffix(2))
    }

    /// The calendar date of an RFC 3339 timestamp: in `zone` (an IANA name such as
    /// America/Chicago) when given, else at the timestamp's own offset. A bare date passes.
    static func date(_ value: Value, zone: String?) throws(MappingError) -> String {
        let text = try string(value)
        if text.count == 10, CalendarDate(text) != nil { return text }
        guard let instant = Timestamp(rfc3339: withColonOffset(text)) else {
            throw MappingError(.typeMismatch, "\(text.debugDescription) is not a date or an RFC 3339 timestamp", inputPath: value.path)
        }
        guard let zone else { return String(text.prefix(10)) }
        guard let timeZone = TimeZone(identifier: zone) else { throw MappingError(.syntax, "\(zone.debugDescription) is not a time zone (use an IANA name)") }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: Double(instant.milliseconds) / 1_000))
        func two(_ n: Int?) -> String { (n ?? 0) < 10 ? "0\(n ?? 0)" : "\(n ?? 0)" }
        return "\(parts.year ?? 0)-\(two(parts.month))-\(two(parts.day))"
    }
}
