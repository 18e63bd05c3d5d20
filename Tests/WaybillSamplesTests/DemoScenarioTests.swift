import Foundation
import Testing
import WaybillCore
import WaybillEngine
import WaybillSamples
import WaybillStore

@Suite("The demo scenario end to end")
struct DemoScenarioTests {
    @Test("every order reaches its true end state; the backordered line ships in a second shipment")
    func endStates() async throws {
        let run = try await DemoRun.play(store: try temporaryStore(), seed: 42)
        let orders = try await run.hub.store.read { try $0.orders(status: nil, customer: nil, updatedSince: nil, after: nil, limit: 100) }
        let statuses = Dictionary(uniqueKeysWithValues: orders.map { ($0.orderId.rawValue, $0.status) })
        #expect(
            statuses == [
                "SO-1001": .closed, "SO-1002": .closed, "SO-1003": .closed, "SO-1004": .closed, "SO-1005": .cancelled,
                "SHOPIFY-820982911946154508": .closed,
            ])
        let split = try #require(orders.first { $0.orderId == "SO-1001" })
        #expect(split.shipments.count == 2)
        #expect(Set(split.shipments.compactMap(\.warehouse)) == ["DAL", "MEM"])
        let grease = try #require(split.lines.first { $0.sku == "GRS-EP2" })
        #expect(split.shipments[1].lines.map(\.lineId) == [grease.lineId], "the backordered line ships in the second shipment")
        for order in orders {
            for line in order.lines { #expect(line.brokenInvariants(invoiceOn: .shipment).isEmpty) }
        }
        let open = try await run.hub.exceptions(ExceptionFilter(status: .open))
        #expect(open.isEmpty, "the scenario resolves every exception it raises: \(open.map(\.message))")
        let kinds = Set(try await run.hub.exceptions().map(\.kind))
        #expect(kinds == [.backorder, .creditHold, .mapping])
    }

