import Foundation
import Testing
import WaybillCore
import WaybillTestSupport

@testable import WaybillMapping

@Suite("Mapping files and packs")
struct MappingFileTests {
    @Test(
        "a broken mapping file is refused with the file, the line and the rule path",
        arguments: [
            ("events:\n  - type: o2c.order.placed\n    data: { orderId: $.id +, lines: [] }\n", "shop.yml:3 events[0].data", "expected a value"),
            ("events:\n  - type: o2c.order.accepted\n    data: { orderId: $.id }\n", "shop.yml:2 events[0].type", "emitted by the hub"),
            ("events:\n  - type: o2c.order.placed\n    data:\n      orderID: $.id\n", "shop.yml:4", "'orderID' is not a field of o2c.order.placed"),
            ("events:\n  - type: o2c.order.placed\n    data:\n      orderId: map('status', $.id)\n", "shop.yml:4", "no value map 'status'"),
            ("events:\n  - type: o2c.order.placed\n    data:\n      orderId: $line.id\n", "shop.yml:4", "$line is not bound"),
            ("events:\n  - type: o2c.order.placed\n    dat: {}\n", "shop.yml:3", "unknown key 'dat'"),
            ("skip: $.test ==\n", "shop.yml:1 skip", "expected a value"),
        ])
    func brokenFiles(_ text: String, _ location: String, _ message: String) {
        let problems = #expect(throws: MappingProblems.self) { try MappingLoader.parse(text, name: "shop.yml") }
        let problem = problems?.problems.first
        #expect(problem?.rule?.hasPrefix(location) == true, "\(String(describing: problem))")
        #expect(problem?.message.contains(message) == true, "\(String(describing: problem))")
    }

    @Test("the canonical fields a mapping may write are exactly those of the published schemas")
    func fieldsMatchSchemas() throws {
        for (type, fields) in CanonicalFields.known {
            let schema = try JSONParser.parse(Array(try Data(contentsOf: repositoryRoot.appendingPathComponent("schemas/\(type.rawValue).json"))))
            guard case .object(let properties)? = schema["properties"] else {
                Issue.record("no properties in the schema of \(type.rawValue)")
                continue
            }
            #expect(Set(properties.map(\.0)) == fields, "\(type.rawValue)")
        }
        #expect(Set(CanonicalFields.known.keys) == Set(EventType.allCases.filter { !$0.isHubOnly }))
    }

    @Test(
        "every pack loads and has a test file; its events on the fixtures validate against the schemas (python jsonschema) and decode as the hub decodes them (invoice totals add up)"
    )
    func packsAgainstSchemas() throws {
        var written = 0
        for name in Packs.all.keys.sorted() {
            #expect(try Packs.mapping(name) != nil)
            let suite = try MappingTestFile.load(path: repositoryRoot.appendingPathComponent("Fixtures/packs/\(name)/\(name).test.yml").path)
            let mapper = Mapper(suite.mapping)
            for test in suite.cases where test.outbound == nil && test.expectError == nil {
                let directory = try temporaryDirectory("waybill-pack-schema")
                for event in try mapper.inbound(test.input, headers: test.headers).events {
                    #expect(throws: Never.self, "\(name): \(test.name)") { _ = try EventPayload.decode(event.type, data: event.data, at: "$.data") }
                    try Data(JSONWriter.sortedBytes(event.data)).write(to: directory.appendingPathComponent("\(event.type.rawValue).json"))
                    written += 1
                }
                let (status, output) = try runPython(["scripts/validate_schemas.py", directory.path])
                #expect(status == 0 || output.contains("0 payloads checked"), "\(name): \(test.name): \(output)")
            }
        }
        #expect(written >= 17)
    }
}
