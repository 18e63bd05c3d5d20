import Foundation
import Testing
import WaybillTestSupport

@Suite("waybill check on mappings")
struct CheckMappingTests {
    @Test("a mapping error in waybill.yml's mappings is named with the mapping's file and line")
    func mappingErrors() throws {
        let directory = try temporaryDirectory("waybill-check-mapping")
        try """
        events:
          - type: o2c.order.placed
            data:
              orderId: $.id
              customerID: $.customer
              lines: { each: $.items, as: item, value: { lineId: text($item.n), quantity: $item.q + } }
        """.write(to: directory.appendingPathComponent("shop.yml"), atomically: true, encoding: .utf8)
        let config = directory.appendingPathComponent("waybill.yml")
        try """
        systems:
          - name: shop
            apiKey: "key-shop"
            inbound: { mapping: shop.yml }
        """.write(to: config, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = waybillBinary
        process.arguments = ["check", "--config", config.path]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus != 0)
        #expect(text.contains("shop.yml:5") && text.contains("'customerID' is not a field of o2c.order.placed"), "\(text)")
        #expect(text.contains("shop.yml:6") && text.contains("expected a value"), "\(text)")
        #expect(text.contains("systems[0].inbound.mapping"), "\(text)")
    }

    @Test("a mapping test beside a mapping that names a fixture that is not there fails waybill check, naming the fixture")
    func missingFixture() throws {
        let directory = try temporaryDirectory("waybill-check-fixture")
        try "events:\n  - type: o2c.order.cancelled\n    id: $.id\n    data: { orderId: $.order }\n"
            .write(to: directory.appendingPathComponent("shop.yml"), atomically: true, encoding: .utf8)
        try "mapping: shop.yml\ntests:\n  - name: a cancellation\n    input: cancel.json\n    expect: []\n"
            .write(to: directory.appendingPathComponent("shop.test.yml"), atomically: true, encoding: .utf8)
        let config = directory.appendingPathComponent("waybill.yml")
        try "systems:\n  - name: shop\n    apiKey: \"key-shop\"\n    inbound: { mapping: shop.yml }\n".write(to: config, atomically: true, encoding: .utf8)
        let (status, output) = try runWaybill(["check", "--config", config.path])
        let text = String(decoding: output, as: UTF8.self)
        #expect(status != 0)
        #expect(text.contains("shop.test.yml") && text.contains("cancel.json"), "\(text)")
    }
}
