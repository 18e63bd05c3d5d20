import ArgumentParser
import AsyncHTTPClient
import Foundation
import GRDB
import Hummingbird
import NIOCore
import WaybillConfig
import WaybillCore
import WaybillEngine
import WaybillHTTP
import WaybillSQLite
import WaybillSamples

/// `waybill bench --console --stored-orders N`: the console's overview and an order page served
/// by the hub's own router on loopback, against a store holding N orders (loaded through the full
/// pipeline first) — each page fetched 40 times by a signed-in admin, median and p95 of the time
/// from request to last byte. Measured twice: with every delivery of those orders still pending
/// (a hub whose subscribers are all down: the worst case for the overview's queue figures), then
/// with them marked delivered in SQLite (a drained hub).
enum ConsoleBenchmark {
    static func run(hub: Hub, storePath: String, storedOrders: Int, json: Bool) async throws {
        let configuration = try ConfigLoader.parse("users:\n  - { name: root, role: admin, token: \"tok-bench\" }\n", environment: [:])
        let server = LoopbackServer(HubAPI(hub: hub, configuration: configuration).router(), label: "bench.console")
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
        var results: [(String, [Double])] = []
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await server.run() }
                let port = try await server.port()
                let base = "http://127.0.0.1:\(port)"
                let cookie = try await signIn(client, base)
                let order = storedOrders > 0 ? "PRE-\(storedOrders / 2)" : "none"
                results.append(("overview, deliveries pending", try await fetch(client, "\(base)/ui", cookie: cookie)))
                results.append(("order page, deliveries pending", try await fetch(client, "\(base)/ui/orders/\(order)", cookie: cookie)))
                FileHandle.standardError.write(Data("marking every delivery delivered, as a drained hub has them…\n".utf8))
                let database = try DatabaseQueue(path: storePath)
                try await database.write { db in try db.execute(sql: "UPDATE outbox SET status = 1, delivered_at = created_at WHERE status = 0") }
                results.append(("overview, drained", try await fetch(client, "\(base)/ui", cookie: cookie)))
                results.append(("order page, drained", try await fetch(client, "\(base)/ui/orders/\(order)", cookie: cookie)))
                group.cancelAll()
            }
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
        // What the console adds to ingest: one `HubActivity.record` per ingest request.
        let activity = HubActivity()
        let calls = 1_000_000
        let start = ContinuousClock.now
        for i in 0..<calls { activity.record(ingested: 1, at: Timestamp(milliseconds: Int64(i))) }
        let nanosecondsPerRequest = (ContinuousClock.now - start).seconds * 1e9 / Double(calls)
        let figures = results.map { name, times in
            let sorted = times.sorted()
            return (name, sorted[sorted.count / 2], sorted[Int((Double(sorted.count - 1) * 0.95).rounded())])
        }
        if json {
            print(
                JSONWriter.pretty(
                    .object(
                        [("stored_orders", .int(storedOrders)), ("activity_ns_per_ingest_request", BenchCommand.number(nanosecondsPerRequest, 1))]
                            + figures.map { name, median, p95 in
                                (
                                    name.replacingOccurrences(of: ", ", with: "_").replacingOccurrences(of: " ", with: "_"),
                                    .object([("median_ms", BenchCommand.number(median, 1)), ("p95_ms", BenchCommand.number(p95, 1))])
                                )
                            })))
        } else {
            print(
                "console pages with \(storedOrders) stored orders (40 fetches each, 5 for the overview with every delivery pending; request to last byte on loopback):"
            )
            print("  the console's cost on ingest: \(String(format: "%.1f", nanosecondsPerRequest)) ns per ingest request (one lock, HubActivity.record)")
            for (name, median, p95) in figures {
                print(
                    "  \(name.padding(toLength: 32, withPad: " ", startingAt: 0)) median \(String(format: "%.1f", median)) ms   p95 \(String(format: "%.1f", p95)) ms"
                )
            }
        }
    }

    static func signIn(_ client: HTTPClient, _ base: String) async throws -> String {
        var request = HTTPClientRequest(url: "\(base)/ui/sign-in")
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/x-www-form-urlencoded")
        request.body = .bytes(ByteBuffer(string: "token=tok-bench"))
        let response = try await client.execute(request, timeout: .seconds(10))
        guard let cookie = response.headers.first(name: "set-cookie")?.split(separator: ";").first else {
            throw CleanExit.message("the console did not sign the bench in")
        }
        return String(cookie)
    }

    /// Milliseconds per fetch, after two warm-up fetches.
    static func fetch(_ client: HTTPClient, _ url: String, cookie: String, times count: Int = 40) async throws -> [Double] {
        var times: [Double] = []
        for i in 0..<(count + 2) {
            var request = HTTPClientRequest(url: url)
            request.headers.add(name: "cookie", value: cookie)
            let start = ContinuousClock.now
            let response = try await client.execute(request, timeout: .seconds(60))
            _ = try await response.body.collect(upTo: 16 << 20)
            guard response.status == .ok else { throw CleanExit.message("\(url) answered \(response.status.code)") }
            if i >= 2 { times.append((ContinuousClock.now - start).seconds * 1_000) }
        }
        return times
    }
}
