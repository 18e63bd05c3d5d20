import WaybillCore
import WaybillStore
import WaybillX12

extension X12Partner {
    /// Writes an acknowledgement we owe this partner (a 997 or a TA1) under the next number of its
    /// control sequence, and records it as sent — nothing comes back for an acknowledgement.
    ///
    /// - Parameters:
    ///   - reference: the ISA13 of the interchange it answers.
    ///   - write: the interchange, given our envelope and the control number.
    func acknowledgement(
        _ setCode: String, answering reference: String, as name: SystemName, at now: Timestamp, in tx: any StoreTransaction,
        write: (X12Writer.Envelope, Int) -> [UInt8]
    ) throws -> [UInt8] {
        let control = try tx.nextControlNumber(partner: name)
        let bytes = write(envelope(at: now), control)
        try tx.record(
            OutboundInterchange(
                partner: name, control: control, setCode: setCode, deliveryId: nil, key: nil, reference: reference.isEmpty ? "?" : reference,
                sentAt: now, ackDueAt: nil, status: .notExpected))
        return bytes
    }
}
