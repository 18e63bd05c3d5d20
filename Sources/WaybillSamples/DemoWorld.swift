import Synchronization
import WaybillCore
import WaybillEngine

/// The simulated systems around the hub in `waybill demo`. Each reacts to what the hub delivers
/// to it, as the real system would, and queues the events it sends back.
final class DemoWorld: Sendable {
    struct Allocation: Equatable {
        var orderId: String
        var lineId: String
        var sku: String
        var quantity: Int
        var warehouse: String
    }

    struct Backorder: Equatable {
        var orderId: String
        var lineId: String
        var sku: String
        var quantity: Int
    }

    struct State {
        var factories: [String: EventFactory] = [:]
        /// Events the systems have sent and the hub has not taken yet: (system, body).
        var outgoing: [(String, [UInt8])] = []
        /// Payloads systems post in their own shape (the storefront's signed Shopify webhooks).
        var nativeOutgoing: [NativePost] = []
        var webhookCounter = 0
        /// What each subscription has been told: (time, type, subject).
        var received: [String: [(Timestamp, EventType, String)]] = [:]
        // WMS
        var stock: [String: [String: Int]] = [
            "DAL": ["BRG-6204": 400, "BLT-M8": 960, "MTR-1HP": 4, "VLV-250": 50],
            "MEM": ["BRG-6204": 100, "BLT-M8": 240, "MTR-1HP": 20, "GRS-EP2": 0, "VLV-250": 10],
        ]
        var toShip: [Allocation] = []
        var backorders: [Backorder] = []
        var cancelled: Set<String> = []
        var shipmentCounter = 5000
        // TMS
        var inTransit: [(orderId: String, shipmentId: String, carrier: String)] = []
        // ERP
        var invoiceCounter = 7000
        var creditHolds: [String] = []
        // AR
        var openInvoices: [(customerId: String, invoiceId: String, total: String)] = []
        var paymentCounter = 300
        var customerOfOrder: [String: String] = [:]
        // The 3PL on files: rows for its next file, files dropped, row references.
        var warehouseRows: [[String]] = []
        var warehouseFiles = 0
        var warehouseReferences = 0
        /// The readable timeline.
        var log: [String] = []
    }

    /// A system's own payload with the headers it sends (its signature among them).
    struct NativePost: Sendable {
        var system: String
        var body: [UInt8]
        var headers: [String: String]
    }

    let clock: ManualClock
    let state = Mutex(State())
    /// Set when the 3PL trades files and NetSuite is reached over REST (`waybill demo`).
    let transports: DemoTransports?

    init(clock: ManualClock, transports: DemoTransports? = nil) {
        self.clock = clock
        self.transports = transports
    }

    /// Queues an event from `system` (a row of the 3PL's next file, when it trades files).
    func send(_ system: String, _ type: EventType, subject: String, _ data: JSONValue) {
        let now = clock.now()
        if system == "wms", transports != nil {
            let row = warehouseRow(type, data)
            state.withLock { $0.warehouseRows.append(row) }
            return
        }
        state.withLock { s in
            var factory = s.factories[system] ?? EventFactory(system: system)
            let body = factory.make(type, subject: subject, at: now, data: data)
            s.factories[system] = factory
            s.outgoing.append((system, body))
        }
    }

    /// Takes the queued events, grouped per system in the order they were sent.
    func takeOutgoing() -> [(String, [[UInt8]])] {
        let all = state.withLock { s -> [(String, [UInt8])] in
            defer { s.outgoing = [] }
            return s.outgoing
        }
        var batches: [(String, [[UInt8]])] = []
        for (system, body) in all {
            if let last = batches.last, last.0 == system {
                batches[batches.count - 1].1.append(body)
            } else {
                batches.append((system, [body]))
            }
        }
        return batches
    }

    func note(_ line: String) { state.withLock { $0.log.append(line) } }
    var log: [String] { state.withLock { $0.log } }

    static func clockText(_ t: Timestamp) -> String {
        let text = t.rfc3339
        return String(text.prefix(10)) + " " + String(text.dropFirst(11).prefix(5))
    }

    func received(by subscription: String) -> [(Timestamp, EventType, String)] {
        state.withLock { $0.received[subscription] ?? [] }
    }

    var subscriptionsTold: [String] { state.withLock { $0.received.keys.sorted() } }

    /// The in-process adapter: every simulated system takes what it is sent.
    var adapter: InProcessAdapter {
        InProcessAdapter { [self] delivery in
            if delivery.subscription.name == "erp-salesorders" {
                erpSalesOrder(delivery.body)
                return .delivered(statusCode: 204)
            }
            guard case .object(let members)? = try? JSONParser.parse(delivery.body),
                case .object(let data)? = members.first(where: { $0.0 == "data" })?.1
            else {
                return .failed(statusCode: 400, error: "the body is not a CloudEvent")
            }
            let subject = members.first { $0.0 == "subject" }.flatMap { if case .string(let s) = $0.1 { s } else { nil } } ?? ""
            receive(delivery.subscription.name.rawValue, delivery.type, subject: subject, data: .object(data))
            return .delivered(statusCode: 200)
        }
    }

    func receive(_ subscription: String, _ type: EventType, subject: String, data: JSONValue) {
        let now = clock.now()
        state.withLock {
            $0.received[subscription, default: []].append((now, type, subject))
            $0.log.append("\(DemoWorld.clockText(now))    hub → \(subscription): \(type.rawValue) \(subject)")
        }
        switch (subscription, type) {
        case ("wms-orders", .orderAccepted): wmsAllocate(data)
        case ("wms-orders", .orderCancelled), ("wms-notices", .orderCancelled): wmsCancel(data)
        case ("tms-shipments", .shipmentConfirmed): tmsBook(data)
        case ("erp-orders", .orderHeld) where DemoWorld.string(data["hold"]) == "credit": state.withLock { $0.creditHolds.append(subject) }
        case ("erp-orders", .invoiceRequested): erpInvoice(data)
        case ("ar-invoices", .invoicePosted): arRecord(data)
        case ("ar-invoices", .orderAccepted): state.withLock { $0.customerOfOrder[subject] = DemoWorld.string(data["customerId"]) }
        default: break
        }
    }
}
