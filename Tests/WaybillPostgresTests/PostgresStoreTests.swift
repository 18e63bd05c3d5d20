import Testing
import WaybillCore
import WaybillStore
import WaybillTestSupport

@testable import WaybillPostgres

@Suite("PostgreSQL store")
struct PostgresStoreTests {
    @Test("passes the store conformance suite", arguments: StoreConformance.all.map(\.0))
    func conformance(_ name: String) async throws {
        let check = try #require(StoreConformance.all.first { $0.0 == name }?.1)
        try await withFreshStore { try await check($0) }
    }

    @Test("records its migrations in schema_migrations and opens an up-to-date schema without changing it")
    func migrations() async throws {
        try await withFreshStore { store in
            let schema = store.location.schema
            let versions = try await store.withConnection { db in
                try db.all("SELECT version FROM \(unescaped: schema).schema_migrations ORDER BY version").map { try $0.int(0) }
            }
            #expect(versions == PostgresSchema.migrations.map(\.version))
            let again = try await PostgresStore(location: store.location, connections: 1)
            let count = try await again.withConnection { db in try db.first("SELECT COUNT(*) FROM \(unescaped: schema).schema_migrations")?.int(0) }
            await again.close()
            #expect(count == versions.count)
        }
    }

    @Test("refuses a schema migrated by a newer Waybill")
    func newerSchema() async throws {
        try await withFreshStore { store in
            let schema = store.location.schema
            try await store.withConnection { db in
                try db.run("INSERT INTO \(unescaped: schema).schema_migrations (version, name) VALUES (999, 'from the future')")
            }
            await #expect(throws: PostgresStoreError.self) { try await PostgresStore(location: store.location, connections: 1) }
        }
    }

    @Test("nodes on one database draw a partner's control numbers from one sequence and never repeat them")
    func controlNumbersAcrossNodes() async throws {
        try await withFreshStore { store in
            let other = try await PostgresStore(location: store.location, connections: 4)
            let drawn = try await withThrowingTaskGroup(of: Int.self) { group in
                for i in 0..<40 {
                    let node = i % 2 == 0 ? store : other
                    group.addTask { try await node.write { try $0.nextControlNumber(partner: "boltworks-edi") } }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            await other.close()
            #expect(Set(drawn).count == 40)
            #expect(drawn.min() == 1)
        }
    }

    @Test("one order is changed by one transaction at a time across nodes (no lost update)")
    func oneWriterPerOrder() async throws {
        try await withFreshStore { store in
            let other = try await PostgresStore(location: store.location, connections: 4)
            // Each write reads the receivables' order state, appends an event and saves the
            // order with one more line shipped: with the order's lock no increment is lost.
            let placement = try PlacedOrder(
                PayloadReader.object(
                    try JSONParser.parse(
                        Array(
                            #"{"orderId":"SO-L","customerId":"C-1","currency":"USD","lines":[{"lineId":"1","sku":"A","quantity":100,"unitPrice":"1.00"}]}"#
                                .utf8)), at: "$"))
            var state = OrderState(
                orderId: "SO-L", origin: "portal", placement: placement, traceId: "0af7651916cd43dd8448eb211c80319c", placedAt: Timestamp(milliseconds: 5))
            state.lines = [
                OrderLine(lineId: "1", sku: "A", uom: .each, unitPrice: UnitPrice(micros: 1_000_000, currency: .usd), ordered: Quantity(100))
            ]
            let initial = state
            try await store.write { tx in try tx.save(initial, updatedAt: Timestamp(milliseconds: 5)) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<20 {
                    let node = i % 2 == 0 ? store : other
                    group.addTask {
                        try await node.write { tx in
                            var order = try tx.order("SO-L")!
                            _ = try tx.append(
                                NewEvent(
                                    source: "/systems/wms", eventId: "s-\(i)", type: .shipmentConfirmed, subject: "SO-L", key: "order:SO-L",
                                    eventTime: Timestamp(milliseconds: 0), receivedAt: Timestamp(milliseconds: 0), traceId: "t", origin: .inbound,
                                    raw: [1], body: nil))
                            order.lines[0].shipped = order.lines[0].shipped + Quantity(1)
                            try tx.save(order, updatedAt: Timestamp(milliseconds: Int64(i)))
                        }
                    }
                }
                try await group.waitForAll()
            }
            await other.close()
            let shipped = try await store.read { try $0.order("SO-L")?.lines[0].shipped }
            #expect(shipped == Quantity(20))
            let seqs = try await store.read { try $0.events(key: "order:SO-L").map(\.seq) }
            #expect(seqs.count == 20)
        }
    }

    @Test("fails with a clear error when the server cannot be reached")
    func unreachable() async throws {
        let location = PostgresLocation(host: "127.0.0.1", port: 1, username: "waybill", password: "x", database: "none", tls: .disable)
        await #expect(throws: PostgresStoreError.self) { try await PostgresStore(location: location, connections: 1) }
    }
}
