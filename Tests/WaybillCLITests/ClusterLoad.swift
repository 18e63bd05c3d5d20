import AsyncHTTPClient
import Foundation
import Synchronization
import Testing
import WaybillCore
import WaybillStore
import WaybillTestSupport

/// What the clients of a cluster saw: the events acknowledged (202), by id, and when a node was killed.
final class AckLog: Sendable {
    private let state = Mutex<(acknowledged: Set<String>, failures: [String: Int], killed: (node: Int, at: Date, holding: [Int64])?)>(([], [:], nil))
    func acknowledged(_ id: String) { state.withLock { _ = $0.acknowledged.insert(id) } }
    /// A request that was not acknowledged: the status it got, or "no answer".
    func failed(_ what: String) { state.withLock { $0.failures[what, default: 0] += 1 } }
    func killed(_ node: Int, at: Date, holding: [Int64]) { state.withLock { $0.killed = (node, at, holding) } }
    var acknowledged: Set<String> { state.withLock { $0.acknowledged } }
    var failures: [String: Int] { state.withLock { $0.failures } }
    var killed: (node: Int, at: Date, holding: [Int64])? { state.withLock { $0.killed } }
}

/// Posts one event to the nodes, starting with `first`, moving to the next node when one does not
/// answer or answers an error, until one acknowledges it (what a client of a cluster behind a load
/// balancer does). An event whose request broke may have been stored: sent again, it is a duplicate.
func postToCluster(_ client: HTTPClient, nodes: [String], first: Int, token: String, id: String, body: [UInt8], log: AckLog) async throws {
    for attempt in 0..<200 {
        let base = nodes[(first + attempt) % nodes.count]
        if let answer = try? await call(client, .POST, "\(base)/v1/events", token: token, body: body, timeout: .seconds(5)) {
            if answer.status == 202 {
                log.acknowledged(id)
                return
            }
            log.failed(String(answer.status))
        } else {
            log.failed("no answer")
        }
        try await Task.sleep(for: .milliseconds(50))
    }
    Issue.record("no node acknowledged \(id)")
}

/// The load the cluster tests put on several `waybill serve` nodes: a portal places orders and a
/// WMS ships them, each event posted to the nodes in turn (failing over), and an ERP subscribed
/// to each order's acceptance, shipment and invoice request.
enum ClusterLoad {
    /// A client for a cluster: a node that is down refuses at once, and the client moves on to the
    /// next node instead of trying to connect again until the request's deadline.
    static func client() -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    static func configuration(store: String, lease: String, erpPort: Int, secret: String) -> String {
        """
        store: "\(store)"
        nodes: { lease: \(lease) }
        systems:
          - name: erp
            apiKey: "key-erp"
            publishes: [o2c.customer.upserted, o2c.product.upserted]
            subscribes:
              - name: erp-orders
                types: [o2c.order.accepted, o2c.shipment.confirmed, o2c.invoice.requested]
                webhook: { url: "http://127.0.0.1:\(erpPort)/erp", secret: "\(secret)" }
                retry: { schedule: [200ms, 200ms, 500ms, 1s, 1s, 1s, 1s, 1s, 2s, 2s, 2s] }
          - name: portal
            apiKey: "key-portal"
            publishes: [o2c.order.placed]
          - name: wms
            apiKey: "key-wms"
            publishes: [o2c.shipment.confirmed]
        """
    }

    static func masterData(_ client: HTTPClient, node: String) async throws {
        let master = try await call(
            client, .POST, "\(node)/v1/events", token: "key-erp",
            body: batch([
                event("erp", "m-1", "o2c.customer.upserted", "C-1", #"{"customerId":"C-1","name":"BoltWorks","currency":"USD","creditLimit":"100000000.00"}"#),
                event("erp", "m-2", "o2c.product.upserted", "A", #"{"sku":"A","baseUom":"EA","listPrice":"5.00","currency":"USD"}"#),
            ]))
        #expect(master.status == 202)
    }

    /// One client: places and ships `orders` orders, each event on the next node in turn.
    static func placeAndShip(_ client: HTTPClient, nodes: [String], worker: Int, orders: Int, log: AckLog) async throws {
        for n in 0..<orders {
            let order = "SO-\(worker)-\(n)"
            let placed = event(
                "portal", "p-\(order)", "o2c.order.placed", order,
                #"{"orderId":"\#(order)","customerId":"C-1","currency":"USD","lines":[{"lineId":"1","sku":"A","quantity":2,"unitPrice":"5.00"}]}"#)
            try await postToCluster(client, nodes: nodes, first: n % nodes.count, token: "key-portal", id: "p-\(order)", body: batch([placed]), log: log)
            let shipped = event(
                "wms", "s-\(order)", "o2c.shipment.confirmed", order,
                #"{"orderId":"\#(order)","shipmentId":"SH-\#(order)","lines":[{"lineId":"1","quantity":2}]}"#)
            try await postToCluster(
                client, nodes: nodes, first: (n + 1) % nodes.count, token: "key-wms", id: "s-\(order)", body: batch([shipped]), log: log)
        }
    }

    /// Waits for the ERP to receive all `orders` × 3 deliveries, then checks: every acknowledged
    /// event is stored once; each order's deliveries arrived in order; each (order, type) came
    /// under one webhook-id however often it was delivered. Returns how many were redelivered.
    static func checkStoredAndDelivered(log: AckLog, orders: Int, store: any Store, received out: URL) async throws -> Int {
        let expected = orders * 3
        var deliveries: [JSONValue] = []
        _ = try await eventually(timeout: .seconds(90), every: .milliseconds(200)) {
            deliveries = received(out).filter { $0["failed"] == .bool(false) }
            return Set(deliveries.compactMap { string($0["webhookId"]) }).count >= expected
        }

        let acknowledged = log.acknowledged
        #expect(acknowledged.count == orders * 2)
        let stored = try await store.read { try $0.inboundEvents(after: 0, limit: 1_000_000).map(\.event.eventId) }
        #expect(Set(stored).count == stored.count, "no event is stored twice")
        #expect(acknowledged.subtracting(stored).isEmpty, "acknowledged but not stored: \(acknowledged.subtracting(stored).prefix(5))")

        #expect(deliveries.allSatisfy { $0["verified"] == .bool(true) })
        var idsPerEvent: [String: Set<String>] = [:]
        var firstSeen: [String: [String]] = [:]
        var seenIds: Set<String> = []
        for delivery in deliveries {
            guard let subject = string(delivery["subject"]), let type = string(delivery["type"]), let webhookId = string(delivery["webhookId"]) else {
                continue
            }
            idsPerEvent["\(subject) \(type)", default: []].insert(webhookId)
            if seenIds.insert(webhookId).inserted { firstSeen[subject, default: []].append(type) }
        }
        #expect(idsPerEvent.count == expected, "\(idsPerEvent.count) of \(expected) deliveries arrived")
        #expect(idsPerEvent.values.allSatisfy { $0.count == 1 }, "one webhook-id per event and subscriber")
        let outOfOrder = firstSeen.filter { $0.value != ["o2c.order.accepted", "o2c.shipment.confirmed", "o2c.invoice.requested"] }
        #expect(outOfOrder.isEmpty, "in order per order: \(outOfOrder.prefix(3))")
        return deliveries.count - seenIds.count
    }
}
