import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization
import WaybillBench
import WaybillCore
import WaybillEngine

/// `waybill loadtest`: drives a running `waybill serve` over HTTP with the bench's order-to-cash
/// stream and reports events per second and latency. Start the server with the sample
/// configuration (`swift run -c release waybill serve --store sqlite:/tmp/load.sqlite`) first.
struct LoadTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loadtest",
        abstract: "Measure ingest throughput and latency of a running waybill serve over HTTP."
    )

    @Option(help: "Base URL of the running hub.")
    var url = "http://127.0.0.1:8080"

    @Option(
        help:
            "Mode: batch (requests of --batch events), single (one event per request), paced (single events at --rate per second), drain (deliveries per second until the outbox is empty)."
    )
    var mode = "batch"

    @Option(help: "Orders in the stream (5 events each).")
    var orders = 4_000

    @Option(help: "Events per request in batch mode.")
    var batch = 100

    @Option(help: "Concurrent connections.")
    var concurrency = 32

    @Option(help: "Events per second in paced mode.")
    var rate = 1_000

    @Option(
        help:
            "Send only this system's events of the stream, all with its one key (portal: the o2c.order.placed of every order). Default: every system's, each with its own key."
    )
    var system: String?

    @Option(help: "A tag that keeps ids unique across runs against the same store.")
    var tag = "lt\(getpid())"

    func run() async throws {
        if mode == "drain" { return try await drain() }
        let workload = BenchWorkload()
        var clientConfiguration = HTTPClient.Configuration()
        clientConfiguration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: concurrency)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
        defer { _ = client.shutdown() }
        // Master data first, by the ERP, so that orders validate.
        for chunk in stride(from: 0, to: workload.masterData().count, by: 500) {
            let events = Array(workload.masterData()[chunk..<min(chunk + 500, workload.masterData().count)])
            _ = try await Self.post(client, url, events, as: "erp")
        }
        let stream = workload.stream(orders: 0..<orders, tag: tag)
        // A request carries events of one system (each system has its own key).
        var requests: [(String, [[UInt8]])] = []
        let perRequest = mode == "batch" ? batch : 1
        var pending: [String: [[UInt8]]] = [:]
        for (body, system) in stream where self.system == nil || self.system == system {
            pending[system, default: []].append(body)
            if pending[system]!.count == perRequest {
                requests.append((system, pending[system]!))
                pending[system] = []
            }
        }
        for (system, rest) in pending where !rest.isEmpty { requests.append((system, rest)) }
        let events = requests.reduce(0) { $0 + $1.1.count }
        guard events > 0 else { throw ValidationError("no events of system \(system ?? "") in the stream (its systems: portal, wms, erp, ar)") }
        FileHandle.standardError.write(Data("posting \(events) events in \(requests.count) requests (\(mode), \(concurrency) connections)…\n".utf8))

        let next = Counter()
        let requestList = requests
        let base = url
        let interval = mode == "paced" ? 1.0 / Double(rate) : 0
        let start = ContinuousClock.now
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var mine: [Double] = []
                    while true {
                        let i = next.take()
                        guard i < requestList.count else { return mine }
                        if interval > 0 {
                            let due = start + .milliseconds(Int64(Double(i) * interval * 1000))
                            if due > ContinuousClock.now { try await Task.sleep(until: due) }
                        }
                        let t0 = ContinuousClock.now
                        let status = try await Self.post(client, base, requestList[i].1, as: requestList[i].0)
                        guard status == 202 else { throw ValidationError("request \(i) answered \(status)") }
                        mine.append((ContinuousClock.now - t0).seconds * 1000)
                    }
                }
            }
            var all: [Double] = []
            for try await part in group { all += part }
            return all.sorted()
        }
        let elapsed = (ContinuousClock.now - start).seconds
        func percentile(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
        print(
            JSONWriter.pretty(
                .object([
                    ("mode", .string(mode)), ("system", .string(system ?? "all")), ("events", .int(events)), ("requests", .int(requests.count)),
                    ("concurrency", .int(concurrency)),
                    ("events_per_second", BenchCommand.number(Double(events) / elapsed, 0)),
                    ("p50_ms", BenchCommand.number(percentile(0.5), 2)), ("p99_ms", BenchCommand.number(percentile(0.99), 2)),
                ])))
    }

    /// Watches the outbox drain (support token of the sample configuration) and reports deliveries per second.
    func drain() async throws {
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { _ = client.shutdown() }
        func counts() async throws -> (pending: Int, delivered: Int) {
            var request = HTTPClientRequest(url: "\(url)/v1/subscriptions")
            request.headers.add(name: "authorization", value: "Bearer tok-support")
            let response = try await client.execute(request, timeout: .seconds(30))
            let json = try JSONParser.parse(Array(buffer: try await response.body.collect(upTo: 1 << 20)))
            guard case .array(let items)? = json["items"] else { return (0, 0) }
            let pending = items.reduce(0) { sum, item in if case .number(let n)? = item["pending"] { sum + (Int(n) ?? 0) } else { sum } }
            return (pending, 0)
        }
        let start = ContinuousClock.now
        let initial = try await counts().pending
        var last = initial
        while last > 0 {
            try await Task.sleep(for: .milliseconds(200))
            last = try await counts().pending
        }
        let elapsed = (ContinuousClock.now - start).seconds
        print(
            JSONWriter.pretty(
                .object([
                    ("mode", .string("drain")), ("deliveries", .int(initial)), ("seconds", BenchCommand.number(elapsed, 2)),
                    ("deliveries_per_second", BenchCommand.number(Double(initial) / elapsed, 0)),
                ])))
    }

    static func post(_ client: HTTPClient, _ url: String, _ events: [[UInt8]], as system: String) async throws -> Int {
        var request = HTTPClientRequest(url: "\(url)/v1/events")
        request.method = .POST
        request.headers.add(name: "authorization", value: "Bearer key-\(system)")
        if events.count == 1 {
            request.headers.add(name: "content-type", value: "application/cloudevents+json")
            request.body = .bytes(ByteBuffer(bytes: events[0]))
        } else {
            request.headers.add(name: "content-type", value: "application/cloudevents-batch+json")
            request.body = .bytes(ByteBuffer(bytes: BenchCommand.batchBody(events)))
        }
        let response = try await client.execute(request, timeout: .seconds(60))
        _ = try await response.body.collect(upTo: 16 * 1024 * 1024)
        return Int(response.status.code)
    }
}
