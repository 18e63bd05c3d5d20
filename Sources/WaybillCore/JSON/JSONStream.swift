/// Writes JSON straight into bytes, with no intermediate `JSONValue` tree: the hot path for
/// stored order state and the per-event hub payloads.
///
/// ```swift
/// var out = JSONStream()
/// out.beginObject(); out.key("orderId"); out.string("SO-1001"); out.endObject()
/// ```
public struct JSONStream {
    public private(set) var bytes: [UInt8] = []
    private var needsComma = false

    public init(capacity: Int = 1024) { bytes.reserveCapacity(capacity) }

    @inline(__always) mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    public mutating func beginObject() { separate(); bytes.append(UInt8(ascii: "{")); needsComma = false }
    public mutating func endObject() { bytes.append(UInt8(ascii: "}")); needsComma = true }
    public mutating func beginArray() { separate(); bytes.append(UInt8(ascii: "[")); needsComma = false }
    public mutating func endArray() { bytes.append(UInt8(ascii: "]")); needsComma = true }

    /// A member name (plain ASCII, no escaping needed).
    public mutating func key(_ name: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    public mutating func string(_ value: String) {
        separate()
        JSONWriter.writeString(value, into: &bytes)
        needsComma = true
    }

    public mutating func optionalString(_ value: String?) {
        if let value { string(value) } else { null() }
    }

    public mutating func null() { separate(); bytes.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C]); needsComma = true }
    public mutating func bool(_ value: Bool) { separate(); bytes.append(contentsOf: Array((value ? "true" : "false").utf8)); needsComma = true }

    public mutating func int(_ value: Int64) {
        separate()
        appendDigits(value)
        needsComma = true
    }

    /// A fixed-point number `value / 10^scale` with at least `minimumFraction` decimals.
    public mutating func fixed(_ value: Int64, scale: Int, minimumFraction: Int, quoted: Bool) {
        separate()
        if quoted { bytes.append(UInt8(ascii: "\"")) }
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var divisor: UInt64 = 1
        for _ in 0..<scale { divisor *= 10 }
        let magnitude = value.magnitude
        appendDigits(Int64(magnitude / divisor))
        var fraction = magnitude % divisor
        var digits = scale
        while digits > minimumFraction && fraction % 10 == 0 {
            fraction /= 10
            digits -= 1
        }
        if digits > 0 {
            bytes.append(UInt8(ascii: "."))
            var place: UInt64 = 1
            for _ in 1..<digits { place *= 10 }
            while place > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(fraction / place % 10))
                place /= 10
            }
        }
        if quoted { bytes.append(UInt8(ascii: "\"")) }
        needsComma = true
    }

    public mutating func quantity(_ q: Quantity) { fixed(q.scaled, scale: 4, minimumFraction: 0, quoted: false) }
    public mutating func money(_ m: Money) { fixed(m.minorUnits, scale: m.currency.minorUnitDigits, minimumFraction: m.currency.minorUnitDigits, quoted: true) }
    public mutating func price(_ p: UnitPrice) { fixed(p.micros, scale: 6, minimumFraction: p.currency.minorUnitDigits, quoted: true) }

    /// An already-serialised JSON value.
    public mutating func raw(_ json: [UInt8]) { separate(); bytes.append(contentsOf: json); needsComma = true }

    private mutating func appendDigits(_ value: Int64) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        if magnitude == 0 { bytes.append(UInt8(ascii: "0")); return }
        var buffer:
            (
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8
            ) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &buffer) { raw in
            while magnitude > 0 {
                raw[19 - count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            }
            bytes.append(contentsOf: raw[(20 - count)...])
        }
    }
}
