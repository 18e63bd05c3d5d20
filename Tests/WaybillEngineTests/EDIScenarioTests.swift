import Foundation
import Testing
import WaybillCore
import WaybillEngine
import WaybillPostgres
import WaybillStore
import WaybillTestSupport
import WaybillX12

/// BoltWorks orders by EDI: 850s dropped in its inbound directory, 855 / 856 / 810 written to
/// its outbound directory, 997s both ways — over a real SQLite file or PostgreSQL schema and real
/// directories.
struct EDIWorld {
    let hub: Hub
    /// The PostgreSQL store, when the world runs on one (its schema is dropped by `finish`).
    let postgres: PostgresStore?
    let clock: ManualClock
    let scheduler: DeliveryScheduler
    let inbox: EDIInbox
    let root: URL
    var inbound: URL { root.appendingPathComponent("in") }
    var outbound: URL { root.appendingPathComponent("out") }

    static let partner: SystemName = "boltworks-edi"

    /// - Parameters:
    ///   - outboundDirectory: where the 855 / 856 / 810 subscriptions write (default `out/`).
    ///   - answerDirectory: where the 997s for dropped files go (default: the subscriptions' directory).
    ///   - acknowledgeBackorders: the 855 subscription also carries `o2c.inventory.backordered`.
    ///   - store: the store it runs on.
    init(
        on store: TestStore = .sqlite, outboundDirectory: String? = nil, answerDirectory: String? = nil, acknowledgeBackorders: Bool = false
    )
        async throws
    {
        root = try temporaryDirectory("waybill-edi")
        let out = outboundDirectory ?? root.appendingPathComponent("out").path
        let systems = [
            ConnectedSystem(name: "erp", publishes: [.customerUpserted, .productUpserted, .invoicePosted], subscriptions: []),
            ConnectedSystem(name: "wms", publishes: [.inventoryAllocated, .inventoryBackordered, .shipmentConfirmed], subscriptions: []),
            ConnectedSystem(name: "portal", publishes: [.orderPlaced], subscriptions: []),
            ConnectedSystem(
                name: Self.partner, publishes: [.orderPlaced],
                subscriptions: [
                    Subscription(
                        name: "boltworks-855", system: Self.partner,
                        types: acknowledgeBackorders ? [.orderAccepted, .orderAcknowledged, .inventoryBackordered] : [.orderAccepted, .orderAcknowledged],
                        adapter: .x12File(set: "855", directory: out)),
                    Subscription(name: "boltworks-856", system: Self.partner, types: [.shipmentConfirmed], adapter: .x12File(set: "856", directory: out)),
                    Subscription(name: "boltworks-810", system: Self.partner, types: [.invoicePosted], adapter: .x12File(set: "810", directory: out)),
                ],
                x12: X12Partner(
                    interchangeId: "BOLTWORKS", ourId: "ACMEIND", acknowledgementWindow: 3_600_000,
                    inboundDirectory: root.appendingPathComponent("in").path, outboundDirectory: answerDirectory)),
        ]
        postgres = try await store.postgres()
        (hub, clock) = try makeHub(store: postgres, systems: systems)
        scheduler = DeliveryScheduler(hub: hub, adapters: AdapterRegistry(["x12File": X12FileAdapter(hub: hub)]), concurrency: 1)
        inbox = EDIInbox(hub: hub, settle: .zero)
        try FileManager.default.createDirectory(at: inbound, withIntermediateDirectories: true)
    }

