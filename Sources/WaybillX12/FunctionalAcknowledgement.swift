/// Builds the 997 for an inbound functional group: AK1 for the group, AK2/AK5 per transaction
/// set, AK9 with the group's verdict (A accepted, E accepted with errors, R rejected).
public enum FunctionalAcknowledgement {
    /// The verdict on one received transaction set.
    public struct SetVerdict: Sendable, Equatable {
        public var code: String
        public var control: String
        /// nil when accepted; otherwise the AK5 syntax error code (1–5).
        public var error: String?

        public init(code: String, control: String, error: String? = nil) {
            self.code = code
            self.control = control
            self.error = error
        }
    }

    /// The segments of the 997 (between ST and SE) for a group.
    ///
    /// - Parameters:
    ///   - functionalCode: GS01 of the received group (PO for 850s).
    ///   - groupControl: GS06 of the received group.
    ///   - groupError: an AK9 syntax error code when the group envelope itself is wrong.
    public static func segments(functionalCode: String, groupControl: String, sets: [SetVerdict], groupError: String? = nil) -> [[String]] {
        var segments: [[String]] = [["AK1", functionalCode, groupControl]]
        for set in sets {
            segments.append(["AK2", set.code, set.control])
            segments.append(set.error.map { ["AK5", "R", $0] } ?? ["AK5", "A"])
        }
        let accepted = sets.filter { $0.error == nil }.count
        let verdict: String
        if groupError != nil || (accepted == 0 && !sets.isEmpty) {
            verdict = "R"
        } else if accepted < sets.count {
            verdict = "E"
        } else {
            verdict = "A"
        }
        segments.append(["AK9", verdict, String(sets.count), String(sets.count), String(accepted)] + (groupError.map { [$0] } ?? []))
        return segments
    }
}
