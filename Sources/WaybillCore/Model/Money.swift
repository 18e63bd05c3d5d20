/// An ISO 4217 currency with its number of minor-unit digits.
public struct Currency: Hashable, Sendable, CustomStringConvertible {
    public let code: String
    public let minorUnitDigits: Int

    /// A currency from its three-letter code; `nil` unless the code is three upper-case letters.
    public init?(code: String) {
        let bytes = Array(code.utf8)
        guard bytes.count == 3, bytes.allSatisfy({ $0 >= 0x41 && $0 <= 0x5A }) else { return nil }
        self.code = code
        self.minorUnitDigits = Currency.exceptions[code] ?? 2
    }

    public var description: String { code }

    /// Currencies whose minor unit is not the common 1/100.
    static let exceptions: [String: Int] = [
        "JPY": 0, "KRW": 0, "CLP": 0, "ISK": 0, "VND": 0, "XAF": 0, "XOF": 0, "PYG": 0, "UGX": 0,
        "BHD": 3, "KWD": 3, "OMR": 3, "JOD": 3, "TND": 3, "IQD": 3, "LYD": 3,
    ]

    public static let usd = Currency(code: "USD")!
}

/// An amount of money: integer minor units of a currency. Never a `Double`.
public struct Money: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var minorUnits: Int64
    public let currency: Currency

    public init(minorUnits: Int64, currency: Currency) {
        self.minorUnits = minorUnits
        self.currency = currency
    }

    /// Parses a decimal string such as `"559.25"`; `nil` if it has more decimals than the currency.
    public init?(text: String, currency: Currency) {
        guard let v = FixedPoint.parse(Substring(text).utf8, scale: currency.minorUnitDigits) else { return nil }
        self.init(minorUnits: v, currency: currency)
    }

    public static func zero(_ currency: Currency) -> Money { Money(minorUnits: 0, currency: currency) }

    /// The wire form: a decimal string with exactly the currency's decimals.
    public var text: String {
        FixedPoint.format(minorUnits, scale: currency.minorUnitDigits, minimumFraction: currency.minorUnitDigits)
    }

    public var description: String { "\(text) \(currency.code)" }

    public static func < (lhs: Money, rhs: Money) -> Bool { lhs.minorUnits < rhs.minorUnits }
    public static func + (lhs: Money, rhs: Money) -> Money { Money(minorUnits: lhs.minorUnits + rhs.minorUnits, currency: lhs.currency) }
    public static func - (lhs: Money, rhs: Money) -> Money { Money(minorUnits: lhs.minorUnits - rhs.minorUnits, currency: lhs.currency) }
}

/// A price per unit, exact to a millionth of the currency's major unit, so that a case price
/// converted to a per-each price stays exact enough (30.00 per CA of 12 → 2.50 per EA).
public struct UnitPrice: Hashable, Sendable, CustomStringConvertible {
    /// Millionths of the major unit.
    public let micros: Int64
    public let currency: Currency

    public init(micros: Int64, currency: Currency) {
        self.micros = micros
        self.currency = currency
    }

    public init?(text: String, currency: Currency) {
        guard let v = FixedPoint.parse(Substring(text).utf8, scale: 6) else { return nil }
        self.init(micros: v, currency: currency)
    }

    /// The wire form: at least the currency's decimals, more only when needed.
    public var text: String { FixedPoint.format(micros, scale: 6, minimumFraction: currency.minorUnitDigits) }
    public var description: String { "\(text) \(currency.code)" }

    /// The price of one base unit when this price is for `factor` base units, rounded half up to a millionth.
    public func perBaseUnit(factor: Quantity) -> UnitPrice {
        let numerator = Int128(micros) * Int128(Quantity.scale)
        let denominator = Int128(factor.scaled)
        let rounded = (numerator * 2 + denominator) / (denominator * 2)
        return UnitPrice(micros: Int64(rounded), currency: currency)
    }

    /// The extended amount `quantity × price`, rounded half up to the currency's minor unit.
    public func extended(_ quantity: Quantity) -> Money {
        // micros × scaled quantity is in 10^-(6+4) of the major unit.
        let product = Int128(micros) * Int128(quantity.scaled)
        var divisor: Int128 = 1
        for _ in 0..<(10 - currency.minorUnitDigits) { divisor *= 10 }
        let rounded = product >= 0 ? (product * 2 + divisor) / (divisor * 2) : -((-product * 2 + divisor) / (divisor * 2))
        return Money(minorUnits: Int64(rounded), currency: currency)
    }

    /// How far this price is from `reference`, in basis points of the reference (10000 = 100%).
    public func deviationBasisPoints(from reference: UnitPrice) -> Int64 {
        guard reference.micros != 0 else { return micros == 0 ? 0 : Int64.max }
        let diff = Int128(micros - reference.micros).magnitude
        return Int64(diff * 10_000 / UInt128(reference.micros.magnitude))
    }
}
