import Testing
import WaybillCore

@Suite("JSON reader and writer")
struct JSONTests {
    @Test("numbers keep their exact text, so money never passes through Double")
    func exactNumbers() throws {
        let v = try JSONParser.parse(Array(#"{"q": 0.1, "big": 12345678901234567890.25}"#.utf8))
        #expect(v["q"] == .number("0.1"))
        #expect(v["big"] == .number("12345678901234567890.25"))
    }

    @Test(
        "refuses malformed documents and says where",
        arguments: [
            ("{\"a\":1,}", "expected a member name"), ("[1 2]", "expected ',' or ']'"), ("{\"a\":01}", "expected ',' or '}'"),
            ("\"\\x\"", "invalid escape"), ("{\"a\":tru}", "invalid literal"), ("{} {}", "unexpected data after"),
            ("\"abc", "unterminated string"), ("\"\\ud800\"", "unpaired surrogate"), ("", "unexpected end"),
        ])
    func malformed(_ text: String, _ message: String) {
        let error = #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(Array(text.utf8)) }
        #expect(error?.message.contains(message) == true, "\(text): \(error?.description ?? "")")
    }

    @Test("refuses invalid UTF-8 and control characters inside strings")
    func invalidBytes() {
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse([0x22, 0xC3, 0x28, 0x22]) }
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse([0x22, 0x41, 0x0A, 0x22]) }
    }

