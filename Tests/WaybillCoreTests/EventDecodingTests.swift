import Foundation
import Testing
import WaybillCore
import WaybillTestSupport

@Suite("Event catalog decoding")
struct EventDecodingTests {
    static let examples: [EventType] = EventType.allCases.filter { !$0.isHubOnly }

    static func example(_ type: EventType) throws -> JSONValue {
        let url = repositoryRoot.appendingPathComponent("schemas/examples/\(type.rawValue).json")
        return try JSONParser.parse(Array(try Data(contentsOf: url)))
    }

    static func envelope(_ type: String, data: String, extra: String = "") -> [UInt8] {
        Array(
            #"{"specversion":"1.0","id":"e-1","source":"/systems/wms","type":"\#(type)","subject":"SO-1001","time":"2026-12-01T15:04:05Z"\#(extra),"data":\#(data)}"#
                .utf8)
    }

    @Test("every example of EVENTS.md decodes", arguments: examples)
    func examplesDecode(_ type: EventType) throws {
        let payload = try EventPayload.decode(type, data: try Self.example(type), at: "$.data")
        #expect(
            try EventPayload.decode(type, data: try JSONParser.parse(JSONWriter.bytes(payload.json)), at: "$.data") == payload,
            "the canonical encoding decodes to the same payload")
    }

    @Test("the examples and our canonical encodings validate against the published schemas (python jsonschema)")
    func schemasInterop() throws {
        let directory = try temporaryDirectory("waybill-schema")
        for type in Self.examples {
            let payload = try EventPayload.decode(type, data: try Self.example(type), at: "$.data")
            try Data(JSONWriter.sortedBytes(payload.json)).write(to: directory.appendingPathComponent("\(type.rawValue).json"))
        }
        let (status, output) = try runPython(["scripts/validate_schemas.py", "schemas/examples", directory.path])
        #expect(status == 0, "\(output)")
        #expect(output.contains("37 payloads checked, 0 problems"), "\(output)")
    }

    @Test("the schemas refuse what the decoder refuses")
    func schemasRefuse() throws {
        let directory = try temporaryDirectory("waybill-schema-bad")
        try Data(#"{"orderId":"SO-1","shipmentId":"S","lines":[{"lineId":"1","quantity":-2}]}"#.utf8)
            .write(to: directory.appendingPathComponent("o2c.shipment.confirmed.json"))
        let (status, output) = try runPython(["scripts/validate_schemas.py", directory.path])
        #expect(status == 1)
        #expect(output.contains("lines/0/quantity"), "\(output)")
    }

    @Test(
        "a payload that does not decode is refused with its JSON path and code",
        arguments: [
            (
                "o2c.shipment.confirmed", #"{"orderId":"SO-1001","shipmentId":"SH-1","lines":[{"lineId":"1","quantity":-4}]}"#, "invalid_payload",
                "$.data.lines[0].quantity"
            ),
            (
                "o2c.shipment.confirmed", #"{"orderId":"SO-1001","shipmentId":"SH-1","lines":[{"lineId":"1","quantity":"4"}]}"#, "invalid_payload",
                "$.data.lines[0].quantity"
            ),
            ("o2c.shipment.confirmed", #"{"orderId":"SO-1001","lines":[{"lineId":"1","quantity":4}]}"#, "invalid_payload", "$.data.shipmentId"),
            ("o2c.shipment.confirmed", #"{"orderId":"SO-1001","shipmentId":"SH-1","lines":[]}"#, "invalid_payload", "$.data.lines"),
            (
                "o2c.shipment.confirmed", #"{"orderId":"SO-1001","shipmentId":"SH-1","lines":[{"lineId":"1","quantity":1},{"lineId":"1","quantity":2}]}"#,
                "duplicate_line", "$.data.lines[1].lineId"
            ),
            (
                "o2c.order.placed",
                #"{"orderId":"SO-1001","customerId":"C-1","currency":"USD","lines":[{"lineId":"1","sku":"A","quantity":1,"unitPrice":12.5}]}"#,
                "invalid_payload", "$.data.lines[0].unitPrice"
            ),
            (
                "o2c.order.placed", #"{"orderId":"SO-1001","customerId":"C-1","currency":"usd","lines":[{"lineId":"1","sku":"A","quantity":1}]}"#,
                "invalid_payload", "$.data.currency"
            ),
            (
                "o2c.order.placed",
                #"{"orderId":"SO-1001","customerId":"C-1","currency":"USD","requestedDate":"2026-02-30","lines":[{"lineId":"1","sku":"A","quantity":1}]}"#,
                "invalid_payload", "$.data.requestedDate"
            ),
            (
                "o2c.invoice.posted",
                #"{"orderId":"SO-1001","invoiceId":"I","currency":"USD","lines":[{"lineId":"1","quantity":40,"unitPrice":"12.50"}],"freight":"18.00","tax":"41.25","total":"560.00"}"#,
                "invoice_total_mismatch", "$.data.total"
            ),
            (
                "o2c.payment.received",
                #"{"paymentId":"P","customerId":"C-1","amount":"10.00","currency":"USD","applications":[{"invoiceId":"I","amount":"11.00"}]}"#,
                "invalid_payload", "$.data.applications"
            ),
            ("o2c.order.held", #"{"orderId":"SO-1001","hold":"mood"}"#, "invalid_payload", "$.data.hold"),
            ("o2c.shipment.tracking", #"{"orderId":"SO-1001","shipmentId":"S","status":"lost"}"#, "invalid_payload", "$.data.status"),
            ("o2c.order.status_changed", #"{"orderId":"SO-1001"}"#, "hub_only_type", "$.type"),
            ("o2c.order.teleported", #"{"orderId":"SO-1001"}"#, "unknown_type", "$.type"),
        ])
    func precisePayloadErrors(_ type: String, _ data: String, _ code: String, _ path: String) throws {
        let body = Self.envelope(type, data: data)
        let error = #expect(throws: WaybillError.self) { try InboundEvent.decode(try JSONParser.parse(body), raw: body) }
        #expect(error?.code.rawValue == code)
        #expect(error?.path == path)
    }

    @Test(
        "an envelope that is not a CloudEvent says which attribute is wrong",
        arguments: [
            (#"{"specversion":"0.3","id":"a","source":"/systems/wms","type":"o2c.order.cancelled","data":{"orderId":"S"}}"#, "$.specversion"),
            (#"{"specversion":"1.0","source":"/systems/wms","type":"o2c.order.cancelled","data":{"orderId":"S"}}"#, "$.id"),
            (#"{"specversion":"1.0","id":"a","source":"/systems/wms","type":"o2c.order.cancelled","time":"yesterday","data":{"orderId":"S"}}"#, "$.time"),
            (#"{"specversion":"1.0","id":"a","source":"/systems/wms","type":"o2c.order.cancelled","data":"text"}"#, "$.data"),
            (
                #"{"specversion":"1.0","id":"a","source":"/systems/wms","type":"o2c.order.cancelled","traceparent":"xx","data":{"orderId":"S"}}"#,
                "$.traceparent"
            ),
        ])
    func envelopeErrors(_ text: String, _ path: String) throws {
        let error = #expect(throws: WaybillError.self) { try CloudEvent.decode(try JSONParser.parse(Array(text.utf8))) }
        #expect(error?.code == .invalidEnvelope)
        #expect(error?.path == path)
    }

    @Test("the subject must name the same order as the data")
    func subjectMismatch() throws {
        let body = Array(
            #"{"specversion":"1.0","id":"a","source":"/systems/wms","type":"o2c.order.cancelled","subject":"SO-2","data":{"orderId":"SO-1"}}"#.utf8)
        let error = #expect(throws: WaybillError.self) { try InboundEvent.decode(try JSONParser.parse(body), raw: body) }
        #expect(error?.code == .subjectMismatch)
    }

    @Test("unknown extension attributes are kept and passed on")
    func extensions() throws {
        let body = Self.envelope("o2c.order.cancelled", data: #"{"orderId":"SO-1001"}"#, extra: #","partnerref":"X-9""#)
        let event = try InboundEvent.decode(try JSONParser.parse(body), raw: body)
        #expect(event.envelope.extensions.contains { $0.0 == "partnerref" && $0.1 == .string("X-9") })
        #expect(JSONWriter.string(event.envelope.json).contains(#""partnerref":"X-9""#))
    }

    @Test("an envelope written straight to bytes is exactly its JSON tree written out")
    func envelopeBytes() throws {
        let data = try JSONParser.parse(Array(#"{"orderId":"SO-1","note":"a \"quoted\"\nline","lines":[{"qty":2.5}]}"#.utf8))
        let trace = try #require(TraceContext(traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"))
        let events = [
            CloudEvent(id: "wb-1-1", source: "/systems/hub", type: .orderStatusChanged, subject: nil, time: nil, traceparent: nil, data: data),
            CloudEvent(
                id: "e\u{1}", source: "/systems/wms", type: .shipmentConfirmed, subject: "SO-1", time: Timestamp(milliseconds: 1_764_601_445_120),
                traceparent: trace, extensions: [("sourceid", .string("W-9")), ("hops", .number("2"))], data: .raw(Array(#"{"a":1}"#.utf8))),
        ]
        for event in events {
            #expect(event.bytes == JSONWriter.bytes(event.json), "\(JSONWriter.string(event.json))")
            #expect(try JSONParser.parse(event.bytes) == JSONParser.parse(JSONWriter.bytes(event.json)))
        }
    }
}
