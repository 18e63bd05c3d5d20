import Foundation
import Testing
import WaybillCore
import WaybillSQLite
import WaybillStore
import WaybillTestSupport

@Suite("WAL checkpoints")
struct CheckpointTests {
    /// Appends `count` events of about 4 KB each (one WAL page or more), one transaction each.
    static func fill(_ store: SQLiteStore, events count: Int, tag: String) async throws {
        for i in 0..<count {
            _ = try await store.write { tx in
                try tx.append(
                    NewEvent(
                        source: "/systems/wms", eventId: "\(tag)-\(i)", type: .shipmentConfirmed, subject: nil, key: "order:\(i)",
                        eventTime: Timestamp(milliseconds: 0), receivedAt: Timestamp(milliseconds: 0), traceId: "t",
                        origin: .inbound, raw: (0..<4_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ i) }, body: nil))
            }
        }
    }

    static func size(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    }

    @Test("a thread beside the writer copies the WAL into the database file")
    func background() async throws {
        let path = try temporaryStorePath()
        let store = try SQLiteStore(path: path, checkpoints: CheckpointSettings(threshold: 64, backstop: 100_000))
        let before = Self.size(path)
        try await Self.fill(store, events: 300, tag: "a")
        // Only a checkpoint writes pages into the main file; the writer's own is far away (100,000 frames).
        let copied = try await eventually { store.backgroundCheckpoints > 0 && Self.size(path) > before + 600 * 1_024 }
        #expect(copied, "the background checkpoint copied the WAL into the file")
        #expect(try await store.read { try $0.eventSeq(source: "/systems/wms", eventId: "a-299") } != nil)
    }

    @Test("without the thread, the writer's backstop keeps the WAL bounded")
    func backstop() async throws {
        let path = try temporaryStorePath()
        let store = try SQLiteStore(path: path, checkpoints: CheckpointSettings(threshold: 64, backstop: 200, background: false))
        try await Self.fill(store, events: 1_000, tag: "b")
        // About 2,000 frames were written; a WAL that was never restarted would hold them all.
        let wal = Self.size(path + "-wal")
        #expect(wal > 0)
        #expect(wal < 2 * 200 * 4_120)
        #expect(store.backgroundCheckpoints == 0)
        #expect(Self.size(path) > 4_000 * 1_000)
    }
}
