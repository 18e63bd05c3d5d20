import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing
import WaybillCore
import WaybillTestSupport

/// A port nobody is listening on, from the kernel.
func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = bind(fd, $0, length) }
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Starts a child process whose output is discarded.
func launch(_ executable: URL, _ arguments: [String], directory: URL? = nil) throws -> Process {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.currentDirectoryURL = directory
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    return process
}

struct HTTPAnswer {
    var status: Int
    var body: JSONValue?
    var contentType: String?
}

func call(
    _ client: HTTPClient, _ method: HTTPMethod, _ url: String, token: String? = nil, body: [UInt8]? = nil,
    contentType: String = "application/cloudevents-batch+json", timeout: TimeAmount = .seconds(10)
) async throws -> HTTPAnswer {
    var request = HTTPClientRequest(url: url)
    request.method = method
    if let token { request.headers.add(name: "authorization", value: "Bearer \(token)") }
    if let body {
        request.headers.add(name: "content-type", value: contentType)
        request.body = .bytes(ByteBuffer(bytes: body))
    }
    let response = try await client.execute(request, timeout: timeout)
    let bytes = try await response.body.collect(upTo: 16 * 1024 * 1024)
    return HTTPAnswer(
        status: Int(response.status.code), body: try? JSONParser.parse(Array(buffer: bytes)),
        contentType: response.headers.first(name: "content-type"))
}

func event(_ system: String, _ id: String, _ type: String, _ subject: String, _ data: String) -> String {
    #"{"specversion":"1.0","id":"\#(id)","source":"/systems/\#(system)","type":"\#(type)","subject":"\#(subject)","time":"2026-12-01T08:00:00Z","data":\#(data)}"#
}

func batch(_ events: [String]) -> [UInt8] { Array("[\(events.joined(separator: ","))]".utf8) }

/// Waits (up to 5 seconds) until a server on loopback answers `url` at all, whatever its status.
func waitUntilListening(_ client: HTTPClient, _ url: String) async throws {
    for _ in 0..<100 where (try? await client.execute(HTTPClientRequest(url: url), timeout: .seconds(1))) == nil {
        try await Task.sleep(for: .milliseconds(50))
    }
}

/// Polls `/health/ready` for up to 15 seconds.
func waitUntilReady(_ client: HTTPClient, _ base: String) async throws -> Bool {
    for _ in 0..<150 {
        if (try? await call(client, .GET, "\(base)/health/ready"))?.status == 200 { return true }
        try await Task.sleep(for: .milliseconds(100))
    }
    return false
}

/// The JSON lines a receiver wrote.
func received(_ path: URL) -> [JSONValue] {
    guard let text = try? String(contentsOf: path, encoding: .utf8) else { return [] }
    return text.split(separator: "\n").compactMap { try? JSONParser.parse(Array($0.utf8)) }
}

func string(_ value: JSONValue?) -> String? { if case .string(let s)? = value { s } else { nil } }

