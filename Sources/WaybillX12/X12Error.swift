/// Why an interchange cannot be read, with the codes a translator reports: the TA1 interchange
/// note code for envelope errors, the 997 AK5/AK9 codes for set and group errors.
public struct X12Error: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case notAnInterchange = "not_an_interchange"
        case invalidISA = "invalid_isa"
        case interchangeControlMismatch = "interchange_control_mismatch"
        case groupCountMismatch = "group_count_mismatch"
        case missingTrailer = "missing_trailer"
        case unexpectedSegment = "unexpected_segment"
        case groupControlMismatch = "group_control_mismatch"
        case setCountMismatch = "set_count_mismatch"
        case setControlMismatch = "set_control_mismatch"
        case segmentCountMismatch = "segment_count_mismatch"
        /// A control total in the set (CTT01 line count) that does not match its lines.
        case controlTotalMismatch = "control_total_mismatch"
        case invalidNumber = "invalid_number"
        case truncated
    }

    public let kind: Kind
    public let message: String
    /// 1-based position of the segment in the interchange.
    public let segment: Int?
    /// 1-based element number within the segment.
    public let element: Int?

    public init(_ kind: Kind, _ message: String, segment: Int? = nil, element: Int? = nil) {
        self.kind = kind
        self.message = message
        self.segment = segment
        self.element = element
    }

    /// The TA1 interchange note code (envelope errors), if this is one.
    public var ta1Code: String? {
        switch kind {
        case .interchangeControlMismatch: return "001"
        case .invalidISA, .notAnInterchange: return "024"
        case .groupCountMismatch: return "021"
        case .truncated: return "023"
        case .missingTrailer where segment == nil: return "022"
        default: return nil
        }
    }

    /// The 997 code: AK5 for transaction sets, AK9 for groups.
    public var ackCode: String? {
        switch kind {
        case .setControlMismatch: return "AK5:3"
        case .segmentCountMismatch: return "AK5:4"
        case .groupControlMismatch: return "AK9:4"
        case .setCountMismatch: return "AK9:5"
        default: return nil
        }
    }

    public var description: String {
        var where_ = ""
        if let segment { where_ += " (segment \(segment)" + (element.map { ", element \($0)" } ?? "") + ")" }
        return "\(kind.rawValue): \(message)\(where_)"
    }
}