    static let masterData: [[UInt8]] = [
        event(
            "erp", "m-1", .customerUpserted, subject: "C-100",
            #"{"customerId":"C-100","name":"BoltWorks Manufacturing","currency":"USD","creditLimit":"50000.00","shipTo":[{"shipToId":"ST-1","name":"Plant 2"}],"externalIds":{"boltworks-edi":"BOLTWORKS"}}"#
        ),
        event(
            "erp", "m-2", .productUpserted, subject: "BRG-6204",
            #"{"sku":"BRG-6204","baseUom":"EA","listPrice":"12.50","currency":"USD","externalIds":{"boltworks-edi":"BW6204"}}"#),
        event(
            "erp", "m-3", .productUpserted, subject: "BLT-M8",
            #"{"sku":"BLT-M8","baseUom":"EA","uomConversions":{"CA":12},"listPrice":"2.50","currency":"USD","externalIds":{"boltworks-edi":"BWM8"}}"#),
    ]

    /// Drops the PostgreSQL schema the world ran on.
    func finish() async throws {
        try await postgres?.dropSchema()
    }

    func drop(_ name: String, _ text: String) throws {
        try Data(text.utf8).write(to: inbound.appendingPathComponent(name))
    }

    func deliver() async throws {
        while try await scheduler.deliverDue() > 0 {}
    }

    func ingest(_ events: [UInt8]...) async throws {
        let results = try await hub.ingest(body: batch(events))
        #expect(results.allSatisfy { $0.outcome == .accepted }, "\(results)")
    }

    /// Every interchange in the outbound directory, by file name.
    func written() throws -> [String: X12Interchange] {
        var files: [String: X12Interchange] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: outbound.path) {
            files[name] = try X12Reader.read(Array(try Data(contentsOf: outbound.appendingPathComponent(name))))[0]
        }
        return files
    }

    /// The 997 BoltWorks sends for one of our interchanges.
    func partnerAcknowledgement(of interchange: X12Interchange, verdict: String, control: Int) -> [UInt8] {
        let envelope = X12Writer.Envelope(
            senderQualifier: "ZZ", sender: "BOLTWORKS", receiverQualifier: "ZZ", receiver: "ACMEIND", date: "261203", time: "0900",
            groupDate: "20261203")
        let group = interchange.groups[0]
        let sets = group.sets.map { FunctionalAcknowledgement.SetVerdict(code: $0.code, control: $0.controlNumber, error: verdict == "R" ? "5" : nil) }
        return X12Writer().interchange(
            envelope, control: control,
            groups: [
                .init(
                    code: "FA",
                    sets: [
                        .init(
                            code: "997",
                            segments: FunctionalAcknowledgement.segments(functionalCode: group.header[1], groupControl: group.controlNumber, sets: sets))
                    ])
            ])
    }
}

@Suite("EDI trading partner end to end")
struct EDIScenarioTests {
    @Test(
        "an 850 dropped by BoltWorks becomes an order; one 855, two 856s and two 810s go back under one control sequence; the same file again creates nothing",
        arguments: TestStore.allCases)
    func fullScenario(_ store: TestStore) async throws {
        let world = try await EDIWorld(on: store)
        let hub = world.hub
        try await world.ingest(EDIWorld.masterData[0], EDIWorld.masterData[1], EDIWorld.masterData[2])

        // The partner drops its 850: accepted, answered by a 997, the file moved to processed/.
        try world.drop("po-88231.edi", try fixture("850-basic.edi"))
        let first = try await world.inbox.processPending()
        #expect(first.count == 1 && first[0].receipt?.verdict == .accepted, "\(first.map(\.reason))")
        #expect(FileManager.default.fileExists(atPath: world.inbound.appendingPathComponent("processed/po-88231.edi").path))
        let order = try #require(try await hub.order(OrderID("BOLTWORKS-PO-88231")))
        #expect(order.customerId == CustomerID("C-100"))
        #expect(order.lines.map(\.ordered) == [Quantity(40), Quantity(48)], "4 CA of 12 are 48 EA")
        let orderId = "BOLTWORKS-PO-88231"

        // The hub accepts it: the 855 is written.
        try await world.deliver()

        // WMS allocates from DAL, backorders 24 of line 2, ships twice; ERP invoices each shipment.
        try await world.ingest(
            event(
                "wms", "w-1", .inventoryAllocated, subject: orderId,
                #"{"orderId":"\#(orderId)","warehouse":"DAL","lines":[{"lineId":"1","quantity":40},{"lineId":"2","quantity":24}]}"#),
            event(
                "wms", "w-2", .inventoryBackordered, subject: orderId,
                #"{"orderId":"\#(orderId)","lines":[{"lineId":"2","quantity":24,"expectedDate":"2026-12-15"}]}"#),
            event(
                "wms", "w-3", .shipmentConfirmed, subject: orderId,
                #"{"orderId":"\#(orderId)","shipmentId":"SH-1","warehouse":"DAL","shippedAt":"2026-12-02T17:30:00Z","carrier":"UPSN","trackingNumber":"1Z999AA10123456784","lines":[{"lineId":"1","quantity":40},{"lineId":"2","quantity":24}]}"#
            ))
        try await world.deliver()
        try await world.ingest(
            event(
                "erp", "e-1", .invoicePosted, subject: orderId,
                #"{"orderId":"\#(orderId)","invoiceId":"INV-1","invoiceDate":"2026-12-02","dueDate":"2027-01-01","currency":"USD","lines":[{"lineId":"1","quantity":40,"unitPrice":"12.50"},{"lineId":"2","quantity":24,"unitPrice":"2.50"}],"freight":"18.00","tax":"0.00","total":"578.00"}"#
            ),
            event(
                "wms", "w-4", .inventoryAllocated, subject: orderId,
                #"{"orderId":"\#(orderId)","warehouse":"MEM","lines":[{"lineId":"2","quantity":24}]}"#),
            event(
                "wms", "w-5", .shipmentConfirmed, subject: orderId,
                #"{"orderId":"\#(orderId)","shipmentId":"SH-2","warehouse":"MEM","shippedAt":"2026-12-15T10:00:00Z","carrier":"FDEG","trackingNumber":"7712","lines":[{"lineId":"2","quantity":24}]}"#
            ),
            event(
                "erp", "e-2", .invoicePosted, subject: orderId,
                #"{"orderId":"\#(orderId)","invoiceId":"INV-2","invoiceDate":"2026-12-15","currency":"USD","lines":[{"lineId":"2","quantity":24,"unitPrice":"2.50"}],"freight":"0.00","tax":"0.00","total":"60.00"}"#
            ))
        try await world.deliver()

        let files = try world.written()
        let bySet = Dictionary(grouping: files.values, by: { $0.groups.first?.sets.first?.code ?? "TA1" })
        #expect(bySet["997"]?.count == 1 && bySet["855"]?.count == 1 && bySet["856"]?.count == 2 && bySet["810"]?.count == 2, "\(files.keys.sorted())")
        // One sequence for everything we send BoltWorks: 1 … 6, each ISA13 = GS06 = the file's number.
        let controls = files.values.map { Int($0.controlNumber)! }.sorted()
        #expect(controls == Array(1...6))
        for (name, interchange) in files {
            #expect(Int(interchange.groups[0].controlNumber) == Int(interchange.controlNumber))
            #expect(name.hasSuffix("-\(interchange.controlNumber).edi"), "\(name)")
            #expect(interchange.receiver == "BOLTWORKS" && interchange.sender == "ACMEIND")
        }
        // The partner's terms: its PO, its part numbers, its cases.
        let shipNotices = bySet["856"]!.map { $0.groups[0].sets[0] }.sorted { $0.segments[0][2] < $1.segments[0][2] }
        #expect(shipNotices.map { $0.segments.first { $0.id == "PRF" }?[1] } == ["PO-88231", "PO-88231"])
        #expect(shipNotices[0].segments.filter { $0.id == "SN1" }.map { [$0[2], $0[3]] } == [["40", "EA"], ["2", "CA"]])
        #expect(shipNotices[1].segments.filter { $0.id == "SN1" }.map { [$0[2], $0[3]] } == [["2", "CA"]])
        let ack = bySet["855"]![0].groups[0].sets[0]
        #expect(ack.segments.filter { $0.id == "PO1" }.map { [$0[2], $0[3], $0[7]] } == [["40", "EA", "BW6204"], ["4", "CA", "BWM8"]])
        let invoices = bySet["810"]!.map { $0.groups[0].sets[0] }
        #expect(Set(invoices.map { $0.segments.first { $0.id == "TDS" }![1] }) == ["57800", "6000"])
        // Every document we wrote is read without errors by the independent pyx12 reader.
        let paths = try FileManager.default.contentsOfDirectory(atPath: world.outbound.path).map { world.outbound.appendingPathComponent($0).path }
        let (status, output) = try runPython(["scripts/x12_check.py"] + paths)
        #expect(status == 0, "\(output)")

        // The same 850 file dropped again: answered with the same 997, nothing new stored.
        let before = try await hub.store.read { r in (try r.eventCount(), try r.orderCount(), try r.deliveries(DeliveryFilter()).count) }
        try world.drop("po-88231-again.edi", try fixture("850-basic.edi"))
        let again = try await world.inbox.processPending()
        #expect(again.first?.receipt?.verdict == .duplicate)
        try await world.deliver()
        let after = try await hub.store.read { r in (try r.eventCount(), try r.orderCount(), try r.deliveries(DeliveryFilter()).count) }
        #expect(before == after)
        #expect(try world.written().count == 6, "no new document was written")
        let view = try #require(try await hub.order(OrderID(orderId)))
        #expect(view.status == .invoiced)
        try await world.finish()
    }

    /// Master data, the 850 dropped and processed, and the 855 written: returns the 855.
    func orderAcknowledged(_ world: EDIWorld) async throws -> X12Interchange {
        try await world.ingest(EDIWorld.masterData[0], EDIWorld.masterData[1], EDIWorld.masterData[2])
        try world.drop("po.edi", try fixture("850-basic.edi"))
        try await world.inbox.processPending()
        try await world.deliver()
        return try #require(try world.written().values.first { $0.groups[0].sets[0].code == "855" })
    }

    @Test(
        "the partner's 997s mark our documents accepted or rejected; one not acknowledged in the window raises an exception, settled by a late 997",
        arguments: TestStore.allCases)
    func partnerAcknowledgements(_ store: TestStore) async throws {
        let world = try await EDIWorld(on: store)
        let ack855 = try await orderAcknowledged(world)
        let gateway = EDIGateway(hub: world.hub)
        var sent = try await world.hub.outboundInterchanges(partner: EDIWorld.partner)
        #expect(sent.map(\.setCode) == ["997", "855"] && sent.map(\.status) == [.notExpected, .sent])

        // Nothing for an hour: the 855 is overdue, and the integration team sees an `edi` exception.
        world.clock.advance(milliseconds: 3_600_001)
        #expect(try await world.hub.expireAcknowledgementWindows() == 1)
        let overdue = try await world.hub.exceptions(ExceptionFilter(kind: .edi))
        #expect(overdue.count == 1 && overdue[0].code == "edi_acknowledgement_overdue" && overdue[0].key == "order:BOLTWORKS-PO-88231")
        #expect(overdue[0].message.contains("855"))

        // The late 997 accepts it and settles the exception; no 997 is sent back for a 997.
        let receipt = try await gateway.receive(world.partnerAcknowledgement(of: ack855, verdict: "A", control: 77), from: EDIWorld.partner)
        #expect(receipt.verdict == .accepted && receipt.response.isEmpty && receipt.responseSet == nil)
        sent = try await world.hub.outboundInterchanges(partner: EDIWorld.partner)
        #expect(sent.map(\.status) == [.notExpected, .accepted] && sent[1].note == "AK9 A")
        #expect(try await world.hub.exceptions(ExceptionFilter(kind: .edi, status: .open)).isEmpty)

        // A 997 that rejects one of our documents opens an exception naming it.
        let rejected = try await gateway.receive(world.partnerAcknowledgement(of: ack855, verdict: "R", control: 78), from: EDIWorld.partner)
        #expect(rejected.stored)
        let open = try await world.hub.exceptions(ExceptionFilter(kind: .edi, status: .open))
        #expect(open.count == 1 && open[0].code == "edi_rejected" && open[0].message.contains("rejected the 855 for BOLTWORKS-PO-88231"))
        try await world.finish()
    }

    @Test("a document that cannot be written is retried under the same control number; no number is ever used twice", arguments: TestStore.allCases)
    func retryKeepsControlNumber(_ store: TestStore) async throws {
        let root = try temporaryDirectory("waybill-edi-blocked")
        let blocked = root.appendingPathComponent("out")
        try Data("not a directory".utf8).write(to: blocked)
        let world = try await EDIWorld(on: store, outboundDirectory: blocked.path, answerDirectory: root.appendingPathComponent("acks").path)
        try await world.ingest(EDIWorld.masterData[0], EDIWorld.masterData[1], EDIWorld.masterData[2])
        try world.drop("po.edi", try fixture("850-basic.edi"))
        try await world.inbox.processPending()
        try await world.deliver()
        let failed = try await world.hub.store.read { try $0.deliveries(DeliveryFilter(subscription: "boltworks-855")) }
        #expect(failed.count == 1 && failed[0].status == .pending && failed[0].attempts == 1)
        #expect(failed[0].lastError?.contains("out") == true, "\(failed[0].lastError ?? "")")

        try FileManager.default.removeItem(at: blocked)
        world.clock.advance(milliseconds: 60_000)
        try await world.deliver()
        let files = try FileManager.default.contentsOfDirectory(atPath: blocked.path).sorted()
        // The 855 is written under the number drawn on the first attempt (the 997 had 1).
        #expect(files == ["855-000000002.edi"], "\(files)")
        let written = try X12Reader.read(Array(try Data(contentsOf: blocked.appendingPathComponent(files[0]))))[0]
        #expect(written.controlNumber == "000000002" && written.groups[0].controlNumber == "2")
        let sent = try await world.hub.outboundInterchanges(partner: EDIWorld.partner)
        #expect(Set(sent.map(\.control)).count == sent.count)
        try await world.finish()
    }

    @Test(
        "a partner that takes backorders on its 855 gets a second one (BAK01 05) with IB, the quantity in its cases and the expected date",
        arguments: TestStore.allCases)
    func backorderAcknowledgement(_ store: TestStore) async throws {
        let world = try await EDIWorld(on: store, acknowledgeBackorders: true)
        _ = try await orderAcknowledged(world)
        let orderId = "BOLTWORKS-PO-88231"
        try await world.ingest(
            event(
                "wms", "w-1", .inventoryBackordered, subject: orderId,
                #"{"orderId":"\#(orderId)","lines":[{"lineId":"2","quantity":24,"expectedDate":"2026-12-15"}]}"#))
        try await world.deliver()
        let acks = try world.written().values.filter { $0.groups[0].sets[0].code == "855" }.sorted { $0.controlNumber < $1.controlNumber }
        #expect(acks.count == 2)
        let second = acks[1].groups[0].sets[0]
        #expect(second.segments[0].elements == ["05", "AC", "PO-88231", "20261201"])
        #expect(second.segments.filter { $0.id == "ACK" }.map(\.elements) == [["IA", "40", "EA"], ["IB", "2", "CA", "068", "20261215"]])
        try await world.finish()
    }

    @Test("a trading partner hears only of the orders it placed, never of other customers' orders", arguments: TestStore.allCases)
    func onlyItsOwnOrders(_ store: TestStore) async throws {
        let world = try await EDIWorld(on: store)
        _ = try await orderAcknowledged(world)
        try await world.ingest(
            event(
                "portal", "p-1", .orderPlaced, subject: "SO-2001",
                #"{"orderId":"SO-2001","customerId":"C-100","currency":"USD","lines":[{"lineId":"1","sku":"BRG-6204","quantity":5,"unitPrice":"12.50"}]}"#),
            event(
                "wms", "w-9", .shipmentConfirmed, subject: "SO-2001",
                #"{"orderId":"SO-2001","shipmentId":"SH-9","lines":[{"lineId":"1","quantity":5}]}"#))
        try await world.deliver()
        #expect(try await world.hub.order(OrderID("SO-2001"))?.lines.first?.shipped == Quantity(5))
        #expect(try world.written().count == 2, "only the 997 and the 855 for BoltWorks' own order")
        try await world.finish()
    }

    @Test("a file still being written (modified less than the settle time ago) is left alone until it settles", arguments: TestStore.allCases)
    func unsettledFileWaits(_ store: TestStore) async throws {
        let world = try await EDIWorld(on: store)
        try await world.ingest(EDIWorld.masterData[0], EDIWorld.masterData[1], EDIWorld.masterData[2])
        let patient = EDIInbox(hub: world.hub, settle: .seconds(30))
        let half = String(try fixture("850-basic.edi").prefix(300))
        try world.drop("arriving.edi", half)
        #expect(try await patient.processPending().isEmpty)
        #expect(FileManager.default.fileExists(atPath: world.inbound.appendingPathComponent("arriving.edi").path))
        // Written to the end, and older than the settle time: read whole.
        try world.drop("arriving.edi", try fixture("850-basic.edi"))
        try FileManager.default.setAttributes(
            [.modificationDate: Date().addingTimeInterval(-60)], ofItemAtPath: world.inbound.appendingPathComponent("arriving.edi").path)
        let handled = try await patient.processPending()
        #expect(handled.map(\.receipt?.verdict) == [.accepted])
        try await world.finish()
    }
}
