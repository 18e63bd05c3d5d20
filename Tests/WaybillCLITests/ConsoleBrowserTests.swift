import AsyncHTTPClient
import Foundation
import Hummingbird
import NIOCore
import Synchronization
import Testing
import WaybillCore
import WaybillSQLite
import WaybillSamples
import WaybillTestSupport

/// The operations console in a real headless Chromium (Debian's chromium and chromedriver,
/// driven by Selenium from scripts/console_browser.py) against a `waybill serve` loaded with
/// the demo's history.
@Suite("The operations console in a real browser")
struct ConsoleBrowserTests {
    /// What the systems behind the webhooks were told: (subscription, type, subject).
    final class Told: Sendable {
        let items = Mutex([(String, String, String)]())
    }

    @Test(
        "every role signs in and every page renders; finance releases a credit hold with the keyboard alone and the WMS gets the order; service can neither see nor act on finance's queue; a hostile customer name is text; the overview updates live; bulk retry shows its count first"
    )
    func console() async throws {
        let chromedriver = ProcessInfo.processInfo.environment["CHROMEDRIVER"] ?? "/usr/bin/chromedriver"
        try #require(
            FileManager.default.isExecutableFile(atPath: chromedriver),
            "Debian's chromium and chromium-driver are needed (.ci/run installs them: apt-get install chromium chromium-driver)")
        let directory = try temporaryDirectory("waybill-console")
        let (apiPort, receiverPort) = (freePort(), freePort())
        let storePath = directory.appendingPathComponent("hub.sqlite").path
        let config = directory.appendingPathComponent("waybill.yml")
        try DemoOverHTTPTests.configuration(store: storePath, apiPort: apiPort, receiverPort: receiverPort)
            .write(to: config, atomically: true, encoding: .utf8)
        // The demo's history, played in process into the store the server then opens.
        _ = try await DemoRun.play(store: try SQLiteStore(path: storePath), seed: 42)

        // The systems behind the webhooks; the service desk is down (its deliveries fail).
        let told = Told()
        let router = Router()
        router.post("/hooks/:subscription") { request, context -> HTTPResponse.Status in
            var request = request
            let subscription = try context.parameters.require("subscription")
            let body = try JSONParser.parse(Array(buffer: try await request.collectBody(upTo: 1 << 22)))
            guard subscription != "service-desk" else { return .internalServerError }
            told.items.withLock { $0.append((subscription, string(body["type"]) ?? "", string(body["subject"]) ?? "")) }
            return .noContent
        }
        let receivers = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: receiverPort)))
        let server = try launch(waybillBinary, ["serve", "--config", config.path])
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
        let base = "http://127.0.0.1:\(apiPort)"
        let hostile = "<script>alert(1)</script>"
        let shots = repositoryRoot.appendingPathComponent(".build/console-screenshots")
        try? FileManager.default.removeItem(at: shots)

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await receivers.runService() }
            try await waitUntilListening(client, "http://127.0.0.1:\(receiverPort)/")
            try #require(try await waitUntilReady(client, base))

            // A customer whose name is an injection attempt, with a credit limit its order exceeds.
            let customer = event(
                "crm", "c-hostile", "o2c.customer.upserted", "C-666",
                #"{"customerId":"C-666","name":"\#(hostile)","currency":"USD","creditLimit":"1.00"}"#)
            #expect(try await call(client, .POST, "\(base)/v1/events", token: "key-crm", body: batch([customer])).status == 202)
            let order = event(
                "portal", "o-9001", "o2c.order.placed", "SO-9001",
                #"{"orderId":"SO-9001","customerId":"C-666","currency":"USD","lines":[{"lineId":"1","sku":"BRG-6204","quantity":4,"unitPrice":"12.50"}]}"#)
            #expect(try await call(client, .POST, "\(base)/v1/events", token: "key-portal", body: batch([order])).status == 202)
            let queue = try await call(client, .GET, "\(base)/v1/exceptions?kind=credit_hold", token: "tok-finance")
            guard case .array(let items)? = queue.body?["items"],
                let held = items.first(where: { string($0["orderId"]) == "SO-9001" || (string($0["key"]) ?? "").hasSuffix("SO-9001") }),
                case .number(let idText)? = held["id"], let creditException = Int(idText)
            else {
                Issue.record("no credit-hold exception for SO-9001: \(String(describing: queue.body))")
                return
            }
            // The same refusals in the API as in the console.
            #expect(try await call(client, .GET, "\(base)/v1/exceptions?kind=credit_hold", token: "tok-service").status == 403)
            #expect(
                try await call(
                    client, .POST, "\(base)/v1/orders/SO-9001/release", token: "tok-service", body: Array(#"{"hold":"credit"}"#.utf8),
                    contentType: "application/json"
                ).status == 403)
            // Let the service desk's deliveries fail at least once, so there is something to retry.
            try await Task.sleep(for: .seconds(2))

            let scenario: JSONValue = .members([
                (
                    "tokens",
                    .members([
                        ("support", .string("tok-support")), ("service", .string("tok-service")), ("finance", .string("tok-finance")),
                        ("admin", .string("tok-admin")),
                    ])
                ),
                ("heldOrder", .string("SO-9001")), ("sampleOrder", .string("SO-1001")), ("creditException", .int(creditException)),
                ("hostileName", .string(hostile)), ("failingSubscription", .string("service-desk")), ("systemKey", .string("key-erp")),
            ])
            let (status, output) = try await runPythonAsync(["scripts/console_browser.py", base, shots.path, JSONWriter.string(scenario)])
            #expect(status == 0, "\(output)")
            #expect(output.hasSuffix("ok\n"), "\(output)")

            // The release went through the engine: audited, and the warehouse got the order.
            var accepted = false
            for _ in 0..<200 where !accepted {
                accepted = told.items.withLock { $0.contains { $0.0 == "wms-orders" && $0.1 == "o2c.order.accepted" && $0.2 == "SO-9001" } }
                if !accepted { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(accepted, "the WMS received o2c.order.accepted for SO-9001")
            let audit = try await call(client, .GET, "\(base)/v1/audit", token: "tok-admin")
            guard case .array(let entries)? = audit.body?["items"] else {
                Issue.record("no audit log")
                return
            }
            #expect(entries.contains { string($0["actor"]) == "fin" && string($0["action"]) == "release" && string($0["target"]) == "order:SO-9001" })
            #expect(entries.contains { string($0["actor"]) == "ana" && string($0["action"]) == "bulk_retry" })
            group.cancelAll()
        }
        let pictures = (try? FileManager.default.contentsOfDirectory(atPath: shots.path)) ?? []
        #expect(pictures.filter { $0.hasSuffix(".png") }.count >= 24, "screenshots of every page: \(pictures.sorted())")
        kill(server.processIdentifier, SIGTERM)
        try await client.shutdown()
    }

    /// Runs a Python script without holding a thread of the test's executor while it runs.
    func runPythonAsync(_ arguments: [String]) async throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        process.currentDirectoryURL = repositoryRoot
        let output = repositoryRoot.appendingPathComponent(".build/console-browser-\(getpid()).log")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        let deadline = ContinuousClock.now + .seconds(300)
        while process.isRunning {
            if ContinuousClock.now > deadline { process.terminate() }
            try await Task.sleep(for: .milliseconds(100))
        }
        try handle.close()
        return (process.terminationStatus, (try? String(contentsOf: output, encoding: .utf8)) ?? "")
    }
}
