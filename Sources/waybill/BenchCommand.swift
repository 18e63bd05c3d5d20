import ArgumentParser
import Foundation
import Synchronization
import WaybillBench
import WaybillCore
import WaybillEngine
import WaybillPostgres
import WaybillSQLite
import WaybillSamples
import WaybillX12

/// `waybill bench`: in-process ingest throughput of a mixed order-to-cash stream through the full
/// pipeline into a fresh SQLite file (`synchronous=FULL`), against a raw-append baseline.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure ingest throughput through the full pipeline against a raw SQLite append baseline."
    )

    @Option(help: "Orders in the measured stream (5 events each).")
    var orders = 12_000

    @Option(help: "Events per request.")
    var batch = 100

    @Option(help: "Concurrent submitters.")
    var concurrency = 8

    @Option(help: "Orders to place (through the full pipeline) before measuring, to compare the cost per event as the store grows.")
    var storedOrders = 0

    @Option(help: "Directory for the bench files (default: a temporary one, removed afterwards).")
    var directory: String?

    @Option(
        help:
            "Subscribers: 'demo' (the 7-system sample landscape, about 6 deliveries per event) or 'single' (one subscriber per event type, no status_changed subscribers)."
    )
    var landscape = "demo"

    @Option(
        name: .customLong("store"),
        help:
            "Also run the full pipeline on PostgreSQL (postgres://user@host/database; a schema of its own, dropped afterwards), beside SQLite in the same run."
    )
    var postgresStore: String?

    @Option(
        help:
            "With --store: also run the PostgreSQL measurement with this many hub nodes (each its own store and group commit) on one database, the submitters split across them, and print both."
    )
    var nodes = 1

    @Flag(help: "Measure X12 850 parsing and mapping speed (MB/s on one core) instead.")
    var edi = false

    @Flag(help: "Measure CSV inbound reading and mapping speed (MB/s on one core) instead.")
    var csv = false

    @Flag(help: "Measure only the lifecycle (pure core) on decoded events, without a store.")
    var lifecycleOnly = false

    @Flag(help: "Print the figures as JSON with sorted keys.")
    var json = false

    @Flag(
        help:
            "Measure mapped ingest instead: Shopify order webhooks through the shopify pack (signature checked) against the same canonical events as CloudEvents, one request per order each, in one run (--orders orders, --concurrency submitters)."
    )
    var mapped = false

    @Flag(help: "Measure the console instead: the overview and an order page served with --stored-orders orders in the store.")
    var console = false

    @Flag(
        help:
            "Measure order ingest with a tax validation whose service answers after 2 s against none, the scheduler running (--orders orders, --concurrency submitters)."
    )
    var validation = false

    func run() async throws {
        if edi { return try EDIBenchmark.run(json: json) }
        if csv { return try CSVBenchmark.run(json: json) }
        let dir = directory.map { URL(fileURLWithPath: $0) } ?? FileManager.default.temporaryDirectory.appendingPathComponent("waybill-bench-\(getpid())")
        // `--console` with a `--directory` that already holds the stored orders reuses them.
        if !(console && directory != nil) { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { if directory == nil { try? FileManager.default.removeItem(at: dir) } }
        if mapped { return try await MappedBenchmark.run(orders: orders, concurrency: concurrency, directory: dir, json: json) }
        if validation { return try await ValidationBenchmark.run(orders: orders, concurrency: concurrency, directory: dir, json: json) }

        let workload = BenchWorkload()
        let store = try SQLiteStore(path: dir.appendingPathComponent("hub.sqlite").path)
        let systems = landscape == "single" ? Self.singleSubscriberSystems() : DemoLandscape.systems()
        let hub = Hub(
            store: store, landscape: Landscape(systems: systems), policies: Policies(), clock: SystemClock(),
            random: HubRandom(seed: 1))
        _ = try await Self.drive(hub: hub, bodies: workload.masterData(), batch: 500, concurrency: 1)
        let alreadyStored = try await store.read { try $0.orderCount() }
        if storedOrders > 0 && alreadyStored < storedOrders {
            log("loading \(storedOrders) orders…")
            var loaded = 0
            let chunk = 20_000
            while loaded < storedOrders {
                let range = loaded..<min(storedOrders, loaded + chunk)
                let preload = range.map { workload.orderEvents($0, tag: "pre")[0] }
                _ = try await Self.drive(hub: hub, bodies: preload, batch: 500, concurrency: 4)
                loaded = range.upperBound
                log("  \(loaded) orders stored")
            }
        }
        if console {
            return try await ConsoleBenchmark.run(
                hub: hub, storePath: dir.appendingPathComponent("hub.sqlite").path, storedOrders: storedOrders, json: json)
        }
        let bodies = workload.stream(orders: 0..<orders).map(\.0)
        let bytes = bodies.reduce(0) { $0 + $1.count }
        let decodeStart = ContinuousClock.now
        var decoded = 0
        for body in bodies { decoded += try IngestDecoder.decode(body).count }
        let decodeRate = Double(decoded) / (ContinuousClock.now - decodeStart).seconds
        log("decode alone (one core): \(Int(decodeRate)) events/s")
        if lifecycleOnly {
            var core = LifecycleBenchmark()
            for body in workload.masterData() {
                for case .event(let e) in try IngestDecoder.decode(body) { try core.apply(e) }
            }
            let decodedEvents = try bodies.flatMap { body in
                try IngestDecoder.decode(body).compactMap { item -> InboundEvent? in
                    if case .event(let e) = item { e } else { nil }
                }
            }
            let start = ContinuousClock.now
            var emitted = 0
            for event in decodedEvents { emitted += try core.apply(event) }
            let rate = Double(decodedEvents.count) / (ContinuousClock.now - start).seconds
            print("lifecycle alone (one core, no store): \(Int(rate)) events/s, \(emitted) hub events emitted")
            return
        }
        log("measuring \(bodies.count) events (average \(bytes / bodies.count) bytes) in batches of \(batch), \(concurrency) submitters…")
        let outboxBefore = try await store.read { r in try r.deliveryCounts(status: .pending).values.reduce(0, +) }
        var pipeline = try await Self.drive(hub: hub, bodies: bodies, batch: batch, concurrency: concurrency)
        let outboxAfter = try await store.read { r in try r.deliveryCounts(status: .pending).values.reduce(0, +) }
        pipeline.deliveriesPerEvent = Double(outboxAfter - outboxBefore) / Double(bodies.count)
        let peak = Self.peakResidentMegabytes()

        log("measuring the raw baseline…")
        let baseline = try RawAppendBaseline(path: dir.appendingPathComponent("baseline.sqlite").path)
        let start = ContinuousClock.now
        var index = 0
        while index < bodies.count {
            try baseline.append(Array(bodies[index..<min(bodies.count, index + batch)]))
            index += batch
        }
        let baselineRate = Double(bodies.count) / (ContinuousClock.now - start).seconds

        var postgres: Figures?
        var postgresNodes: Figures?
        if let postgresStore {
            guard PostgresLocation.isURL(postgresStore) else { throw ValidationError("--store expects postgres://… (the bench always runs on SQLite)") }
            log("measuring the full pipeline on PostgreSQL…")
            postgres = try await PostgresBenchmark.run(
                url: postgresStore, systems: systems, masterData: workload.masterData(), bodies: bodies, batch: batch, concurrency: concurrency)
            if nodes > 1 {
                log("measuring the full pipeline on PostgreSQL with \(nodes) nodes…")
                postgresNodes = try await PostgresBenchmark.run(
                    url: postgresStore, systems: systems, masterData: workload.masterData(), bodies: bodies, batch: batch, concurrency: concurrency,
                    nodes: nodes)
            }
        }

        var figures: [(String, JSONValue)] = [
            ("events", .int(bodies.count)), ("events_per_second", Self.number(pipeline.rate, 0)),
            ("decode_events_per_second", Self.number(decodeRate, 0)),
            ("p50_ms", Self.number(pipeline.p50, 2)), ("p99_ms", Self.number(pipeline.p99, 2)),
            ("baseline_events_per_second", Self.number(baselineRate, 0)), ("ratio", Self.number(pipeline.rate / baselineRate, 3)),
            ("peak_rss_mb", Self.number(peak, 1)), ("cpu_us_per_event", Self.number(pipeline.cpuMicrosPerEvent, 1)),
            ("cores_used", Self.number(pipeline.coresUsed, 2)), ("stored_orders", .int(storedOrders)), ("batch", .int(batch)),
            ("concurrency", .int(concurrency)), ("average_event_bytes", .int(bytes / bodies.count)), ("landscape", .string(landscape)),
            ("deliveries_per_event", Self.number(pipeline.deliveriesPerEvent, 2)), ("allocator", .string(Self.allocator)),
        ]
        if let postgres {
            figures += [
                ("postgres_events_per_second", Self.number(postgres.rate, 0)), ("postgres_p50_ms", Self.number(postgres.p50, 2)),
                ("postgres_p99_ms", Self.number(postgres.p99, 2)), ("postgres_deliveries_per_event", Self.number(postgres.deliveriesPerEvent, 2)),
                ("postgres_statements_per_event", Self.number(postgres.statementsPerEvent, 2)),
            ]
        }
        if let postgres, let postgresNodes {
            figures += [
                ("postgres_nodes", .int(nodes)), ("postgres_nodes_events_per_second", Self.number(postgresNodes.rate, 0)),
                ("postgres_nodes_p50_ms", Self.number(postgresNodes.p50, 2)), ("postgres_nodes_p99_ms", Self.number(postgresNodes.p99, 2)),
                ("postgres_nodes_statements_per_event", Self.number(postgresNodes.statementsPerEvent, 2)),
                ("postgres_nodes_ratio", Self.number(postgresNodes.rate / postgres.rate, 2)),
            ]
        }
        if json {
            print(JSONWriter.pretty(.object(figures)))
        } else {
            print(
                """
                landscape:      \(landscape), \(String(format: "%.2f", pipeline.deliveriesPerEvent)) deliveries per event
                full pipeline:  \(Int(pipeline.rate)) events/s   p50 \(String(format: "%.2f", pipeline.p50)) ms   p99 \(String(format: "%.2f", pipeline.p99)) ms (per request of \(batch))
                raw baseline:   \(Int(baselineRate)) events/s   ratio \(String(format: "%.3f", pipeline.rate / baselineRate))
                CPU:            \(String(format: "%.1f", pipeline.cpuMicrosPerEvent)) µs per event on \(String(format: "%.2f", pipeline.coresUsed)) cores
                peak memory:    \(String(format: "%.1f", peak)) MB   stored orders before: \(storedOrders)
                allocator:      \(Self.allocator)
                """)
            if let postgres {
                print(
                    "on PostgreSQL:  \(Int(postgres.rate)) events/s   p50 \(String(format: "%.2f", postgres.p50)) ms   p99 \(String(format: "%.2f", postgres.p99)) ms (\(String(format: "%.2f", postgres.deliveriesPerEvent)) deliveries, \(String(format: "%.2f", postgres.statementsPerEvent)) statements per event)"
                )
            }
            if let postgres, let postgresNodes {
                print(
                    "\(nodes) nodes:        \(Int(postgresNodes.rate)) events/s   p50 \(String(format: "%.2f", postgresNodes.p50)) ms   p99 \(String(format: "%.2f", postgresNodes.p99)) ms (\(String(format: "%.2f", postgresNodes.statementsPerEvent)) statements per event)   \(nodes) nodes / 1: \(String(format: "%.2f", postgresNodes.rate / postgres.rate))"
                )
            }
        }
    }

    struct Figures {
        var rate: Double
        var p50: Double
        var p99: Double
        /// Process CPU time (all threads, user and system) per event while measuring, in µs.
        var cpuMicrosPerEvent: Double
        /// CPU time over wall time while measuring: how many cores the pipeline kept busy.
        var coresUsed: Double
        var deliveriesPerEvent: Double = 0
        /// Statements (round trips) sent to PostgreSQL per event while measuring.
        var statementsPerEvent: Double = 0
    }

    /// The demo's systems, but each event type goes to one subscriber only.
    static func singleSubscriberSystems() -> [ConnectedSystem] {
        var seen: Set<EventType> = [.orderStatusChanged]
        return DemoLandscape.systems().map { system in
            var system = system
            system.subscriptions = system.subscriptions.map { subscription in
                var subscription = subscription
                subscription.types = subscription.types.filter { seen.insert($0).inserted }
                return subscription
            }
            return system
        }
    }

    /// Posts `bodies` in batches from `concurrency` tasks and measures each request's latency.
    static func drive(hub: Hub, bodies: [[UInt8]], batch: Int, concurrency: Int) async throws -> Figures {
        try await drive(hubs: [hub], bodies: bodies, batch: batch, concurrency: concurrency)
    }

    /// Posts `bodies` as `drive(hub:…)` does, submitter `i` to `hubs[i % hubs.count]` (nodes
    /// sharing one database).
    static func drive(hubs: [Hub], bodies: [[UInt8]], batch: Int, concurrency: Int) async throws -> Figures {
        let batches = stride(from: 0, to: bodies.count, by: batch).map { batchBody(Array(bodies[$0..<min(bodies.count, $0 + batch)])) }
        let next = Counter()
        let cpuStart = Self.processCPUSeconds()
        let start = ContinuousClock.now
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for submitter in 0..<concurrency {
                let hub = hubs[submitter % hubs.count]
                group.addTask {
                    var mine: [Double] = []
                    while true {
                        let i = next.take()
                        guard i < batches.count else { return mine }
                        let t0 = ContinuousClock.now
                        let results = try await hub.ingest(body: batches[i])
                        mine.append((ContinuousClock.now - t0).seconds * 1000)
                        if let bad = results.first(where: { $0.outcome == .exception || $0.outcome == .parked }) {
                            throw ValidationError("bench event \(bad.id ?? "?") was not accepted: \(bad.code ?? "") \(bad.detail ?? "")")
                        }
                    }
                }
            }
            var all: [Double] = []
            for try await part in group { all += part }
            return all.sorted()
        }
        let elapsed = (ContinuousClock.now - start).seconds
        let cpu = Self.processCPUSeconds() - cpuStart
        func percentile(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
        return Figures(
            rate: Double(bodies.count) / elapsed, p50: percentile(0.5), p99: percentile(0.99), cpuMicrosPerEvent: cpu * 1e6 / Double(bodies.count),
            coresUsed: cpu / elapsed)
    }

    static func batchBody(_ events: [[UInt8]]) -> [UInt8] {
        Array("[".utf8) + Array(events.joined(separator: Array(",".utf8))) + Array("]".utf8)
    }

    static func number(_ value: Double, _ decimals: Int) -> JSONValue { .number(String(format: "%.\(decimals)f", value)) }

    /// User and system CPU time of every thread of this process so far.
    static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    /// VmHWM: the most resident memory this process has used.
    /// The allocator this process runs on: jemalloc when the executable was linked with it (see
    /// Package.swift) or it was preloaded, else the C library's.
    static var allocator: String {
        dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallctl") != nil ? "jemalloc" : "system"
    }

    static func peakResidentMegabytes() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kb = Double(line.split(separator: " ").dropFirst().first ?? "")
        else { return 0 }
        return kb / 1024
    }

    func log(_ message: String) {
        if !json { FileHandle.standardError.write(Data((message + "\n").utf8)) }
    }
}

/// A shared counter handing out batch numbers to the submitters.
final class Counter: Sendable {
    private let value = Mutex(0)
    func take() -> Int {
        value.withLock { n in
            defer { n += 1 }; return n
        }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
