/// The records of CSV text, read byte by byte over UTF-8 exactly as CSV.swift's `CSVReader`
/// reads them (without trimming): `CSVRecordsTests` holds the two to the same rows and fields on
/// generated files, malformed ones included.
///
/// A record ends at CR, LF or CRLF outside quotes, or at the end of the text. A field that starts
/// with `"` is quoted: it runs to the next `"` that is followed by the delimiter, a line end or the
/// end of the text; `""` inside it is one quote, and a quote followed by anything else stands for
/// itself while the character after it is dropped (CSV.swift's reading of that mistake). A quote
/// later in an unquoted field is an ordinary character. A quoted field never closed runs to the end.
enum CSVRecords {
    static let quote = UInt8(ascii: "\""), cr: UInt8 = 0x0D, lf: UInt8 = 0x0A

    /// Every record of `text` (valid UTF-8, any byte order mark already removed), fields split on
    /// `delimiter` (one Unicode scalar, not a quote or a line break).
    static func read(_ text: ArraySlice<UInt8>, delimiter: Unicode.Scalar) -> [[String]] {
        let separator = Array(String(delimiter).utf8)
        let first = separator[0]
        let end = text.endIndex
        func isDelimiter(at i: Int) -> Bool {
            text[i] == first && (separator.count == 1 || text[i...].starts(with: separator))
        }
        var records: [[String]] = []
        records.reserveCapacity(text.count / 32 + 1)  // grown when the rows are shorter
        var width = 0
        var scratch: [UInt8] = []
        var i = text.startIndex
        while i < end {
            var fields: [String] = []
            fields.reserveCapacity(width)
            fields: while true {
                guard i < end else {
                    fields.append("")  // a delimiter just before the end: one more, empty field
                    break
                }
                var endsRecord = true
                if text[i] == quote {
                    i += 1
                    scratch.removeAll(keepingCapacity: true)
                    var run = i
                    var closed = false
                    while i < end {
                        guard text[i] == quote else {
                            i += 1
                            continue
                        }
                        scratch.append(contentsOf: text[run..<i])
                        i += 1
                        let next = i < end ? text[i] : lf
                        if next == cr || next == lf {
                            if i < end { i += next == cr && i + 1 < end && text[i + 1] == lf ? 2 : 1 }
                            closed = true
                            break
                        } else if isDelimiter(at: i) {
                            i += separator.count
                            endsRecord = false
                            closed = true
                            break
                        } else if next == quote {
                            scratch.append(quote)
                            i += 1
                        } else {
                            scratch.append(quote)
                            i = min(i + scalarLength(next), end)
                        }
                        run = i
                    }
                    if !closed { scratch.append(contentsOf: text[run..<end]) }
                    fields.append(String(decoding: scratch, as: UTF8.self))
                } else {
                    let start = i
                    while i < end {
                        let byte = text[i]
                        if byte == cr || byte == lf || isDelimiter(at: i) { break }
                        i += 1
                    }
                    fields.append(String(decoding: text[start..<i], as: UTF8.self))
                    if i < end {
                        if text[i] == cr {
                            i += i + 1 < end && text[i + 1] == lf ? 2 : 1
                        } else if text[i] == lf {
                            i += 1
                        } else {
                            i += separator.count
                            endsRecord = false
                        }
                    }
                }
                if endsRecord { break fields }
            }
            width = fields.count
            records.append(fields)
        }
        return records
    }

    /// The length in bytes of the UTF-8 scalar that starts with `lead`.
    static func scalarLength(_ lead: UInt8) -> Int {
        lead < 0xC0 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
    }
}
