import Foundation
import Synchronization
import Testing
import WaybillCore
import WaybillEngine
import WaybillSamples
import WaybillStore
import WaybillTestSupport

@testable import WaybillPostgres

/// Two hub nodes on one PostgreSQL schema: what one ingests, the other's scheduler hears of by
/// a notification instead of its next poll, and finds by polling when the notification is lost.
@Suite("Delivery wake-ups across nodes on PostgreSQL")
struct DeliveryWakeupTests {
    /// Node A ingests, node B delivers (to an in-process recorder) with `pollInterval`.
    struct Nodes {
        let a: PostgresStore
        let b: PostgresStore
        let hubA: Hub
        let recorder: Recorder
        let delivering: Task<Void, any Error>

        init(pollInterval: Duration) async throws {
            guard let location = try TestPostgres.freshLocation() else { throw TestPostgres.NotConfigured() }
            a = try await PostgresStore(location: location)
            b = try await PostgresStore(location: location)
            (hubA, _) = try makeHub(store: a)
            let (hubB, _) = try makeHub(store: b)
            let recorder = Recorder()
            self.recorder = recorder
            let scheduler = DeliveryScheduler(hub: hubB, adapters: AdapterRegistry([AdapterSettings.inProcess.kind: recorder.adapter]), node: "b")
            delivering = Task { try await scheduler.run(pollInterval: pollInterval) { try await Task.sleep(for: $0) } }
        }

        func close() async {
            delivering.cancel()
            _ = await delivering.result
            await b.close()
            try? await a.dropSchema()
        }

        func delivered(_ order: String) -> Bool { recorder.received.contains { $0.key == "order:\(order)" } }
    }

    /// Waits until `condition` holds (at most `seconds`); returns whether it did.
    static func eventually(_ seconds: Double, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return try await condition()
    }

    @Test("a node that polls every 10 s delivers what another node ingests well before its next poll, woken by the notification")
    func wokenAcrossNodes() async throws {
        let nodes = try await Nodes(pollInterval: .seconds(10))
        do {
            _ = try await nodes.hubA.ingest(body: batch(masterData))
            // B listens, has read the outbox once and waits its 10 s.
            #expect(try await Self.eventually(5) { try await nodes.b.deliveryListenerPids().count == 1 })
            try await Task.sleep(for: .milliseconds(300))
            for order in ["SO-1", "SO-2"] {
                let start = ContinuousClock.now
                _ = try await nodes.hubA.ingest(body: batch([placed(order)]))
                #expect(try await Self.eventually(5) { nodes.delivered(order) })
                let took = ContinuousClock.now - start
                // Half the poll interval: only the notification explains it (a second, unloaded).
                #expect(took < .seconds(5), "\(order) delivered after \(took)")
                try await Task.sleep(for: .milliseconds(200))
            }
        } catch {
            await nodes.close()
            throw error
        }
        await nodes.close()
    }

    @Test("while its listener's connection is terminated again and again, a node still delivers by polling, and listens again afterwards")
    func pollsWhileNotListening() async throws {
        let nodes = try await Nodes(pollInterval: .milliseconds(300))
        do {
            _ = try await nodes.hubA.ingest(body: batch(masterData))
            #expect(try await Self.eventually(5) { try await nodes.b.deliveryListenerPids().count == 1 })
            // Every listening connection is terminated as soon as it appears, for 3 s.
            let terminating = Task {
                let until = ContinuousClock.now + .seconds(3)
                var terminated = 0
                while ContinuousClock.now < until {
                    terminated += (try? await nodes.a.terminateDeliveryListeners()) ?? 0
                    try? await Task.sleep(for: .milliseconds(5))
                }
                return terminated
            }
            try await Task.sleep(for: .milliseconds(100))
            for order in ["SO-1", "SO-2", "SO-3"] {
                _ = try await nodes.hubA.ingest(body: batch([placed(order)]))
                #expect(try await Self.eventually(2.5) { nodes.delivered(order) }, "\(order) delivered by polling")
            }
            #expect(await terminating.value >= 1)
            // The listener is back after its backoff (at most 5 s).
            #expect(try await Self.eventually(8) { try await nodes.b.deliveryListenerPids().count == 1 }, "listening again")
        } catch {
            await nodes.close()
            throw error
        }
        await nodes.close()
    }
}
