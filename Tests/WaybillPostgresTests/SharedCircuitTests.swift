import Synchronization
import Testing
import WaybillCore
import WaybillEngine
import WaybillPostgres
import WaybillSamples
import WaybillStore
import WaybillTestSupport

/// Which node attempted which subscription, and how often.
final class AttemptLog: Sendable {
    private let counts = Mutex([String: Int]())
    func note(_ node: String, _ subscription: SubscriptionName) { counts.withLock { $0["\(node) \(subscription)", default: 0] += 1 } }
    func count(_ node: String, _ subscription: SubscriptionName) -> Int { counts.withLock { $0["\(node) \(subscription)", default: 0] } }
}

@Suite("Circuit breakers shared by nodes on PostgreSQL")
struct SharedCircuitTests {
    @Test("a circuit one node opens keeps the other node away from that endpoint until its cool-down ends; the other subscriptions go on")
    func circuitHoldsAcrossNodes() async throws {
        guard let location = try TestPostgres.freshLocation() else {
            Issue.record(Comment(rawValue: TestPostgres.howToSet))
            return
        }
        let stores = [try await PostgresStore(location: location), try await PostgresStore(location: location)]
        let clock = ManualClock(DemoRun.start)
        let log = AttemptLog()
        let hubs = stores.map { store in
            Hub(store: store, landscape: Landscape(systems: DemoLandscape.systems()), policies: Policies(), clock: clock, random: HubRandom(seed: 3))
        }
        // The ERP is down; every other system answers.
        let schedulers = zip(["a", "b"], hubs).map { node, hub in
            let adapter = InProcessAdapter { delivery in
                log.note(node, delivery.subscription.name)
                return delivery.subscription.name == "erp-salesorders" ? .failed(statusCode: 503, error: "down") : .delivered(statusCode: 200)
            }
            return DeliveryScheduler(hub: hub, adapters: AdapterRegistry([AdapterSettings.inProcess.kind: adapter]), node: node)
        }
        do {
            let hub = hubs[0]
            _ = try await hub.ingest(
                body: TwoNodesTests.batch([
                    TwoNodesTests.event(
                        "erp", "m-1", "o2c.customer.upserted", "C-1", #"{"customerId":"C-1","name":"BoltWorks","currency":"USD","creditLimit":"1000000.00"}"#),
                    TwoNodesTests.event("erp", "m-2", "o2c.product.upserted", "A", #"{"sku":"A","baseUom":"EA","listPrice":"5.00","currency":"USD"}"#),
                ]))
            for n in 1...12 {
                _ = try await hub.ingest(
                    body: TwoNodesTests.batch([
                        TwoNodesTests.event(
                            "portal", "p-\(n)", "o2c.order.placed", "SO-\(n)",
                            #"{"orderId":"SO-\#(n)","customerId":"C-1","currency":"USD","lines":[{"lineId":"1","sku":"A","quantity":1,"unitPrice":"5.00"}]}"#)
                    ]))
            }
            // Node a fails the ERP's deliveries until its circuit opens (five in a row).
            for _ in 0..<3 where !schedulers[0].isCircuitOpen("erp-salesorders") {
                try await schedulers[0].deliverDue()
                clock.advance(milliseconds: 1_500)
            }
            #expect(schedulers[0].isCircuitOpen("erp-salesorders"))
            let tried = log.count("a", "erp-salesorders")

            // Node b has seen no failure, yet keeps away from the ERP while the circuit is open;
            // the other subscriptions' deliveries go on.
            clock.advance(milliseconds: 6_000)
            for _ in 0..<3 { try await schedulers[1].deliverDue() }
            #expect(log.count("b", "erp-salesorders") == 0, "node b attempted the ERP \(log.count("b", "erp-salesorders")) times while its circuit was open")
            #expect(schedulers[1].isCircuitOpen("erp-salesorders"))
            #expect(log.count("a", "wms-orders") + log.count("b", "wms-orders") > 0)
            #expect(log.count("a", "erp-salesorders") == tried)

            // After the cool-down a probe goes out (from whichever node asks first).
            clock.advance(milliseconds: 31_000)
            try await schedulers[1].deliverDue()
            #expect(log.count("b", "erp-salesorders") == 1, "one probe")
        } catch {
            await stores[1].close()
            try? await stores[0].dropSchema()
            throw error
        }
        await stores[1].close()
        try await stores[0].dropSchema()
    }
}
