import Foundation
import Testing
import WaybillCore
import WaybillEngine
import WaybillStore
import WaybillTestSupport
import WaybillX12

/// What the partner is told about a broken interchange, and that nothing of it is stored.
@Suite("EDI: broken interchanges get TA1 / 997 codes, nothing partial is stored")
struct EDIRefusalTests {
    func world() async throws -> EDIWorld {
        let world = try await EDIWorld()
        try await world.ingest(EDIWorld.masterData[0], EDIWorld.masterData[1], EDIWorld.masterData[2])
        return world
    }

    /// The answer's TA1 (TA104, TA105) or its 997 (AK9, AK5 codes).
    func answer(_ receipt: EDIReceipt) throws -> [String] {
        let interchange = try X12Reader.read(receipt.response)[0]
        if let ta1 = interchange.acknowledgements.first { return ["TA1", ta1[4], ta1[5]] }
        let set = interchange.groups[0].sets[0]
        let ak9 = set.segments.last { $0.id == "AK9" }!
        let ak5 = set.segments.filter { $0.id == "AK5" }.map { ([$0[1], $0[2]]).joined(separator: ":") }
        return ["997", ak9[1]] + (ak9[5].isEmpty ? [] : ["AK9:\(ak9[5])"]) + ak5
    }

    @Test(
        "envelope and set errors are answered with the translator's codes",
        arguments: [
            ("SE*12*0001", "SE*11*0001", ["997", "R", "R:4"]),
            ("SE*12*0001", "SE*12*0002", ["997", "R", "R:3"]),
            ("GE*1*905", "GE*1*906", ["997", "R", "AK9:4"]),
            ("GE*1*905", "GE*2*905", ["997", "R", "AK9:5"]),
            ("IEA*1*000000905", "IEA*1*000000904", ["TA1", "R", "001"]),
            ("IEA*1*000000905", "IEA*2*000000905", ["TA1", "R", "021"]),
            ("SE*12*0001~\n", "", ["997", "R", "R:2"]),
            ("CTT*2~", "C@T*2~", ["997", "R", "R:5"]),
            ("PO1*1*40*EA", "PO1*1*4O*EA", ["997", "R", "R:5"]),
            ("CTT*2~", "CTT*3~", ["997", "R", "R:5"]),
            ("*ZZ*BOLTWORKS      *", "*ZZ*SOMEONEELSE    *", ["TA1", "R", "006"]),
            ("*ZZ*ACMEIND        *", "*ZZ*ACMEOTHER      *", ["TA1", "R", "008"]),
        ])
    func broken(_ find: String, _ replace: String, _ expected: [String]) async throws {
        let world = try await world()
        let text = try fixture("850-basic.edi").replacingOccurrences(of: find, with: replace)
        #expect(text != (try fixture("850-basic.edi")))
        try world.drop("broken.edi", text)
        let handled = try await world.inbox.processPending()
        let receipt = try #require(handled.first?.receipt)
        #expect(receipt.verdict == .rejected)
        #expect(try answer(receipt) == expected, "\(receipt.summary)")
        // Nothing stored but the answer and an exception for the integration team.
        #expect(try await world.hub.store.read { try $0.orderCount() } == 0)
        let failed = world.inbound.appendingPathComponent("failed")
        #expect(FileManager.default.fileExists(atPath: failed.appendingPathComponent("broken.edi").path))
        let reason = try String(contentsOf: failed.appendingPathComponent("broken.edi.reason.txt"), encoding: .utf8)
        #expect(!reason.isEmpty && reason == receipt.summary + "\n")
        #expect(try await world.hub.exceptions(ExceptionFilter(kind: .edi)).count == 1)
    }

    @Test("a bad number in a PO1 is pointed at: AK3 with the segment and its position in the set, AK4 with the element and value")
    func segmentDetail() async throws {
        let world = try await world()
        let text = try fixture("850-basic.edi").replacingOccurrences(of: "PO1*1*40*EA", with: "PO1*1*4O*EA")
        let receipt = try await EDIGateway(hub: world.hub).receive(Array(text.utf8), from: EDIWorld.partner)
        let set = try X12Reader.read(receipt.response)[0].groups[0].sets[0]
        #expect(set.segments.map(\.id) == ["AK1", "AK2", "AK3", "AK4", "AK5", "AK9"])
        #expect(set.segments[2].elements == ["PO1", "8", "", "8"])
        #expect(set.segments[3].elements == ["2", "", "6", "4O"])
    }

