import Foundation
import WaybillBench
import WaybillCore
import WaybillEngine
import WaybillMapping
import WaybillSQLite
import WaybillSamples

/// `waybill bench --mapped`: Shopify order webhooks through the `shopify` pack (signature
/// checked, mapped, ingested) against the very same canonical events posted as CloudEvents, one
/// request per order in both, each into a fresh store, in one run.
enum MappedBenchmark {
    static let secret = "shpss_bench_5ae2f0b3c1d94e8a"

    static func run(orders: Int, concurrency: Int, directory: URL, json: Bool) async throws {
        let workload = BenchWorkload()
        guard let pack = try Packs.mapping("shopify") else { throw MappingError(.syntax, "the shopify pack is missing") }
        let shop = ConnectedSystem(
            name: "shop", publishes: Set(pack.events.map(\.type)), subscriptions: [],
            inbound: NativeInbound(mapping: pack, authentication: .shopify(secret: secret)))
        let systems = DemoLandscape.systems() + [shop]
        // What the store sends: body, webhook headers with its HMAC.
        let posts: [(body: [UInt8], headers: [String: String])] = (0..<orders).map { n in
            let (body, webhookId) = workload.shopifyOrder(n)
            return (
                body,
                [
                    "x-shopify-topic": "orders/create", "x-shopify-webhook-id": webhookId,
                    "x-shopify-hmac-sha256": NativeSignature.shopifySignature(body: body, secret: secret),
                ]
            )
        }
        // The same events in canonical form, mapped once beforehand.
        let mapper = Mapper(pack)
        let canonical: [[UInt8]] = try posts.map { post in
            let events = try mapper.inbound(try JSONParser.parse(post.body), headers: post.headers).events
            return BenchCommand.batchBody(events.map { JSONWriter.bytes($0.cloudEvent(source: "/systems/shop")) })
        }
        let events = try posts.reduce(0) { n, post in n + (try mapper.inbound(try JSONParser.parse(post.body), headers: post.headers).events.count) }

        func hub(_ name: String) async throws -> Hub {
            let hub = Hub(
                store: try SQLiteStore(path: directory.appendingPathComponent("\(name).sqlite").path), landscape: Landscape(systems: systems),
                policies: Policies(), clock: SystemClock(), random: HubRandom(seed: 1))
            _ = try await BenchCommand.drive(hub: hub, bodies: workload.masterData(), batch: 500, concurrency: 1)
            return hub
        }
        let plain = try await hub("canonical")
        let canonicalFigures = try await drive(requests: canonical.count, events: events, concurrency: concurrency) { i in
            try await plain.ingest(body: canonical[i])
        }
        let native = try await hub("mapped")
        let mappedFigures = try await drive(requests: posts.count, events: events, concurrency: concurrency) { i in
            let post = posts[i]
            guard shop.inbound!.authentication.accepts(body: post.body, headers: post.headers, now: 0) else {
                throw MappingError(.syntax, "the bench's own signature did not verify")
            }
            return try await native.receive(native: post.body, from: "shop", headers: post.headers).results
        }
        let ratio = mappedFigures.rate / canonicalFigures.rate
        let figures: [(String, JSONValue)] = [
            ("orders", .int(orders)), ("events", .int(events)), ("concurrency", .int(concurrency)),
            ("average_payload_bytes", .int(posts.reduce(0) { $0 + $1.body.count } / max(1, posts.count))),
            ("canonical_events_per_second", BenchCommand.number(canonicalFigures.rate, 0)),
            ("mapped_events_per_second", BenchCommand.number(mappedFigures.rate, 0)), ("mapped_to_canonical", BenchCommand.number(ratio, 3)),
            ("canonical_cpu_us_per_event", BenchCommand.number(canonicalFigures.cpuMicrosPerEvent, 1)),
            ("mapped_cpu_us_per_event", BenchCommand.number(mappedFigures.cpuMicrosPerEvent, 1)), ("allocator", .string(BenchCommand.allocator)),
        ]
        if json {
            print(JSONWriter.pretty(.object(figures)))
        } else {
            print(
                """
                \(orders) Shopify orders (\(events) canonical events), one request per order, \(concurrency) submitters
                canonical CloudEvents:      \(Int(canonicalFigures.rate)) events/s   \(String(format: "%.1f", canonicalFigures.cpuMicrosPerEvent)) µs CPU per event
                Shopify webhooks, mapped:   \(Int(mappedFigures.rate)) events/s   \(String(format: "%.1f", mappedFigures.cpuMicrosPerEvent)) µs CPU per event
                mapped / canonical:         \(String(format: "%.3f", ratio))
                """)
        }
    }

    /// Sends `requests` requests from `concurrency` tasks; every result must be accepted.
    static func drive(
        requests: Int, events: Int, concurrency: Int, _ send: @escaping @Sendable (Int) async throws -> [EventResult]
    ) async throws
        -> BenchCommand.Figures
    {
        let next = Counter()
        let cpuStart = BenchCommand.processCPUSeconds()
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    while true {
                        let i = next.take()
                        guard i < requests else { return }
                        if let bad = try await send(i).first(where: { $0.outcome != .accepted }) {
                            throw MappingError(.invalidEvent, "bench event \(bad.id ?? "?") was \(bad.outcome.rawValue): \(bad.code ?? "") \(bad.detail ?? "")")
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = (ContinuousClock.now - start).seconds
        let cpu = BenchCommand.processCPUSeconds() - cpuStart
        return BenchCommand.Figures(
            rate: Double(events) / elapsed, p50: 0, p99: 0, cpuMicrosPerEvent: cpu * 1e6 / Double(events), coresUsed: cpu / elapsed)
    }
}
