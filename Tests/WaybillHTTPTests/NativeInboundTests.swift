import Foundation
import HTTPTypes
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

/// `POST /v1/inbound/{system}`: a system's own payloads, with its own authentication, mapped.
@Suite("Native inbound")
struct NativeInboundTests {
    static let secret = "shpss_5ae2f0b3c1d94e8a"
    static let standardSecret = "whsec_c2VjcmV0IHNpZ25pbmcga2V5IDEyMzQ1Ng=="
    static let configuration = """
        users:
          - { name: ana, role: support, token: "tok-support" }
        systems:
          - name: erp
            apiKey: "key-erp"
            publishes: [o2c.product.upserted]
          - name: shop
            inbound: { pack: shopify, secret: "\(secret)" }
          - name: wms
            inbound: { mapping: wms.yml, signature: standard-webhooks, secret: "\(standardSecret)" }
          - name: legacy
            apiKey: "key-legacy"
            publishes: [o2c.product.upserted]
            inbound: { mapping: legacy.yml }
        """
    /// A legacy ERP's SOAP 1.1 item message: the Body's content, read as JSON, maps like JSON.
    static let legacyMapping = """
        events:
          - type: o2c.product.upserted
            id: concat('item-', $.ItemUpdate.Item['@number'], '-', $.ItemUpdate.Revision)
            subject: $.ItemUpdate.Item['@number']
            data:
              sku: $.ItemUpdate.Item['@number']
              baseUom: $.ItemUpdate.Item.Unit
              listPrice: $.ItemUpdate.Item.Price
              currency: "USD"
              description?: $.ItemUpdate.Item.Pack[1]['@unit']
        """
    static let wmsMapping = """
        events:
          - type: o2c.shipment.confirmed
            id: concat('wms-', text($.shipment))
            subject: $.order
            data:
              orderId: $.order
              shipmentId: text($.shipment)
              lines: { each: $.picks, as: pick, value: { lineId: text($pick.line), quantity: $pick.qty } }
        """

    /// The members of a JSON array (none for anything else).
    func items(_ value: JSONValue?) -> [JSONValue] { if case .array(let list)? = value { list } else { [] } }

    let body = Array(try! Data(contentsOf: repositoryRoot.appendingPathComponent("Fixtures/packs/shopify/sdk-order-450789469.body.json")))

    func app() async throws -> (Application<RouterResponder<BasicRequestContext>>, Hub) {
        let directory = try temporaryDirectory("waybill-inbound")
        try Self.wmsMapping.write(to: directory.appendingPathComponent("wms.yml"), atomically: true, encoding: .utf8)
        try Self.legacyMapping.write(to: directory.appendingPathComponent("legacy.yml"), atomically: true, encoding: .utf8)
        let configuration = try ConfigLoader.parse(Self.configuration, environment: [:], directory: directory.path)
        let hub = Hub(
            store: try SQLiteStore(path: directory.appendingPathComponent("hub.sqlite").path), landscape: configuration.landscape,
            policies: configuration.policies, clock: ManualClock(Timestamp(rfc3339: "2026-12-01T08:00:00Z")!), random: HubRandom(seed: 3))
        let products = ["IPOD2008GREEN", "IPOD2008RED", "IPOD2008BLACK"].map { sku in
            #"{"specversion":"1.0","id":"p-\#(sku)","source":"/systems/erp","type":"o2c.product.upserted","subject":"\#(sku)","data":{"sku":"\#(sku)","baseUom":"EA","listPrice":"199.00","currency":"USD"}}"#
        }
        _ = try await hub.ingest(body: Array("[\(products.joined(separator: ","))]".utf8))
        return (Application(router: HubAPI(hub: hub, configuration: configuration).router()), hub)
    }

