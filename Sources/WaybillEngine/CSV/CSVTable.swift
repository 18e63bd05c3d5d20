import WaybillCore

/// A CSV file read whole: the header's column names and the data rows, every row as long as the
/// header. UTF-8 (a byte order mark is skipped), CRLF or LF line ends, RFC 4180 quoting (a
/// quoted field may hold the delimiter, `""` and line breaks). Read by `CSVRecords`, which reads
/// what CSV.swift reads.
struct CSVTable {
    /// A file that cannot be read as CSV, or a row that cannot be mapped: where, and why.
    struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        /// 1-based; the header is row 1 (a record, not a line: a quoted line break stays in its
        /// row); 0 when the file is not text at all.
        var row: Int
        /// 1-based, when one column is at fault.
        var column: Int?
        var columnName: String?
        var message: String

        var description: String {
            guard row > 0 else { return message }
            var place = "row \(row)"
            if let column { place += ", column \(column)\(columnName.map { " (\($0))" } ?? "")" }
            return "\(place): \(message)"
        }
    }

    var header: [String]
    /// Every record read, the header first: a data row's number (the header is row 1) is its
    /// index + 1. A blank line is a record too (`isBlank`), not a row.
    var records: [[String]]

    /// Each data row with its row number; blank lines are left out.
    var rows: [(number: Int, fields: [String])] {
        records.indices.dropFirst().compactMap { i in Self.isBlank(records[i]) ? nil : (i + 1, records[i]) }
    }

    /// How many data rows.
    var rowCount: Int { records.dropFirst().count { !Self.isBlank($0) } }

    static func isBlank(_ fields: [String]) -> Bool { fields.count == 1 && fields[0].isEmpty }

    static func read(_ bytes: [UInt8], delimiter: Character) throws(Problem) -> CSVTable {
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        guard isUTF8(body) else {
            let line = firstInvalidLine(body)
            throw Problem(row: 0, message: "line \(line) is not UTF-8")
        }
        guard let scalar = delimiter.unicodeScalars.first else { throw Problem(row: 1, message: "no delimiter") }
        return try table(CSVRecords.read(body, delimiter: scalar), unclosedQuote: quotes(body) % 2 == 1)
    }

    /// How many quotes (`"`) `bytes` holds: `bytes.count(where: { $0 == 0x22 })`, counted over
    /// the contiguous bytes so that the compiler can count many at a time.
    static func quotes(_ bytes: ArraySlice<UInt8>) -> Int {
        bytes.withUnsafeBufferPointer { b in
            var n = 0
            for byte in b { n &+= byte == 0x22 ? 1 : 0 }
            return n
        }
    }

    /// The table of a file's records (`CSVRecords.read`), checked: a header naming each column
    /// once, no quoted field left open, every row as long as the header.
    static func table(_ records: [[String]], unclosedQuote: Bool) throws(Problem) -> CSVTable {
        guard let header = records.first, header != [""] else { throw Problem(row: 1, message: "the file has no header row") }
        var seen: Set<String> = []
        for (i, name) in header.enumerated() {
            guard !name.isEmpty else { throw Problem(row: 1, column: i + 1, message: "the header names no column here") }
            guard seen.insert(name).inserted else { throw Problem(row: 1, column: i + 1, columnName: name, message: "the header names \(name) twice") }
        }
        // A quoted field that is never closed runs to the end of the file: the reader takes it
        // as the last field of the last row. Every well-formed quoted field has an even number
        // of quotes, so an odd count names that row.
        if unclosedQuote {
            let fields = records.count > 1 ? records[records.count - 1] : header
            let column = min(fields.count, header.count)
            throw Problem(
                row: records.count, column: column, columnName: header[column - 1], message: "a quoted field is not closed before the end of the file")
        }
        for i in records.indices.dropFirst() {
            let number = i + 1
            let fields = records[i]
            if isBlank(fields) { continue }
            if fields.count < header.count {
                throw Problem(
                    row: number, column: fields.count + 1, columnName: header[fields.count],
                    message: "the row has \(fields.count) fields and the header \(header.count): \(header[fields.count]) is missing")
            }
            if fields.count > header.count {
                throw Problem(
                    row: number, column: header.count + 1, message: "the row has \(fields.count) fields and the header only \(header.count)")
            }
        }
        return CSVTable(header: header, records: records)
    }

    /// What `String(validating: bytes, as: UTF8.self) != nil` says, without making the string:
    /// well-formed UTF-8 (Unicode's table 3-7: no overlong forms, no surrogates, nothing past
    /// U+10FFFF), ASCII read eight bytes at a time.
    static func isUTF8(_ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.withUnsafeBufferPointer { b in
            let n = b.count
            var i = 0
            while i < n {
                while i + 8 <= n, UnsafeRawPointer(b.baseAddress! + i).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0 { i += 8 }
                guard i < n else { break }
                let lead = b[i]
                if lead < 0x80 {
                    i += 1
                } else if lead < 0xC2 {
                    return false
                } else if lead < 0xE0 {
                    guard i + 1 < n, b[i + 1] & 0xC0 == 0x80 else { return false }
                    i += 2
                } else if lead < 0xF0 {
                    guard i + 2 < n else { return false }
                    let second = b[i + 1]
                    guard second >= (lead == 0xE0 ? 0xA0 : 0x80), second <= (lead == 0xED ? 0x9F : 0xBF), b[i + 2] & 0xC0 == 0x80 else { return false }
                    i += 3
                } else if lead < 0xF5 {
                    guard i + 3 < n else { return false }
                    let second = b[i + 1]
                    guard second >= (lead == 0xF0 ? 0x90 : 0x80), second <= (lead == 0xF4 ? 0x8F : 0xBF), b[i + 2] & 0xC0 == 0x80,
                        b[i + 3] & 0xC0 == 0x80
                    else { return false }
                    i += 4
                } else {
                    return false
                }
            }
            return true
        }
    }

    /// The 1-based line holding the first byte that is not UTF-8.
    static func firstInvalidLine(_ bytes: ArraySlice<UInt8>) -> Int {
        for (i, line) in bytes.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated()
        where String(validating: line, as: UTF8.self) == nil {
            return i + 1
        }
        return 1
    }

    /// The column an input path (`$.quantity`, `$['unit price']`) reads, 1-based, with its name.
    func column(of inputPath: String?) -> (Int, String)? {
        guard let inputPath, inputPath.hasPrefix("$") else { return nil }
        let rest = inputPath.dropFirst()
        var name: Substring?
        if rest.hasPrefix("."), let end = rest.dropFirst().firstIndex(where: { $0 == "." || $0 == "[" }) ?? Optional(rest.endIndex) {
            name = rest[rest.index(after: rest.startIndex)..<end]
        } else if rest.hasPrefix("['"), let end = rest.range(of: "']") {
            name = rest[rest.index(rest.startIndex, offsetBy: 2)..<end.lowerBound]
        }
        guard let name, let index = header.firstIndex(of: String(name)) else { return nil }
        return (index + 1, header[index])
    }
}
