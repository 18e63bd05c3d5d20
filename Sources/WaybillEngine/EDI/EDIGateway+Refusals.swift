import Logging
import WaybillCore
import WaybillStore
import WaybillX12

extension EDIGateway {
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
        let segments = FunctionalAcknowledgement.segments(functionalCode: group[1], groupControl: group[6], sets: setVerdicts, groupError: groupCode)
        let response = try await hub.store.write { tx -> [UInt8] in
            let response = try partner.acknowledgement("997", answering: isa?[13] ?? "", as: name, at: now, in: tx) { envelope, control in
                X12Writer().interchange(envelope, control: control, groups: [.init(code: "FA", sets: [.init(code: "997", segments: segments)])])
            }
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
            let response = try partner.acknowledgement("TA1", answering: received[13], as: name, at: now, in: tx) { envelope, control in
                X12Writer().interchangeAcknowledgement(envelope, control: control, received: received, accepted: false, note: note)
            }
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
