/// A strict RFC 8259 JSON parser over UTF-8 bytes.
///
/// It rejects invalid UTF-8, control characters in strings, trailing garbage and nesting deeper
/// than `maxDepth`, and reports the byte offset of the problem.
public struct JSONParser {
    /// How deep arrays and objects may nest.
    public static let maxDepth = 64

    /// Parses one document.
    public static func parse(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSONValue {
        try bytes.withUnsafeBufferPointer { buffer throws(JSONSyntaxError) in
            var parser = Cursor(buffer: buffer)
            return try parser.document()
        }
    }

    /// Parses a top-level array and also returns each element's byte range in `bytes`, so a batch
    /// can keep every event's exact original text.
    public static func parseArrayWithRanges(_ bytes: [UInt8]) throws(JSONSyntaxError) -> [(JSONValue, Range<Int>)] {
        try bytes.withUnsafeBufferPointer { buffer throws(JSONSyntaxError) in
            var parser = Cursor(buffer: buffer)
            return try parser.arrayWithRanges()
        }
    }
}

/// Why a body is not JSON, and where.
public struct JSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public let offset: Int
    public var description: String { "\(message) at byte \(offset)" }
}

private struct Cursor {
    let buffer: UnsafeBufferPointer<UInt8>
    var index = 0
    var depth = 0

    init(buffer: UnsafeBufferPointer<UInt8>) { self.buffer = buffer }

    func fail(_ message: String) -> JSONSyntaxError { JSONSyntaxError(message: message, offset: index) }

    mutating func document() throws(JSONSyntaxError) -> JSONValue {
        skipWhitespace()
        let value = try parseValue()
        skipWhitespace()
        guard index == buffer.count else { throw fail("unexpected data after the JSON value") }
        return value
    }

