import Logging
import WaybillCore
import WaybillStore
import WaybillX12

/// Receives interchanges from trading partners, by HTTP or file drop, the way a commercial
/// translator does: envelope checks answered by a TA1 (and a TA1 `A` when ISA14 asks for one);
/// every functional group answered by a 997
/// (AK1 … AK9); 850s mapped to `o2c.order.placed` and ingested in one transaction; a partner's
/// 997s applied to the documents we sent it; the same interchange sent twice answered as the
/// first time without storing anything new.
///
/// A set with an error is rejected whole: there is never a partial order.
public struct EDIGateway: Sendable {
    let hub: Hub

    public init(hub: Hub) { self.hub = hub }

    /// Handles every interchange in `bytes` from `partnerName`.
    ///
    /// - Throws: `WaybillError(.unknownPartner)` when the system is not an X12 trading partner;
    ///   store errors (nothing is acknowledged then).
    public func receive(_ bytes: [UInt8], from partnerName: SystemName) async throws -> EDIReceipt {
        guard let partner = hub.landscape.systems[partnerName]?.x12 else {
            throw WaybillError(.unknownPartner, "\(partnerName) is not an X12 trading partner (no x12 block in the configuration)")
        }
        let interchanges: [X12Interchange]
        do {
            interchanges = try X12Reader.read(bytes)
        } catch {
            HubMetrics.interchangeReceived(partner: partnerName, verdict: .rejected)
            return try await refuse(error, bytes: bytes, partner: partner, name: partnerName)
        }
        var receipts: [EDIReceipt] = []
        for interchange in interchanges {
            let receipt = try await receive(interchange, bytes: interchanges.count == 1 ? bytes : [], partner: partner, name: partnerName)
            HubMetrics.interchangeReceived(partner: partnerName, verdict: receipt.verdict)
            receipts.append(receipt)
        }
        return EDIReceipt.combined(receipts)
    }

    func receive(_ interchange: X12Interchange, bytes: [UInt8], partner: X12Partner, name: SystemName) async throws -> EDIReceipt {
        // Addressed by this partner, to us?
        let addressing = Self.addressingProblem(interchange, partner: partner, name: name)
        if let (note, message) = addressing {
            return try await interchangeRejected(interchange.header, note: note, message: message, partner: partner, name: name)
        }
        if let seen = try await hub.store.read({ try $0.inboundInterchange(partner: name, control: interchange.controlNumber) }) {
            if bytes.isEmpty || seen.request == bytes {
                return EDIReceipt(
                    verdict: .duplicate, responseSet: seen.response.isEmpty ? nil : "997", response: seen.response,
                    results: [], summary: "interchange \(interchange.controlNumber) was received before (\(seen.receivedAt)): \(seen.summary)")
            }
            return try await interchangeRejected(
                interchange.header, note: "025",
                message: "interchange control number \(interchange.controlNumber) was used before, on \(seen.receivedAt), for a different interchange",
                partner: partner, name: name)
        }

        // Map every set; each 850 that maps becomes one event, ingested together.
        let (verdicts, events, partnerAcknowledgements, mappingProblems) = mapSets(interchange, partner: name)
        var problems = mappingProblems

        let results = events.isEmpty ? [] : try await hub.ingest(events.map { .event($0.event) })
        // The 997 speaks of syntax only: a well-formed 850 is accepted whatever the hub thinks of
        // its items. An order waiting for master data is answered by an 855 (its unknown lines
        // rejected, IR) through the partner's 855 subscription.
        for ((_, _, event), result) in zip(events, results) where result.outcome == .parked {
            if case .orderPlaced(let order) = event.payload {
                problems.append("order \(order.orderId) waits for master data" + (result.detail.map { " (\($0))" } ?? ""))
            }
        }
        let acknowledged = try await apply(partnerAcknowledgements, partner: name)
        problems += acknowledged

        // One 997 answers every group except partners' 997s.
        let answered = interchange.groups.enumerated().filter { $0.element.header[1] != "FA" }
        let now = hub.clock.now()
        let rejectedSets = verdicts.joined().filter { $0.error != nil }.count
        let totalSets = answered.reduce(0) { $0 + $1.element.sets.count }
        let summary =
            "\(totalSets - rejectedSets) of \(totalSets) sets accepted, \(results.filter { $0.outcome == .accepted }.count) events accepted"
            + (partnerAcknowledgements.isEmpty ? "" : ", \(partnerAcknowledgements.count) 997s applied")
            + (problems.isEmpty ? "" : "; " + problems.joined(separator: "; "))
        let request = bytes
        let finalVerdicts = verdicts
        let header = interchange.header
        let response = try await hub.store.write { tx -> [UInt8] in
            var response: [UInt8] = []
            // ISA14 = 1: the partner asks for an interchange acknowledgement (TA1 A 000) as well.
            if header[14] == "1" {
                response = try partner.acknowledgement("TA1", answering: header[13], as: name, at: now, in: tx) { envelope, control in
                    X12Writer().interchangeAcknowledgement(envelope, control: control, received: header, accepted: true, note: "000")
                }
            }
            if !answered.isEmpty {
                let sets = answered.map { g, group in
                    X12Writer.Set(
                        code: "997",
                        segments: FunctionalAcknowledgement.segments(functionalCode: group.header[1], groupControl: group.controlNumber, sets: finalVerdicts[g])
                    )
                }
                response += try partner.acknowledgement("997", answering: header[13], as: name, at: now, in: tx) { envelope, control in
                    X12Writer().interchange(envelope, control: control, groups: [.init(code: "FA", sets: sets)])
                }
            }
            try tx.record(
                InboundInterchange(partner: name, control: interchange.controlNumber, receivedAt: now, request: request, response: response, summary: summary))
            if rejectedSets > 0 {
                try tx.raise(
                    NewException(
                        kind: .edi, code: ErrorCode.ediEnvelope.rawValue, key: nil, eventSeq: nil,
                        message: "\(name) interchange \(interchange.controlNumber): \(summary)", raisedAt: now))
            }
            return response
        }
        let verdict: EDIReceipt.Verdict
        if totalSets > 0 && rejectedSets == totalSets {
            verdict = .rejected
        } else if rejectedSets > 0 {
            verdict = .partiallyAccepted
        } else if verdicts.joined().contains(where: { !$0.segmentErrors.isEmpty }) {
            verdict = .acceptedWithErrors
        } else {
            verdict = .accepted
        }
        hub.logger.info(
            "EDI interchange received",
            metadata: [
                "waybill.partner": "\(name)", "waybill.interchange": "\(interchange.controlNumber)", "waybill.verdict": "\(verdict.rawValue)",
                "waybill.summary": "\(summary)",
            ])
        return EDIReceipt(verdict: verdict, responseSet: response.isEmpty ? nil : "997", response: response, results: results, summary: summary)
    }