@Suite("waybill serve with real HTTP receivers")
struct ServiceTests {
    @Test("events posted over HTTP reach the subscribed systems signed, in order, once; auth and garbage get problems; SIGTERM stops it")
    func endToEnd() async throws {
        let directory = try temporaryDirectory("waybill-serve")
        let (apiPort, wmsPort, erpPort) = (freePort(), freePort(), freePort())
        let wmsSecret = "whsec_d21zIHNpZ25pbmcga2V5IDEyMzQ1Ng=="
        let erpSecret = "whsec_ZXJwIHNpZ25pbmcga2V5IDEyMzQ1Ng=="
        let config = directory.appendingPathComponent("waybill.yml")
        try """
        store: sqlite:\(directory.path)/hub.sqlite
        listen: { host: 127.0.0.1, port: \(apiPort) }
        users:
          - { name: ana, role: support, token: "tok-support" }
          - { name: sam, role: service, token: "tok-service" }
        systems:
          - name: erp
            apiKey: "key-erp"
            publishes: [o2c.customer.upserted, o2c.product.upserted, o2c.invoice.posted]
            subscribes:
              - name: erp-orders
                types: [o2c.order.accepted, o2c.shipment.confirmed, o2c.invoice.requested]
                webhook: { url: "http://127.0.0.1:\(erpPort)/erp", secret: "\(erpSecret)" }
                retry: { schedule: [200ms, 200ms, 200ms, 200ms, 200ms] }
          - name: portal
            apiKey: "key-portal"
            publishes: [o2c.order.placed]
          - name: wms
            apiKeyEnv: TEST_WMS_KEY
            publishes: [o2c.inventory.allocated, o2c.shipment.confirmed]
            subscribes:
              - name: wms-orders
                types: [o2c.order.accepted]
                webhook: { url: "http://127.0.0.1:\(wmsPort)/wms", secret: "\(wmsSecret)" }
        """.write(to: config, atomically: true, encoding: .utf8)
        let python = URL(fileURLWithPath: "/usr/bin/env")
        let script = repositoryRoot.appendingPathComponent("scripts/webhook_receiver.py").path
        let wmsOut = directory.appendingPathComponent("wms.jsonl"), erpOut = directory.appendingPathComponent("erp.jsonl")
        let wmsReceiver = try launch(python, ["python3", script, String(wmsPort), wmsSecret, wmsOut.path])
        let erpReceiver = try launch(python, ["python3", script, String(erpPort), erpSecret, erpOut.path, "3"])
        setenv("TEST_WMS_KEY", "key-wms", 1)
        let server = try launch(waybillBinary, ["serve", "--config", config.path])
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        defer {
            for p in [wmsReceiver, erpReceiver, server] where p.isRunning { kill(p.processIdentifier, SIGKILL) }
        }
        let base = "http://127.0.0.1:\(apiPort)"
        let ready = try await waitUntilReady(client, base)
        try #require(ready, "waybill serve answered /health/ready")

        let master = try await call(
            client, .POST, "\(base)/v1/events", token: "key-erp",
            body: batch([
                event("erp", "m-1", "o2c.customer.upserted", "C-1", #"{"customerId":"C-1","name":"BoltWorks","currency":"USD","creditLimit":"100000.00"}"#),
                event("erp", "m-2", "o2c.product.upserted", "A", #"{"sku":"A","baseUom":"EA","listPrice":"5.00","currency":"USD"}"#),
            ]))
        #expect(master.status == 202)
        for order in ["SO-1", "SO-2"] {
            let placed = try await call(
                client, .POST, "\(base)/v1/events", token: "key-portal",
                body: Array(
                    event(
                        "portal", "p-\(order)", "o2c.order.placed", order,
                        #"{"orderId":"\#(order)","customerId":"C-1","currency":"USD","lines":[{"lineId":"1","sku":"A","quantity":10,"unitPrice":"5.00"}]}"#
                    ).utf8),
                contentType: "application/cloudevents+json")
            #expect(placed.status == 202)
            #expect(string(placed.body?["results"].flatMap { if case .array(let a) = $0 { a.first } else { nil } }?["outcome"]) == "accepted")
        }
        let shipped = try await call(
            client, .POST, "\(base)/v1/events", token: "key-wms",
            body: batch([
                event("wms", "w-1", "o2c.shipment.confirmed", "SO-1", #"{"orderId":"SO-1","shipmentId":"SH-1","lines":[{"lineId":"1","quantity":10}]}"#)
            ]))
        #expect(shipped.status == 202)

        // Wait until both systems have everything (erp fails its first three attempts).
        var erp: [JSONValue] = [], wms: [JSONValue] = []
        for _ in 0..<200 {
            erp = received(erpOut).filter { $0["failed"] == .bool(false) }
            wms = received(wmsOut)
            if erp.count >= 4 && wms.count >= 2 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(wms.count == 2 && erp.count == 4, "wms \(wms.count), erp \(erp.count)")
        for record in received(erpOut) + wms {
            #expect(record["verified"] == .bool(true), "standardwebhooks verified \(record)")
            #expect(string(record["traceparent"])?.hasPrefix("00-") == true)
        }
        #expect(received(erpOut).filter { $0["failed"] == .bool(true) }.count == 3, "the outage was real")
        let erpIds = erp.compactMap { string($0["webhookId"]) }
        #expect(Set(erpIds).count == erpIds.count, "no duplicates by webhook-id")
        let so1 = erp.filter { string($0["subject"]) == "SO-1" }.compactMap { string($0["type"]) }
        #expect(so1 == ["o2c.order.accepted", "o2c.shipment.confirmed", "o2c.invoice.requested"], "in order per order: \(so1)")

        // Access control, and problems for garbage.
        let anonymous = try await call(client, .POST, "\(base)/v1/events", body: batch([]))
        #expect(anonymous.status == 401 && anonymous.contentType == "application/problem+json")
        let wrongType = try await call(
            client, .POST, "\(base)/v1/events", token: "key-wms",
            body: batch([
                event(
                    "wms", "w-9", "o2c.invoice.posted", "SO-1",
                    #"{"orderId":"SO-1","invoiceId":"I","currency":"USD","lines":[{"lineId":"1","quantity":1,"unitPrice":"5.00"}],"total":"5.00"}"#)
            ]))
        #expect(wrongType.status == 403 && string(wrongType.body?["code"]) == "type_not_published")
        #expect(try await call(client, .GET, "\(base)/v1/events/1", token: "tok-service").status == 403)
        #expect(try await call(client, .GET, "\(base)/v1/events/1", token: "tok-support").status == 200)
        let garbage = try await call(client, .POST, "\(base)/v1/events", token: "key-wms", body: Array("not json".utf8))
        #expect(garbage.status == 400 && string(garbage.body?["code"]) == "invalid_json")
        let wrongMedia = try await call(client, .POST, "\(base)/v1/events", token: "key-wms", body: Array("{}".utf8), contentType: "text/plain")
        #expect(wrongMedia.status == 415)
        let unknown = try await call(client, .GET, "\(base)/v1/nowhere", token: "tok-support")
        #expect(unknown.status == 404 && unknown.contentType == "application/problem+json")
        var metricsRequest = HTTPClientRequest(url: "\(base)/metrics")
        metricsRequest.method = .GET
        let metricsText = String(buffer: try await client.execute(metricsRequest, timeout: .seconds(5)).body.collect(upTo: 1 << 22))
        for expected in [
            #"waybill_events_ingested_total{source="portal",type="o2c.order.placed"} 2"#, #"waybill_ingest_outcomes_total{outcome="accepted",code="none"}"#,
            #"waybill_deliveries_total{subscription="erp-orders",outcome="failed"} 3"#, #"waybill_queue_depth{subscription="erp-orders"} 0"#,
            "waybill_delivery_latency_seconds_bucket", "waybill_order_acknowledgement_seconds_count", #"waybill_open_exceptions{kind="mapping"} 0"#,
        ] {
            #expect(metricsText.contains(expected), "metrics lack \(expected)")
        }
        let view = try await call(client, .GET, "\(base)/v1/orders/SO-1", token: "tok-service")
        #expect(string(view.body?["status"]) == "shipped")

        kill(server.processIdentifier, SIGTERM)
        try await eventually { !server.isRunning }
        #expect(!server.isRunning, "SIGTERM stops the server")
        #expect(server.terminationStatus == 0)
        try await client.shutdown()
    }

    @Test("a subscriber that never recovers ends in dead letters; retry and replay then deliver, keeping the webhook-id")
    func deadLettersRetryAndReplay() async throws {
        let directory = try temporaryDirectory("waybill-dlq")
        let (apiPort, erpPort) = (freePort(), freePort())
        let secret = "whsec_ZXJwIHNpZ25pbmcga2V5IDEyMzQ1Ng=="
        let config = directory.appendingPathComponent("waybill.yml")
        try """
        store: sqlite:\(directory.path)/hub.sqlite
        listen: { host: 127.0.0.1, port: \(apiPort) }
        users:
          - { name: ana, role: support, token: "tok-support" }
          - { name: root, role: admin, token: "tok-admin" }
        systems:
          - name: portal
            apiKey: "key-portal"
            publishes: [o2c.customer.upserted, o2c.product.upserted, o2c.order.placed]
          - name: erp
            subscribes:
              - name: erp-orders
                types: [o2c.order.accepted]
                webhook: { url: "http://127.0.0.1:\(erpPort)/erp", secret: "\(secret)" }
                retry: { schedule: [100ms, 100ms] }
        """.write(to: config, atomically: true, encoding: .utf8)
        let out = directory.appendingPathComponent("erp.jsonl")
        // Down for the first three requests: exactly the three attempts the schedule allows.
        let receiver = try launch(
            URL(fileURLWithPath: "/usr/bin/env"),
            [
                "python3", repositoryRoot.appendingPathComponent("scripts/webhook_receiver.py").path, String(erpPort), secret, out.path, "3",
            ])
        let server = try launch(waybillBinary, ["serve", "--config", config.path])
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { for p in [receiver, server] where p.isRunning { kill(p.processIdentifier, SIGKILL) } }
        let base = "http://127.0.0.1:\(apiPort)"
        let ready = try await waitUntilReady(client, base)
        try #require(ready)
        let posted = try await call(
            client, .POST, "\(base)/v1/events", token: "key-portal",
            body: batch([
                event("portal", "m-1", "o2c.customer.upserted", "C-1", #"{"customerId":"C-1","name":"BoltWorks","currency":"USD"}"#),
                event("portal", "m-2", "o2c.product.upserted", "A", #"{"sku":"A","baseUom":"EA"}"#),
                event(
                    "portal", "p-1", "o2c.order.placed", "SO-1",
                    #"{"orderId":"SO-1","customerId":"C-1","currency":"USD","lines":[{"lineId":"1","sku":"A","quantity":1}]}"#),
            ]))
        #expect(posted.status == 202)
        var dead: [JSONValue] = []
        for _ in 0..<100 {
            let answer = try await call(client, .GET, "\(base)/v1/deliveries?status=dead", token: "tok-support")
            if case .array(let items)? = answer.body?["items"], !items.isEmpty { dead = items; break }
            try await Task.sleep(for: .milliseconds(100))
        }
        try #require(dead.count == 1, "the delivery ends as a dead letter")
        #expect(dead[0]["attempts"] == .int(3) && dead[0]["lastStatusCode"] == .int(500))
        guard case .number(let id)? = dead[0]["id"] else { Issue.record("no id"); return }
        #expect(try await call(client, .POST, "\(base)/v1/deliveries/\(id)/retry", token: "tok-support").status == 202)
        var delivered: [JSONValue] = []
        for _ in 0..<100 {
            delivered = received(out).filter { $0["failed"] == .bool(false) }
            if !delivered.isEmpty { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(delivered.count == 1 && delivered[0]["verified"] == .bool(true))
        let replay = try await call(
            client, .POST, "\(base)/v1/subscriptions/erp-orders/replay", token: "tok-support",
            body: Array(#"{"fromSeq":1}"#.utf8), contentType: "application/json")
        #expect(replay.status == 202 && replay.body?["requeued"] == .int(1))
        try await eventually { received(out).filter({ $0["failed"] == .bool(false) }).count >= 2 }
        let all = received(out).filter { $0["failed"] == .bool(false) }
        #expect(all.count == 2)
        #expect(Set(all.compactMap { string($0["webhookId"]) }).count == 1, "a replay keeps the webhook-id, so the receiver can tell")
        let audit = try await call(client, .GET, "\(base)/v1/audit", token: "tok-admin")
        let actions: [String] = { if case .array(let a)? = audit.body?["items"] { a.compactMap { string($0["action"]) } } else { [] } }()
        #expect(actions == ["retry", "replay"])
        #expect(try await call(client, .GET, "\(base)/v1/audit", token: "tok-support").status == 403)
        kill(server.processIdentifier, SIGTERM)
        try await client.shutdown()
    }

    @Test("waybill check names the key path and line of each problem and exits non-zero")
    func check() throws {
        let directory = try temporaryDirectory("waybill-check")
        let bad = directory.appendingPathComponent("bad.yml")
        try """
        store: sqlite:x.sqlite
        policies:
          invoiceOn: payment
        systems:
          - name: wms
            apiKey: k
            publishes: [o2c.shipment.confirmd]
            subscribes:
              - name: wms-orders
                types: [o2c.order.accepted]
                webhook: { url: "ftp://x", secret: "plain" }
                retyr: { schedule: [1s] }
        """.write(to: bad, atomically: true, encoding: .utf8)
        let (status, output) = try runWaybill(["check", "--config", bad.path])
        let text = String(decoding: output, as: UTF8.self)
        #expect(status == 1)
        #expect(text.contains("policies.invoiceOn (line 3): expected shipment or delivery"), "\(text)")
        #expect(text.contains("systems[0].publishes[0] (line 7)"), "\(text)")
        #expect(text.contains("systems[0].subscribes[0].webhook.url (line 11)"), "\(text)")
        #expect(text.contains("systems[0].subscribes[0].webhook.secret (line 11)"), "\(text)")
        #expect(text.contains("systems[0].subscribes[0].retyr (line 12): unknown key (did you mean retry?)"), "\(text)")
        let badPartner = directory.appendingPathComponent("bad-x12.yml")
        try """
        systems:
          - name: boltworks-edi
            x12: { interchangeId: "BOLTWORKS-INDUSTRIAL", ourId: "ACMEIND", usage: X }
            subscribes:
              - { name: bw-856, types: [o2c.order.accepted], x12: { set: "856", directory: out } }
              - { name: bw-850, types: [o2c.order.placed], x12: { set: "850", directory: out } }
          - name: crm
            subscribes:
              - { name: crm-855, types: [o2c.order.accepted], x12: { set: "855", directory: out } }
        """.write(to: badPartner, atomically: true, encoding: .utf8)
        let (partnerStatus, partnerOutput) = try runWaybill(["check", "--config", badPartner.path])
        let partnerText = String(decoding: partnerOutput, as: UTF8.self)
        #expect(partnerStatus == 1)
        #expect(partnerText.contains("systems[0].x12.interchangeId (line 3): expected 1 to 15 ASCII characters"), "\(partnerText)")
        #expect(partnerText.contains("systems[0].x12.usage (line 3): expected P (production) or T (test)"), "\(partnerText)")
        #expect(partnerText.contains("systems[0].subscribes[0].types (line 5): an X12 856 carries o2c.shipment.confirmed, and nothing else"), "\(partnerText)")
        #expect(partnerText.contains("systems[0].subscribes[1].x12.set (line 6): expected 855, 856 or 810"), "\(partnerText)")
        #expect(partnerText.contains("systems[1].subscribes[0].x12 (line 9): X12 delivery needs the system's x12 block"), "\(partnerText)")
        let (ok, sample) = try runWaybill(["check", "--config", repositoryRoot.appendingPathComponent("examples/waybill.yml").path])
        #expect(ok == 0, "\(String(decoding: sample, as: UTF8.self))")
    }

    @Test("the landscape built into waybill serve is examples/waybill.yml, word for word")
    func builtInSampleIsTheExample() throws {
        let source = try String(contentsOf: repositoryRoot.appendingPathComponent("Sources/waybill/SampleConfiguration.swift"), encoding: .utf8)
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
        let open = try #require(lines.firstIndex { $0.hasSuffix("static let yaml = \"\"\"") })
        let close = try #require(lines[(open + 1)...].firstIndex { $0.trimmingCharacters(in: .whitespaces) == "\"\"\"" })
        let embedded = lines[(open + 1)..<close].map { $0.hasPrefix("        ") ? String($0.dropFirst(8)) : String($0) }.joined(separator: "\n") + "\n"
        let example = try String(contentsOf: repositoryRoot.appendingPathComponent("examples/waybill.yml"), encoding: .utf8)
        #expect(embedded == example, "Sources/waybill/SampleConfiguration.swift and examples/waybill.yml have drifted apart")
    }
}
