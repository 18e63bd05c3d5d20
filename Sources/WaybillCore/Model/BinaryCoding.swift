/// A compact binary writer: LEB128 varints (zig-zag for signed) and length-prefixed UTF-8.
/// Used for the stored order state, which is rewritten on every event.
public struct BinaryWriter {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 512) { bytes.reserveCapacity(capacity) }

    public mutating func byte(_ b: UInt8) { bytes.append(b) }

    public mutating func unsigned(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    public mutating func signed(_ value: Int64) { unsigned(UInt64(bitPattern: (value << 1) ^ (value >> 63))) }
    public mutating func int(_ value: Int) { signed(Int64(value)) }

    public mutating func string(_ value: String) {
        var copy = value
        copy.withUTF8 { buffer in
            unsigned(UInt64(buffer.count))
            bytes.append(contentsOf: buffer)
        }
    }

    public mutating func optionalString(_ value: String?) {
        if let value { byte(1); string(value) } else { byte(0) }
    }

    public mutating func bool(_ value: Bool) { byte(value ? 1 : 0) }
}

/// Reads what `BinaryWriter` wrote; any inconsistency is a corrupt record, reported with its offset.
public struct BinaryReader {
    let bytes: [UInt8]
    var index = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    func corrupt(_ what: String) -> WaybillError {
        WaybillError(.invalidPayload, "corrupt stored record: \(what) at byte \(index)")
    }

    public var isAtEnd: Bool { index >= bytes.count }

    public mutating func byte() throws(WaybillError) -> UInt8 {
        guard index < bytes.count else { throw corrupt("unexpected end") }
        defer { index += 1 }
        return bytes[index]
    }

    public mutating func unsigned() throws(WaybillError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            guard shift < 64 else { throw corrupt("varint too long") }
            result |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return result }
            shift += 7
        }
    }

    public mutating func signed() throws(WaybillError) -> Int64 {
        let u = try unsigned()
        return Int64(bitPattern: (u >> 1) ^ (0 &- (u & 1)))
    }

    public mutating func int() throws(WaybillError) -> Int { Int(try signed()) }

    public mutating func string() throws(WaybillError) -> String {
        let count = Int(try unsigned())
        guard count >= 0, index + count <= bytes.count else { throw corrupt("string runs past the end") }
        defer { index += count }
        guard let s = String(validating: bytes[index..<(index + count)], as: UTF8.self) else { throw corrupt("invalid UTF-8") }
        return s
    }

    public mutating func optionalString() throws(WaybillError) -> String? {
        try byte() == 1 ? try string() : nil
    }

    public mutating func bool() throws(WaybillError) -> Bool { try byte() == 1 }

    public mutating func count() throws(WaybillError) -> Int {
        let n = try unsigned()
        guard n <= UInt64(bytes.count - index) else { throw corrupt("count \(n) larger than the record") }
        return Int(n)
    }
}
