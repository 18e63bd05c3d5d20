import Foundation
import Testing
import WaybillCore
import WaybillTestSupport

@Suite("waybill edi parse | validate")
struct EDICommandTests {
    @Test("parse prints the canonical events of an 850 file as JSON; validate says it is valid")
    func goodFile() throws {
        let path = fixtures.appendingPathComponent("850-basic.edi").path
        let (status, output) = try runWaybill(["edi", "parse", path])
        #expect(status == 0)
        let events = try JSONParser.parse(Array(output))
        guard case .array(let list) = events, let first = list.first else {
            Issue.record("no events printed")
            return
        }
        #expect(first["type"] == .string("o2c.order.placed") && first["id"] == .string("000000905-905-0001"))
        #expect(first["source"] == .string("/systems/boltworks-edi") && first["time"] == .string("2026-11-27T15:30:00Z"))
        let (valid, text) = try runWaybill(["edi", "validate", path])
        #expect(valid == 0 && String(decoding: text, as: UTF8.self).contains("valid — 1 interchanges, 1 transaction sets"))
    }

    @Test("validate exits non-zero with one line per problem: an envelope error, or each set in error")
    func brokenFiles() throws {
        let directory = try temporaryDirectory("waybill-edi-cli")
        let base = try fixture("850-basic.edi")
        let envelope = directory.appendingPathComponent("envelope.edi")
        try base.replacingOccurrences(of: "IEA*1*000000905", with: "IEA*1*000000904").write(to: envelope, atomically: true, encoding: .utf8)
        let (status, output) = try runWaybill(["edi", "validate", envelope.path])
        let text = String(decoding: output, as: UTF8.self)
        #expect(status == 1 && text.contains("interchange_control_mismatch") && text.contains("[TA1 001]"), "\(text)")

        // Two sets in one group, both with content errors: two lines.
        let second = base.replacingOccurrences(of: "ST*850*0001", with: "ST*850*0002").replacingOccurrences(of: "SE*12*0001", with: "SE*12*0002")
        let setOne = base.components(separatedBy: "ST*850*0001~\n")[1].components(separatedBy: "GE*1*905~")[0]
            .replacingOccurrences(of: "CTT*2~", with: "CTT*3~")
        let setTwo = second.components(separatedBy: "ST*850*0002~\n")[1].components(separatedBy: "GE*1*905~")[0]
            .replacingOccurrences(of: "PO1*1*40*EA", with: "PO1*1*4O*EA")
        let head = base.components(separatedBy: "ST*850*0001~\n")[0]
        let twoSets = head + "ST*850*0001~\n" + setOne + "ST*850*0002~\n" + setTwo + "GE*2*905~\nIEA*1*000000905~\n"
        let sets = directory.appendingPathComponent("sets.edi")
        try twoSets.write(to: sets, atomically: true, encoding: .utf8)
        let (setsStatus, setsOutput) = try runWaybill(["edi", "validate", sets.path])
        let lines = String(decoding: setsOutput, as: UTF8.self).split(separator: "\n")
        #expect(setsStatus == 1)
        #expect(lines.count == 2, "\(lines)")
        #expect(lines.first?.contains("control_total_mismatch") == true && lines.first?.contains("in 850 0001") == true)
        #expect(lines.last?.contains("invalid_number") == true && lines.last?.contains("in 850 0002") == true)
    }
}
