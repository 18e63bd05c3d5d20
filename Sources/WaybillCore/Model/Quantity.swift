/// A quantity in a unit of measure, exact to four decimal places.
public struct Quantity: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Fixed-point scale: `scaled` is the quantity × 10,000.
    public static let scale: Int64 = 10_000
    public var scaled: Int64

    public init(scaled: Int64) { self.scaled = scaled }
    public init(_ whole: Int) { self.scaled = Int64(whole) * Quantity.scale }

    /// Parses a JSON number's text; `nil` if it needs more than four decimals.
    public init?(text: String) {
        guard let v = FixedPoint.parse(Substring(text).utf8, scale: 4) else { return nil }
        self.scaled = v
    }

    public static let zero = Quantity(scaled: 0)

    /// The JSON number text: integral quantities print without decimals.
    public var text: String { FixedPoint.format(scaled, scale: 4, minimumFraction: 0) }
    public var description: String { text }
    public var json: JSONValue { .number(text) }
    public var isZero: Bool { scaled == 0 }

    /// This quantity in base units when one unit holds `factor` base units; `nil` on overflow.
    public func converted(by factor: Quantity) -> Quantity? {
        let product = Int128(scaled) * Int128(factor.scaled) / Int128(Quantity.scale)
        guard let v = Int64(exactly: product) else { return nil }
        return Quantity(scaled: v)
    }

    public static func < (lhs: Quantity, rhs: Quantity) -> Bool { lhs.scaled < rhs.scaled }
    public static func + (lhs: Quantity, rhs: Quantity) -> Quantity { Quantity(scaled: lhs.scaled + rhs.scaled) }
    public static func - (lhs: Quantity, rhs: Quantity) -> Quantity { Quantity(scaled: lhs.scaled - rhs.scaled) }
    public static func += (lhs: inout Quantity, rhs: Quantity) { lhs.scaled += rhs.scaled }
    public static func -= (lhs: inout Quantity, rhs: Quantity) { lhs.scaled -= rhs.scaled }
}

/// A unit of measure code (`EA`, `CA`, `BX`, …).
public struct UnitOfMeasure: Identifier {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public static let each = UnitOfMeasure("EA")
}
