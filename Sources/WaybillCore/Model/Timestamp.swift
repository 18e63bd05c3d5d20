#if canImport(Glibc)
import Glibc
#endif
/// An instant, in milliseconds since 1970-01-01T00:00:00Z. Parsed from and printed as RFC 3339.
public struct Timestamp: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.milliseconds < rhs.milliseconds }
    public func adding(milliseconds delta: Int64) -> Timestamp { Timestamp(milliseconds: milliseconds + delta) }
    /// The instant `duration` later (whole milliseconds).
    public func adding(_ duration: Duration) -> Timestamp { adding(milliseconds: duration.wholeMilliseconds) }

    /// Parses `2026-12-01T15:04:05Z`, `2026-12-01T15:04:05.123+02:00` and similar.
    public init?(rfc3339 text: String) {
        let b = text.utf8.span
        guard b.count >= 20 else { return nil }
        func num(_ from: Int, _ count: Int) -> Int? {
            var v = 0
            for i in from..<(from + count) {
                guard i < b.count, b[i] >= 0x30, b[i] <= 0x39 else { return nil }
                v = v * 10 + Int(b[i] - 0x30)
            }
            return v
        }
        guard let year = num(0, 4), b[4] == 0x2D, let month = num(5, 2), b[7] == 0x2D, let day = num(8, 2),
            b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t") || b[10] == 0x20,
            let hour = num(11, 2), b[13] == 0x3A, let minute = num(14, 2), b[16] == 0x3A, let second = num(17, 2),
            (1...12).contains(month), (1...CalendarDate.daysIn(month: month, year: year)).contains(day),
            hour < 24, minute < 60, second < 61
        else { return nil }
        var i = 19
        var millis = 0
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            var digits = 0
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                if digits < 3 { millis = millis * 10 + Int(b[i] - 0x30) }
                digits += 1
                i += 1
            }
            guard digits > 0 else { return nil }
            // (More than three digits: the rest dropped. `digits..<3` would trap.)
            for _ in min(digits, 3)..<3 { millis *= 10 }
        }
        guard i < b.count else { return nil }
        var offsetMinutes = 0
        if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
            i += 1
        } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            let sign = b[i] == UInt8(ascii: "-") ? -1 : 1
            guard let oh = num(i + 1, 2), i + 3 < b.count, b[i + 3] == 0x3A, let om = num(i + 4, 2) else { return nil }
            offsetMinutes = sign * (oh * 60 + om)
            i += 6
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        let days = CalendarDate.daysFromCivil(year: year, month: month, day: day)
        let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetMinutes * 60)
        self.milliseconds = seconds * 1000 + Int64(millis)
    }

    /// RFC 3339 in UTC, with milliseconds only when non-zero.
    public var rfc3339: String {
        var usual = true
        let text = String(unsafeUninitializedCapacity: 24) { buffer in
            guard let count = writeUsual(into: buffer) else {
                usual = false
                return 0
            }
            return count
        }
        return usual ? text : unusual
    }

    /// `rfc3339`, or `text` itself when it already reads so (the string shared, not made again).
    public func rfc3339(reusing text: String) -> String {
        let same = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { buffer -> Bool in
            guard let count = writeUsual(into: buffer), count == text.utf8.count else { return false }
            return text.utf8.withContiguousStorageIfAvailable { memcmp($0.baseAddress!, buffer.baseAddress!, count) == 0 }
                ?? text.utf8.elementsEqual(buffer[..<count])
        }
        return same ? text : rfc3339
    }

    /// The UTC calendar date, the second of that day and the milliseconds of that second.
    private var parts: (year: Int, month: Int, day: Int, secondOfDay: Int, millisecond: Int) {
        let totalSeconds = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
        let millis = Int(milliseconds - totalSeconds * 1000)
        var days = totalSeconds / 86_400
        var secondsOfDay = totalSeconds % 86_400
        if secondsOfDay < 0 { secondsOfDay += 86_400; days -= 1 }
        let (y, m, d) = CalendarDate.civil(fromDays: Int(days))
        return (y, m, d, Int(secondsOfDay), millis)
    }

    /// `YYYY-MM-DDTHH:MM:SS[.mmm]Z` written digit by digit into `out` (24 bytes at least): how
    /// many bytes, or nil when the year is not 0 to 9999.
    func writeUsual(into out: UnsafeMutableBufferPointer<UInt8>) -> Int? {
        let (y, m, d, seconds, millis) = parts
        guard (0...9999).contains(y) else { return nil }
        var n = 0
        func put(_ value: Int, digits: Int) {
            var divisor = 1
            for _ in 1..<digits { divisor *= 10 }
            while divisor > 0 {
                out[n] = UInt8(48 + value / divisor % 10)
                n += 1
                divisor /= 10
            }
        }
        func mark(_ byte: UInt8) {
            out[n] = byte
            n += 1
        }
        put(y, digits: 4)
        mark(0x2D)  // -
        put(m, digits: 2)
        mark(0x2D)
        put(d, digits: 2)
        mark(0x54)  // T
        put(seconds / 3600, digits: 2)
        mark(0x3A)  // :
        put(seconds % 3600 / 60, digits: 2)
        mark(0x3A)
        put(seconds % 60, digits: 2)
        if millis != 0 {
            mark(0x2E)  // .
            put(millis, digits: 3)
        }
        mark(0x5A)  // Z
        return n
    }

    /// `rfc3339` of a year before 0 or after 9999.
    var unusual: String {
        let (y, m, d, seconds, millis) = parts
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        var text = "\(String(format4: y))-\(two(m))-\(two(d))T\(two(seconds / 3600)):\(two(seconds % 3600 / 60)):\(two(seconds % 60))"
        if millis != 0 {
            let s = String(millis)
            text += "." + String(repeating: "0", count: 3 - s.count) + s
        }
        return text + "Z"
    }

    public var description: String { rfc3339 }

    /// The calendar day (UTC) of this instant.
    public var day: CalendarDate {
        var days = milliseconds / 86_400_000
        if milliseconds < 0 && milliseconds % 86_400_000 != 0 { days -= 1 }
        let (y, m, d) = CalendarDate.civil(fromDays: Int(days))
        return CalendarDate(year: y, month: m, day: d)
    }
}

/// A calendar date `YYYY-MM-DD`.
public struct CalendarDate: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard text.utf8.count == 10, parts.count == 3, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
            parts[0].count == 4, (1...12).contains(m), (1...CalendarDate.daysIn(month: m, year: y)).contains(d)
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    public var text: String {
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(String(format4: year))-\(two(month))-\(two(day))"
    }

    public var description: String { text }

    public static func < (lhs: CalendarDate, rhs: CalendarDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp + (mp < 10 ? 3 : -9)
        return (m <= 2 ? y + 1 : y, m, d)
    }
}

extension String {
    init(format4 value: Int) {
        let s = String(value)
        self = s.count >= 4 ? s : String(repeating: "0", count: 4 - s.count) + s
    }
}

extension Duration {
    /// The duration in whole milliseconds (rounded down).
    public var wholeMilliseconds: Int64 { components.seconds * 1_000 + components.attoseconds / 1_000_000_000_000_000 }
}
