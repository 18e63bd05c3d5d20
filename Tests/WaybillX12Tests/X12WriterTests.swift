import Foundation
import Testing
import WaybillTestSupport
import WaybillX12

@Suite("X12 writer and 997")
struct X12WriterTests {
    let envelope = X12Writer.Envelope(
        senderQualifier: "ZZ", sender: "ACMEIND", receiverQualifier: "ZZ", receiver: "BOLTWORKS",
        date: "261127", time: "1545", groupDate: "20261127")

    func ack(_ sets: [FunctionalAcknowledgement.SetVerdict], groupError: String? = nil) -> [UInt8] {
        X12Writer().interchange(
            envelope, control: 17,
            groups: [
                .init(
                    code: "FA",
                    sets: [
                        .init(
                            code: "997",
                            segments: FunctionalAcknowledgement.segments(functionalCode: "PO", groupControl: "905", sets: sets, groupError: groupError))
                    ])
            ])
    }

    @Test("what the writer produces passes our envelope checks and reads back the same")
    func roundTrip() throws {
        let bytes = X12Writer().interchange(
            envelope, control: 42,
            groups: [
                .init(
                    code: "PR",
                    sets: [
                        .init(
                            code: "855",
                            segments: [
                                ["BAK", "00", "AC", "PO-88231", "20261127"], ["PO1", "1", "40", "EA", "12.50"], ["ACK", "IA", "40", "EA"], ["CTT", "1"],
                            ]),
                        .init(code: "855", segments: [["BAK", "00", "AC", "PO-88232", "20261127"], ["CTT", "0"]]),
                    ])
            ])
        let read = try X12Reader.read(bytes)
        #expect(read.count == 1 && read[0].controlNumber == "000000042" && read[0].sender == "ACMEIND")
        let sets = read[0].groups[0].sets
        #expect(sets.map(\.controlNumber) == ["0001", "0002"])
        #expect(sets[0].segments.map(\.id) == ["BAK", "PO1", "ACK", "CTT"])
        #expect(sets[0].trailer[1] == "6")
    }

    @Test("the 997 verdict: A when every set is accepted, E when errors are noted, P when some are rejected, R when all or the group")
    func verdicts() throws {
        let ok = FunctionalAcknowledgement.segments(functionalCode: "PO", groupControl: "905", sets: [.init(code: "850", control: "0001")])
        #expect(ok.last == ["AK9", "A", "1", "1", "1"])
        let some = FunctionalAcknowledgement.segments(
            functionalCode: "PO", groupControl: "905",
            sets: [
                .init(code: "850", control: "0001"), .init(code: "850", control: "0002", error: "4"),
            ])
        #expect(some.contains(["AK5", "R", "4"]) && some.last == ["AK9", "P", "2", "2", "1"])
        let noted = FunctionalAcknowledgement.segments(
            functionalCode: "PO", groupControl: "905",
            sets: [
                .init(
                    code: "850", control: "0001",
                    segmentErrors: [.init(segmentId: "PO1", position: 7, code: "8", element: 7, elementCode: "7", value: "BW9999")])
            ])
        #expect(Array(noted.dropFirst(2)) == [["AK3", "PO1", "7", "", "8"], ["AK4", "7", "", "7", "BW9999"], ["AK5", "E"], ["AK9", "E", "1", "1", "1"]])
        let none = FunctionalAcknowledgement.segments(functionalCode: "PO", groupControl: "905", sets: [.init(code: "850", control: "0001", error: "3")])
        #expect(none.last == ["AK9", "R", "1", "1", "0"])
        let badGroup = FunctionalAcknowledgement.segments(functionalCode: "PO", groupControl: "905", sets: [], groupError: "4")
        #expect(badGroup.last == ["AK9", "R", "0", "0", "0", "4"])
    }

