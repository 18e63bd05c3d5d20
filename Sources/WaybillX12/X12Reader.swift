/// Reads X12 interchanges: delimiters from the ISA (the element separator is its 4th character,
/// the component separator ISA16, the segment terminator the character after ISA16, optionally
/// followed by CR/LF), any number of interchanges, groups and sets, and the envelope checks a
/// translator makes. Errors name the segment position and element number.
///
/// ```swift
/// let interchanges = try X12Reader.read(Array(text.utf8))
/// ```
public enum X12Reader {
    /// The fixed widths of ISA01 … ISA16.
    static let isaWidths = [2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1]
    /// The length of an ISA segment without its terminator.
    static let isaLength = 3 + isaWidths.reduce(0, +) + isaWidths.count

    public static func read(_ bytes: [UInt8]) throws(X12Error) -> [X12Interchange] {
        var index = skipWhitespace(bytes, from: 0)
        guard index < bytes.count else { throw X12Error(.notAnInterchange, "the file is empty") }
        var interchanges: [X12Interchange] = []
        while index < bytes.count {
            let (interchange, next) = try readInterchange(bytes, from: index)
            interchanges.append(interchange)
            index = skipWhitespace(bytes, from: next)
        }
        return interchanges
    }

    static func skipWhitespace(_ bytes: [UInt8], from start: Int) -> Int {
        var i = start
        while i < bytes.count {
            let b = bytes[i]
            guard b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 else { break }
            i += 1
        }
        return i
    }

    static func readInterchange(_ bytes: [UInt8], from start: Int) throws(X12Error) -> (X12Interchange, Int) {
        guard bytes.count - start >= 3, bytes[start..<(start + 3)].elementsEqual("ISA".utf8) else {
            throw X12Error(.notAnInterchange, "an interchange starts with ISA")
        }
        guard bytes.count - start > isaLength else { throw X12Error(.truncated, "the file ends inside the ISA segment", segment: 1) }
        let delimiters = X12Delimiters(element: bytes[start + 3], component: bytes[start + isaLength - 1], segment: bytes[start + isaLength])
        // The ISA is fixed-width: check each element's width and find the separators where they belong.
        var isaElements: [String] = []
        var cursor = start + 4
        for (n, width) in isaWidths.enumerated() {
            let end = cursor + width
            guard end <= start + isaLength else { throw X12Error(.invalidISA, "ISA is shorter than 106 characters", segment: 1, element: n + 1) }
            let field = bytes[cursor..<end]
            if field.contains(delimiters.element) || (n < 15 && bytes[end] != delimiters.element) {
                throw X12Error(.invalidISA, "ISA\(String(format2: n + 1)) must be exactly \(width) characters", segment: 1, element: n + 1)
            }
            isaElements.append(String(decoding: field, as: UTF8.self))
            cursor = end + 1
        }
        let header = X12Segment(id: "ISA", elements: isaElements, position: 1)
        guard ["00401", "00200", "00300", "00400", "00402", "00403", "00501"].contains(header[12]) else {
            throw X12Error(.invalidISA, "control version \(header[12]) is not supported", segment: 1, element: 12)
        }
        var tokenizer = SegmentTokenizer(bytes: bytes, index: start + isaLength + 1, delimiters: delimiters, position: 1)
        var groups: [X12FunctionalGroup] = []
        var acknowledgements: [X12Segment] = []
        while true {
            guard let segment = try tokenizer.next() else {
                throw X12Error(.truncated, "the file ends before IEA", segment: tokenizer.position + 1)
            }
            switch segment.id {
            case "TA1" where groups.isEmpty: acknowledgements.append(segment)
            case "GS": groups.append(try readGroup(header: segment, tokenizer: &tokenizer))
            case "IEA":
                try expectNumber(
                    segment, 1, equals: groups.count, .groupCountMismatch, "IEA01 counts \(segment[1]) groups, the interchange has \(groups.count)")
                guard sameNumber(segment[2], header[13]) else {
                    throw X12Error(.interchangeControlMismatch, "IEA02 \(segment[2]) does not match ISA13 \(header[13])", segment: segment.position, element: 2)
                }
                return (
                    X12Interchange(delimiters: delimiters, header: header, acknowledgements: acknowledgements, groups: groups, trailer: segment),
                    tokenizer.index
                )
            default:
                throw X12Error(.unexpectedSegment, "expected GS or IEA, found \(segment.id)", segment: segment.position)
            }
        }
    }

    static func readGroup(header: X12Segment, tokenizer: inout SegmentTokenizer) throws(X12Error) -> X12FunctionalGroup {
        var sets: [X12TransactionSet] = []
        while true {
            guard let segment = try tokenizer.next() else {
                throw X12Error(.missingTrailer, "group \(header[6]) has no GE", segment: header.position)
            }
            switch segment.id {
            case "ST": sets.append(try readSet(header: segment, tokenizer: &tokenizer))
            case "GE":
                try expectNumber(segment, 1, equals: sets.count, .setCountMismatch, "GE01 counts \(segment[1]) sets, the group has \(sets.count)")
                guard sameNumber(segment[2], header[6]) else {
                    throw X12Error(.groupControlMismatch, "GE02 \(segment[2]) does not match GS06 \(header[6])", segment: segment.position, element: 2)
                }
                return X12FunctionalGroup(header: header, sets: sets, trailer: segment)
            case "IEA", "GS":
                throw X12Error(.missingTrailer, "group \(header[6]) has no GE before \(segment.id)", segment: segment.position)
            default:
                throw X12Error(.unexpectedSegment, "expected ST or GE, found \(segment.id)", segment: segment.position)
            }
        }
    }