    @Test("truncated files and binary garbage get a TA1, and the hub stays up")
    func garbage() async throws {
        let world = try await world()
        let gateway = EDIGateway(hub: world.hub)
        let truncated = try await gateway.receive(Array(try fixture("850-basic.edi").prefix(300).utf8), from: EDIWorld.partner)
        #expect(try answer(truncated) == ["TA1", "R", "023"])
        let noise = try await gateway.receive([0x00, 0xFF, 0x7F, 0x13], from: EDIWorld.partner)
        #expect(try answer(noise) == ["TA1", "R", "024"])
        #expect(try X12Reader.read(noise.response)[0].acknowledgements[0][1] == "000000000")
        // Thousands of mutated interchanges: each is stored whole or not at all.
        var rng = SplitMix64(seed: 997)
        let base = Array(try fixture("850-basic.edi").utf8)
        for _ in 0..<300 {
            var bytes = base
            for _ in 0..<3 { bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
            let receipt = try await gateway.receive(bytes, from: EDIWorld.partner)
            #expect(!receipt.response.isEmpty)
        }
        let orders = try await world.hub.store.read { try $0.orders(status: nil, customer: nil, updatedSince: nil, after: nil, limit: 1_000) }
        for order in orders {
            #expect(order.lines.count == 2, "an order is never partial: \(order.orderId) has \(order.lines.count) lines")
        }
        #expect(try await world.hub.store.read { try $0.outboundInterchanges(partner: EDIWorld.partner, limit: 10_000) }.count == 302)
    }

    @Test("an item the hub does not know: the 997 accepts the well-formed set (AK5 A), the 855 rejects that line (ACK IR), and the order waits")
    func unknownItem() async throws {
        let world = try await world()
        let text = try fixture("850-basic.edi").replacingOccurrences(of: "PO1*2*4*CA*30.00**BP*BWM8*VP*BLT-M8", with: "PO1*2*4*CA*30.00**BP*BW9999")
        let receipt = try await EDIGateway(hub: world.hub).receive(Array(text.utf8), from: EDIWorld.partner)
        #expect(receipt.verdict == .accepted && receipt.stored, "\(receipt.results)")
        #expect(receipt.results.map(\.outcome) == [.parked])
        let set = try X12Reader.read(receipt.response)[0].groups[0].sets[0]
        #expect(set.segments.filter { $0.id == "AK3" || $0.id == "AK4" }.isEmpty, "the 997 speaks of syntax only")
        #expect(set.segments.first { $0.id == "AK5" }?.elements == ["A"])
        #expect(set.segments.last?.elements == ["A", "1", "1", "1"])
        #expect(try await world.hub.exceptions(ExceptionFilter(kind: .mapping)).count == 1)

        // The partner's terms are known (BoltWorks is a customer): its 855 says which line the hub cannot fill.
        try await world.deliver()
        let ack = try #require(try world.written().values.first { $0.groups[0].sets[0].code == "855" }).groups[0].sets[0]
        #expect(ack.segments.first { $0.id == "BAK" }?[2] == "AC", "acknowledged with changes")
        let acks = ack.segments.filter { $0.id == "ACK" }.map(\.elements)
        #expect(acks == [["IA", "40", "EA"], ["IR", "4", "CA"]])
        let po1s = ack.segments.filter { $0.id == "PO1" }.map(\.elements)
        #expect(po1s.last == ["2", "4", "CA", "30.00", "", "BP", "BW9999"], "the rejected line as the partner ordered it")
        // An independent reader (pyx12) reads the 997 and the 855 without errors.
        let directory = try temporaryDirectory("waybill-855-ir")
        let answer = directory.appendingPathComponent("997.edi")
        try Data(receipt.response).write(to: answer)
        let name = try #require(try world.written().first { $0.value.groups[0].sets[0].code == "855" }?.key)
        for file in [answer.path, world.outbound.appendingPathComponent(name).path] {
            let (status, output) = try runPython(["scripts/x12_check.py", file])
            #expect(status == 0, "\(output)")
        }
    }

    @Test("an interchange that asks for a TA1 (ISA14 = 1) gets TA1 A 000 ahead of its 997, each under its own control number")
    func requestedInterchangeAcknowledgement() async throws {
        let world = try await world()
        let text = try fixture("850-basic.edi").replacingOccurrences(of: "*000000905*0*P*", with: "*000000905*1*P*")
        let receipt = try await EDIGateway(hub: world.hub).receive(Array(text.utf8), from: EDIWorld.partner)
        let answers = try X12Reader.read(receipt.response)
        #expect(receipt.verdict == .accepted && answers.count == 2)
        #expect(answers[0].acknowledgements.first?.elements == ["000000905", "261127", "1530", "A", "000"])
        #expect(answers[1].groups[0].sets[0].code == "997")
        #expect(answers.map(\.controlNumber) == ["000000001", "000000002"])
    }

    @Test("the same interchange again is answered with the same 997; a different one reusing its control number gets TA1 025")
    func duplicates() async throws {
        let world = try await world()
        let gateway = EDIGateway(hub: world.hub)
        let bytes = Array(try fixture("850-basic.edi").utf8)
        let first = try await gateway.receive(bytes, from: EDIWorld.partner)
        let again = try await gateway.receive(bytes, from: EDIWorld.partner)
        #expect(first.verdict == .accepted && again.verdict == .duplicate && again.response == first.response)
        let reused = Array(try fixture("850-basic.edi").replacingOccurrences(of: "PO-88231", with: "PO-88232").utf8)
        let clash = try await gateway.receive(reused, from: EDIWorld.partner)
        #expect(try answer(clash) == ["TA1", "R", "025"])
        #expect(try await world.hub.store.read { try $0.orderCount() } == 1)
    }
}
