import Synchronization
import Testing
import WaybillCore
import WaybillStore
import WaybillTestSupport

@testable import WaybillEngine

/// The hub keeps running while its store fails, and recovers by itself.
@Suite("A store that fails")
struct StoreFailureTests {
    @Test(
        "while the store fails: ingest answers errors, delivery and housekeeping keep running and back off; afterwards all resumes, nothing acknowledged lost")
    func failAndRecover() async throws {
        let store = FailingStore(try temporaryStore())
        let (hub, _, recorder, scheduler) = try await makeDeliveryHub(store: store, systems: DeliveryTests.systems)
        #expect(try await hub.ingest(body: placed("SO-1")).map(\.outcome) == [.accepted])
        #expect(hub.storeHealth.problem == nil)

        store.failing = true
        await #expect(throws: FailingStore.Failure.self) { try await hub.ingest(body: placed("SO-2")) }
        #expect(hub.storeHealth.problem?.error.contains("disk I/O error") == true)
        await #expect(throws: FailingStore.Failure.self) { try await hub.housekeep() }

        // The delivery loop meets the failing store: it backs off (100 ms doubling) instead of ending.
        let pauses = Mutex<[Duration]>([])
        let loop = Task {
            try await scheduler.run(pollInterval: .milliseconds(1)) { pause in
                let count = pauses.withLock { p -> Int in
                    if p.count < 10 { p.append(pause) }
                    return p.count
                }
                if count == 5 { store.failing = false }  // the disk frees up
                await Task.yield()
            }
        }
        #expect(
            try await eventually(timeout: .seconds(20)) {
                recorder.received.contains { $0.key == "order:SO-1" && $0.type == .orderAccepted } && hub.storeHealth.problem == nil
            }, "a recorded delivery shows the store takes writes again")
        loop.cancel()
        try await loop.value  // ended by cancellation, not by the store's failure
        #expect(Array(pauses.withLock { $0 }.prefix(4)) == [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800)])

        try await hub.housekeep()
        #expect(try await hub.order("SO-1") != nil, "what was acknowledged before is there")
        #expect(try await hub.order("SO-2") == nil, "what was refused was not stored")
        #expect(try await hub.ingest(body: placed("SO-2")).map(\.outcome) == [.accepted])
    }

    @Test("the backoff doubles from 100 ms to at most 5 s")
    func backoff() {
        #expect((1...8).map(StoreRetry.delay(afterFailures:)) == [100, 200, 400, 800, 1_600, 3_200, 5_000, 5_000].map { .milliseconds($0) })
    }
}
