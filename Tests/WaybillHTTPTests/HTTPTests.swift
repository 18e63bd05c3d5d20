import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import WaybillConfig
import WaybillCore
import WaybillEngine
import WaybillHTTP
import WaybillSQLite
import WaybillStore
import WaybillTestSupport

let configurationText = """
    users:
      - { name: ana, role: support, token: "tok-support" }
      - { name: sam, role: service, token: "tok-service" }
    systems:
      - name: portal
        apiKey: "key-portal"
        publishes: [o2c.customer.upserted, o2c.product.upserted, o2c.order.placed, o2c.order.cancelled]
      - name: wms
        apiKey: "key-wms"
        publishes: [o2c.inventory.allocated, o2c.shipment.confirmed]
    """

/// The API over a fresh store, configured by `text`, on `clock`.
func makeApp(
    _ text: String = configurationText, clock: ManualClock = ManualClock(Timestamp(rfc3339: "2026-12-01T08:00:00Z")!)
) throws -> (Application<RouterResponder<BasicRequestContext>>, Hub) {
    let directory = try temporaryDirectory("waybill-http")
    let configuration = try ConfigLoader.parse(text, environment: [:])
    let hub = Hub(
        store: try SQLiteStore(path: directory.appendingPathComponent("hub.sqlite").path), landscape: configuration.landscape,
        policies: configuration.policies, clock: clock, random: HubRandom(seed: 3))
    return (Application(router: HubAPI(hub: hub, configuration: configuration).router()), hub)
}

func event(_ source: String, _ id: String, _ type: String, _ subject: String, _ data: String) -> String {
    #"{"specversion":"1.0","id":"\#(id)","source":"/systems/\#(source)","type":"\#(type)","subject":"\#(subject)","data":\#(data)}"#
}

