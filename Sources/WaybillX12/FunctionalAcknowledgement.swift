/// The 997 functional acknowledgement, both ways: built for every functional group we receive
/// (AK1 for the group, AK2 / AK3 / AK4 / AK5 per transaction set, AK9 with the group's verdict:
/// A accepted, E accepted with errors noted, P partially accepted — some sets rejected —, R
/// rejected), and read from the 997s partners send us.
public enum FunctionalAcknowledgement {
    /// An error in one segment of a set: AK3, with the element in error as AK4.
    public struct SegmentError: Sendable, Equatable {
        public var segmentId: String
        /// Position in the set, ST = 1.
        public var position: Int
        /// AK304: 1 unrecognized segment, 2 unexpected, 3 mandatory missing, 8 segment has data element errors.
        public var code: String
        public var element: Int?
        /// AK403: 1 mandatory missing, 6 invalid character, 7 invalid code value, 8 invalid date, …
        public var elementCode: String?
        public var value: String?

        public init(segmentId: String, position: Int, code: String, element: Int? = nil, elementCode: String? = nil, value: String? = nil) {
            self.segmentId = segmentId
            self.position = position
            self.code = code
            self.element = element
            self.elementCode = elementCode
            self.value = value
        }
    }

    /// The verdict on one received transaction set.
    public struct SetVerdict: Sendable, Equatable {
        public var code: String
        public var control: String
        /// nil when accepted (AK5 `A`, or `E` when segment errors are noted); otherwise the AK5
        /// syntax error code (1–5) of a rejected set.
        public var error: String?
        public var segmentErrors: [SegmentError]

        public init(code: String, control: String, error: String? = nil, segmentErrors: [SegmentError] = []) {
            self.code = code
            self.control = control
            self.error = error
            self.segmentErrors = segmentErrors
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
            for error in set.segmentErrors {
                segments.append(["AK3", error.segmentId, String(error.position), "", error.code])
                if let element = error.element {
                    segments.append(["AK4", String(element), "", error.elementCode ?? "", error.value.map { String($0.prefix(99)) } ?? ""])
                }
            }
            segments.append(set.error.map { ["AK5", "R", $0] } ?? (set.segmentErrors.isEmpty ? ["AK5", "A"] : ["AK5", "E"]))
        }
        let accepted = sets.filter { $0.error == nil }.count
        let verdict: String
        if groupError != nil || (accepted == 0 && !sets.isEmpty) {
            verdict = "R"
        } else if accepted < sets.count {
            verdict = "P"
        } else if sets.contains(where: { !$0.segmentErrors.isEmpty }) {
            verdict = "E"
        } else {
            verdict = "A"
        }
        segments.append(["AK9", verdict, String(sets.count), String(sets.count), String(accepted)] + (groupError.map { [$0] } ?? []))
        return segments
    }

    /// What a partner's 997 says of one of our groups.
    public struct Received: Sendable, Equatable {
        /// AK101, the functional code of our group (PR, SH, IN).
        public var functionalCode: String
        /// AK102: our GS06, which is our ISA13 as well.
        public var groupControl: String
        /// AK901: A accepted, E accepted with errors, P partially accepted, R rejected.
        public var verdict: String
        /// AK2/AK5 per set: our ST02 and its AK501, with the AK502… codes.
        public var sets: [(control: String, status: String, codes: [String])]
        /// AK905… group error codes.
        public var groupCodes: [String]

        public static func == (a: Received, b: Received) -> Bool {
            a.functionalCode == b.functionalCode && a.groupControl == b.groupControl && a.verdict == b.verdict && a.groupCodes == b.groupCodes
                && a.sets.map { "\($0.control)|\($0.status)|\($0.codes)" } == b.sets.map { "\($0.control)|\($0.status)|\($0.codes)" }
        }

        /// One line for people: "AK9 R (5); set 0001 R (4)".
        public var note: String {
            var text = "AK9 \(verdict)" + (groupCodes.isEmpty ? "" : " (\(groupCodes.joined(separator: ", ")))")
            for set in sets where set.status != "A" {
                text += "; set \(set.control) \(set.status)" + (set.codes.isEmpty ? "" : " (\(set.codes.joined(separator: ", ")))")
            }
            return text
        }
    }

    /// Reads a 997 set.
    public static func read(_ set: X12TransactionSet) throws(X12Error) -> Received {
        guard set.code == "997" else {
            throw X12Error(.unexpectedSegment, "transaction set \(set.code) is not a 997", segment: set.header.position, element: 1)
        }
        guard let ak1 = set.segments.first(where: { $0.id == "AK1" }), !ak1[2].isEmpty else {
            throw X12Error(.unexpectedSegment, "the 997 has no AK1 naming the group it acknowledges", segment: set.header.position)
        }
        guard let ak9 = set.segments.last(where: { $0.id == "AK9" }), ["A", "E", "P", "R", "M", "W", "X"].contains(ak9[1]) else {
            throw X12Error(.unexpectedSegment, "the 997 has no AK9 with a verdict (A, E, P or R)", segment: set.trailer.position)
        }
        var sets: [(control: String, status: String, codes: [String])] = []
        var current: String?
        for segment in set.segments {
            switch segment.id {
            case "AK2": current = segment[2]
            case "AK5":
                sets.append((current ?? "", segment[1], (2...6).map { segment[$0] }.filter { !$0.isEmpty }))
                current = nil
            default: break
            }
        }
        return Received(
            functionalCode: ak1[1], groupControl: ak1[2], verdict: ak9[1], sets: sets, groupCodes: (5...9).map { ak9[$0] }.filter { !$0.isEmpty })
    }
}
