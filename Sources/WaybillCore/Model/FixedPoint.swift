/// Exact decimal parsing and formatting on scaled integers.
enum FixedPoint {
    /// Parses a decimal text (optionally with an exponent) into an integer scaled by
    /// 10^`scale`; `nil` if it is not a number or needs more than `scale` decimals.
    static func parse(_ text: Substring.UTF8View, scale: Int) -> Int64? {
        plainInteger(text, scale: scale) ?? general(text, scale: scale)
    }

    /// `general(text, scale: scale)` of digits alone (an optional leading `-`), few enough that
    /// the value times 10^`scale` stays below 10^18: the same value without the list of digits.
    /// Anything else is nil, left to `general`; `FixedPointTests` holds the two together.
    static func plainInteger(_ text: Substring.UTF8View, scale: Int) -> Int64? {
        guard scale >= 0, scale < 18 else { return nil }
        var value: Int64 = 0
        var count = 0
        var negative = false
        for b in text {
            if count == 0, !negative, b == UInt8(ascii: "-") {
                negative = true
                continue
            }
            guard b >= 0x30 && b <= 0x39, count + scale < 18 else { return nil }
            value = value &* 10 &+ Int64(b &- 0x30)
            count += 1
        }
        guard count > 0 else { return nil }
        for _ in 0..<scale { value &*= 10 }
        return negative ? -value : value
    }

    /// Parses any decimal text, exponent included (see `parse`).
    static func general(_ text: Substring.UTF8View, scale: Int) -> Int64? {
        var negative = false
        var digits: [UInt8] = []
        var fractionDigits = 0
        var seenDot = false
        var exponent = 0
        var iterator = text.makeIterator()
        var first = true
        var inExponent = false
        var exponentNegative = false
        var exponentDigits = 0
        while let b = iterator.next() {
            if inExponent {
                if exponentDigits == 0 && (b == UInt8(ascii: "+") || b == UInt8(ascii: "-")) && exponent == 0 && !exponentNegative {
                    exponentNegative = b == UInt8(ascii: "-")
                    continue
                }
                guard b >= 0x30 && b <= 0x39 else { return nil }
                exponent = exponent * 10 + Int(b - 0x30)
                exponentDigits += 1
                guard exponent < 40 else { return nil }
                continue
            }
            if first && b == UInt8(ascii: "-") { negative = true; first = false; continue }
            first = false
            if b == UInt8(ascii: ".") {
                guard !seenDot else { return nil }
                seenDot = true
                continue
            }
            if b == UInt8(ascii: "e") || b == UInt8(ascii: "E") {
                guard !digits.isEmpty else { return nil }
                inExponent = true
                continue
            }
            guard b >= 0x30 && b <= 0x39 else { return nil }
            digits.append(b - 0x30)
            if seenDot { fractionDigits += 1 }
        }
        guard !digits.isEmpty, !inExponent || exponentDigits > 0 else { return nil }
        let effectiveFraction = fractionDigits - (exponentNegative ? -exponent : exponent)
        // Strip trailing zeros of the fraction that exceed the scale.
        var digitCount = digits.count
        var fraction = effectiveFraction
        while fraction > scale && digitCount > 0 && digits[digitCount - 1] == 0 {
            digitCount -= 1
            fraction -= 1
        }
        guard fraction <= scale else { return nil }
        var value: Int64 = 0
        for i in 0..<digitCount {
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int64(digits[i]))
            guard !o1 && !o2 else { return nil }
            value = a
        }
        var shift = scale - fraction
        while shift > 0 {
            let (m, o) = value.multipliedReportingOverflow(by: 10)
            guard !o else { return nil }
            value = m
            shift -= 1
        }
        return negative ? -value : value
    }

    /// Formats a scaled integer with at least `minimumFraction` decimals, trimming zeros beyond.
    static func format(_ value: Int64, scale: Int, minimumFraction: Int) -> String {
        let negative = value < 0
        let magnitude = value.magnitude
        var divisor: UInt64 = 1
        for _ in 0..<scale { divisor *= 10 }
        let whole = magnitude / divisor
        var fraction = magnitude % divisor
        var fractionDigits = scale
        while fractionDigits > minimumFraction && fraction % 10 == 0 {
            fraction /= 10
            fractionDigits -= 1
        }
        var text = negative ? "-" : ""
        text += String(whole)
        if fractionDigits > 0 {
            let f = String(fraction)
            text += "." + String(repeating: "0", count: fractionDigits - f.count) + f
        }
        return text
    }
}