    @Test("the golden 997, both ways: what we write for a group with one set accepted and one rejected, and what we read from it")
    func golden997() throws {
        let text = String(decoding: ack([.init(code: "850", control: "0001"), .init(code: "850", control: "0002", error: "4")]), as: UTF8.self)
        if ProcessInfo.processInfo.environment["WAYBILL_RECORD_GOLDEN"] == "1" {
            try text.write(to: fixtures.appendingPathComponent("997-basic.edi"), atomically: true, encoding: .utf8)
        }
        #expect(text == (try fixture("997-basic.edi")))
        let read = try FunctionalAcknowledgement.read(try X12Reader.read(Array(try fixture("997-basic.edi").utf8))[0].groups[0].sets[0])
        #expect(read.groupControl == "905" && read.verdict == "P" && read.sets.map(\.control) == ["0001", "0002"])
        let (status, output) = try runPython(["scripts/x12_check.py", fixtures.appendingPathComponent("997-basic.edi").path])
        #expect(status == 0, "\(output)")
    }

    @Test("a partner's 997 reads back: the group it answers, its verdict, and each set's status and codes")
    func readsPartnerAcknowledgement() throws {
        let bytes = ack([.init(code: "850", control: "0001"), .init(code: "850", control: "0002", error: "4")])
        let received = try FunctionalAcknowledgement.read(try X12Reader.read(bytes)[0].groups[0].sets[0])
        #expect(received.functionalCode == "PO" && received.groupControl == "905" && received.verdict == "P")
        #expect(received.sets.map(\.status) == ["A", "R"] && received.sets[1].codes == ["4"])
        #expect(received.note == "AK9 P; set 0002 R (4)")
    }

    @Test("a TA1 answers an interchange: it quotes the ISA13, date and time received, and reads back")
    func interchangeAcknowledgement() throws {
        let received = try X12Reader.read(Array((try fixture("850-basic.edi")).utf8))[0].header
        let bytes = X12Writer().interchangeAcknowledgement(envelope, control: 18, received: received, accepted: false, note: "001")
        let read = try X12Reader.read(bytes)[0]
        #expect(read.groups.isEmpty && read.acknowledgements.count == 1)
        #expect(Array(read.acknowledgements[0].elements) == [received[13], received[9], received[10], "R", "001"])
        #expect(read.trailer[1] == "0" && read.controlNumber == "000000018")
        let file = try temporaryDirectory("waybill-ta1").appendingPathComponent("ta1.edi")
        try Data(bytes).write(to: file)
        let (status, output) = try runPython(["scripts/x12_check.py", file.path])
        #expect(status == 0, "pyx12 reads our TA1: \(output)")
    }

    @Test("an independent X12 reader (pyx12) accepts what we write, and agrees with our codes on broken input")
    func independentReader() throws {
        let directory = try temporaryDirectory("waybill-x12")
        let written = directory.appendingPathComponent("997.edi")
        try Data(ack([.init(code: "850", control: "0001"), .init(code: "850", control: "0002", error: "4")])).write(to: written)
        let (ok, output) = try runPython(["scripts/x12_check.py", written.path])
        #expect(ok == 0, "\(output)")

        let base = try fixture("850-basic.edi")
        for (find, replace, ours) in [("SE*12*0001", "SE*11*0001", "4"), ("IEA*1*000000905", "IEA*1*000000904", "001")] {
            let broken = directory.appendingPathComponent("broken-\(ours).edi")
            try base.replacingOccurrences(of: find, with: replace).write(to: broken, atomically: true, encoding: .utf8)
            let (status, report) = try runPython(["scripts/x12_check.py", broken.path])
            #expect(status == 1)
            #expect(report.contains(#""code": "\#(ours)""#), "pyx12 reports \(report)")
            let error = #expect(throws: X12Error.self) { try X12Reader.read(Array(base.replacingOccurrences(of: find, with: replace).utf8)) }
            #expect(error?.ackCode == "AK5:\(ours)" || error?.ta1Code == ours)
        }
    }
}
