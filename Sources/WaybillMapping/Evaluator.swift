import Foundation
import WaybillCore

/// What an expression sees: the payload (`$`), variables bound by `each`, the request's headers,
/// the mapping's value maps, and the hub's cross-references.
public struct Scope {
    public var root: JSONValue
    public var variables: [String: Value] = [:]
    /// Header names in lower case.
    public var headers: [String: String] = [:]
    public var maps: [String: ValueMap] = [:]
    /// Cross-reference lookups (`lookup('customer', id)`): the id to use, or nil when unknown.
    public var lookup: ((String, String) -> String?)?

    public init(root: JSONValue, headers: [String: String] = [:], maps: [String: ValueMap] = [:], lookup: ((String, String) -> String?)? = nil) {
        self.root = root
        self.headers = headers
        self.maps = maps
        self.lookup = lookup
    }
}

/// A value during evaluation: the JSON (nil when the payload has nothing there) and the input path
/// it came from (for errors), or a list spread over by `[*]`.
public struct Value: Sendable {
    public var json: JSONValue?
    /// The input path: `base`, or `"\(base)[\(index)]"` for an element of a list (written only
    /// when read, as it is only to name an error).
    public var path: String? {
        get { index < 0 ? base : base.map { Self.indexed($0, index) } }
        set {
            base = newValue
            index = -1
        }
    }
    var base: String?
    /// The element's index in the list at `base`, or -1.
    var index = -1
    var spread = false

    init(_ json: JSONValue?, path: String?, spread: Bool = false) {
        self.json = json
        self.base = path
        self.spread = spread
    }

    /// An element of the list at `path`: its path is `"\(path)[\(index)]"`.
    init(_ json: JSONValue?, path: String?, index: Int) {
        self.json = json
        self.base = path
        self.index = index
    }

    /// `"\(path)[\(i)]"`.
    static func indexed(_ path: String, _ i: Int) -> String {
        var out = path
        out.append("[")
        out.append(String(i))
        out.append("]")
        return out
    }

    var isAbsent: Bool {
        switch json {
        case nil, .null?: true
        default: false
        }
    }
}

/// Evaluates expressions over JSON with exact decimal arithmetic.
public enum Evaluator {
    public static func evaluate(_ expression: Expression, in scope: Scope) throws(MappingError) -> Value {
        switch expression {
        case .literal(let value):
            return Value(value, path: nil)
        case .root(nil):
            return Value(scope.root, path: "$")
        case .root(let name?):
            guard let value = scope.variables[name] else { throw MappingError(.syntax, "no variable $\(name) is bound here") }
            return value
        case .member(let base, let name):
            return step(try evaluate(base, in: scope)) { value in member(value, name) }
        case .index(let base, let indexExpression):
            let index = try evaluate(indexExpression, in: scope)
            return step(try evaluate(base, in: scope)) { value in
                switch index.json {
                case .number(let n)?:
                    guard case .array(let items)? = value.json, let i = Int(n), i >= 0, i < items.count else {
                        return Value(nil, path: value.path.map { "\($0)[\(n)]" })
                    }
                    return Value(items[i], path: value.path.map { "\($0)[\(i)]" })
                case .string(let key)?: return member(value, key)
                default: return Value(nil, path: value.path)
                }
            }
        case .every(let base):
            let value = try evaluate(base, in: scope)
            guard case .array(let items)? = value.json else {
                if value.isAbsent { return Value(.array([]), path: value.path, spread: true) }
                throw MappingError(.typeMismatch, "[*] needs an array, found \(value.json?.typeName ?? "nothing")", inputPath: value.path)
            }
            return Value(.array(items), path: value.path, spread: true)
        case .unary(.negate, let operand):
            let value = try evaluate(operand, in: scope)
            return Value(.number(Decimals.text(-(try Decimals.decimal(value)))), path: value.path)
        case .unary(.not, let operand):
            return Value(.bool(!(try truth(evaluate(operand, in: scope)))), path: nil)
        case .binary(.and, let left, let right):
            guard try truth(evaluate(left, in: scope)) else { return Value(.bool(false), path: nil) }
            return Value(.bool(try truth(evaluate(right, in: scope))), path: nil)
        case .binary(.or, let left, let right):
            if try truth(evaluate(left, in: scope)) { return Value(.bool(true), path: nil) }
            return Value(.bool(try truth(evaluate(right, in: scope))), path: nil)
        case .binary(let op, let left, let right):
            return try binary(op, try evaluate(left, in: scope), try evaluate(right, in: scope))
        case .call(let name, let arguments):
            return try Functions.call(name, arguments, in: scope)
        }
    }

    /// Applies `body` to a value, or to each element of a spread list.
    static func step(_ value: Value, _ body: (Value) -> Value) -> Value {
        guard value.spread, case .array(let items)? = value.json else { return body(value) }
        let mapped = items.enumerated().map { i, item in body(Value(item, path: value.path.map { "\($0)[\(i)]" })).json ?? .null }
        return Value(.array(mapped), path: value.path, spread: true)
    }

    static func member(_ value: Value, _ name: String) -> Value {
        let path = value.path.map { base in
            var path = base
            path.append(".")
            path.append(name)
            return path
        }
        guard case .object(let members)? = value.json else { return Value(nil, path: path) }
        for (key, member) in members where key == name { return Value(member, path: path) }
        return Value(nil, path: path)
    }

