import Foundation
import GRDB
import Testing
import WaybillCore
import WaybillSQLite
import WaybillStore

@Suite("Commits: visible at once, rolled back whole, large ones written whole")
struct CommitVisibilityTests {
    static func event(_ id: String, raw: [UInt8]) -> NewEvent {
        NewEvent(
            source: "/systems/wms", eventId: id, type: .shipmentConfirmed, subject: "SO-1", key: "order:SO-1", eventTime: Timestamp(milliseconds: 0),
            receivedAt: Timestamp(milliseconds: 0), traceId: "4bf92f3577b34da6a3ce929d0e0e4736", origin: .inbound, raw: raw, body: nil)
    }

    /// A connection of its own, as another process would open the file.
    static func count(at path: String) throws -> Int {
        let other = try DatabaseQueue(path: path)
        return try other.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM events") ?? -1 }
    }

    @Test("every commit is at once visible to other connections; a rolled-back write leaves nothing; all of it is there after reopening")
    func commitsVisible() async throws {
        let path = try temporaryStorePath()
        do {
            let store = try SQLiteStore(path: path)
            struct Boom: Error {}
            for i in 1...40 {
                _ = try await store.write { tx in try tx.append(Self.event("e-\(i)", raw: Array(repeating: UInt8(i), count: 3_000))) }
                #expect(try Self.count(at: path) == i)
                #expect(try await store.read { try $0.eventCount() } == i)
                if i % 10 == 0 {
                    await #expect(throws: Boom.self) {
                        try await store.write { tx -> Void in
                            _ = try tx.append(Self.event("doomed-\(i)", raw: Array(repeating: 0xFF, count: 50_000)))
                            throw Boom()
                        }
                    }
                    #expect(try Self.count(at: path) == i)
                }
            }
        }
        let reopened = try SQLiteStore(path: path)
        #expect(try await reopened.read { try $0.eventCount() } == 40)
        let raw = try await reopened.read { try $0.event(try #require(try $0.eventSeq(source: "/systems/wms", eventId: "e-17")))?.event.raw }
        #expect(raw == Array(repeating: 17, count: 3_000))
    }

    @Test("a transaction of about 9 MB is written whole")
    func largeTransaction() async throws {
        let path = try temporaryStorePath()
        let store = try SQLiteStore(path: path)
        // About 9 MB of WAL frames in one commit.
        let bodies = (0..<140).map { i in (0..<65_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ i) } }
        _ = try await store.write { tx in
            for (i, body) in bodies.enumerated() { _ = try tx.append(Self.event("big-\(i)", raw: body)) }
        }
        let other = try DatabaseQueue(path: path)
        let stored = try await other.read { db in try Data.fetchAll(db, sql: "SELECT raw FROM events ORDER BY seq").map { [UInt8]($0) } }
        #expect(stored.count == bodies.count)
        #expect(stored == bodies)
    }
}
