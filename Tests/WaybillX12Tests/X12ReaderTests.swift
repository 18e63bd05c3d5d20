import Foundation
import Testing
import WaybillCore
import WaybillTestSupport
import WaybillX12

/// The interchange with every segment as (id, elements), so variants can be compared.
func shape(_ interchanges: [X12Interchange]) -> [[String]] {
    var rows: [[String]] = []
    // ISA16 is the component separator itself, so it differs between delimiter variants.
    func add(_ segment: X12Segment) { rows.append([segment.id] + (segment.id == "ISA" ? Array(segment.elements.prefix(15)) : segment.elements)) }
    for interchange in interchanges {
        add(interchange.header)
        for group in interchange.groups {
            add(group.header)
            for set in group.sets {
                add(set.header)
                set.segments.forEach(add)
                add(set.trailer)
            }
            add(group.trailer)
        }
        add(interchange.trailer)
    }
    return rows
}

@Suite("X12 reader")
struct X12ReaderTests {
    @Test("reads an 850 with its envelopes and delimiters")
    func basic() throws {
        let interchanges = try X12Reader.read(Array(try fixture("850-basic.edi").utf8))
        #expect(interchanges.count == 1)
        let i = try #require(interchanges.first)
        #expect(i.sender == "BOLTWORKS" && i.receiver == "ACMEIND" && i.controlNumber == "000000905")
        #expect(i.delimiters == X12Delimiters(element: UInt8(ascii: "*"), component: UInt8(ascii: ">"), segment: UInt8(ascii: "~")))
        let set = try #require(i.groups.first?.sets.first)
        #expect(set.code == "850" && set.controlNumber == "0001")
        #expect(set.segments.map(\.id) == ["BEG", "REF", "DTM", "N1", "N3", "N4", "PO1", "PID", "PO1", "CTT"])
        #expect(set.segments[6][7] == "BW6204")
        #expect(set.trailer.position == 14)
    }

    @Test("other delimiters, CRLF and a single line read identically", arguments: ["crlf", "oneline", "pipes", "newline-terminated"])
    func variants(_ variant: String) throws {
        let base = try fixture("850-basic.edi")
        let text: String
        switch variant {
        case "crlf": text = base.replacingOccurrences(of: "\n", with: "\r\n")
        case "oneline": text = base.replacingOccurrences(of: "\n", with: "")
        case "pipes": text = base.replacingOccurrences(of: "*", with: "|").replacingOccurrences(of: ">", with: "^").replacingOccurrences(of: "~", with: "'")
        default: text = base.replacingOccurrences(of: "~\n", with: "\n")
        }
        #expect(shape(try X12Reader.read(Array(text.utf8))) == shape(try X12Reader.read(Array(base.utf8))))
    }

    @Test("several interchanges in one file")
    func several() throws {
        let base = try fixture("850-basic.edi")
        let second = base.replacingOccurrences(of: "000000905", with: "000000906").replacingOccurrences(of: "*905*", with: "*906*")
            .replacingOccurrences(of: "GE*1*905", with: "GE*1*906")
        let interchanges = try X12Reader.read(Array((base + second).utf8))
        #expect(interchanges.map(\.controlNumber) == ["000000905", "000000906"])
    }

    @Test("leading zeros in control numbers compare as numbers")
    func leadingZeros() throws {
        let text = try fixture("850-basic.edi").replacingOccurrences(of: "IEA*1*000000905", with: "IEA*1*905")
        #expect(try X12Reader.read(Array(text.utf8)).count == 1)
    }

    @Test(
        "broken interchanges get the translator's codes and a position, never a crash",
        arguments: [
            ("SE*12*0001", "SE*11*0001", X12Error.Kind.segmentCountMismatch, 14, 1, "AK5:4"),
            ("SE*12*0001", "SE*12*0002", .setControlMismatch, 14, 2, "AK5:3"),
            ("GE*1*905", "GE*1*906", .groupControlMismatch, 15, 2, "AK9:4"),
            ("GE*1*905", "GE*2*905", .setCountMismatch, 15, 1, "AK9:5"),
            ("IEA*1*000000905", "IEA*1*000000904", .interchangeControlMismatch, 16, 2, "TA1:001"),
            ("IEA*1*000000905", "IEA*2*000000905", .groupCountMismatch, 16, 1, "TA1:021"),
            ("SE*12*0001~\n", "", .missingTrailer, 14, 0, ""),
            ("SE*12*0001", "SE*1X*0001", .invalidNumber, 14, 1, ""),
            ("CTT*2~", "C@T*2~", .unexpectedSegment, 13, 0, ""),
        ])
    func broken(_ find: String, _ replace: String, _ kind: X12Error.Kind, _ segment: Int, _ element: Int, _ code: String) throws {
        let text = try fixture("850-basic.edi").replacingOccurrences(of: find, with: replace)
        let error = #expect(throws: X12Error.self) { try X12Reader.read(Array(text.utf8)) }
        #expect(error?.kind == kind, "\(error?.description ?? "")")
        #expect(error?.segment == segment, "\(error?.description ?? "")")
        if element > 0 { #expect(error?.element == element) }
        if code.hasPrefix("TA1:") { #expect(error?.ta1Code == String(code.dropFirst(4))) }
        if code.hasPrefix("AK") { #expect(error?.ackCode == code) }
    }

    @Test("truncated files, a wrong ISA width and binary garbage are refused precisely")
    func garbage() throws {
        let base = try fixture("850-basic.edi")
        let truncated = #expect(throws: X12Error.self) { try X12Reader.read(Array(base.prefix(300).utf8)) }
        #expect(truncated?.kind == .truncated && truncated?.ta1Code == "023")
        let wide = base.replacingOccurrences(of: "*BOLTWORKS      *", with: "*BOLTWORKS     *")
        let isa = #expect(throws: X12Error.self) { try X12Reader.read(Array(wide.utf8)) }
        #expect(isa?.kind == .invalidISA && isa?.element == 6)
        var rng = SplitMix64(seed: 850)
        for _ in 0..<200 {
            var bytes = Array(base.utf8)
            for _ in 0..<5 { bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
            _ = try? X12Reader.read(bytes)
            let noise = (0..<Int.random(in: 0..<400, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            _ = try? X12Reader.read(noise)
        }
        #expect(throws: X12Error.self) { try X12Reader.read([0x00, 0xFF, 0x7F]) }
    }
}