    @Test("no invoice request precedes the shipment it bills, and it bills only shipped quantities")
    func invoiceRequestsFollowShipments() async throws {
        let run = try await DemoRun.play(store: try temporaryStore(), seed: 42)
        let orders = try await run.hub.store.read { try $0.orders(status: nil, customer: nil, updatedSince: nil, after: nil, limit: 100) }
        var requests = 0
        for order in orders {
            let events = try await run.hub.store.read { try $0.events(key: RecordKey.order(order.orderId)) }
            var shippedSoFar: [String: Int] = [:]
            var requestedSoFar: [String: Int] = [:]
            var shipmentsSeen: Set<String> = []
            for stored in events {
                let json: JSONValue
                if let body = stored.event.body {
                    json = try JSONParser.parse(body)["data"] ?? .null
                } else {
                    json = try JSONParser.parse(stored.event.raw ?? [])["data"] ?? .null
                }
                guard stored.outcome == nil || stored.outcome == .accepted else { continue }
                if stored.event.type == .shipmentConfirmed, case .string(let id)? = json["shipmentId"], case .array(let lines)? = json["lines"] {
                    shipmentsSeen.insert(id)
                    for line in lines {
                        if case .string(let l)? = line["lineId"], case .number(let q)? = line["quantity"] { shippedSoFar[l, default: 0] += Int(q)! }
                    }
                }
                if stored.event.type == .invoiceRequested, case .array(let ids)? = json["shipmentIds"], case .array(let lines)? = json["lines"] {
                    requests += 1
                    for id in ids { if case .string(let s) = id { #expect(shipmentsSeen.contains(s), "invoice requested for \(s) before it shipped") } }
                    for line in lines {
                        if case .string(let l)? = line["lineId"], case .number(let q)? = line["quantity"] {
                            requestedSoFar[l, default: 0] += Int(q)!
                            #expect(requestedSoFar[l]! <= shippedSoFar[l, default: 0], "requested more than shipped on \(order.orderId) line \(l)")
                        }
                    }
                }
            }
        }
        #expect(requests == 6)
    }

    @Test("the same seed gives byte-identical JSON")
    func deterministic() async throws {
        let a = try await DemoRun.play(store: try temporaryStore(), seed: 7)
        let b = try await DemoRun.play(store: try temporaryStore(), seed: 7)
        #expect(JSONWriter.pretty(a.json) == JSONWriter.pretty(b.json))
        #expect(a.text == b.text)
    }

    @Test("ingesting every event of the demo again changes nothing: all duplicates")
    func duplicatesChangeNothing() async throws {
        let run = try await DemoRun.play(store: try temporaryStore(), seed: 42)
        let store = run.hub.store
        let before = try await store.read {
            (
                try $0.projectionDigest(), try $0.eventCount(), try $0.deliveries(DeliveryFilter(limit: 100_000)).count,
                try $0.exceptions(ExceptionFilter()).count
            )
        }
        let inbound = try await store.read { try $0.inboundEvents(after: 0, limit: 100_000) }
        var results: [EventResult] = []
        for stored in inbound {
            results += try await run.hub.ingest(body: stored.event.raw!)
        }
        #expect(results.count == inbound.count)
        #expect(results.allSatisfy { $0.outcome == .duplicate })
        let after = try await store.read {
            (
                try $0.projectionDigest(), try $0.eventCount(), try $0.deliveries(DeliveryFilter(limit: 100_000)).count,
                try $0.exceptions(ExceptionFilter()).count
            )
        }
        #expect(before.0 == after.0)
        #expect(before.1 == after.1 && before.2 == after.2 && before.3 == after.3)
    }

    @Test("rebuilding the projections from the event log gives the identical state")
    func rebuild() async throws {
        let run = try await DemoRun.play(store: try temporaryStore(), seed: 42)
        let before = try await run.hub.store.read { try $0.projectionDigest() }
        try await run.hub.rebuildProjections()
        let after = try await run.hub.store.read { try $0.projectionDigest() }
        #expect(before == after)
        #expect(before.contains("SO-1001"))
    }

    @Test(
        "the storefront's order arrives as a signed Shopify webhook through the pack and ends like the others; NetSuite gets salesOrder records in its own ids")
    func storefrontAndNetSuite() async throws {
        let run = try await DemoRun.play(store: try temporaryStore(), seed: 42)
        let web = try #require(try await run.hub.order("SHOPIFY-820982911946154508"))
        #expect(web.status == .closed && web.origin == "shop")
        #expect(web.customerId == "SHOPIFY-C7290182766601" && web.placement.customerPO == "#1101")
        #expect(web.lines.map(\.sku) == ["BRG-6204", "BLT-M8"] && web.total == Money(minorUnits: 160_00, currency: .usd))
        #expect(web.externalIds["shop"] == "820982911946154508", "Shopify's 64-bit order id, exact")
        let salesOrders = run.told["erp-salesorders"] ?? []
        #expect(salesOrders.count == 6 && salesOrders.allSatisfy { $0.0 == .orderAccepted })
        #expect(run.text.contains("NetSuite salesOrder for SO-1001: entity 100045, 3 items (100-6204, 100-0840, 200-0002)"))
        #expect(run.text.contains("shop → hub: Shopify orders/create (signed, through the shopify pack)"))
    }

    @Test("the 3PL trades CSV files both ways and NetSuite is reached over REST: files written for it and dropped by it, NetSuite's record ids captured")
    func filesAndREST() async throws {
        let run = try await DemoRun.play(store: try temporaryStore(), seed: 42)
        #expect(run.text.contains("wms drops 3pl-0001.csv: 2 rows (allocation, backorder)"))
        #expect(run.text.contains("hub reads 3pl-0001.csv: SO-1001 accepted, SO-1001 accepted"))
        #expect(run.text.contains("wms takes wms-orders-wbd_"))
        let toWarehouse = try await run.hub.store.read { try $0.deliveries(DeliveryFilter(subscription: "wms-orders")) }
        #expect(toWarehouse.count == 6 && toWarehouse.allSatisfy { $0.status == .delivered })
        let fromWarehouse = try await run.hub.store.read { try $0.inboundEvents(after: 0, limit: 10_000) }.filter { $0.event.source == "/systems/wms" }
        #expect(fromWarehouse.count >= 12 && fromWarehouse.allSatisfy { $0.event.eventId.hasPrefix("3pl-R") }, "every 3PL event came from a file")
        var captured: [String] = []
        for order in ["SO-1001", "SO-1002", "SO-1003", "SO-1004", "SO-1005", "SHOPIFY-820982911946154508"] {
            captured.append(try await run.hub.store.read { try $0.externalId(kind: "order", system: "erp", canonical: order) } ?? "none")
        }
        #expect(Set(captured).count == 6 && captured.allSatisfy { Int($0).map { $0 >= 4711 } ?? false }, "NetSuite's ids, from Location: \(captured)")
    }
}