    mutating func arrayWithRanges() throws(JSONSyntaxError) -> [(JSONValue, Range<Int>)] {
        skipWhitespace()
        guard index < buffer.count, buffer[index] == UInt8(ascii: "[") else { throw fail("expected a JSON array") }
        index += 1
        depth = 1
        var items: [(JSONValue, Range<Int>)] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            index += 1
        } else {
            while true {
                skipWhitespace()
                let start = index
                let value = try parseValue()
                items.append((value, start..<index))
                skipWhitespace()
                guard let byte = peek() else { throw fail("unterminated array") }
                index += 1
                if byte == UInt8(ascii: "]") { break }
                guard byte == UInt8(ascii: ",") else { index -= 1; throw fail("expected ',' or ']'") }
            }
        }
        skipWhitespace()
        guard index == buffer.count else { throw fail("unexpected data after the JSON value") }
        return items
    }

    @inline(__always) func peek() -> UInt8? { index < buffer.count ? buffer[index] : nil }

    @inline(__always) mutating func skipWhitespace() {
        while index < buffer.count {
            let b = buffer[index]
            guard b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 else { return }
            index += 1
        }
    }

    mutating func parseValue() throws(JSONSyntaxError) -> JSONValue {
        guard let byte = peek() else { throw fail("unexpected end of data") }
        switch byte {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw fail("unexpected character")
        }
    }

    mutating func literal(_ word: String) throws(JSONSyntaxError) {
        let expected = word.utf8
        guard index + expected.count <= buffer.count else { throw fail("invalid literal") }
        for (offset, byte) in expected.enumerated() where buffer[index + offset] != byte { throw fail("invalid literal") }
        index += expected.count
    }

    mutating func enter() throws(JSONSyntaxError) {
        depth += 1
        guard depth <= JSONParser.maxDepth else { throw fail("nesting deeper than \(JSONParser.maxDepth) levels") }
    }

    mutating func parseObject() throws(JSONSyntaxError) -> JSONValue {
        try enter()
        index += 1
        var members: [(String, JSONValue)] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "}") { index += 1; depth -= 1; return .object(members) }
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else { throw fail("expected a member name") }
            let key = try parseString()
            skipWhitespace()
            guard peek() == UInt8(ascii: ":") else { throw fail("expected ':'") }
            index += 1
            skipWhitespace()
            let value = try parseValue()
            members.append((key, value))
            skipWhitespace()
            guard let byte = peek() else { throw fail("unterminated object") }
            index += 1
            if byte == UInt8(ascii: "}") { break }
            guard byte == UInt8(ascii: ",") else { index -= 1; throw fail("expected ',' or '}'") }
        }
        depth -= 1
        return .object(members)
    }

    mutating func parseArray() throws(JSONSyntaxError) -> JSONValue {
        try enter()
        index += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "]") { index += 1; depth -= 1; return .array(items) }
        while true {
            skipWhitespace()
            items.append(try parseValue())
            skipWhitespace()
            guard let byte = peek() else { throw fail("unterminated array") }
            index += 1
            if byte == UInt8(ascii: "]") { break }
            guard byte == UInt8(ascii: ",") else { index -= 1; throw fail("expected ',' or ']'") }
        }
        depth -= 1
        return .array(items)
    }

    mutating func parseNumber() throws(JSONSyntaxError) -> String {
        let start = index
        if peek() == UInt8(ascii: "-") { index += 1 }
        guard let first = peek(), first >= 0x30, first <= 0x39 else { throw fail("invalid number") }
        if first == 0x30 {
            index += 1
        } else {
            while let d = peek(), d >= 0x30, d <= 0x39 { index += 1 }
        }
        if peek() == UInt8(ascii: ".") {
            index += 1
            guard let d = peek(), d >= 0x30, d <= 0x39 else { throw fail("invalid number") }
            while let d = peek(), d >= 0x30, d <= 0x39 { index += 1 }
        }
        if let e = peek(), e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            index += 1
            if let s = peek(), s == UInt8(ascii: "+") || s == UInt8(ascii: "-") { index += 1 }
            guard let d = peek(), d >= 0x30, d <= 0x39 else { throw fail("invalid number") }
            while let d = peek(), d >= 0x30, d <= 0x39 { index += 1 }
        }
        return String(decoding: UnsafeBufferPointer(rebasing: buffer[start..<index]), as: UTF8.self)
    }

    mutating func parseString() throws(JSONSyntaxError) -> String {
        index += 1
        let start = index
        // Fast path: plain ASCII/UTF-8 without escapes.
        while index < buffer.count {
            let b = buffer[index]
            if b == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: buffer[start..<index])
                index += 1
                return try validated(slice, at: start)
            }
            if b == UInt8(ascii: "\\") { break }
            if b < 0x20 { throw fail("control character in string") }
            index += 1
        }
        guard index < buffer.count else { throw fail("unterminated string") }
        var bytes = Array(UnsafeBufferPointer(rebasing: buffer[start..<index]))
        while index < buffer.count {
            let b = buffer[index]
            if b == UInt8(ascii: "\"") {
                index += 1
                return try bytes.withUnsafeBufferPointer { slice throws(JSONSyntaxError) in try validated(slice, at: start) }
            }
            if b < 0x20 { throw fail("control character in string") }
            if b != UInt8(ascii: "\\") { bytes.append(b); index += 1; continue }
            index += 1
            guard let escape = peek() else { throw fail("unterminated string") }
            index += 1
            switch escape {
            case UInt8(ascii: "\""): bytes.append(0x22)
            case UInt8(ascii: "\\"): bytes.append(0x5C)
            case UInt8(ascii: "/"): bytes.append(0x2F)
            case UInt8(ascii: "b"): bytes.append(0x08)
            case UInt8(ascii: "f"): bytes.append(0x0C)
            case UInt8(ascii: "n"): bytes.append(0x0A)
            case UInt8(ascii: "r"): bytes.append(0x0D)
            case UInt8(ascii: "t"): bytes.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800...0xDBFF).contains(scalar) {
                    guard index + 1 < buffer.count, buffer[index] == UInt8(ascii: "\\"), buffer[index + 1] == UInt8(ascii: "u")
                    else { throw fail("unpaired surrogate") }
                    index += 2
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw fail("unpaired surrogate") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw fail("unpaired surrogate")
                }
                guard let unicode = Unicode.Scalar(scalar) else { throw fail("invalid escape") }
                bytes.append(contentsOf: Array(String(Character(unicode)).utf8))
            default: throw fail("invalid escape")
            }
        }
        throw fail("unterminated string")
    }

    mutating func hex4() throws(JSONSyntaxError) -> UInt32 {
        guard index + 4 <= buffer.count else { throw fail("invalid \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let c = buffer[index]
            let digit: UInt32
            switch c {
            case 0x30...0x39: digit = UInt32(c - 0x30)
            case 0x41...0x46: digit = UInt32(c - 0x41 + 10)
            case 0x61...0x66: digit = UInt32(c - 0x61 + 10)
            default: throw fail("invalid \\u escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    func validated(_ slice: UnsafeBufferPointer<UInt8>, at start: Int) throws(JSONSyntaxError) -> String {
        var ascii = true
        for b in slice where b >= 0x80 { ascii = false; break }
        if ascii { return String(decoding: slice, as: UTF8.self) }
        guard let string = String(validating: slice, as: UTF8.self) else {
            throw JSONSyntaxError(message: "invalid UTF-8 in string", offset: start)
        }
        return string
    }
}
