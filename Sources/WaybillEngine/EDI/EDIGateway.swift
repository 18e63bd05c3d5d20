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
        let addressing: (String, String)? =
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
                        let data = try PurchaseOrderMapping.orderPlaced(set, in: interchange)
                        events.append((g, groupVerdicts.count, try event(data, set: set, group: group, interchange: interchange, partner: name)))
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

        let results = events.isEmpty ? [] : try await hub.ingest(events.map { .event($0.event) })
        // Items the hub does not know park the order (a mapping exception): the set is accepted
        // with the error noted on each PO1 (AK3/AK4), so the partner hears of it at once.
        for ((g, s, event), result) in zip(events, results) where result.outcome == .parked {
            let set = interchange.groups[g].sets[s]
            verdicts[g][s].segmentErrors = try await unknownItems(in: set, partner: name)
            if case .orderPlaced(let order) = event.payload { problems.append("order \(order.orderId) waits for item master data") }
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
                let control = try tx.nextControlNumber(partner: name)
                response = X12Writer().interchangeAcknowledgement(partner.envelope(at: now), control: control, received: header, accepted: true, note: "000")
                try tx.record(
                    OutboundInterchange(
                        partner: name, control: control, setCode: "TA1", deliveryId: nil, key: nil, reference: header[13], sentAt: now, ackDueAt: nil,
                        status: .notExpected))
            }
            if !answered.isEmpty {
                let control = try tx.nextControlNumber(partner: name)
                let sets = answered.map { g, group in
                    X12Writer.Set(
                        code: "997",
                        segments: FunctionalAcknowledgement.segments(functionalCode: group.header[1], groupControl: group.controlNumber, sets: finalVerdicts[g])
                    )
                }
                response += X12Writer().interchange(partner.envelope(at: now), control: control, groups: [.init(code: "FA", sets: sets)])
                try tx.record(
                    OutboundInterchange(
                        partner: name, control: control, setCode: "997", deliveryId: nil, key: nil, reference: interchange.controlNumber, sentAt: now,
                        ackDueAt: nil, status: .notExpected))
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

    /// The CloudEvent an 850 becomes: id `<ISA13>-<GS06>-<ST02>` (a resend is a duplicate),
    /// source the partner, time the group's date and time.
    func event(
        _ data: JSONValue, set: X12TransactionSet, group: X12FunctionalGroup, interchange: X12Interchange, partner: SystemName
    ) throws
        -> InboundEvent
    {
        let date = group.header[4]
        let time = group.header[5]
        var at: Timestamp?
        if date.count == 8, time.count >= 4 {
            let d = Array(date)
            let t = Array(time)
            at = Timestamp(rfc3339: "\(String(d[0..<4]))-\(String(d[4..<6]))-\(String(d[6..<8]))T\(String(t[0..<2])):\(String(t[2..<4])):00Z")
        }
        let orderId: String? = if case .string(let s)? = data["orderId"] { s } else { nil }
        let cloudEvent = CloudEvent(
            id: "\(interchange.controlNumber)-\(group.controlNumber)-\(set.controlNumber)", source: partner.source, type: .orderPlaced, subject: orderId,
            time: at, traceparent: nil, data: data)
        let raw = JSONWriter.bytes(cloudEvent.json)
        return try InboundEvent.decode(try JSONParser.parse(raw), raw: raw)
    }

    /// The AK3/AK4 notes for each PO1 whose item the hub cannot resolve.
    func unknownItems(in set: X12TransactionSet, partner: SystemName) async throws -> [FunctionalAcknowledgement.SegmentError] {
        let lines = set.segments.filter { $0.id == "PO1" }
        return try await hub.store.read { reader in
            var errors: [FunctionalAcknowledgement.SegmentError] = []
            for po1 in lines {
                var n = 6
                var item: (element: Int, value: String)?
                while n + 1 <= po1.elements.count {
                    if ["VP", "BP", "IN"].contains(po1[n]), !po1[n + 1].isEmpty, item == nil || po1[n] == "VP" { item = (n + 1, po1[n + 1]) }
                    n += 2
                }
                guard let item else { continue }
                let known =
                    try reader.product(SKU(item.value)) != nil
                    || reader.crossReference(kind: "product", system: partner, external: item.value) != nil
                if !known {
                    errors.append(
                        .init(
                            segmentId: "PO1", position: po1.position - set.header.position + 1, code: "8", element: item.element, elementCode: "7",
                            value: item.value))
                }
            }
            return errors
        }
    }

    /// Applies a partner's 997s to the documents we sent it; returns the problems found.
    func apply(_ acknowledgements: [FunctionalAcknowledgement.Received], partner: SystemName) async throws -> [String] {
        guard !acknowledgements.isEmpty else { return [] }
        let now = hub.clock.now()
        return try await hub.store.write { tx in
            var problems: [String] = []
            for ack in acknowledgements {
                guard let control = Int(ack.groupControl), let sent = try tx.outboundInterchange(partner: partner, control: control) else {
                    problems.append("a 997 acknowledges group \(ack.groupControl), which Waybill never sent \(partner)")
                    try tx.raise(
                        NewException(
                            kind: .edi, code: ErrorCode.ediRejected.rawValue, key: nil, eventSeq: nil,
                            message: "\(partner) sent a 997 for group \(ack.groupControl), which Waybill never sent it", raisedAt: now))
                    continue
                }
                let status: OutboundInterchange.Status =
                    switch ack.verdict {
                    case "A": .accepted
                    case "E": .acceptedWithErrors
                    default: .rejected
                    }
                _ = try tx.updateInterchange(partner: partner, control: control, status: status, note: ack.note)
                if status == .rejected {
                    problems.append("\(partner) rejected our \(sent.setCode) \(control)")
                    try tx.raise(
                        NewException(
                            kind: .edi, code: ErrorCode.ediRejected.rawValue, key: sent.key, eventSeq: nil,
                            message: "\(partner) rejected the \(sent.setCode) for \(sent.reference) (interchange \(control)): \(ack.note)", raisedAt: now))
                } else if sent.status == .overdue {
                    // A late 997 settles the overdue exception it raised.
                    if let key = sent.key { try tx.settleExceptions(key: key, kind: .edi, at: now, by: "\(partner) 997") }
                }
            }
            return problems
        }
    }

    /// The 997 verdict of a set that cannot be read or mapped.
    static func rejection(_ error: X12Error, set: X12Segment, segment: X12Segment?) -> FunctionalAcknowledgement.SetVerdict {
        var verdict = FunctionalAcknowledgement.SetVerdict(code: set[1], control: set[2])
        if let code = error.ackCode, code.hasPrefix("AK5:") {
            verdict.error = String(code.dropFirst(4))
            return verdict
        }
        if error.kind == .missingTrailer {
            verdict.error = "2"
            return verdict
        }
        verdict.error = "5"
        if let position = error.segment {
            let id = segment?.id ?? (position == set.position ? "ST" : "SE")
            let elementCode = error.kind == .invalidNumber ? "6" : "7"
            verdict.segmentErrors = [
                .init(
                    segmentId: id, position: position - set.position + 1, code: error.element == nil ? "2" : "8", element: error.element,
                    elementCode: error.element == nil ? nil : elementCode, value: error.element.flatMap { segment?[$0] })
            ]
        }
        return verdict
    }

    /// Answers an interchange that cannot be read: a TA1 for envelope errors, else a 997 that
    /// rejects the group or set the error is in. Nothing is stored but the answer and an
    /// exception for the integration team.
    func refuse(_ error: X12Error, bytes: [UInt8], partner: X12Partner, name: SystemName) async throws -> EDIReceipt {
        let (isa, enclosingGroup, set, segment) = X12Reader.enclosing(bytes, position: error.segment ?? 1)
        let now = hub.clock.now()
        let summary = "interchange rejected: \(error)"
        guard error.ta1Code == nil, let group = enclosingGroup else {
            let received = isa ?? X12Segment(id: "ISA", elements: [], position: 1)
            return try await interchangeRejected(received, note: error.ta1Code ?? "024", message: "\(error)", partner: partner, name: name)
        }
        var verdicts: [FunctionalAcknowledgement.SetVerdict] = []
        var groupError: String?
        if let ak9 = error.ackCode, ak9.hasPrefix("AK9:") {
            groupError = String(ak9.dropFirst(4))
        } else if let set {
            verdicts = [Self.rejection(error, set: set, segment: segment)]
        } else {
            groupError = error.kind == .missingTrailer ? "3" : "1"
        }
        let setVerdicts = verdicts
        let groupCode = groupError ?? (verdicts.isEmpty ? "1" : nil)
        let response = try await hub.store.write { tx -> [UInt8] in
            let control = try tx.nextControlNumber(partner: name)
            let segments = FunctionalAcknowledgement.segments(
                functionalCode: group[1], groupControl: group[6], sets: setVerdicts, groupError: groupCode)
            let response = X12Writer().interchange(
                partner.envelope(at: now), control: control, groups: [.init(code: "FA", sets: [.init(code: "997", segments: segments)])])
            try tx.record(
                OutboundInterchange(
                    partner: name, control: control, setCode: "997", deliveryId: nil, key: nil, reference: isa?[13] ?? "?", sentAt: now, ackDueAt: nil,
                    status: .notExpected))
            try tx.raise(NewException(kind: .edi, code: ErrorCode.ediEnvelope.rawValue, key: nil, eventSeq: nil, message: "\(name): \(summary)", raisedAt: now))
            return response
        }
        hub.logger.warning("EDI interchange rejected", metadata: ["waybill.partner": "\(name)", "waybill.error": "\(error)"])
        return EDIReceipt(verdict: .rejected, responseSet: "997", response: response, results: [], summary: summary)
    }

    /// Answers with a TA1 that rejects the interchange (`note` is the TA105 code).
    func interchangeRejected(_ received: X12Segment, note: String, message: String, partner: X12Partner, name: SystemName) async throws -> EDIReceipt {
        let now = hub.clock.now()
        let response = try await hub.store.write { tx -> [UInt8] in
            let control = try tx.nextControlNumber(partner: name)
            let response = X12Writer().interchangeAcknowledgement(partner.envelope(at: now), control: control, received: received, accepted: false, note: note)
            try tx.record(
                OutboundInterchange(
                    partner: name, control: control, setCode: "TA1", deliveryId: nil, key: nil, reference: received[13].isEmpty ? "?" : received[13],
                    sentAt: now, ackDueAt: nil, status: .notExpected))
            try tx.raise(
                NewException(
                    kind: .edi, code: ErrorCode.ediEnvelope.rawValue, key: nil, eventSeq: nil,
                    message: "\(name): interchange rejected (TA1 \(note)): \(message)", raisedAt: now))
            return response
        }
        hub.logger.warning("EDI interchange rejected", metadata: ["waybill.partner": "\(name)", "waybill.ta1": "\(note)", "waybill.error": "\(message)"])
        return EDIReceipt(verdict: .rejected, responseSet: "TA1", response: response, results: [], summary: "interchange rejected (TA1 \(note)): \(message)")
    }
}

extension EDIReceipt {
    /// One receipt for a file of several interchanges: answers concatenated, the worst verdict.
    static func combined(_ receipts: [EDIReceipt]) -> EDIReceipt {
        guard receipts.count != 1 else { return receipts[0] }
        let order: [Verdict] = [.rejected, .partiallyAccepted, .acceptedWithErrors, .duplicate, .accepted]
        let verdict = order.first { v in receipts.contains { $0.verdict == v } } ?? .accepted
        let sets = Set(receipts.compactMap(\.responseSet))
        return EDIReceipt(
            verdict: verdict, responseSet: sets.count == 1 ? sets.first : sets.sorted().joined(separator: "+"), response: receipts.flatMap(\.response),
            results: receipts.flatMap(\.results), summary: receipts.map(\.summary).joined(separator: " | "))
    }
}
