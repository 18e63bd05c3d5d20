import Foundation
import Testing
import WaybillCore
import WaybillEngine
import WaybillSQLite
import WaybillSamples
import WaybillStore
import WaybillTestSupport

/// A hub on a real SQLite file that can be closed and opened again (a restart), with the demo
/// landscape plus a pager that subscribes to alerts and a kiosk that places orders and
/// subscribes to nothing; one in-process recorder answers every subscription.
final class ClockWorld: Sendable {
    let path: String
    let clock = ManualClock(start)
    let recorder = Recorder()
    let levels: ServiceLevels

    static let systems: [ConnectedSystem] =
        DemoLandscape.systems() + [
            ConnectedSystem(
                name: "pager", publishes: [], subscriptions: [Subscription(name: "pager-alerts", system: "pager", types: [.alertRaised], adapter: .inProcess)]),
            ConnectedSystem(name: "kiosk", publishes: [.orderPlaced], subscriptions: []),
        ]

    init(_ levels: ServiceLevels) throws {
        self.levels = levels
        path = try temporaryDirectory("waybill-slo").appendingPathComponent("hub.sqlite").path
    }

    /// A hub and its scheduler over the file (a new process, as far as the store can tell).
    func open() throws -> (Hub, DeliveryScheduler) {
        let hub = Hub(
            store: try SQLiteStore(path: path), landscape: Landscape(systems: Self.systems), policies: Policies(), clock: clock,
            random: HubRandom(seed: 9), serviceLevels: levels)
        return (hub, DeliveryScheduler(hub: hub, adapters: AdapterRegistry([AdapterSettings.inProcess.kind: recorder.adapter]), concurrency: 1))
    }

    func slo(_ hub: Hub) async throws -> [ExceptionRecord] { try await hub.exceptions(ExceptionFilter(kind: .slo)) }

    /// The breaches of one clock (the others run with their default targets meanwhile).
    func slo(_ hub: Hub, _ clock: ServiceLevelClock) async throws -> [ExceptionRecord] {
        try await hub.exceptions(ExceptionFilter(kind: .slo, codes: [clock.exceptionCode]))
    }

    var alerts: [Recorder.Received] { recorder.received.filter { $0.type == .alertRaised } }