    @Test("refuses nesting deeper than 64 levels without exhausting the stack")
    func deepNesting() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let error = #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(Array(deep.utf8)) }
        #expect(error?.message.contains("nesting deeper") == true)
        #expect((try? JSONParser.parse(Array((String(repeating: "[", count: 64) + String(repeating: "]", count: 64)).utf8))) != nil)
    }

    @Test("decodes escapes and surrogate pairs")
    func escapes() throws {
        #expect(try JSONParser.parse(Array(#""a\"b\\c\/\n\u00e9\ud83d\ude00""#.utf8)) == .string("a\"b\\c/\né😀"))
    }

    @Test("sorted output is byte-identical for equal values whatever the member order")
    func sortedOutput() throws {
        let a = try JSONParser.parse(Array(#"{"b":1,"a":{"d":[1,{"z":0,"y":"\n"}],"c":null}}"#.utf8))
        let b = try JSONParser.parse(Array(#"{"a":{"c":null,"d":[1,{"y":"\n","z":0}]},"b":1}"#.utf8))
        #expect(JSONWriter.string(a) == JSONWriter.string(b))
        #expect(JSONWriter.string(a) == #"{"a":{"c":null,"d":[1,{"y":"\n","z":0}]},"b":1}"#)
        #expect(try JSONParser.parse(JSONWriter.bytes(a)) == a)
    }

    @Test("a batch keeps each element's exact original bytes")
    func batchRanges() throws {
        let body = Array(#" [ {"id": "a"} ,{"id":"b"}] "#.utf8)
        let items = try JSONParser.parseArrayWithRanges(body)
        #expect(items.map { String(decoding: body[$0.1], as: UTF8.self) } == [#"{"id": "a"}"#, #"{"id":"b"}"#])
    }
}

@Suite("Money, quantities and time")
struct ValueTests {
    @Test("money parses decimal strings exactly, within the currency's decimals")
    func money() {
        #expect(Money(text: "559.25", currency: .usd)?.minorUnits == 55925)
        #expect(Money(text: "12.5", currency: .usd)?.text == "12.50")
        #expect(Money(text: "12.505", currency: .usd) == nil)
        #expect(Money(text: "1.5", currency: Currency(code: "JPY")!) == nil)
        #expect(Money(text: "1.234", currency: Currency(code: "KWD")!)?.minorUnits == 1234)
        #expect(Money(text: "abc", currency: .usd) == nil)
        #expect(Currency(code: "usd") == nil)
    }

    @Test("extended amounts round half up to the cent")
    func extended() {
        let price = UnitPrice(text: "0.125", currency: .usd)!
        #expect(price.extended(Quantity(3)).text == "0.38")
        #expect(UnitPrice(text: "30.00", currency: .usd)!.perBaseUnit(factor: Quantity(12)).text == "2.50")
        #expect(UnitPrice(text: "10.00", currency: .usd)!.perBaseUnit(factor: Quantity(12)).text == "0.833333")
    }

    @Test("quantities keep four decimals and convert by unit factors")
    func quantities() {
        #expect(Quantity(text: "2.5")?.text == "2.5")
        #expect(Quantity(text: "1e2")?.text == "100")
        #expect(Quantity(text: "0.12345") == nil)
        #expect(Quantity(text: "4")!.converted(by: Quantity(12)) == Quantity(48))
    }

    @Test(
        "RFC 3339 timestamps parse with offsets and fractions and print in UTC",
        arguments: [
            ("2026-12-01T15:04:05Z", "2026-12-01T15:04:05Z"), ("2026-12-01T17:04:05+02:00", "2026-12-01T15:04:05Z"),
            ("2026-12-01T15:04:05.5Z", "2026-12-01T15:04:05.500Z"), ("2024-02-29T00:00:00Z", "2024-02-29T00:00:00Z"),
        ])
    func timestamps(_ text: String, _ utc: String) {
        #expect(Timestamp(rfc3339: text)?.rfc3339 == utc)
    }

    @Test("printing an instant digit by digit gives the text the calendar arithmetic gives, before 1970 and after 9999 too")
    func timestampText() {
        var random = SplitMix64(seed: 3339)
        let instants: [Int64] = [0, -1, 999, -86_400_000, 253_402_300_799_999, 253_402_300_800_000, -62_167_219_200_000, -62_167_219_200_001]
        for milliseconds in instants + (0..<20_000).map({ _ in Int64.random(in: -70_000_000_000_000...300_000_000_000_000, using: &random) }) {
            let t = Timestamp(milliseconds: milliseconds)
            var seconds = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
            let millis = milliseconds - seconds * 1000
            var days = seconds / 86_400
            seconds %= 86_400
            if seconds < 0 { (seconds, days) = (seconds + 86_400, days - 1) }
            // Howard Hinnant's civil_from_days, written out again here.
            let z = days + 719_468
            let era = (z >= 0 ? z : z - 146_096) / 146_097
            let doe = z - era * 146_097
            let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
            let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
            let mp = (5 * doy + 2) / 153
            let d = doy - (153 * mp + 2) / 5 + 1
            let m = mp < 10 ? mp + 3 : mp - 9
            let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
            func pad(_ v: Int64, _ width: Int) -> String { String(repeating: "0", count: max(0, width - String(v).count)) + String(v) }
            let expected =
                "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(seconds / 3600, 2)):\(pad(seconds % 3600 / 60, 2)):\(pad(seconds % 60, 2))"
                + (millis == 0 ? "" : ".\(pad(millis, 3))") + "Z"
            #expect(t.rfc3339 == expected, "\(milliseconds)")
            if (0...9999).contains(y) { #expect(Timestamp(rfc3339: t.rfc3339) == t) }
        }
    }

    @Test(
        "refuses impossible dates and times",
        arguments: ["2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "2026-12-01 15:04", "2026-12-01T25:00:00Z", "2026-12-01T15:04:05"])
    func badTimestamps(_ text: String) {
        #expect(Timestamp(rfc3339: text) == nil)
    }

    @Test("fractions of a second: more than three digits are cut to milliseconds, not a trap")
    func longFractions() {
        #expect(Timestamp(rfc3339: "2026-12-01T08:00:00.123456+05:30") == Timestamp(rfc3339: "2026-12-01T08:00:00.123+05:30"))
        #expect(Timestamp(rfc3339: "2026-12-01T08:00:00.9999Z") == Timestamp(rfc3339: "2026-12-01T08:00:00.999Z"))
        #expect(Timestamp(rfc3339: "2026-12-01T08:00:00.5Z") == Timestamp(rfc3339: "2026-12-01T08:00:00.500Z"))
    }

    @Test("W3C traceparent values are validated")
    func traceparent() {
        #expect(TraceContext(traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")?.traceID == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(TraceContext(traceparent: "00-00000000000000000000000000000000-00f067aa0ba902b7-01") == nil)
        #expect(TraceContext(traceparent: "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01") == nil)
    }
}
