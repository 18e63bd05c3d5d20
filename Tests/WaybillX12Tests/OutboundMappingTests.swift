import Foundation
import Testing
import WaybillCore
import WaybillTestSupport
import WaybillX12

/// The order BoltWorks placed by 850: 40 EA of their BW6204 and 4 CA (of 12) of their BWM8.
let boltworksOrder = X12OrderContext(
    purchaseOrder: "PO-88231", orderDate: "20261127", shipToId: "ST-1",
    lines: [
        .init(
            lineId: LineID("1"), vendorPart: "BRG-6204", buyerPart: "BW6204", baseUom: .each, partnerUom: .each, factor: Quantity(1),
            ordered: Quantity(40), unitPrice: UnitPrice(text: "12.50", currency: .usd)!),
        .init(
            lineId: LineID("2"), vendorPart: "BLT-M8", buyerPart: "BWM8", baseUom: .each, partnerUom: UnitOfMeasure("CA"), factor: Quantity(12),
            ordered: Quantity(48), unitPrice: UnitPrice(text: "2.50", currency: .usd)!),
    ])

let ourEnvelope = X12Writer.Envelope(
    senderQualifier: "ZZ", sender: "ACMEIND", receiverQualifier: "ZZ", receiver: "BOLTWORKS", date: "261127", time: "1600", groupDate: "20261127")

/// The interchange text of one set written with control number `control`.
func written(_ code: String, group: String, _ segments: [[String]], control: Int) -> String {
    String(
        decoding: X12Writer().interchange(ourEnvelope, control: control, groups: [.init(code: group, sets: [.init(code: code, segments: segments)])]),
        as: UTF8.self)
}

func payload(_ json: String) throws -> PayloadReader { try PayloadReader.object(try JSONParser.parse(Array(json.utf8)), at: "$.data") }

