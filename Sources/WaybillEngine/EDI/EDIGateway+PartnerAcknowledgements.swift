import WaybillCore
import WaybillStore
import WaybillX12

extension EDIGateway {
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
}
