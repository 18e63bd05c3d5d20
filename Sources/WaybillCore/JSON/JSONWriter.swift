/// Serialises `JSONValue` compactly.
///
/// `bytes` keeps members in construction order (deterministic, and fast enough for the hot path
/// of stored state and delivery bodies); `sortedBytes`, `string` and `pretty` sort keys, so
/// equal values print byte-identical text for people and the CLI.
public enum JSONWriter {
    /// The UTF-8 bytes of `value`, members in construction order.
    public static func bytes(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        write(value, sortKeys: false, into: &out)
        return out
    }

    /// The UTF-8 bytes of `value` with object keys sorted.
    public static func sortedBytes(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        write(expandRaw(value), sortKeys: true, into: &out)
        return out
    }

    /// The text of `value`, keys sorted.
    public static func string(_ value: JSONValue) -> String {
        String(decoding: sortedBytes(value), as: UTF8.self)
    }

    /// Pretty text with two-space indentation and sorted keys, for people.
    public static func pretty(_ value: JSONValue) -> String {
        var out: [UInt8] = []
        writePretty(value, indent: 0, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the UTF-8 bytes of `value` to `out`, as `bytes` writes them.
    public static func write(_ value: JSONValue, into out: inout [UInt8]) {
        write(value, sortKeys: false, into: &out)
    }

    static func write(_ value: JSONValue, sortKeys: Bool, into out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let n): out.append(contentsOf: n.utf8)
        case .string(let s): writeString(s, into: &out)
        case .raw(let bytes): out.append(contentsOf: bytes)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for i in items.indices {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                write(items[i], sortKeys: sortKeys, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let unsorted):
            out.append(UInt8(ascii: "{"))
            let members = sortKeys ? sorted(unsorted) : unsorted
            for i in members.indices {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                writeString(members[i].0, into: &out)
                out.append(UInt8(ascii: ":"))
                write(members[i].1, sortKeys: sortKeys, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    static func writePretty(_ value: JSONValue, indent: Int, into out: inout [UInt8]) {
        func pad(_ n: Int) { out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: n)) }
        switch value {
        case .raw(let bytes):
            if let parsed = try? JSONParser.parse(bytes) { writePretty(parsed, indent: indent, into: &out) } else { out.append(contentsOf: bytes) }
        case .array(let items) where !items.isEmpty:
            out.append(contentsOf: "[\n".utf8)
            for (i, item) in items.enumerated() {
                pad(indent + 2)
                writePretty(item, indent: indent + 2, into: &out)
                out.append(contentsOf: (i + 1 < items.count ? ",\n" : "\n").utf8)
            }
            pad(indent)
            out.append(UInt8(ascii: "]"))
        case .object(let members) where !members.isEmpty:
            out.append(contentsOf: "{\n".utf8)
            let ordered = sorted(members)
            for (i, (key, item)) in ordered.enumerated() {
                pad(indent + 2)
                writeString(key, into: &out)
                out.append(contentsOf: ": ".utf8)
                writePretty(item, indent: indent + 2, into: &out)
                out.append(contentsOf: (i + 1 < ordered.count ? ",\n" : "\n").utf8)
            }
            pad(indent)
            out.append(UInt8(ascii: "}"))
        default:
            write(value, sortKeys: true, into: &out)
        }
    }

    /// Parses raw fragments so that sorting reaches inside them (for people-facing output).
    static func expandRaw(_ value: JSONValue) -> JSONValue {
        switch value {
        case .raw(let bytes): return (try? JSONParser.parse(bytes)) ?? value
        case .array(let items): return .array(items.map(expandRaw))
        case .object(let members): return .object(members.map { ($0.0, expandRaw($0.1)) })
        default: return value
        }
    }

    @inline(__always) static func sorted(_ members: [(String, JSONValue)]) -> [(String, JSONValue)] {
        var isSorted = true
        var previous: String?
        for (key, _) in members {
            if let p = previous, !(p.utf8.lexicographicallyPrecedes(key.utf8)) { isSorted = false; break }
            previous = key
        }
        if isSorted { return members }
        return members.sorted { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
    }

    /// Appends `s` as a JSON string.
    public static func writeString(_ s: String, into out: inout [UInt8]) {
        // Native and small strings are contiguous UTF-8: scanned and copied in one pass, the
        // common string (nothing to escape) appended whole.
        let done = s.utf8.withContiguousStorageIfAvailable { buffer -> Bool in
            for b in buffer where b < 0x20 || b == 0x22 || b == 0x5C { return false }
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: buffer)
            out.append(UInt8(ascii: "\""))
            return true
        }
        if done == true { return }
        writeEscaped(s, into: &out)
    }

    static func writeEscaped(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 0xF)]])
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
