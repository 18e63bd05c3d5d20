import Foundation
import Testing
import WaybillCore

@testable import WaybillMapping

/// The evaluator's shortcuts for common inputs agree with the long way on generated inputs:
/// `number()` on text already in canonical form, `split()` by an ASCII byte, and the colon put
/// into a `+hhmm` offset.
@Suite("Mapping shortcuts")
struct ShortcutTests {
    @Test("number() returns canonical text as it is and gives what Decimal gives for everything else")
    func numbers() throws {
        var random = SplitMix64(seed: 40)
        let alphabet = Array("0123456789-.+e ")
        var inputs = [
            "0", "-0", "00", "0.0", "0.5", "-0.5", ".5", "5.", "1.50", "-12", "+12", "1e3", "007", "123456789012345678", "1234567890123456789",
            "0.000000000000000001", "0.0000000000000000001", "99999999999999999.9", "-", "",
        ]
        for _ in 0..<20_000 {
            inputs.append(String((0..<Int.random(in: 1...22, using: &random)).map { _ in alphabet.randomElement(using: &random)! }))
            let digits = String((0..<Int.random(in: 1...20, using: &random)).map { _ in "0123456789".randomElement(using: &random)! })
            let fraction = String((0..<Int.random(in: 0...4, using: &random)).map { _ in "0123456789".randomElement(using: &random)! })
            inputs.append((Bool.random(using: &random) ? "-" : "") + digits + (fraction.isEmpty ? "" : "." + fraction))
        }
        for text in inputs {
            for json in [JSONValue.string(text), .number(text)] {
                let value = Value(json, path: "$.q")
                let long: Result<String, MappingError> = Result { () throws(MappingError) in Decimals.text(try Decimals.decimal(value)) }
                let short: Result<String, MappingError> = Result { () throws(MappingError) in try Decimals.canonical(value) }
                #expect("\(long)" == "\(short)", "\(json)")
            }
        }
    }

    @Test("split() by one ASCII character gives what components(separatedBy:) gives")
    func split() {
        var random = SplitMix64(seed: 59)
        let pieces = ["a", "b", ";", ",", "", " ", "é", "\r\n", "\r", "\n", "e\u{301}", ";;"]
        for _ in 0..<5_000 {
            let text = (0..<Int.random(in: 0...8, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
            for separator in [";", ",", "\n", "\r", "é", ";;", "e", ""] {
                #expect(
                    Functions.split(text, by: separator) == text.components(separatedBy: separator), "\(text.debugDescription) by \(separator.debugDescription)"
                )
                #expect(
                    Functions.splitValues(text, by: separator) == text.components(separatedBy: separator).map(JSONValue.string),
                    "\(text.debugDescription) by \(separator.debugDescription)")
            }
        }
    }

    @Test("timestamp() hands back its input when it already reads as the result, else the result")
    func timestamps() {
        var random = SplitMix64(seed: 33)
        var texts = ["2026-12-01T08:00:00Z", "2026-12-01T08:00:00.120Z", "2026-12-01T08:00:00.000Z", "2026-12-01t08:00:00Z", "2026-12-01T08:00:00+00:00"]
        for _ in 0..<5_000 {
            let milliseconds = Int64.random(in: -70_000_000_000_000...300_000_000_000_000, using: &random)
            let instant = Timestamp(milliseconds: Bool.random(using: &random) ? milliseconds : milliseconds / 1000 * 1000)
            texts.append(instant.rfc3339)
        }
        for text in texts {
            guard let instant = Timestamp(rfc3339: text) else { continue }
            let reused = instant.rfc3339(reusing: text)
            #expect(reused == instant.rfc3339, "\(text)")
            #expect((reused == text) == (instant.rfc3339 == text), "\(text)")
        }
        // A year past 9999 is written the long way.
        #expect(Timestamp(milliseconds: 253_402_300_800_000).rfc3339.hasSuffix("-01-01T00:00:00Z"))
        #expect(Timestamp(milliseconds: 253_402_300_799_999).rfc3339 == "9999-12-31T23:59:59.999Z")
    }

    @Test(
        "the colon goes into a basic offset by the bytes as by the characters",
        arguments: [
            "2024-10-02T09:04:43.000+0000", "2024-10-02T09:04:43-0530", "2024-10-02T09:04:43Z", "2024-10-02T09:04:43+05:30", "20241002+0000",
            "T+1234", "x+1234", "2024-10-02T09:04:43+12a4", "2024-10-02T09:04:43+١٢٣٤", "2024-10-02T09:04:43\r\n+0000", "",
        ])
    func offsets(text: String) {
        let characters = Array(text)
        var expected = text
        if characters.count > 5, characters[characters.count - 5] == "+" || characters[characters.count - 5] == "-",
            characters.suffix(4).allSatisfy(\.isNumber), text.contains("T")
        {
            expected = String(characters.dropLast(2)) + ":" + String(characters.suffix(2))
        }
        #expect(Functions.withColonOffset(text) == expected)
    }
}
