import WaybillCore

/// What came of an interchange a trading partner sent: the acknowledgement that answers it and
/// the outcome of each event it became.
public struct EDIReceipt: Sendable {
    public enum Verdict: String, Sendable {
        /// Every set was accepted and stored.
        case accepted
        /// Stored, with errors noted (for example an item the hub does not know: the order waits).
        case acceptedWithErrors = "accepted_with_errors"
        /// Some sets were stored, others rejected.
        case partiallyAccepted = "partially_accepted"
        /// Nothing was stored: the envelope or every set was wrong.
        case rejected
        /// The same interchange was received before; answered as then, nothing new stored.
        case duplicate
    }

    public var verdict: Verdict
    /// `997`, `TA1`, or nil when nothing is owed (a 997 from the partner is not acknowledged).
    public var responseSet: String?
    /// The acknowledgement interchange, byte for byte.
    public var response: [UInt8]
    public var results: [EventResult]
    /// One line for people and logs.
    public var summary: String

    /// Whether what the interchange carried is stored (now or before).
    public var stored: Bool { verdict != .rejected }
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
