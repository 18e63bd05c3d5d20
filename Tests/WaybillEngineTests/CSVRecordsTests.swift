import CSV
import Testing
import WaybillCore

@testable import WaybillEngine

/// The inbound directory's own CSV reader against CSV.swift, the reference: on thousands of
/// generated files — quotes, doubled quotes, delimiters and line breaks inside quotes, CR, LF and
/// CRLF, multi-byte text, empty fields, ragged rows, byte order marks and malformed quoting — both
/// read the same records and the same fields, and the inbox's table is the same rows or the same
/// problem at the same row and column.
@Suite("CSV records")
struct CSVRecordsTests {
    /// What CSV.swift reads from the text, record by record.
    static func reference(_ text: String, delimiter: Unicode.Scalar) throws -> [[String]] {
        let reader = try CSVReader(string: text, hasHeaderRow: false, delimiter: delimiter)
        var records: [[String]] = []
        while let record = reader.next() { records.append(record) }
        return records
    }

    /// The inbox's reading of a whole file, or its problem.
    static func table(_ read: () throws(CSVTable.Problem) -> CSVTable) -> String {
        do {
            let table = try read()
            return "\(table.header) \(table.rows.map { "\($0.number): \($0.fields)" })"
        } catch {
            return "problem \(error.row) \(String(describing: error.column)) \(String(describing: error.columnName)) \(error.message)"
        }
    }

    static func compare(_ text: String, delimiter: Unicode.Scalar, bom: Bool) throws {
        let body = Array(text.utf8)
        let expected = try reference(text, delimiter: delimiter)
        #expect(CSVRecords.read(body[...], delimiter: delimiter) == expected, "\(text.debugDescription) delimited by \(delimiter.escaped(asASCII: true))")
        let file = (bom ? [0xEF, 0xBB, 0xBF] : []) + body
        let oddQuotes = body.count(where: { $0 == 0x22 }) % 2 == 1
        #expect(
            table { () throws(CSVTable.Problem) in try CSVTable.read(file, delimiter: Character(delimiter)) }
                == table { () throws(CSVTable.Problem) in try CSVTable.table(expected, unclosedQuote: oddQuotes) },
            "\(text.debugDescription)")
    }

    static let delimiters: [Unicode.Scalar] = [",", ";", "\t", "|", "§", "€"]

    @Test("random text of quotes, delimiters, line ends and multi-byte characters reads the same")
    func soup() throws {
        var random = SplitMix64(seed: 14)
        let pieces = ["a", "bc", "é", "€", "😀", " ", "\"", "\"\"", "\r", "\n", "\r\n", "x\"y", "§", ",", ";", "\t", "|"]
        for _ in 0..<4_000 {
            let delimiter = Self.delimiters.randomElement(using: &random)!
            var text = ""
            for _ in 0..<Int.random(in: 0...40, using: &random) {
                text += Bool.random(using: &random) ? String(delimiter) : pieces.randomElement(using: &random)!
            }
            try Self.compare(text, delimiter: delimiter, bom: Bool.random(using: &random))
        }
    }

    @Test("generated files of quoted and plain fields, ragged rows and blank lines read the same")
    func files() throws {
        var random = SplitMix64(seed: 4180)
        let values = ["", "SO-1", "12.50", "dock 4, door \"B\"", "left at\r\ngate", "line\nbreak", "naïve", "€5", "a;b|c\td", "  padded  ", "\"", "😀"]
        let ends = ["\r\n", "\n", "\r"]
        for _ in 0..<3_000 {
            let delimiter = Self.delimiters.randomElement(using: &random)!
            let width = Int.random(in: 1...5, using: &random)
            let end = ends.randomElement(using: &random)!
            var text = (1...width).map { "c\($0)" }.joined(separator: String(delimiter)) + end
            for _ in 0..<Int.random(in: 0...6, using: &random) {
                switch Int.random(in: 0..<12, using: &random) {
                case 0: text += end  // a blank line
                case 1: text += "\"never closed,\(end)x"  // malformed: runs to the end
                case 2: text += "\"a\"b\"\(String(delimiter))c\(end)"  // malformed: a stray quote inside quotes
                default:
                    let count = width + (Int.random(in: 0..<5, using: &random) == 0 ? Int.random(in: -1...1, using: &random) : 0)
                    let fields = (0..<max(count, 1)).map { _ in
                        let value = values.randomElement(using: &random)!
                        let mustQuote = value.contains("\"") || value.contains("\r") || value.contains("\n") || value.unicodeScalars.contains(delimiter)
                        return mustQuote || Bool.random(using: &random) ? "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : value
                    }
                    text += fields.joined(separator: String(delimiter)) + (Bool.random(using: &random) ? end : "")
                }
            }
            try Self.compare(text, delimiter: delimiter, bom: Bool.random(using: &random))
        }
    }

    @Test("edge cases read the same", arguments: ["", "\r\n", "a", "a,", ",", "\"", "\"\"", "\"a\"\"", "a\r\rb\n\n", "\"a\"x,b", "\"a\"€,b", "x\"y\",z\r\n"])
    func edges(text: String) throws {
        try Self.compare(text, delimiter: ",", bom: false)
    }

    @Test("the quotes are counted as count(where:) counts them")
    func quotes() {
        var random = SplitMix64(seed: 34)
        for length in [0, 1, 7, 15, 16, 17, 31, 64, 100, 1_000, 4_099] {
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next() % 4 == 0 ? 0x22 : random.next()) }
            for start in [0, min(1, length), length / 3] {
                #expect(CSVTable.quotes(bytes[start...]) == bytes[start...].count(where: { $0 == 0x22 }), "\(length) from \(start)")
            }
        }
    }

    @Test("bytes are UTF-8 exactly when String(validating:) says so")
    func utf8() {
        var random = SplitMix64(seed: 8)
        // Bytes around every boundary of the encoding: leads, continuations, overlong and
        // surrogate forms, code points past U+10FFFF, and runs of ASCII long enough to be read
        // eight at a time.
        let pieces: [[UInt8]] = [
            [0x61], Array("plain ascii text".utf8), [0x7F], [0x80], [0xBF], [0xC0, 0x80], [0xC1, 0xBF], [0xC2, 0x80], [0xDF, 0xBF], [0xE0, 0x9F, 0x80],
            [0xE0, 0xA0, 0x80], [0xED, 0x9F, 0xBF], [0xED, 0xA0, 0x80], [0xEF, 0xBF, 0xBF], [0xF0, 0x8F, 0x80, 0x80], [0xF0, 0x90, 0x80, 0x80],
            [0xF4, 0x8F, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xFF], [0xE2, 0x82], [0xF0, 0x9F, 0x98],
            Array("é€😀".utf8),
        ]
        var checked = 0
        var valid = 0
        for _ in 0..<20_000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 0...6, using: &random) { bytes += pieces.randomElement(using: &random)! }
            let offset = Int.random(in: 0...min(3, bytes.count), using: &random)
            let slice = bytes[offset...]
            let expected = String(validating: slice, as: UTF8.self) != nil
            #expect(CSVTable.isUTF8(slice) == expected, "\(Array(slice))")
            checked += 1
            if expected { valid += 1 }
        }
        #expect(valid > 2_000 && checked - valid > 2_000)
    }
}
