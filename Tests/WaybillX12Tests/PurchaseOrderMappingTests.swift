import Foundation
import Testing
import WaybillCore
import WaybillTestSupport
import WaybillX12

@Suite("850 → o2c.order.placed")
struct PurchaseOrderMappingTests {
    func map(_ text: String) throws -> JSONValue {
        let interchange = try #require(try X12Reader.read(Array(text.utf8)).first)
        let set = try #require(interchange.groups.first?.sets.first)
        return try PurchaseOrderMapping.orderPlaced(set, in: interchange)
    }

    @Test("the golden 850 maps to the golden order, which the hub's own decoder accepts")
    func golden() throws {
        let mapped = try map(try fixture("850-basic.edi"))
        let golden = try JSONParser.parse(Array(try fixture("850-basic.json").utf8))
        #expect(JSONWriter.string(mapped) == JSONWriter.string(golden))
        let order = try PlacedOrder(PayloadReader.object(mapped, at: "$.data"))
        #expect(order.lines.map(\.sku) == ["BRG-6204", "BLT-M8"] && order.lines[1].uom == UnitOfMeasure("CA"))
    }

    @Test("the buyer's part number is used when the vendor's is absent; the hub maps it through cross-references")
    func buyerPart() throws {
        let text = try fixture("850-basic.edi").replacingOccurrences(of: "PO1*1*40*EA*12.50**BP*BW6204*VP*BRG-6204~", with: "PO1*1*40*EA*12.50**BP*BW6204~")
        guard case .array(let lines)? = try map(text)["lines"] else { Issue.record("no lines"); return }
        #expect(lines[0]["sku"] == .string("BW6204"))
    }

    @Test(
        "a CTT that miscounts, a bad quantity or price, or a line without an item is refused with its position",
        arguments: [
            ("CTT*2~", "CTT*3~", 13, 1), ("PO1*2*4*CA*30.00", "PO1*2*4X*CA*30.00", 12, 2), ("PO1*2*4*CA*30.00", "PO1*2*4*CA*3O.00", 12, 4),
            ("PO1*2*4*CA*30.00**BP*BWM8*VP*BLT-M8~", "PO1*2*4*CA*30.00~", 12, 6),
        ])
    func refusals(_ find: String, _ replace: String, _ segment: Int, _ element: Int) throws {
        let text = try fixture("850-basic.edi").replacingOccurrences(of: find, with: replace)
        let error = #expect(throws: X12Error.self) { try map(text) }
        #expect(error?.segment == segment && error?.element == element, "\(error?.description ?? "")")
    }
}
