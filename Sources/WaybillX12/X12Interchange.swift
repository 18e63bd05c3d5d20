/// The separators an interchange uses, read from its ISA segment.
public struct X12Delimiters: Sendable, Equatable {
    public var element: UInt8
    public var component: UInt8
    public var segment: UInt8

    public init(element: UInt8, component: UInt8, segment: UInt8) {
        self.element = element
        self.component = component
        self.segment = segment
    }
}

/// One segment: its id and elements (element 1 is `elements[0]`), and where it stands.
public struct X12Segment: Sendable, Equatable {
    public var id: String
    public var elements: [String]
    /// 1-based position in the interchange.
    public var position: Int

    public init(id: String, elements: [String], position: Int) {
        self.id = id
        self.elements = elements
        self.position = position
    }

    /// Element `n` (1-based), or an empty string when absent.
    public subscript(n: Int) -> String { n >= 1 && n <= elements.count ? elements[n - 1] : "" }
}

/// A transaction set (ST … SE).
public struct X12TransactionSet: Sendable, Equatable {
    public var header: X12Segment
    /// The segments between ST and SE.
    public var segments: [X12Segment]
    public var trailer: X12Segment

    /// The set identifier (850, 855, 856, 810, 997).
    public var code: String { header[1] }
    public var controlNumber: String { header[2] }
}

/// A functional group (GS … GE).
public struct X12FunctionalGroup: Sendable, Equatable {
    public var header: X12Segment
    public var sets: [X12TransactionSet]
    public var trailer: X12Segment

    public var controlNumber: String { header[6] }
}

/// One interchange (ISA … IEA).
public struct X12Interchange: Sendable, Equatable {
    public var delimiters: X12Delimiters
    public var header: X12Segment
    /// TA1 interchange acknowledgements carried before the first group.
    public var acknowledgements: [X12Segment]
    public var groups: [X12FunctionalGroup]
    public var trailer: X12Segment

    public init(delimiters: X12Delimiters, header: X12Segment, acknowledgements: [X12Segment] = [], groups: [X12FunctionalGroup], trailer: X12Segment) {
        self.delimiters = delimiters
        self.header = header
        self.acknowledgements = acknowledgements
        self.groups = groups
        self.trailer = trailer
    }

    public var sender: String { header[6].trimmingTrailingSpaces }
    public var receiver: String { header[8].trimmingTrailingSpaces }
    public var controlNumber: String { header[13] }
    public var senderQualifier: String { header[5] }
    public var receiverQualifier: String { header[7] }
}

extension String {
    var trimmingTrailingSpaces: String {
        var s = Substring(self)
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
