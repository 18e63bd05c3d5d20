import AsyncHTTPClient
import Foundation
import Logging
import WaybillCore
import WaybillEngine
import WaybillStore
import WaybillWebhooks

/// Plays the demo scenario against a store and reports what happened.
///
/// ```swift
/// let report = try await DemoRun.play(store: try SQLiteStore(path: path), seed: 42)
/// print(report.text)
/// ```
public struct DemoRun: Sendable {
    /// The demo's start: 2026-12-01T08:00:00Z.
    public static let start = Timestamp(rfc3339: "2026-12-01T08:00:00Z")!

    public let hub: Hub
    public let json: JSONValue
    public let text: String
    /// What each subscription was told: (type, subject) in delivery order.
    public let told: [String: [(EventType, String)]]

    /// Plays every step, settling the landscape after each (ingest what systems sent, deliver
    /// what is due, repeat until quiet), and collects the order views.
    ///
    /// The 3PL's warehouse trades CSV files with the hub through two directories (made in a
    /// temporary directory, removed afterwards), and NetSuite is a REST service on loopback
    /// reached with OAuth 2.0; the other systems take their deliveries in process.
    public static func play(store: any Store, seed: UInt64, policies: Policies = Policies()) async throws -> DemoRun {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("waybill-demo-\(UUID().uuidString)")
        let transports = DemoTransports(
            toWarehouse: directory.appendingPathComponent("to-3pl").path, fromWarehouse: directory.appendingPathComponent("from-3pl").path)
        for path in [transports.toWarehouse, transports.fromWarehouse] {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        defer { try? FileManager.default.removeItem(at: directory) }
        let clock = ManualClock(start)
        let world = DemoWorld(clock: clock, transports: transports)
        let netsuite = DemoNetSuite(world: world)
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            let run = try await withThrowingTaskGroup(of: DemoRun?.self, returning: DemoRun.self) { group in
                let server = LoopbackServer(netsuite.router(), label: "waybill.demo.netsuite")
                group.addTask {
                    try await server.run()
                    return nil
                }
                let port = try await server.port()
                let hub = Hub(
                    store: store, landscape: Landscape(systems: try transports.systems(erpURL: "http://127.0.0.1:\(port)/services/rest")),
                    policies: policies, clock: clock, random: HubRandom(seed: seed))
                var registry = AdapterRegistry()
                registry.register(AdapterSettings.inProcess.kind, world.adapter)
                registry.register("http", HTTPCallAdapter(client: client))
                registry.register("csv", CSVFileAdapter(hub: hub))
                let scheduler = DeliveryScheduler(hub: hub, adapters: registry, concurrency: 1)
                var quiet = Logger(label: "waybill.demo.csv")
                quiet.logLevel = .warning  // the demo's own timeline says what the inbox did
                let inbox = CSVInbox(hub: hub, settle: .zero, logger: quiet)
                for step in DemoScenario.steps(world: world) {
                    clock.set(start.adding(milliseconds: step.minutes * 60_000))
                    world.note("\n\(DemoWorld.clockText(clock.now()))  ▸ \(step.title)")
                    step.action()
                    try await settle(hub: hub, world: world, scheduler: scheduler, inbox: inbox, clock: clock)
                }
                let json = try await report(hub: hub)
                let told = Dictionary(uniqueKeysWithValues: world.subscriptionsTold.map { ($0, world.received(by: $0).map { ($0.1, $0.2) }) })
                group.cancelAll()
                return DemoRun(hub: hub, json: json, text: try await text(hub: hub, world: world, json: json), told: told)
            }
            try await client.shutdown()
            return run
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    static func settle(hub: Hub, world: DemoWorld, scheduler: DeliveryScheduler, inbox: CSVInbox, clock: ManualClock) async throws {
        for _ in 0..<1_000 {
            let posts = world.takeNativePosts()
            for post in posts { try await deliver(post, hub: hub, world: world, clock: clock) }
            let batches = world.takeOutgoing()
            for (system, bodies) in batches {
                let body = Array("[".utf8) + Array(bodies.joined(separator: Array(",".utf8))) + Array("]".utf8)
                let results = try await hub.ingest(body: body, from: SystemName(system))
                for (result, raw) in zip(results, bodies) {
                    let event = try? JSONParser.parse(raw)
                    let type = event.flatMap { if case .string(let t)? = $0["type"] { t } else { nil } } ?? "?"
                    let subject = event.flatMap { if case .string(let t)? = $0["subject"] { t } else { nil } } ?? ""
                    world.note("\(DemoWorld.clockText(clock.now()))  \(system) → hub: \(type) \(result.orderId?.rawValue ?? subject): \(Self.outcome(result))")
                }
            }
            // The 3PL's file of what it did, read by the hub's CSV inbox, whole or not at all.
            let dropped = try world.dropWarehouseFile()
            for handled in try await inbox.processPending() {
                let outcomes = handled.results.map { "\($0.orderId?.rawValue ?? "?") \(Self.outcome($0))" }.joined(separator: ", ")
                world.note("\(DemoWorld.clockText(clock.now()))  hub reads \(handled.file): \(handled.reason ?? outcomes)")
            }
            var delivered = 0
            while true {
                let n = try await scheduler.deliverDue()
                if n == 0 { break }
                delivered += n
            }
            // The hub's files for the 3PL, taken in the order they were written.
            let taken = try world.pickUpWarehouseFiles()
            if batches.isEmpty && posts.isEmpty && delivered == 0 && !dropped && taken == 0 { break }
            clock.advance(milliseconds: 60_000)
        }
        try await hub.expireParkedEvents()
    }

    static func outcome(_ result: EventResult) -> String { result.outcome.rawValue + (result.code.map { " (\($0))" } ?? "") }

    /// A system's own payload, as `POST /v1/inbound/{system}` takes it: its signature checked,
    /// then mapped by its pack and ingested.
    static func deliver(_ post: DemoWorld.NativePost, hub: Hub, world: DemoWorld, clock: ManualClock) async throws {
        let system = SystemName(post.system)
        guard let inbound = hub.landscape.systems[system]?.inbound,
            inbound.authentication.accepts(body: post.body, headers: post.headers, now: clock.now().milliseconds / 1_000)
        else {
            world.note("\(DemoWorld.clockText(clock.now()))  \(system) → hub: refused, the signature does not match")
            return
        }
        let receipt = try await hub.receive(native: post.body, from: system, headers: post.headers)
        let outcomes = receipt.results.map { "\($0.outcome.rawValue)\($0.orderId.map { " \($0)" } ?? "")" }.joined(separator: ", ")
        world.note(
            "\(DemoWorld.clockText(clock.now()))  \(system) → hub: Shopify \(post.headers["x-shopify-topic"] ?? "webhook") (signed, through the shopify pack): \(outcomes)"
        )
    }

    /// `{ "orders": [...], "exceptions": [...], "deliveries": { subscription: count } }`.
    static func report(hub: Hub) async throws -> JSONValue {
        try await hub.store.read { reader in
            let orders = try reader.orders(status: nil, customer: nil, updatedSince: nil, after: nil, limit: 10_000)
            let views = try orders.map { state in
                state.viewJSON(systems: try reader.deliveryProgress(key: RecordKey.order(state.orderId)))
            }
            let exceptions = try reader.exceptions(ExceptionFilter()).map(\.json)
            let delivered = try reader.deliveryCounts(status: .delivered)
            return .object([
                ("orders", .array(views)), ("exceptions", .array(exceptions)),
                ("deliveries", .object(delivered.sorted { $0.key < $1.key }.map { ($0.key.rawValue, .int($0.value)) })),
            ])
        }
    }

    static func text(hub: Hub, world: DemoWorld, json: JSONValue) async throws -> String {
        var out = "Waybill demo: a distributor of industrial components, 8 systems, one hub.\n"
        out += world.log.joined(separator: "\n") + "\n\n== Orders ==\n"
        if case .array(let orders)? = json["orders"] {
            for order in orders {
                guard case .string(let id)? = order["orderId"], case .string(let status)? = order["status"],
                    case .string(let explanation)? = order["explanation"]
                else { continue }
                out += "\(id)  \(status)\n    \(explanation)\n"
            }
        }
        out += "\n== What each system has been told ==\n"
        for subscription in world.subscriptionsTold {
            let told = world.received(by: subscription)
            var counts: [EventType: Int] = [:]
            for (_, type, _) in told { counts[type, default: 0] += 1 }
            out +=
                "\(subscription): \(told.count) events — " + counts.sorted { $0.key < $1.key }.map { "\($0.key.rawValue) ×\($0.value)" }.joined(separator: ", ")
                + "\n"
        }
        out += "\n== Exceptions ==\n"
        for exception in try await hub.exceptions() {
            out += "#\(exception.id) \(exception.kind.rawValue) [\(exception.role.rawValue)] \(exception.status.rawValue): \(exception.message)\n"
        }
        return out
    }
}