    /// The inbound event an 850 becomes (see `PurchaseOrderMapping.cloudEvent`).
    func event(_ set: X12TransactionSet, group: X12FunctionalGroup, interchange: X12Interchange, partner: SystemName) throws -> InboundEvent {
        let raw = JSONWriter.bytes(try PurchaseOrderMapping.cloudEvent(set, group: group, in: interchange, source: partner.source).json)
        return try InboundEvent.decode(try JSONParser.parse(raw), raw: raw)
    }

    /// The TA1 note code and message when the interchange is not from this partner to us.
    static func addressingProblem(_ interchange: X12Interchange, partner: X12Partner, name: SystemName) -> (String, String)? {
        if interchange.senderQualifier != partner.qualifier {
            ("005", "ISA05 \(interchange.senderQualifier) is not \(name)'s qualifier \(partner.qualifier)")
        } else if interchange.sender != partner.interchangeId {
            ("006", "ISA06 \(interchange.sender) is not \(name)'s interchange id \(partner.interchangeId)")
        } else if interchange.receiverQualifier != partner.ourQualifier {
            ("007", "ISA07 \(interchange.receiverQualifier) is not our qualifier \(partner.ourQualifier)")
        } else if interchange.receiver != partner.ourId {
            ("008", "ISA08 \(interchange.receiver) is not our id \(partner.ourId) with \(name)")
        } else {
            nil
        }
    }

    /// What the sets of an interchange become: a 997 verdict per set (by group), the events of the
    /// 850s that map (with their group and set), the partner's own 997s, and the problems found.
    func mapSets(
        _ interchange: X12Interchange, partner name: SystemName
    ) -> (
        verdicts: [[FunctionalAcknowledgement.SetVerdict]], events: [(group: Int, set: Int, event: InboundEvent)],
        acknowledgements: [FunctionalAcknowledgement.Received], problems: [String]
    ) {
        var verdicts: [[FunctionalAcknowledgement.SetVerdict]] = []
        var events: [(group: Int, set: Int, event: InboundEvent)] = []
        var partnerAcknowledgements: [FunctionalAcknowledgement.Received] = []
        var problems: [String] = []
        for (g, group) in interchange.groups.enumerated() {
            var groupVerdicts: [FunctionalAcknowledgement.SetVerdict] = []
            for set in group.sets {
                var verdict = FunctionalAcknowledgement.SetVerdict(code: set.code, control: set.controlNumber)
                switch (group.header[1], set.code) {
                case ("PO", "850"):
                    do {
                        events.append((g, groupVerdicts.count, try event(set, group: group, interchange: interchange, partner: name)))
                    } catch let error as X12Error {
                        verdict = Self.rejection(error, set: set.header, segment: set.segments.first { $0.position == error.segment })
                        problems.append("850 \(set.controlNumber): \(error)")
                    } catch {
                        verdict.error = "5"
                        problems.append("850 \(set.controlNumber): \(error)")
                    }
                case ("FA", "997"):
                    do {
                        partnerAcknowledgements.append(try FunctionalAcknowledgement.read(set))
                    } catch {
                        problems.append("997 \(set.controlNumber): \(error)")
                    }
                default:
                    verdict.error = "1"
                    problems.append("transaction set \(set.code) in a \(group.header[1]) group is not supported")
                }
                groupVerdicts.append(verdict)
            }
            verdicts.append(groupVerdicts)
        }
        return (verdicts, events, partnerAcknowledgements, problems)
    }
}
