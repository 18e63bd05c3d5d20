import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing
import WaybillCore
import WaybillTestSupport
import WaybillX12

/// Posts an interchange to `/v1/edi/{partner}`; returns the status, the body and the verdict header.
func postEDI(
    _ client: HTTPClient, _ url: String, key: String?, _ body: [UInt8], contentType: String = "application/edi-x12"
) async throws -> (
    Int, [UInt8], String?
) {
    var request = HTTPClientRequest(url: url)
    request.method = .POST
    if let key { request.headers.add(name: "authorization", value: "Bearer \(key)") }
    request.headers.add(name: "content-type", value: contentType)
    request.body = .bytes(ByteBuffer(bytes: body))
    let response = try await client.execute(request, timeout: .seconds(10))
    let bytes = try await response.body.collect(upTo: 1024 * 1024)
    return (Int(response.status.code), Array(buffer: bytes), response.headers.first(name: "waybill-edi-verdict"))
}

@Suite("EDI over a running waybill serve", .serialized)
struct EDIServiceTests {
    @Test("BoltWorks posts its 850 over HTTP and gets the 997; WMS and ERP events over HTTP; the 855, two 856s and two 810s land in its directory")
    func overHTTP() async throws {
        let directory = try temporaryDirectory("waybill-edi-serve")
        let apiPort = freePort()
        let out = directory.appendingPathComponent("out/boltworks")
        let inbound = directory.appendingPathComponent("in/boltworks")
        let config = directory.appendingPathComponent("waybill.yml")
        try """
        store: sqlite:\(directory.path)/hub.sqlite
        listen: { host: 127.0.0.1, port: \(apiPort) }
        users:
          - { name: ana, role: support, token: "tok-support" }
        systems:
          - name: erp
            apiKey: "key-erp"
            publishes: [o2c.customer.upserted, o2c.product.upserted, o2c.invoice.posted]
          - name: wms
            apiKey: "key-wms"
            publishes: [o2c.inventory.allocated, o2c.inventory.backordered, o2c.shipment.confirmed]
          - name: boltworks-edi
            apiKey: "key-boltworks"
            x12: { interchangeId: "BOLTWORKS", qualifier: "ZZ", ourId: "ACMEIND", ourQualifier: "ZZ", inbound: "\(inbound.path)", acknowledgementWindow: 24h }
            subscribes:
              - { name: boltworks-855, types: [o2c.order.accepted], x12: { set: "855", directory: "\(out.path)" } }
              - { name: boltworks-856, types: [o2c.shipment.confirmed], x12: { set: "856", directory: "\(out.path)" } }
              - { name: boltworks-810, types: [o2c.invoice.posted], x12: { set: "810", directory: "\(out.path)" } }
        """.write(to: config, atomically: true, encoding: .utf8)
        let (checked, _) = try runWaybill(["check", "--config", config.path])
        #expect(checked == 0)
        let server = try launch(waybillBinary, ["serve", "--config", config.path])
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            try await scenario(client, apiPort: apiPort, out: out, inbound: inbound)
        } catch {
            try await client.shutdown()
            throw error
        }
        try await client.shutdown()
        kill(server.processIdentifier, SIGTERM)
        server.waitUntilExit()
        #expect(server.terminationStatus == 0)
    }

    func scenario(_ client: HTTPClient, apiPort: Int, out: URL, inbound: URL) async throws {
        let base = "http://127.0.0.1:\(apiPort)"
        try #require(try await waitUntilReady(client, base), "waybill serve answered /health/ready")
        let edi = "\(base)/v1/edi/boltworks-edi"
        let order = "BOLTWORKS-PO-88231"

        let master = try await call(
            client, .POST, "\(base)/v1/events", token: "key-erp",
            body: batch([
                event(
                    "erp", "m-1", "o2c.customer.upserted", "C-100",
                    #"{"customerId":"C-100","name":"BoltWorks","currency":"USD","creditLimit":"50000.00","externalIds":{"boltworks-edi":"BOLTWORKS"}}"#),
                event(
                    "erp", "m-2", "o2c.product.upserted", "BRG-6204",
                    #"{"sku":"BRG-6204","baseUom":"EA","listPrice":"12.50","currency":"USD","externalIds":{"boltworks-edi":"BW6204"}}"#),
                event(
                    "erp", "m-3", "o2c.product.upserted", "BLT-M8",
                    #"{"sku":"BLT-M8","baseUom":"EA","uomConversions":{"CA":12},"listPrice":"2.50","currency":"USD","externalIds":{"boltworks-edi":"BWM8"}}"#),
            ]))
        #expect(master.status == 202)

        // Access: the partner's own key only, and X12 only.
        let po = Array(try fixture("850-basic.edi").utf8)
        #expect(try await postEDI(client, edi, key: nil, po).0 == 401)
        #expect(try await postEDI(client, edi, key: "key-wms", po).0 == 403)
        #expect(try await postEDI(client, edi, key: "key-boltworks", po, contentType: "application/json").0 == 415)
        #expect(try await postEDI(client, "\(base)/v1/edi/wms", key: "key-wms", po).0 == 404)
        // Garbage: 422 with a TA1, nothing stored.
        let (garbageStatus, garbage, garbageVerdict) = try await postEDI(client, edi, key: "key-boltworks", Array("hello".utf8))
        #expect(garbageStatus == 422 && garbageVerdict == "rejected")
        #expect(try X12Reader.read(garbage)[0].acknowledgements.first?[5] == "024")

        // The 850: 200 with the 997 accepting it.
        let (status, answer, verdict) = try await postEDI(client, edi, key: "key-boltworks", po)
        #expect(status == 200 && verdict == "accepted")
        let ack = try X12Reader.read(answer)[0]
        #expect(ack.groups[0].sets[0].segments.map(\.id) == ["AK1", "AK2", "AK5", "AK9"])
        #expect(ack.groups[0].sets[0].segments.last?[1] == "A")

        let fulfilment = try await call(
            client, .POST, "\(base)/v1/events", token: "key-wms",
            body: batch([
                event(
                    "wms", "w-1", "o2c.inventory.allocated", order,
                    #"{"orderId":"\#(order)","warehouse":"DAL","lines":[{"lineId":"1","quantity":40},{"lineId":"2","quantity":24}]}"#),
                event(
                    "wms", "w-2", "o2c.inventory.backordered", order,
                    #"{"orderId":"\#(order)","lines":[{"lineId":"2","quantity":24,"expectedDate":"2026-12-15"}]}"#),
                event(
                    "wms", "w-3", "o2c.shipment.confirmed", order,
                    #"{"orderId":"\#(order)","shipmentId":"SH-1","warehouse":"DAL","carrier":"UPSN","trackingNumber":"1Z1","lines":[{"lineId":"1","quantity":40},{"lineId":"2","quantity":24}]}"#
                ),
                event("wms", "w-4", "o2c.inventory.allocated", order, #"{"orderId":"\#(order)","warehouse":"MEM","lines":[{"lineId":"2","quantity":24}]}"#),
                event(
                    "wms", "w-5", "o2c.shipment.confirmed", order,
                    #"{"orderId":"\#(order)","shipmentId":"SH-2","warehouse":"MEM","carrier":"FDEG","trackingNumber":"77","lines":[{"lineId":"2","quantity":24}]}"#
                ),
            ]))
        #expect(fulfilment.status == 202)
        let invoices = try await call(
            client, .POST, "\(base)/v1/events", token: "key-erp",
            body: batch([
                event(
                    "erp", "e-1", "o2c.invoice.posted", order,
                    #"{"orderId":"\#(order)","invoiceId":"INV-1","invoiceDate":"2026-12-02","currency":"USD","lines":[{"lineId":"1","quantity":40,"unitPrice":"12.50"},{"lineId":"2","quantity":24,"unitPrice":"2.50"}],"freight":"0.00","tax":"0.00","total":"560.00"}"#
                ),
                event(
                    "erp", "e-2", "o2c.invoice.posted", order,
                    #"{"orderId":"\#(order)","invoiceId":"INV-2","invoiceDate":"2026-12-15","currency":"USD","lines":[{"lineId":"2","quantity":24,"unitPrice":"2.50"}],"freight":"0.00","tax":"0.00","total":"60.00"}"#
                ),
            ]))
        #expect(invoices.status == 202)

        // The documents arrive in BoltWorks' directory: one 855, two 856s, two 810s. With the 997
        // they share one sequence after the TA1 for the garbage (1): numbers 2 … 7, each once. (The
        // 855 is delivered as soon as the order is accepted, so it may take 2 before the 997.)
        var files: [String] = []
        for _ in 0..<100 {
            files = ((try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
            if files.count >= 5 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(files.map { String($0.prefix(3)) }.sorted() == ["810", "810", "855", "856", "856"], "\(files)")
        let controls = try files.map { try X12Reader.read(Array(try Data(contentsOf: out.appendingPathComponent($0))))[0].controlNumber }
        let ackControl = try #require(Int(ack.controlNumber))
        #expect((controls.compactMap(Int.init) + [ackControl]).sorted() == Array(2...7))
        #expect(ack.groups[0].controlNumber == String(ackControl))
        let (pyStatus, pyOutput) = try runPython(["scripts/x12_check.py"] + files.map { out.appendingPathComponent($0).path })
        #expect(pyStatus == 0, "\(pyOutput)")

        // The same 850 dropped as a file: recognised, answered with the same 997, nothing new.
        try FileManager.default.createDirectory(at: inbound, withIntermediateDirectories: true)
        try Data(po).write(to: inbound.appendingPathComponent("resend.edi"))
        let processed = inbound.appendingPathComponent("processed/resend.edi")
        try await eventually { FileManager.default.fileExists(atPath: processed.path) }
        #expect(FileManager.default.fileExists(atPath: processed.path))
        let answered = try Data(contentsOf: out.appendingPathComponent("997-\(ack.controlNumber).edi"))
        #expect(Array(answered) == answer)

        let listed = try await call(client, .GET, "\(base)/v1/edi/interchanges?partner=boltworks-edi", token: "tok-support")
        guard case .array(let items)? = listed.body?["items"] else {
            Issue.record("no interchanges listed")
            return
        }
        #expect(items.map { string($0["set"]) ?? "" }.sorted() == ["810", "810", "855", "856", "856", "997", "TA1"], "\(items)")
        #expect(Set(items.map { $0["control"].map(JSONWriter.string) ?? "" }).count == 7, "no control number twice")
        let view = try await call(client, .GET, "\(base)/v1/orders/\(order)", token: "tok-support")
        #expect(string(view.body?["status"]) == "invoiced")
        let metrics = try await client.execute(HTTPClientRequest(url: "\(base)/metrics"), timeout: .seconds(10))
        let text = String(buffer: try await metrics.body.collect(upTo: 4 * 1024 * 1024))
        #expect(text.contains(#"waybill_edi_interchanges_received_total{partner="boltworks-edi",verdict="accepted"} 1"#), "\(text.prefix(2_000))")
        #expect(text.contains(#"waybill_edi_interchanges_received_total{partner="boltworks-edi",verdict="duplicate"} 1"#))
        #expect(text.contains(#"waybill_edi_interchanges_received_total{partner="boltworks-edi",verdict="rejected"} 1"#))
    }
}