    /// Signs like Shopify, with Python's hmac (an independent implementation).
    func shopifySignature(_ body: [UInt8], secret: String = Self.secret) throws -> String {
        let file = try temporaryDirectory("waybill-sign").appendingPathComponent("body.json")
        try Data(body).write(to: file)
        let (status, output) = try runPython(["scripts/sign_webhook.py", "shopify", secret, file.path])
        #expect(status == 0, "\(output)")
        return output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func headers(_ signature: String?, webhook: String = "b54557e4") -> HTTPFields {
        var fields: HTTPFields = [.contentType: "application/json"]
        if let signature { fields[HTTPField.Name("X-Shopify-Hmac-Sha256")!] = signature }
        fields[HTTPField.Name("X-Shopify-Topic")!] = "orders/create"
        fields[HTTPField.Name("X-Shopify-Webhook-Id")!] = webhook
        return fields
    }

    @Test("a Shopify order webhook, signed by Shopify's scheme, becomes the customer and the order; the same webhook again is a duplicate")
    func shopifyOrder() async throws {
        let (app, hub) = try await app()
        let signature = try shopifySignature(body)
        try await app.test(.router) { client in
            let first = try await client.execute(uri: "/v1/inbound/shop", method: .post, headers: headers(signature), body: ByteBuffer(bytes: body))
            #expect(first.status == .accepted, "\(String(buffer: first.body))")
            let answer = try JSONParser.parse(Array(buffer: first.body))
            let results = items(answer["results"])
            #expect(results.map { $0["outcome"] } == [.string("accepted"), .string("accepted")])
            let again = try await client.execute(uri: "/v1/inbound/shop", method: .post, headers: headers(signature), body: ByteBuffer(bytes: body))
            let repeated = items(try JSONParser.parse(Array(buffer: again.body))["results"])
            #expect(repeated.map { $0["outcome"] } == [.string("duplicate"), .string("duplicate")])
        }
        let order = try #require(try await hub.order("SHOPIFY-450789469"))
        #expect(order.status == .accepted && order.lines.count == 3 && order.total == Money(minorUnits: 597_00, currency: .usd))
        #expect(try await hub.store.read { try $0.orderCount() } == 1, "no second order")
    }

    @Test(
        "a SOAP 1.1 post from a legacy ERP maps like JSON (the Body's content: elements, attributes, repeated elements); XML that does not parse is 400 naming line and column"
    )
    func soapPost() async throws {
        let (app, hub) = try await app()
        let envelope = """
            <?xml version="1.0" encoding="utf-8"?>
            <soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:erp="urn:legacy-erp">
              <soap:Body>
                <erp:ItemUpdate>
                  <erp:Revision>7</erp:Revision>
                  <erp:Item number="WIDGET-9"><erp:Unit>EA</erp:Unit><erp:Price>12.50</erp:Price>
                    <erp:Pack unit="CS">12</erp:Pack><erp:Pack unit="PL">480</erp:Pack></erp:Item>
                </erp:ItemUpdate>
              </soap:Body>
            </soap:Envelope>
            """
        let fields: HTTPFields = [.contentType: "text/xml; charset=utf-8", .authorization: "Bearer key-legacy"]
        try await app.test(.router) { client in
            let answer = try await client.execute(uri: "/v1/inbound/legacy", method: .post, headers: fields, body: ByteBuffer(string: envelope))
            #expect(answer.status == .accepted, "\(String(buffer: answer.body))")
            let broken = try await client.execute(
                uri: "/v1/inbound/legacy", method: .post, headers: fields, body: ByteBuffer(string: "<soap:Envelope><soap:Body></soap:Envelope>"))
            #expect(broken.status == .badRequest)
            #expect(String(buffer: broken.body).contains("line 1, column"), "\(String(buffer: broken.body))")
        }
        let product = try #require(try await hub.store.read { try $0.product(SKU("WIDGET-9")) })
        #expect(product.baseUom == UnitOfMeasure("EA") && product.listPrice?.text == "12.50")
        #expect(product.description == "PL", "repeated elements are an array; attributes are @name")
    }

    @Test("a wrong or missing Shopify HMAC is 401 and stores nothing")
    func badSignatures() async throws {
        let (app, hub) = try await app()
        let before = try await hub.store.read { try $0.eventCount() }
        let wrong = try shopifySignature(body, secret: "shpss_not-the-secret")
        var changed = body
        changed[changed.count - 2] = UInt8(ascii: " ")
        let tampered = changed
        let good = try shopifySignature(body)
        try await app.test(.router) { client in
            for (signature, bytes) in [(wrong, body), (nil, body), (good, tampered), ("not base64!", body)] as [(String?, [UInt8])] {
                let answer = try await client.execute(uri: "/v1/inbound/shop", method: .post, headers: headers(signature), body: ByteBuffer(bytes: bytes))
                #expect(answer.status == .unauthorized)
                #expect(try JSONParser.parse(Array(buffer: answer.body))["code"] == .string("bad_signature"))
            }
        }
        #expect(try await hub.store.read { try $0.eventCount() } == before)
        #expect(try await hub.store.read { try $0.keptPayloads(system: nil, limit: 10) }.isEmpty)
    }

    @Test("a body missing a required field is 422 naming the rule and the input path, kept once for support, and reprocessed once fixed")
    func unmappable() async throws {
        let (app, hub) = try await app()
        var order = try JSONParser.parse(body)
        guard case .object(var members) = order else {
            Issue.record("the sample is not an object")
            return
        }
        members.removeAll { $0.0 == "currency" }
        order = .object(members)
        let broken = JSONWriter.bytes(order)
        let signature = try shopifySignature(broken)
        try await app.test(.router) { client in
            for _ in 0..<2 {
                let answer = try await client.execute(
                    uri: "/v1/inbound/shop", method: .post, headers: headers(signature, webhook: "w-broken"), body: ByteBuffer(bytes: broken))
                #expect(answer.status == .unprocessableContent)
                let problem = try JSONParser.parse(Array(buffer: answer.body))
                #expect(problem["code"] == .string("missing_value"))
                #expect(problem["inputPath"] == .string("$.currency"))
                #expect(
                    (problem["rule"]).map { if case .string(let r) = $0 { r.contains("pack shopify:") && r.contains("data.currency") } else { false } } == true)
            }
        }
        let kept = try await hub.store.read { try $0.keptPayloads(system: "shop", limit: 10) }
        #expect(kept.count == 1 && kept.first?.deliveryId == "w-broken" && kept.first?.body == broken, "a sender's retry is kept once")
        let exception = try #require(try await hub.exceptions(ExceptionFilter(kind: .mapping, status: .open)).first)
        #expect(exception.message.contains("$.currency"))
        #expect(try await hub.store.read { try $0.orderCount() } == 0, "nothing half-applied")

        // Reprocessed with the mapping as it is, it fails again and stays kept.
        await #expect(throws: UnmappedPayload.self) { try await hub.reprocess(exception: exception.id, by: "ana") }
        // The integration team fixes the mapping (the shop's own file over the pack, field by
        // field) and support reprocesses the kept payload: the order is placed, once.
        let directory = try temporaryDirectory("waybill-inbound-fix")
        try """
        events:
          - type: o2c.customer.upserted
            data:
              currency: coalesce($.customer.currency, $.currency, "USD")
          - type: o2c.order.placed
            data:
              currency: coalesce($.currency, "USD")
        """.write(to: directory.appendingPathComponent("shop-fix.yml"), atomically: true, encoding: .utf8)
        let fixed = try ConfigLoader.parse(
            """
            systems:
              - name: shop
                inbound: { pack: shopify, mapping: shop-fix.yml, secret: "\(Self.secret)" }
            """, environment: [:], directory: directory.path)
        let reconfigured = Hub(store: hub.store, landscape: fixed.landscape, policies: fixed.policies, clock: hub.clock, random: hub.random)
        let result = try await reconfigured.reprocess(exception: exception.id, by: "ana")
        #expect(result.outcome == .accepted || result.outcome == .parked)
        #expect(try await hub.store.read { try $0.order("SHOPIFY-450789469") }?.currency == .usd)
        #expect(try await hub.store.read { try $0.keptPayloads(system: "shop", limit: 10) }.isEmpty)
        #expect(try await hub.store.read { try $0.exception(exception.id) }?.status == .resolved)
    }

