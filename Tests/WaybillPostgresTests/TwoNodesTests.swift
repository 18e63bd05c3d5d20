import Foundation
import Testing
import WaybillCore
import WaybillEngine
import WaybillPostgres
import WaybillSamples
import WaybillStore
import WaybillTestSupport

/// Two hubs (two nodes) on one PostgreSQL schema, each ingesting at the same time.
@Suite("Two hub nodes on one PostgreSQL database")
struct TwoNodesTests {
    static func event(_ system: String, _ id: String, _ type: String, _ subject: String, _ data: String) -> String {
        #"{"specversion":"1.0","id":"\#(id)","source":"/systems/\#(system)","type":"\#(type)","subject":"\#(subject)","time":"2026-12-01T08:00:00Z","data":\#(data)}"#
    }

    static func batch(_ events: [String]) -> [UInt8] { Array("[\(events.joined(separator: ","))]".utf8) }

    @Test("orders placed on one node while their shipments arrive on the other all end shipped: nothing waits parked, nothing is lost")
    func placementsAndShipmentsOnTwoNodes() async throws {
        guard let location = try TestPostgres.freshLocation() else {
            Issue.record(Comment(rawValue: TestPostgres.howToSet))
            return
        }
        let first = try await PostgresStore(location: location)
        let second = try await PostgresStore(location: location)
        let clock = ManualClock(DemoRun.start)
        let nodes = [first, second].map { store in
            Hub(store: store, landscape: Landscape(systems: DemoLandscape.systems()), policies: Policies(), clock: clock, random: HubRandom(seed: 7))
        }
        do {
            let master = try await nodes[0].ingest(
                body: Self.batch([
                    Self.event(
                        "erp", "m-1", "o2c.customer.upserted", "C-1", #"{"customerId":"C-1","name":"BoltWorks","currency":"USD","creditLimit":"1000000.00"}"#),
                    Self.event("erp", "m-2", "o2c.product.upserted", "A", #"{"sku":"A","baseUom":"EA","listPrice":"5.00","currency":"USD"}"#),
                ]))
            #expect(master.allSatisfy { $0.outcome == .accepted })
            let orders = (1...12).map { "SO-\($0)" }
            @Sendable func ship(_ order: String) async throws {
                _ = try await nodes[1].ingest(
                    body: Self.batch([
                        Self.event(
                            "wms", "w-\(order)", "o2c.shipment.confirmed", order,
                            #"{"orderId":"\#(order)","shipmentId":"SH-\#(order)","lines":[{"lineId":"1","quantity":10}]}"#)
                    ]))
            }
            // The first half's shipments come first, to the second node: they wait, parked.
            for order in orders.prefix(6) { try await ship(order) }
            let parkedBefore = try await first.read { r in try orders.prefix(6).map { try r.parkedEvents(key: "order:\($0)").count } }
            #expect(parkedBefore == Array(repeating: 1, count: 6))
            // Then every order is placed on the first node while the other half ships on the second.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for order in orders {
                    group.addTask {
                        _ = try await nodes[0].ingest(
                            body: Self.batch([
                                Self.event(
                                    "portal", "p-\(order)", "o2c.order.placed", order,
                                    #"{"orderId":"\#(order)","customerId":"C-1","currency":"USD","lines":[{"lineId":"1","sku":"A","quantity":10,"unitPrice":"5.00"}]}"#
                                )
                            ]))
                    }
                    if !orders.prefix(6).contains(order) { group.addTask { try await ship(order) } }
                }
                try await group.waitForAll()
            }
            for order in orders {
                let (state, parked) = try await first.read { r in (try r.order(OrderID(order)), try r.parkedEvents(key: "order:\(order)")) }
                #expect(state?.status == .shipped, "\(order) is \(String(describing: state?.status))")
                #expect(parked.isEmpty, "\(order) has parked events left")
            }
            let events = try await second.read { try $0.eventCount() }
            #expect(events >= 2 + orders.count * 2)
        } catch {
            await second.close()
            try? await first.dropSchema()
            throw error
        }
        await second.close()
        try await first.dropSchema()
    }
}