@Suite("HTTP API")
struct HTTPTests {
    @Test("the OpenAPI document lists exactly the routes the router serves, and an independent validator accepts it")
    func openAPI() async throws {
        let directory = try temporaryDirectory("waybill-openapi")
        let configuration = try ConfigLoader.parse(configurationText, environment: [:])
        let hub = Hub(
            store: try SQLiteStore(path: directory.appendingPathComponent("hub.sqlite").path), landscape: configuration.landscape,
            policies: configuration.policies, clock: ManualClock(Timestamp(milliseconds: 0)), random: HubRandom(seed: 1))
        let router = HubAPI(hub: hub, configuration: configuration).router()
        let served = Set(
            router.routes.filter { !$0.path.description.hasPrefix("/ui") }.map { route in
                "\(route.method.rawValue) "
                    + route.path.description.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
                    .reduce("") { $0 + "/" + $1 }
            })
        let (app, _) = try makeApp()
        let yaml = try await app.test(.router) { client in
            try await client.execute(uri: "/openapi.yaml", method: .get) { String(buffer: $0.body) }
        }
        let file = directory.appendingPathComponent("openapi.yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        let (status, output) = try runPython([
            "-c",
            """
            import sys, yaml
            from openapi_spec_validator import validate
            doc = yaml.safe_load(open(sys.argv[1]))
            validate(doc)
            for path, item in doc["paths"].items():
                for method in item:
                    print(method.upper(), path)
            """, file.path,
        ])
        #expect(status == 0, "\(output)")
        let documented = Set(output.split(separator: "\n").map(String.init))
        #expect(documented == served, "undocumented: \(served.subtracting(documented)); documented but not served: \(documented.subtracting(served))")
    }

    @Test("thousands of mutated requests get a proper answer, the server stays up, and the store holds exactly what was accepted")
    func fuzz() async throws {
        let (app, hub) = try makeApp()
        let bases: [(String, String)] = [
            (
                "key-portal",
                event("portal", "c", "o2c.customer.upserted", "C-1", #"{"customerId":"C-1","name":"BoltWorks","currency":"USD","creditLimit":"1000.00"}"#)
            ),
            (
                "key-portal",
                event("portal", "p", "o2c.product.upserted", "A", #"{"sku":"A","baseUom":"EA","uomConversions":{"CA":12},"listPrice":"5.00","currency":"USD"}"#)
            ),
            (
                "key-portal",
                event(
                    "portal", "o", "o2c.order.placed", "SO-1",
                    #"{"orderId":"SO-1","customerId":"C-1","currency":"USD","lines":[{"lineId":"1","sku":"A","quantity":4,"uom":"CA","unitPrice":"60.00"}]}"#)
            ),
            ("key-wms", event("wms", "s", "o2c.shipment.confirmed", "SO-1", #"{"orderId":"SO-1","shipmentId":"SH-1","lines":[{"lineId":"1","quantity":48}]}"#)),
        ]
        let allowed: Set<Int> = [202, 400, 401, 403, 404, 405, 413, 415]
        let (kept, statuses) = try await app.test(.live) { client -> (Set<String>, [Int: Int]) in
            var rng = SplitMix64(seed: 20_261_127)
            var kept: Set<String> = []
            var statuses: [Int: Int] = [:]
            for n in 0..<1_500 {
                let (key, base) = bases[Int(rng.next() % UInt64(bases.count))]
                var body = Array(base.replacingOccurrences(of: #""id":""#, with: #""id":"\#(n)-"#).utf8)
                var headers: HTTPFields = [.contentType: "application/cloudevents+json", .authorization: "Bearer \(key)"]
                var uri = "/v1/events"
                var method = HTTPRequest.Method.post
                switch rng.next() % 12 {
                case 0: for _ in 0..<(1 + rng.next() % 4) { body[Int(rng.next() % UInt64(body.count))] = UInt8(truncatingIfNeeded: rng.next()) }
                case 1: body = Array(body.prefix(Int(rng.next() % UInt64(body.count))))
                case 2: body.insert(contentsOf: [0xC3, 0x28, 0xFF], at: Int(rng.next() % UInt64(body.count)))
                case 3: body = Array((String(repeating: "[", count: 5_000) + String(repeating: "]", count: 5_000)).utf8)
                case 4: headers[.contentType] = ["text/plain", "application/xml", "", "application/cloudevents"][Int(rng.next() % 4)]
                case 5: headers[.authorization] = ["Bearer nope", "Basic a2V5", "Bearer "][Int(rng.next() % 3)]
                case 6: uri = ["/v1/event", "/v2/events", "/v1/orders/%00", "/../etc/passwd", "/v1/events?x=1"][Int(rng.next() % 5)]
                case 7: method = [.put, .delete, .patch][Int(rng.next() % 3)]
                case 8 where n % 50 == 0: body = [UInt8](repeating: 0x20, count: 5 * 1024 * 1024)
                case 9:
                    body = Array(
                        "[\(String(decoding: body, as: UTF8.self)),\(String(decoding: body, as: UTF8.self).replacingOccurrences(of: #""id":""#, with: #""id":"b"#))]"
                            .utf8)
                default: break
                }
                let response = try await client.execute(uri: uri, method: method, headers: headers, body: ByteBuffer(bytes: body))
                do {
                    let status = Int(response.status.code)
                    statuses[status, default: 0] += 1
                    #expect(
                        allowed.contains(status),
                        "request \(n): status \(status) \(String(buffer: response.body)) for \(method) \(uri) \(String(decoding: body.prefix(300), as: UTF8.self))"
                    )
                    let json = try? JSONParser.parse(Array(buffer: response.body))
                    if status >= 400 {
                        #expect(response.headers[.contentType] == "application/problem+json", "request \(n)")
                        if case .string? = json?["code"] {} else { Issue.record("request \(n): problem without a code") }
                    }
                    guard status == 202, case .array(let results)? = json?["results"] else { continue }
                    for result in results {
                        guard case .string(let outcome)? = result["outcome"], case .string(let source)? = result["source"],
                            case .string(let id)? = result["id"]
                        else { continue }
                        let code: String? = { if case .string(let c)? = result["code"] { c } else { nil } }()
                        let rejectedUnlogged = [
                            "invalid_payload", "invalid_envelope", "unknown_type", "hub_only_type", "subject_mismatch",
                            "duplicate_line", "invoice_total_mismatch", "not_a_cloudevent",
                        ].contains(code ?? "")
                        if outcome != "duplicate" && !rejectedUnlogged { kept.insert("\(source) \(id)") }
                    }
                }
            }
            try await client.execute(uri: "/health/live", method: .get) { #expect($0.status == .ok) }
            return (kept, statuses)
        }
        #expect(statuses[202, default: 0] > 100 && statuses[400, default: 0] > 100, "\(statuses)")
        let stored = try await hub.store.read { reader in try reader.inboundEvents(after: 0, limit: 100_000).map { "\($0.event.source) \($0.event.eventId)" } }
        #expect(Set(stored) == kept, "stored \(stored.count), answered as kept \(kept.count)")
        #expect(stored.count == Set(stored).count)
    }
}