    @Test("a Standard Webhooks signature made by the standardwebhooks package is accepted; a stale or wrong one is 401")
    func standardWebhooks() async throws {
        let (app, hub) = try await app()
        let payload = Array(#"{"order":"SO-1","shipment":77,"picks":[{"line":1,"qty":4}]}"#.utf8)
        let file = try temporaryDirectory("waybill-sw").appendingPathComponent("body.json")
        try Data(payload).write(to: file)
        let now = Timestamp(rfc3339: "2026-12-01T08:00:00Z")!.milliseconds / 1_000
        let (status, output) = try runPython(["scripts/sign_webhook.py", "standard", Self.standardSecret, file.path, "msg_1", String(now)])
        #expect(status == 0, "\(output)")
        let signature = output.trimmingCharacters(in: .whitespacesAndNewlines)
        @Sendable func fields(_ timestamp: Int64, _ signature: String) -> HTTPFields {
            [
                .contentType: "application/json", HTTPField.Name("webhook-id")!: "msg_1", HTTPField.Name("webhook-timestamp")!: String(timestamp),
                HTTPField.Name("webhook-signature")!: signature,
            ]
        }
        try await app.test(.router) { client in
            let stale = try await client.execute(uri: "/v1/inbound/wms", method: .post, headers: fields(now - 600, signature), body: ByteBuffer(bytes: payload))
            #expect(stale.status == .unauthorized)
            let wrong = try await client.execute(
                uri: "/v1/inbound/wms", method: .post, headers: fields(now, "v1,AAAA" + signature.dropFirst(7)), body: ByteBuffer(bytes: payload))
            #expect(wrong.status == .unauthorized)
            let good = try await client.execute(uri: "/v1/inbound/wms", method: .post, headers: fields(now, signature), body: ByteBuffer(bytes: payload))
            #expect(good.status == .accepted, "\(String(buffer: good.body))")
            let results = items(try JSONParser.parse(Array(buffer: good.body))["results"])
            #expect(results.first?["outcome"] == .string("parked"), "a shipment for an order the hub has not seen waits")
        }
        #expect(try await hub.store.read { try $0.eventSeq(source: "/systems/wms", eventId: "wms-77") } != nil)
    }
}
