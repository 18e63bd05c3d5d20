import ArgumentParser
import AsyncHTTPClient
import Foundation
import Hummingbird
import NIOCore
import WaybillCore
import WaybillEngine
import WaybillSQLite
import WaybillSamples
import WaybillStore
import WaybillWebhooks

/// `waybill bench --validation`: order ingest (one placement per request, `--concurrency`
/// submitters) with the delivery scheduler running as in `serve`, once with a tax validation
/// whose service on loopback answers every call after 2 s, once with no validation — each into a
/// fresh store, alternating, three times — and the ratio of the medians. The validation calls are
/// made by the scheduler, never inside ingest's group commit, so the slow service must not slow
/// ingest down.
enum ValidationBenchmark {
    static func run(orders: Int, concurrency: Int, directory: URL, json: Bool) async throws {
        let router = Router()
        router.post("/quote") { _, _ -> Response in
            try await Task.sleep(for: .seconds(2))
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"outcome":"passed"}"#)))
        }
        let service = LoopbackServer(router, label: "bench.validation-service")
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        var none: [Double] = []
        var slow: [Double] = []
        var answered = 0
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await service.run() }
            let port = try await service.port()
            for round in 0..<3 {
                none.append(
                    try await measure(
                        validated: false, round: round, orders: orders, concurrency: concurrency, port: port, client: client, directory: directory
                    ).rate)
                let figures = try await measure(
                    validated: true, round: round, orders: orders, concurrency: concurrency, port: port, client: client, directory: directory)
                slow.append(figures.rate)
                answered += figures.answered
            }
            group.cancelAll()
        }
        try await client.shutdown()
        let noneMedian = none.sorted()[1]
        let slowMedian = slow.sorted()[1]
        let ratio = slowMedian / noneMedian
        if json {
            print(
                JSONWriter.pretty(
                    .object([
                        ("orders", .int(orders)), ("concurrency", .int(concurrency)), ("validation_delay_ms", .int(2_000)),
                        ("no_validation_events_per_second", BenchCommand.number(noneMedian, 0)),
                        ("slow_validation_events_per_second", BenchCommand.number(slowMedian, 0)), ("slow_to_none", BenchCommand.number(ratio, 3)),
                        ("validations_answered_during_runs", .int(answered)),
                    ])))
        } else {
            print(
                """
                \(orders) orders, one placement per request, \(concurrency) submitters, scheduler running (medians of 3, alternating)
                no validation:                    \(Int(noneMedian)) orders/s   (\(none.map { String(Int($0)) }.joined(separator: " / ")))
                tax validation answering in 2 s:  \(Int(slowMedian)) orders/s   (\(slow.map { String(Int($0)) }.joined(separator: " / ")))
                slow / none:                      \(String(format: "%.3f", ratio))   (\(answered) validations answered while the runs lasted)
                """)
        }
    }

    static func measure(
        validated: Bool, round: Int, orders: Int, concurrency: Int, port: Int, client: HTTPClient, directory: URL
    ) async throws -> (rate: Double, answered: Int) {
        var tax = Subscription(
            name: "tax-quote", system: "tax", types: [.orderValidationRequested],
            adapter: .http(HTTPCall(method: "POST", url: "http://127.0.0.1:\(port)/quote")))
        tax.validation = ValidationSettings(name: "tax", fallback: .park, timeoutMilliseconds: 10_000)
        let systems = [
            ConnectedSystem(name: "portal", publishes: [.orderPlaced], subscriptions: []),
            ConnectedSystem(name: "erp", publishes: [.customerUpserted, .productUpserted], subscriptions: []),
            ConnectedSystem(name: "tax", publishes: [], subscriptions: validated ? [tax] : []),
            ConnectedSystem(
                name: "wms", publishes: [], subscriptions: [Subscription(name: "wms", system: "wms", types: [.orderAccepted], adapter: .inProcess)]),
        ]
        let path = directory.appendingPathComponent("validation-\(validated ? "slow" : "none")-\(round).sqlite").path
        let hub = Hub(
            store: try SQLiteStore(path: path), landscape: Landscape(systems: systems), policies: Policies(), clock: SystemClock(), random: HubRandom(seed: 1))
        _ = try await hub.ingest(
            body: Array(
                #"[{"specversion":"1.0","id":"c","source":"/systems/erp","type":"o2c.customer.upserted","subject":"C-1","data":{"customerId":"C-1","name":"A","currency":"USD"}},{"specversion":"1.0","id":"p","source":"/systems/erp","type":"o2c.product.upserted","subject":"A","data":{"sku":"A","baseUom":"EA","listPrice":"5.00","currency":"USD"}}]"#
                    .utf8))
        let scheduler = DeliveryScheduler(
            hub: hub, adapters: AdapterRegistry(["http": HTTPCallAdapter(client: client), "inProcess": InProcessAdapter { _ in .delivered(statusCode: 200) }]))
        let bodies: [[UInt8]] = (0..<orders).map { n in
            Array(
                #"{"specversion":"1.0","id":"p-\#(n)","source":"/systems/portal","type":"o2c.order.placed","subject":"SO-\#(n)","data":{"orderId":"SO-\#(n)","customerId":"C-1","currency":"USD","lines":[{"lineId":"1","sku":"A","quantity":1,"unitPrice":"5.00"},{"lineId":"2","sku":"A","quantity":3,"unitPrice":"5.00"}]}}"#
                    .utf8)
        }
        let figures = try await withThrowingTaskGroup(of: BenchCommand.Figures?.self) { group in
            group.addTask {
                try await scheduler.run(pollInterval: .milliseconds(50)) { try await Task.sleep(for: $0) }
                return nil
            }
            let figures = try await MappedBenchmark.drive(requests: orders, events: orders, concurrency: concurrency) { i in
                try await hub.ingest(body: bodies[i])
            }
            group.cancelAll()
            return figures
        }
        let answered =
            validated ? try await hub.store.read { try $0.deliveries(DeliveryFilter(subscription: "tax-quote", status: .delivered, limit: orders)) }.count : 0
        return (figures.rate, answered)
    }
}
