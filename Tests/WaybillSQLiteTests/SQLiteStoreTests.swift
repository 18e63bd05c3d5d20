import Foundation
import Testing
import WaybillCore
import WaybillSQLite
import WaybillStore
import WaybillTestSupport

/// A fresh SQLite file in its own temporary directory.
func temporaryStorePath(_ name: String = "hub.sqlite") throws -> String {
    let directory = try temporaryDirectory("waybill-tests")
    return directory.appendingPathComponent(name).path
}

@Suite("SQLite store")
struct SQLiteStoreTests {
    @Test("passes the store conformance suite", arguments: StoreConformance.all.map(\.0))
    func conformance(_ name: String) async throws {
        let check = try #require(StoreConformance.all.first { $0.0 == name }?.1)
        try await check(try SQLiteStore(path: try temporaryStorePath()))
    }

    @Test("opens in WAL mode with synchronous=FULL")
    func durability() async throws {
        let settings = try await SQLiteStore(path: try temporaryStorePath()).durabilitySettings()
        #expect(settings.synchronous == 2)
        #expect(settings.journalMode == "wal")
    }

    @Test("keeps what was committed when the file is opened again")
    func reopen() async throws {
        let path = try temporaryStorePath()
        do {
            let store = try SQLiteStore(path: path)
            _ = try await store.write { tx in
                try tx.append(
                    NewEvent(
                        source: "/systems/wms", eventId: "w-1", type: .shipmentConfirmed, subject: nil, key: "order:A",
                        eventTime: Timestamp(milliseconds: 0), receivedAt: Timestamp(milliseconds: 0), traceId: "t",
                        origin: .inbound, raw: [1, 2, 3], body: nil))
            }
        }
        let reopened = try SQLiteStore(path: path)
        let seq = try await reopened.read { try $0.eventSeq(source: "/systems/wms", eventId: "w-1") }
        #expect(seq != nil)
    }

    @Test("refuses a corrupt stored order state with a clear error instead of guessing")
    func corruptState() throws {
        #expect(throws: WaybillError.self) { try OrderState(storage: [1, 5, 65]) }
        #expect(throws: WaybillError.self) { try OrderState(storage: [9]) }
    }
}