    /// A condition's truth: `true` is true; false, null and absent are false; anything else is an error.
    static func truth(_ value: Value) throws(MappingError) -> Bool {
        switch value.json {
        case .bool(let b)?: return b
        case nil, .null?: return false
        default: throw MappingError(.typeMismatch, "a condition must be true or false, found \(value.json?.typeName ?? "nothing")", inputPath: value.path)
        }
    }

    static func binary(_ op: Expression.BinaryOperator, _ left: Value, _ right: Value) throws(MappingError) -> Value {
        switch op {
        case .add, .subtract, .multiply, .divide:
            let a = try Decimals.decimal(left)
            let b = try Decimals.decimal(right)
            let result: Decimal
            switch op {
            case .add: result = a + b
            case .subtract: result = a - b
            case .multiply: result = a * b
            default:
                guard !b.isZero else { throw MappingError(.typeMismatch, "division by zero", inputPath: right.path) }
                result = a / b
            }
            return Value(.number(Decimals.text(result)), path: nil)
        case .equal: return Value(.bool(equal(left.json, right.json)), path: nil)
        case .notEqual: return Value(.bool(!equal(left.json, right.json)), path: nil)
        default:
            let order: ComparisonResult
            if case .string(let a)? = left.json, case .string(let b)? = right.json, Decimal(string: a) == nil || Decimal(string: b) == nil {
                order = a < b ? .orderedAscending : a == b ? .orderedSame : .orderedDescending
            } else {
                let a = try Decimals.decimal(left)
                let b = try Decimals.decimal(right)
                order = a < b ? .orderedAscending : a == b ? .orderedSame : .orderedDescending
            }
            switch op {
            case .less: return Value(.bool(order == .orderedAscending), path: nil)
            case .lessOrEqual: return Value(.bool(order != .orderedDescending), path: nil)
            case .greater: return Value(.bool(order == .orderedDescending), path: nil)
            default: return Value(.bool(order != .orderedAscending), path: nil)
            }
        }
    }

    /// Equality by value: numbers by their decimal value, absent equals null.
    static func equal(_ a: JSONValue?, _ b: JSONValue?) -> Bool {
        switch (a ?? .null, b ?? .null) {
        case (.number(let x), .number(let y)): return Decimal(string: x) == Decimal(string: y)
        case (let x, let y): return x == y
        }
    }
}

/// Exact decimals for money and quantities: from JSON number text or numeric strings, never
/// through `Double`.
enum Decimals {
    static let posix = Locale(identifier: "en_US_POSIX")

    static func decimal(_ value: Value) throws(MappingError) -> Decimal {
        switch value.json {
        case .number(let text)?:
            if let d = Decimal(string: text, locale: posix) { return d }
        case .string(let text)?:
            if let d = Decimal(string: text, locale: posix), text.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" || $0 == "+" }) { return d }
            throw MappingError(.typeMismatch, "\(text.debugDescription) is not a number", inputPath: value.path)
        case nil, .null?:
            throw MappingError(.missingValue, "a number is needed and the payload has none", inputPath: value.path)
        default: break
        }
        throw MappingError(.typeMismatch, "a number is needed, found \(value.json?.typeName ?? "nothing")", inputPath: value.path)
    }

    /// `text(decimal(value))`: a string or number already written as that text is returned as
    /// it is (`40`, `-2.5`, `0.125`: no sign but `-`, no leading or trailing zero, no exponent,
    /// at most 18 digits, so that nothing is rounded); anything else goes through `Decimal`.
    static func canonical(_ value: Value) throws(MappingError) -> String {
        switch value.json {
        case .string(let text)?, .number(let text)?: if isCanonical(text) { return text }
        default: break
        }
        return text(try decimal(value))
    }

    static func isCanonical(_ text: String) -> Bool {
        var digits = 0
        var integer = 0
        var fraction = -1
        var lastDigit: UInt8 = 0
        for (i, byte) in text.utf8.enumerated() {
            switch byte {
            case UInt8(ascii: "-") where i == 0: continue
            case UInt8(ascii: "."):
                guard fraction < 0 else { return false }
                fraction = 0
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if fraction < 0 {
                    if integer == 1, lastDigit == UInt8(ascii: "0") { return false }  // a leading zero
                    integer += 1
                } else {
                    fraction += 1
                }
                digits += 1
                lastDigit = byte
            default: return false
            }
        }
        guard integer > 0, digits <= 18, fraction != 0 else { return false }
        if fraction > 0 { return lastDigit != UInt8(ascii: "0") }  // no trailing zero
        return text != "-0"
    }

    /// Plain decimal text: no exponent, no grouping.
    static func text(_ decimal: Decimal) -> String {
        var value = decimal
        var rounded = Decimal()
        NSDecimalRound(&rounded, &value, 18, .plain)
        return NSDecimalNumber(decimal: rounded).description(withLocale: posix)
    }

    /// `value` rounded half away from zero to `places` decimals, as text with exactly that many.
    static func fixed(_ value: Decimal, places: Int) -> String {
        var input = value
        var rounded = Decimal()
        NSDecimalRound(&rounded, &input, places, .plain)
        var text = NSDecimalNumber(decimal: rounded).description(withLocale: posix)
        guard places > 0 else { return text }
        if let dot = text.firstIndex(of: ".") {
            let have = text.distance(from: dot, to: text.endIndex) - 1
            if have < places { text += String(repeating: "0", count: places - have) }
        } else {
            text += "." + String(repeating: "0", count: places)
        }
        return text
    }
}