    static func readSet(header: X12Segment, tokenizer: inout SegmentTokenizer) throws(X12Error) -> X12TransactionSet {
        var segments: [X12Segment] = []
        while true {
            guard let segment = try tokenizer.next() else {
                throw X12Error(.missingTrailer, "transaction set \(header[2]) has no SE", segment: header.position)
            }
            switch segment.id {
            case "SE":
                try expectNumber(
                    segment, 1, equals: segments.count + 2, .segmentCountMismatch,
                    "SE01 counts \(segment[1]) segments, the set has \(segments.count + 2)")
                guard sameNumber(segment[2], header[2]) || segment[2] == header[2] else {
                    throw X12Error(.setControlMismatch, "SE02 \(segment[2]) does not match ST02 \(header[2])", segment: segment.position, element: 2)
                }
                return X12TransactionSet(header: header, segments: segments, trailer: segment)
            case "ST", "GE", "GS", "IEA", "ISA":
                throw X12Error(.missingTrailer, "transaction set \(header[2]) has no SE before \(segment.id)", segment: segment.position)
            default:
                segments.append(segment)
            }
        }
    }

    static func expectNumber(_ segment: X12Segment, _ element: Int, equals expected: Int, _ kind: X12Error.Kind, _ message: String) throws(X12Error) {
        guard let value = Int(segment[element]), value >= 0 else {
            throw X12Error(
                .invalidNumber, "\(segment.id)\(String(format2: element)) \"\(segment[element])\" is not a number", segment: segment.position, element: element)
        }
        guard value == expected else { throw X12Error(kind, message, segment: segment.position, element: element) }
    }

    /// Control numbers compare as numbers ("000000001" = "1").
    static func sameNumber(_ a: String, _ b: String) -> Bool {
        guard let x = Int(a), let y = Int(b) else { return false }
        return x == y
    }
}

extension X12Reader {
    /// The ISA, the GS and ST that enclose segment `position`, and that segment, found without any
    /// checks — to say which group and set an error is in, and to address the TA1 or 997 that
    /// answers it.
    public static func enclosing(_ bytes: [UInt8], position: Int) -> (isa: X12Segment?, group: X12Segment?, set: X12Segment?, segment: X12Segment?) {
        let start = skipWhitespace(bytes, from: 0)
        guard bytes.count - start > isaLength, bytes[start..<(start + 3)].elementsEqual("ISA".utf8) else { return (nil, nil, nil, nil) }
        let delimiters = X12Delimiters(element: bytes[start + 3], component: bytes[start + isaLength - 1], segment: bytes[start + isaLength])
        let isaText = String(decoding: bytes[(start + 4)..<(start + isaLength)], as: UTF8.self)
        let isa = X12Segment(
            id: "ISA", elements: isaText.split(separator: Character(UnicodeScalar(delimiters.element)), omittingEmptySubsequences: false).map(String.init),
            position: 1)
        var tokenizer = SegmentTokenizer(bytes: bytes, index: start + isaLength + 1, delimiters: delimiters, position: 1)
        var group: X12Segment?
        var set: X12Segment?
        var found: X12Segment?
        while tokenizer.position < position, let segment = try? tokenizer.next() {
            found = segment
            switch segment.id {
            case "GS": group = segment; set = nil
            case "ST": set = segment
            case "GE": if segment.position < position { group = nil }
            case "SE": if segment.position < position { set = nil }
            default: break
            }
        }
        return (isa, group, set, found?.position == position ? found : nil)
    }
}

/// Splits the bytes after the ISA into segments.
struct SegmentTokenizer {
    let bytes: [UInt8]
    var index: Int
    let delimiters: X12Delimiters
    var position: Int

    mutating func next() throws(X12Error) -> X12Segment? {
        index = X12Reader.skipWhitespace(bytes, from: index)
        guard index < bytes.count else { return nil }
        // One pass: find the terminator and cut the elements straight out of the buffer.
        let element = delimiters.element, terminator = delimiters.segment
        let start = index
        var parts: [String] = []
        parts.reserveCapacity(12)
        let found: Int? = bytes.withUnsafeBufferPointer { buffer -> Int? in
            var fieldStart = start
            var i = start
            while i < buffer.count {
                let b = buffer[i]
                if b == element || b == terminator {
                    parts.append(String(decoding: UnsafeBufferPointer(rebasing: buffer[fieldStart..<i]), as: UTF8.self))
                    if b == terminator { return i }
                    fieldStart = i + 1
                }
                i += 1
            }
            return nil
        }
        guard let end = found else {
            throw X12Error(.truncated, "the last segment has no terminator", segment: position + 1)
        }
        index = end + 1
        position += 1
        let id = parts[0].utf8.last == 0x20 ? parts[0].trimmingTrailingSpaces : parts[0]
        guard (2...3).contains(id.utf8.count), id.utf8.allSatisfy({ ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x30 && $0 <= 0x39) }) else {
            throw X12Error(.unexpectedSegment, "\"\(id.prefix(12))\" is not a segment id", segment: position)
        }
        parts.removeFirst()
        return X12Segment(id: id, elements: parts, position: position)
    }
}

extension String {
    init(format2 value: Int) { self = value < 10 ? "0\(value)" : "\(value)" }
}