    /// The `data` of each alert delivered.
    var alertData: [JSONValue] {
        get throws { try alerts.map { try #require(try JSONParser.parse($0.body)["data"]) } }
    }
}

func order(_ id: String, quantity: Int = 10, from system: String = "portal") -> [UInt8] {
    event(
        system, "p-\(id)", .orderPlaced, subject: id,
        #"{"orderId":"\#(id)","customerId":"C-1","currency":"USD","lines":[{"lineId":"1","sku":"A","quantity":\#(quantity),"unitPrice":"5.00"}]}"#)
}

func shipment(_ order: String, _ id: String, quantity: Int = 10) -> [UInt8] {
    event(
        "wms", "s-\(id)", .shipmentConfirmed, subject: order,
        #"{"orderId":"\#(order)","shipmentId":"\#(id)","warehouse":"DAL","lines":[{"lineId":"1","quantity":\#(quantity)}]}"#)
}

func invoice(_ order: String, _ id: String, quantity: Int = 10) -> [UInt8] {
    let total = "\(quantity * 5).00"
    return event(
        "erp", "i-\(id)", .invoicePosted, subject: order,
        #"{"orderId":"\#(order)","invoiceId":"\#(id)","invoiceDate":"2026-12-01","dueDate":"2026-12-31","currency":"USD","lines":[{"lineId":"1","quantity":\#(quantity),"unitPrice":"5.00"}],"total":"\#(total)"}"#
    )
}

func payment(_ id: String, amount: String, applying: [(String, String)]) -> [UInt8] {
    let applications = applying.map { #"{"invoiceId":"\#($0.0)","amount":"\#($0.1)"}"# }.joined(separator: ",")
    return event(
        "ar", "pay-\(id)", .paymentReceived, subject: "C-1",
        #"{"paymentId":"\#(id)","customerId":"C-1","amount":"\#(amount)","currency":"USD","applications":[\#(applications)]}"#)
}

/// Attempts what is due until nothing is (the clock does not move, so retries wait).
func drain(_ scheduler: DeliveryScheduler) async throws {
    for _ in 0..<50 {
        guard try await scheduler.deliverDue() > 0 else { return }
    }
}

@Suite("Service-level clocks")
struct ServiceLevelTests {
    @Test(
        "acknowledgement: with the placing system down the breach is raised once and alerted once, neither lost nor raised twice across restarts, and settled when the acceptance is delivered"
    )
    func acknowledgementBreach() async throws {
        let world = try ClockWorld(ServiceLevels(orderAcknowledgement: 2_000))
        world.recorder.fail("portal-updates", times: .max)
        do {
            let (hub, scheduler) = try world.open()
            _ = try await hub.ingest(body: batch(masterData))
            #expect(try await hub.ingest(body: order("SO-1")).map(\.outcome) == [.accepted])
            try await scheduler.deliverDue()
            world.clock.advance(milliseconds: 1_000)
            try await hub.housekeep()
            #expect(try await world.slo(hub).isEmpty, "1 s into a 2 s target nothing is raised")
        }
        // A restart while the clock runs: it is in the store, and breaches on time.
        do {
            let (hub, scheduler) = try world.open()
            world.clock.advance(milliseconds: 1_500)
            try await scheduler.deliverDue()  // the retry fails again
            try await hub.housekeep()
            let raised = try await world.slo(hub)
            #expect(raised.count == 1)
            #expect(raised.first?.code == "slo_order_acknowledgement" && raised.first?.role == .service && raised.first?.status == .open)
            #expect(raised.first?.key == "order:SO-1")
            world.clock.advance(milliseconds: 1_000)
            try await hub.housekeep()
            #expect(try await world.slo(hub).count == 1, "a second round raises nothing")
        }
        // Another restart before the alert went out: not raised again, alerted once.
        do {
            let (hub, scheduler) = try world.open()
            try await hub.housekeep()
            #expect(try await world.slo(hub).count == 1)
            try await scheduler.deliverDue()
            try await scheduler.deliverDue()
            #expect(world.alerts.count == 1 && world.alerts.first?.subscription == "pager-alerts")
            let data = try #require(try world.alertData.first)
            #expect(data["clock"] == .string("order_acknowledgement") && data["role"] == .string("service") && data["orderId"] == .string("SO-1"))
            #expect(data["highValue"] == .bool(false) && data["targetSeconds"] == .number("2"))
            #expect(data["dueAt"] == .string(start.adding(milliseconds: 2_000).rfc3339))
            // The portal recovers: the acceptance is delivered at its next retry, which settles the breach.
            world.recorder.fail("portal-updates", times: 0)
            world.clock.advance(milliseconds: 60_000)
            try await scheduler.deliverDue()
            let settled = try #require(try await world.slo(hub).first)
            #expect(settled.status == .resolved && settled.resolvedBy == "hub" && settled.resolvedAt == world.clock.now())
            try await hub.housekeep()
        }
        do {
            let (hub, scheduler) = try world.open()
            try await hub.housekeep()
            try await scheduler.deliverDue()
            #expect(try await world.slo(hub).map(\.status) == [.resolved], "still one breach, settled")
            #expect(world.alerts.count == 1, "still one alert")
            let kpis = try await hub.kpis(days: KPIRollup.day(of: start)...KPIRollup.day(of: start)).window
            #expect(kpis.duration(.orderAcknowledgement) == KPIReport.Duration(count: 1, totalMilliseconds: 63_500, maxMilliseconds: 63_500))
            #expect(kpis.resolution["slo"]?.count == 1)
        }
    }

    @Test("the alert the hub emits validates against its published schema (python jsonschema)")
    func alertSchema() async throws {
        let world = try ClockWorld(ServiceLevels(orderAcknowledgement: 1_000))
        world.recorder.fail("portal-updates", times: .max)
        let (hub, scheduler) = try world.open()
        _ = try await hub.ingest(body: batch(masterData))
        _ = try await hub.ingest(body: order("SO-1"))
        world.clock.advance(milliseconds: 1_001)
        try await hub.housekeep()
        try await scheduler.deliverDue()
        let data = try #require(try world.alertData.first)
        let directory = try temporaryDirectory("waybill-alert")
        try Data(JSONWriter.sortedBytes(data)).write(to: directory.appendingPathComponent("o2c.alert.raised.json"))
        let (status, output) = try runPython(["scripts/validate_schemas.py", directory.path])
        #expect(status == 0 && output.contains("1 payloads checked, 0 problems"), "\(output)")
    }

    @Test("shipment propagation: a subscriber that cannot take the shipment breaches support's clock; delivering it settles the breach")
    func shipmentPropagation() async throws {
        let world = try ClockWorld(ServiceLevels(shipmentPropagation: 2_000))
        let (hub, scheduler) = try world.open()
        _ = try await hub.ingest(body: batch(masterData))
        _ = try await hub.ingest(body: order("SO-1"))
        try await drain(scheduler)
        world.recorder.fail("tms-shipments", times: .max)
        #expect(try await hub.ingest(body: shipment("SO-1", "SH-1")).map(\.outcome) == [.accepted])
        try await drain(scheduler)
        world.clock.advance(milliseconds: 1_900)
        #expect(try await hub.evaluateServiceLevels().isEmpty, "every other subscriber has it, and 2 s have not passed")
        world.clock.advance(milliseconds: 200)
        let raised = try await hub.evaluateServiceLevels()
        #expect(raised.map(\.clock) == [.shipmentPropagation] && raised.first?.subject == "SO-1/SH-1")
        #expect(try await world.slo(hub).map(\.role) == [.support])
        world.recorder.fail("tms-shipments", times: 0)
        world.clock.advance(milliseconds: 10_000)
        try await drain(scheduler)
        #expect(try await world.slo(hub).map(\.status) == [.resolved])
        #expect(try await hub.evaluateServiceLevels().isEmpty)
    }

    @Test("invoice posting: a shipment not invoiced within the target breaches finance's clock; the invoice settles it")
    func invoicePosting() async throws {
        let world = try ClockWorld(ServiceLevels(invoicePosting: 3_600_000))
        let (hub, _) = try world.open()
        _ = try await hub.ingest(body: batch(masterData))
        _ = try await hub.ingest(body: order("SO-1"))
        _ = try await hub.ingest(body: shipment("SO-1", "SH-1", quantity: 4))
        world.clock.advance(milliseconds: 1_000)
        _ = try await hub.ingest(body: shipment("SO-1", "SH-2", quantity: 6))
        world.clock.advance(milliseconds: 3_599_500)
        let raised = try await hub.evaluateServiceLevels().filter { $0.clock == .invoicePosting }
        #expect(raised.map(\.subject) == ["SO-1/SH-1"], "the first shipment is due, the second not yet")
        #expect(try await world.slo(hub, .invoicePosting).map(\.role) == [.finance])
        // An invoice for the first shipment's 4 stops its clock only.
        #expect(try await hub.ingest(body: invoice("SO-1", "INV-1", quantity: 4)).map(\.outcome) == [.accepted])
        #expect(try await world.slo(hub, .invoicePosting).map(\.status) == [.resolved])
        world.clock.advance(milliseconds: 1_000)
        #expect(try await hub.evaluateServiceLevels().filter { $0.clock == .invoicePosting }.map(\.subject) == ["SO-1/SH-2"])
        _ = try await hub.ingest(body: invoice("SO-1", "INV-2", quantity: 6))
        #expect(try await world.slo(hub, .invoicePosting).map(\.status) == [.resolved, .resolved])
    }

    @Test("payment sync: a payment waiting for its invoice breaches finance's clock; applying it settles the breach")
    func paymentSync() async throws {
        let world = try ClockWorld(ServiceLevels(paymentSync: 600_000))
        let (hub, _) = try world.open()
        _ = try await hub.ingest(body: batch(masterData))
        _ = try await hub.ingest(body: order("SO-1"))
        _ = try await hub.ingest(body: shipment("SO-1", "SH-1"))
        #expect(try await hub.ingest(body: payment("PAY-1", amount: "50.00", applying: [("INV-1", "50.00")])).map(\.outcome) == [.parked])
        world.clock.advance(milliseconds: 600_001)
        let raised = try await hub.evaluateServiceLevels().filter { $0.clock == .paymentSync }
        #expect(raised.map(\.clock) == [.paymentSync] && raised.first?.key == "customer:C-1")
        #expect(try await world.slo(hub, .paymentSync).map(\.code) == ["slo_payment_sync"])
        _ = try await hub.ingest(body: invoice("SO-1", "INV-1"))
        let settled = try await world.slo(hub, .paymentSync)
        #expect(settled.map(\.status) == [.resolved] && settled.first?.resolvedBy == "hub")
    }

    @Test("a high-value order alerts at half its target; an ordinary one at the target")
    func highValue() async throws {
        let world = try ClockWorld(ServiceLevels(orderAcknowledgement: 4_000, highValueOrder: Amount(text: "100.00")))
        world.recorder.fail("portal-updates", times: .max)
        let (hub, scheduler) = try world.open()
        _ = try await hub.ingest(body: batch(masterData))
        _ = try await hub.ingest(body: order("SO-BIG", quantity: 21))  // 105.00
        _ = try await hub.ingest(body: order("SO-EXACT", quantity: 20))  // 100.00: not above
        world.clock.advance(milliseconds: 2_001)
        #expect(try await hub.evaluateServiceLevels().map(\.subject) == ["SO-BIG"])
        world.clock.advance(milliseconds: 2_000)
        #expect(try await hub.evaluateServiceLevels().map(\.subject) == ["SO-EXACT"])
        for _ in 0..<3 { try await scheduler.deliverDue() }
        let data = try world.alertData
        #expect(data.map { $0["highValue"] } == [.bool(true), .bool(false)])
        #expect(data.first?["dueAt"] == .string(start.adding(milliseconds: 2_000).rfc3339))
    }

    @Test("an order from a system that hears of no acceptance is acknowledged when accepted; a cancelled order's clock stops")
    func acknowledgedOnAcceptance() async throws {
        let world = try ClockWorld(ServiceLevels(orderAcknowledgement: 1_000))
        world.recorder.fail("portal-updates", times: .max)
        let (hub, _) = try world.open()
        _ = try await hub.ingest(body: batch(masterData))
        _ = try await hub.ingest(body: order("K-1", from: "kiosk"))
        _ = try await hub.ingest(body: order("SO-2"))
        _ = try await hub.ingest(body: event("portal", "c-2", .orderCancelled, subject: "SO-2", #"{"orderId":"SO-2","reason":"changed mind"}"#))
        world.clock.advance(milliseconds: 5_000)
        #expect(try await hub.evaluateServiceLevels().isEmpty)
        let clocks = try await hub.store.read { r in
            (try r.clock(.orderAcknowledgement, subject: "K-1"), try r.clock(.orderAcknowledgement, subject: "SO-2"))
        }
        #expect(clocks.0?.stoppedAt == start && clocks.1?.stoppedAt == start)
        let kpis = try await hub.kpis(days: KPIRollup.day(of: start)...KPIRollup.day(of: start)).window
        #expect(kpis.duration(.orderAcknowledgement).count == 1, "the cancelled order is not measured")
    }
}
