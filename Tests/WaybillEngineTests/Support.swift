import Foundation
import Synchronization
import WaybillCore
import WaybillEngine
import WaybillPostgres
import WaybillSQLite
import WaybillSamples
import WaybillStore
import WaybillTestSupport

func temporaryStore() throws -> SQLiteStore {
    let directory = try temporaryDirectory("waybill-engine")
    return try SQLiteStore(path: directory.appendingPathComponent("hub.sqlite").path)
}

/// The stores a test runs on, for the tests that run on both.
enum TestStore: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite, postgres

    var description: String { rawValue }

    /// A PostgreSQL store on a schema of its own (`dropSchema()` when done), or nil on SQLite.
    /// Throws, saying how to set it, when `WAYBILL_TEST_POSTGRES` is not set.
    func postgres() async throws -> PostgresStore? {
        guard self == .postgres else { return nil }
        guard let location = try TestPostgres.freshLocation() else { throw TestPostgres.NotConfigured() }
        return try await PostgresStore(location: location)
    }
}

let start = Timestamp(rfc3339: "2026-12-01T08:00:00Z")!

/// A hub over a fresh SQLite file with the demo landscape and a manual clock.
func makeHub(store: (any Store)? = nil, systems: [ConnectedSystem] = DemoLandscape.systems(), policies: Policies = Policies()) throws -> (Hub, ManualClock) {
    let clock = ManualClock(start)
    let hub = Hub(store: try store ?? temporaryStore(), landscape: Landscape(systems: systems), policies: policies, clock: clock, random: HubRandom(seed: 9))
    return (hub, clock)
}

/// A hub over `systems` (with `store` if given) whose subscribers are one in-process recorder,
/// its scheduler, and the standard master data ingested.
func makeDeliveryHub(
    store: (any Store)? = nil, systems: [ConnectedSystem] = DemoLandscape.systems()
) async throws -> (
    hub: Hub, clock: ManualClock, recorder: Recorder, scheduler: DeliveryScheduler
) {
    let (hub, clock) = try makeHub(store: store, systems: systems)
    let recorder = Recorder()
    let scheduler = DeliveryScheduler(hub: hub, adapters: AdapterRegistry([AdapterSettings.inProcess.kind: recorder.adapter]))
    _ = try await hub.ingest(body: batch(masterData))
    return (hub, clock, recorder, scheduler)
}

/// A CloudEvent body.
func event(_ system: String, _ id: String, _ type: EventType, subject: String, time: String = "2026-12-01T08:00:00Z", _ data: String) -> [UInt8] {
    Array(
        #"{"specversion":"1.0","id":"\#(id)","source":"/systems/\#(system)","type":"\#(type.rawValue)","subject":"\#(subject)","time":"\#(time)","data":\#(data)}"#
            .utf8)
}

func batch(_ events: [[UInt8]]) -> [UInt8] {
    Array("[".utf8) + Array(events.joined(separator: Array(",".utf8))) + Array("]".utf8)
}

let masterData: [[UInt8]] = [
    event(
        "erp", "m-1", .customerUpserted, subject: "C-1",
        #"{"customerId":"C-1","name":"BoltWorks","currency":"USD","creditLimit":"100000.00","externalIds":{"crm":"CRM-1"}}"#),
    event("erp", "m-2", .productUpserted, subject: "A", #"{"sku":"A","baseUom":"EA","uomConversions":{"CA":12},"listPrice":"5.00","currency":"USD"}"#),
    event("erp", "m-3", .productUpserted, subject: "B", #"{"sku":"B","baseUom":"EA","listPrice":"2.00","currency":"USD"}"#),
]

func placed(_ order: String, id: String? = nil, time: String = "2026-12-01T08:00:00Z", sku: String = "A") -> [UInt8] {
    event(
        "portal", id ?? "p-\(order)", .orderPlaced, subject: order, time: time,
        #"{"orderId":"\#(order)","customerId":"C-1","currency":"USD","lines":[{"lineId":"1","sku":"\#(sku)","quantity":10,"unitPrice":"5.00"},{"lineId":"2","sku":"B","quantity":5,"unitPrice":"2.00"}]}"#
    )
}

/// Records what an in-process subscriber receives and answers as told.
final class Recorder: Sendable {
    struct Received: Sendable {
        var subscription: String
        var type: EventType
        var key: String
        var deliveryId: String
        var body: [UInt8]
        var attempt: Int
    }

    private let state = Mutex<(received: [Received], failures: [String: Int])>(([], [:]))

    /// Makes the next `count` attempts to `subscription` fail with a 500 (or forever with `Int.max`).
    func fail(_ subscription: String, times count: Int) { state.withLock { $0.failures[subscription] = count } }

    var received: [Received] { state.withLock { $0.received } }

    var adapter: InProcessAdapter {
        InProcessAdapter { [self] delivery in
            state.withLock { s -> DeliveryOutcome in
                let name = delivery.subscription.name.rawValue
                if let left = s.failures[name], left > 0 {
                    s.failures[name] = left == Int.max ? left : left - 1
                    return .failed(statusCode: 500, error: "HTTP 500 from \(name)")
                }
                s.received.append(
                    Received(
                        subscription: name, type: delivery.type, key: delivery.key, deliveryId: delivery.deliveryId,
                        body: delivery.body, attempt: delivery.attempt))
                return .delivered(statusCode: 200)
            }
        }
    }
}

/// A store that fails every read and write while `failing` is set, as a store on a full or
/// vanished disk does; otherwise passes through.
final class FailingStore: Store {
    struct Failure: Error, CustomStringConvertible {
        var description: String { "disk I/O error (injected)" }
    }

    let inner: any Store
    private let state = Mutex(false)

    init(_ inner: any Store) { self.inner = inner }

    var failing: Bool {
        get { state.withLock { $0 } }
        set { state.withLock { $0 = newValue } }
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (any StoreTransaction) throws -> T) async throws -> T {
        if failing { throw Failure() }
        return try await inner.write(body)
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (any StoreReader) throws -> T) async throws -> T {
        if failing { throw Failure() }
        return try await inner.read(body)
    }
}
