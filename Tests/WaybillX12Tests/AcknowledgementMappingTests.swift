import Foundation
import Testing
import WaybillCore
import WaybillTestSupport
import WaybillX12

@Suite("o2c.order.accepted → 855")
struct AcknowledgementMappingTests {
    let accepted = try! JSONParser.parse(
        Array(
            #"""
            {"orderId":"BOLTWORKS-PO-88231","customerPO":"PO-88231","customerId":"C-100","currency":"USD","total":"620.00",
             "lines":[{"lineId":"1","sku":"BRG-6204","quantity":40,"uom":"EA","unitPrice":"12.50"},
                      {"lineId":"2","sku":"BLT-M8","quantity":48,"uom":"EA","unitPrice":"2.50"}]}
            """#.utf8))

    @Test("the golden 855: one line accepted, one backordered with its date")
    func golden() throws {
        let segments = try AcknowledgementMapping.segments(order: accepted, statuses: ["2": (.backordered, nil, "20261215")], date: "20261127")
        let envelope = X12Writer.Envelope(
            senderQualifier: "ZZ", sender: "ACMEIND", receiverQualifier: "ZZ", receiver: "BOLTWORKS",
            date: "261127", time: "1600", groupDate: "20261127")
        let written = X12Writer().interchange(envelope, control: 7, groups: [.init(code: "PR", sets: [.init(code: "855", segments: segments)])])
        #expect(String(decoding: written, as: UTF8.self) == (try fixture("855-basic.edi")))
        let read = try X12Reader.read(written)
        #expect(read[0].groups[0].sets[0].code == "855")
    }

    @Test("an order accepted as placed is acknowledged AT with every line IA")
    func allAccepted() throws {
        let segments = try AcknowledgementMapping.segments(order: accepted, date: "20261127")
        #expect(segments[0] == ["BAK", "00", "AT", "PO-88231", "20261127"])
        #expect(segments.filter { $0[0] == "ACK" }.allSatisfy { $0[1] == "IA" })
    }

    @Test("the 855 we write is read without errors by pyx12")
    func independentReader() throws {
        let (status, output) = try runPython(["scripts/x12_check.py", fixtures.appendingPathComponent("855-basic.edi").path])
        #expect(status == 0, "\(output)")
    }
}