/// Compares `text` with a golden file; `WAYBILL_RECORD_GOLDEN=1` writes it instead (then review the diff).
func expectGolden(_ text: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    if ProcessInfo.processInfo.environment["WAYBILL_RECORD_GOLDEN"] == "1" {
        try text.write(to: fixtures.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }
    #expect(text == (try fixture(name)), sourceLocation: sourceLocation)
}

@Suite("Outbound documents: 855, 856, 810")
struct OutboundMappingTests {
    @Test("the golden 855: line 1 accepted, line 2 backordered with its date, in the partner's cases and part numbers")
    func acknowledgement() throws {
        let segments = AcknowledgementMapping.segments(
            order: boltworksOrder, decisions: [LineID("2"): .init(.backordered, date: "20261215")], date: "20261127")
        let text = written("855", group: "PR", segments, control: 7)
        try expectGolden(text, "855-basic.edi")
        #expect(try X12Reader.read(Array(text.utf8))[0].groups[0].sets[0].code == "855")
    }

    @Test("an order accepted as placed is acknowledged AT with every line IA")
    func allAccepted() {
        let segments = AcknowledgementMapping.segments(order: boltworksOrder, date: "20261127")
        #expect(segments[0] == ["BAK", "00", "AT", "PO-88231", "20261127"])
        #expect(segments.filter { $0[0] == "ACK" }.map { $0[1] } == ["IA", "IA"])
        #expect(segments.filter { $0[0] == "PO1" }.map { Array($0[1...4]) } == [["1", "40", "EA", "12.50"], ["2", "4", "CA", "30.00"]])
    }

    @Test("the golden 856: shipment / order / item levels, carrier, tracking, the buyer's PO, cases")
    func shipNotice() throws {
        let shipment = try ShipmentConfirmation(
            payload(
                #"{"orderId":"BOLTWORKS-PO-88231","shipmentId":"SH-5001","warehouse":"DAL","shippedAt":"2026-12-02T17:30:00Z","carrier":"UPSN","service":"GROUND","trackingNumber":"1Z999AA10123456784","lines":[{"lineId":"1","quantity":40},{"lineId":"2","quantity":24}]}"#
            ))
        let segments = try ShipNoticeMapping.segments(shipment, order: boltworksOrder, date: "20261202", time: "1745")
        let text = written("856", group: "SH", segments, control: 8)
        try expectGolden(text, "856-basic.edi")
        let set = try X12Reader.read(Array(text.utf8))[0].groups[0].sets[0]
        #expect(set.segments.filter { $0.id == "HL" }.map { $0[3] } == ["S", "O", "I", "I"])
        #expect(set.segments.filter { $0.id == "SN1" }.map { [$0[2], $0[3]] } == [["40", "EA"], ["2", "CA"]])
    }

    @Test("the golden 856 with packages: a Pack level with the SSCC-18 (MAN GM) holding its items; unpacked quantities under the order")
    func packedShipNotice() throws {
        let shipment = try ShipmentConfirmation(
            payload(
                #"{"orderId":"BOLTWORKS-PO-88231","shipmentId":"SH-5002","warehouse":"DAL","carrier":"UPSN","lines":[{"lineId":"1","quantity":40},{"lineId":"2","quantity":48}],"packages":[{"sscc":"000123450000000017","lines":[{"lineId":"1","quantity":40},{"lineId":"2","quantity":24}]},{"sscc":"000123450000000024","lines":[{"lineId":"2","quantity":12}]}]}"#
            ))
        let segments = try ShipNoticeMapping.segments(shipment, order: boltworksOrder, date: "20261202", time: "1745")
        let text = written("856", group: "SH", segments, control: 10)
        try expectGolden(text, "856-packed.edi")
        let set = try X12Reader.read(Array(text.utf8))[0].groups[0].sets[0]
        #expect(set.segments[0][5] == "0001")
        #expect(
            set.segments.filter { $0.id == "HL" }.map { "\($0[1])/\($0[2])/\($0[3])" } == [
                "1//S", "2/1/O", "3/2/P", "4/3/I", "5/3/I", "6/2/P", "7/6/I", "8/2/I",
            ])
        #expect(set.segments.filter { $0.id == "MAN" }.map { $0[2] } == ["000123450000000017", "000123450000000024"])
        #expect(set.segments.filter { $0.id == "SN1" }.map { "\($0[2]) \($0[3])" } == ["40 EA", "2 CA", "1 CA", "1 CA"])
    }

    @Test("packages are checked: an SSCC is 18 digits, and a package holds only what the shipment ships")
    func packageErrors() throws {
        func refusal(_ packages: String) throws -> WaybillError? {
            #expect(throws: WaybillError.self) {
                try ShipmentConfirmation(payload(#"{"orderId":"X","shipmentId":"S","lines":[{"lineId":"1","quantity":4}],"packages":\#(packages)}"#))
            }
        }
        #expect(try refusal(#"[{"sscc":"12345","lines":[{"lineId":"1","quantity":4}]}]"#)?.path == "$.data.packages[0].sscc")
        #expect(try refusal(#"[{"sscc":"000123450000000017","lines":[{"lineId":"2","quantity":1}]}]"#)?.path == "$.data.packages[0].lines[0].lineId")
        let over = #"[{"sscc":"000123450000000017","lines":[{"lineId":"1","quantity":3}]},{"sscc":"000123450000000024","lines":[{"lineId":"1","quantity":2}]}]"#
        #expect(try refusal(over)?.path == "$.data.packages[1].lines[0].quantity")
    }

    @Test("a quantity that is not a whole number of the partner's unit is stated in base units, never rounded")
    func partialCase() throws {
        let shipment = try ShipmentConfirmation(payload(#"{"orderId":"X","shipmentId":"SH-2","lines":[{"lineId":"2","quantity":18}]}"#))
        let segments = try ShipNoticeMapping.segments(shipment, order: boltworksOrder, date: "20261202", time: "1745")
        #expect(segments.first { $0[0] == "SN1" } == ["SN1", "2", "18", "EA"])
    }

    @Test("a shipment of a line the order does not have is refused with a clear error")
    func unknownLine() throws {
        let shipment = try ShipmentConfirmation(payload(#"{"orderId":"X","shipmentId":"SH-3","lines":[{"lineId":"9","quantity":1}]}"#))
        #expect(throws: X12Error.self) { try ShipNoticeMapping.segments(shipment, order: boltworksOrder, date: "20261202", time: "1745") }
    }

    @Test("the golden 810: lines in the partner's unit and price, TDS in cents, tax, freight")
    func invoice() throws {
        let posting = try InvoicePosting(
            payload(
                #"{"orderId":"BOLTWORKS-PO-88231","invoiceId":"INV-7001","invoiceDate":"2026-12-02","dueDate":"2027-01-01","currency":"USD","lines":[{"lineId":"1","quantity":40,"unitPrice":"12.50"},{"lineId":"2","quantity":24,"unitPrice":"2.50"}],"freight":"18.00","tax":"45.00","total":"623.00"}"#
            ))
        let segments = try InvoiceMapping.segments(posting, order: boltworksOrder, date: "20261202")
        let text = written("810", group: "IN", segments, control: 9)
        try expectGolden(text, "810-basic.edi")
        #expect(segments.first { $0[0] == "TDS" } == ["TDS", "62300"])
        #expect(segments.filter { $0[0] == "IT1" }.map { Array($0[2...4]) } == [["40", "EA", "12.50"], ["2", "CA", "30.00"]])
    }

    @Test("every golden document we write is read without errors by pyx12", arguments: ["855-basic.edi", "856-basic.edi", "856-packed.edi", "810-basic.edi"])
    func independentReader(_ name: String) throws {
        let (status, output) = try runPython(["scripts/x12_check.py", fixtures.appendingPathComponent(name).path])
        #expect(status == 0, "\(output)")
    }
}
