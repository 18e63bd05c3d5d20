/// Writes X12 interchanges with correct envelopes: ISA fields padded to their widths, SE01
/// counted, GE01/IEA01 counted, control numbers in headers and trailers matching.
///
/// ```swift
/// let bytes = X12Writer(delimiters: .standard).interchange(
///     envelope, control: 906, groups: [.init(code: "PR", control: 906, sets: [set855])])
/// ```
public struct X12Writer: Sendable {
    public let delimiters: X12Delimiters
    /// Written after each segment terminator (a newline keeps files readable).
    public let lineBreak: Bool

    public init(delimiters: X12Delimiters = .standard, lineBreak: Bool = true) {
        self.delimiters = delimiters
        self.lineBreak = lineBreak
    }

    /// Who the interchange is from and to, and when.
    public struct Envelope: Sendable {
        public var senderQualifier: String
        public var sender: String
        public var receiverQualifier: String
        public var receiver: String
        /// YYMMDD and HHMM, and CCYYMMDD for the GS date.
        public var date: String
        public var time: String
        public var groupDate: String
        public var testIndicator: String

        public init(
            senderQualifier: String, sender: String, receiverQualifier: String, receiver: String, date: String, time: String,
            groupDate: String, testIndicator: String = "P"
        ) {
            self.senderQualifier = senderQualifier
            self.sender = sender
            self.receiverQualifier = receiverQualifier
            self.receiver = receiver
            self.date = date
            self.time = time
            self.groupDate = groupDate
            self.testIndicator = testIndicator
        }
    }

    /// A transaction set to write: its code and the segments between ST and SE.
    public struct Set: Sendable {
        public var code: String
        public var segments: [[String]]

        public init(code: String, segments: [[String]]) {
            self.code = code
            self.segments = segments
        }
    }

    /// A functional group: its functional identifier code (PO, PR, SH, IN, FA) and sets.
    public struct Group: Sendable {
        public var code: String
        public var sets: [Set]

        public init(code: String, sets: [Set]) {
            self.code = code
            self.sets = sets
        }
    }

    /// One interchange; `control` is ISA13 and GS06 (one sequence per partner, see DESIGN.md).
    public func interchange(_ envelope: Envelope, control: Int, groups: [Group]) -> [UInt8] {
        var out: [UInt8] = []
        let controlText = Self.controlNumber(control)
        segment(&out, isa(envelope, controlText))
        for group in groups {
            segment(&out, ["GS", group.code, envelope.sender, envelope.receiver, envelope.groupDate, envelope.time, String(control), "X", "004010"])
            for (n, set) in group.sets.enumerated() {
                let setControl = pad(String(n + 1), 4, with: "0", left: true)
                segment(&out, ["ST", set.code, setControl])
                for s in set.segments { segment(&out, s) }
                segment(&out, ["SE", String(set.segments.count + 2), setControl])
            }
            segment(&out, ["GE", String(group.sets.count), String(control)])
        }
        segment(&out, ["IEA", String(groups.count), controlText])
        return out
    }

    /// An interchange that carries only a TA1: the answer to an interchange whose envelope could
    /// not be accepted (or, with note `000`, one that was).
    ///
    /// - Parameters:
    ///   - received: the ISA of the interchange acknowledged (its ISA13, ISA09 and ISA10 are quoted).
    ///   - accepted: TA104 `A`, else `R`.
    ///   - note: TA105, the interchange note code (`000` no error, `001` control number mismatch, …).
    public func interchangeAcknowledgement(_ envelope: Envelope, control: Int, received: X12Segment, accepted: Bool, note: String) -> [UInt8] {
        var out: [UInt8] = []
        let controlText = Self.controlNumber(control)
        segment(&out, isa(envelope, controlText))
        let receivedControl = received[13].isEmpty ? "000000000" : received[13]
        let date = received[9].isEmpty ? envelope.date : received[9]
        let time = received[10].isEmpty ? envelope.time : received[10]
        segment(&out, ["TA1", receivedControl, date, time, accepted ? "A" : "R", note])
        segment(&out, ["IEA", "0", controlText])
        return out
    }

    /// An interchange control number as ISA13 writes it: nine digits, zero-padded.
    public static func controlNumber(_ control: Int) -> String {
        let digits = String(control)
        return String(repeating: "0", count: max(0, 9 - digits.count)) + digits
    }

    func isa(_ envelope: Envelope, _ controlText: String) -> [String] {
        [
            "ISA", "00", pad("", 10), "00", pad("", 10), envelope.senderQualifier, pad(envelope.sender, 15),
            envelope.receiverQualifier, pad(envelope.receiver, 15), envelope.date, envelope.time, "U", "00401",
            controlText, "0", envelope.testIndicator, String(UnicodeScalar(delimiters.component)),
        ]
    }

    func segment(_ out: inout [UInt8], _ elements: [String]) {
        var trimmed = elements
        while trimmed.count > 1, trimmed.last == "" { trimmed.removeLast() }
        for (i, element) in trimmed.enumerated() {
            if i > 0 { out.append(delimiters.element) }
            out.append(contentsOf: element.utf8)
        }
        out.append(delimiters.segment)
        if lineBreak { out.append(0x0A) }
    }

    func pad(_ text: String, _ width: Int, with fill: Character = " ", left: Bool = false) -> String {
        let cut = String(text.prefix(width))
        let padding = String(repeating: fill, count: width - cut.count)
        return left ? padding + cut : cut + padding
    }
}

extension X12Delimiters {
    /// `*` between elements, `>` between components, `~` after segments.
    public static let standard = X12Delimiters(element: UInt8(ascii: "*"), component: UInt8(ascii: ">"), segment: UInt8(ascii: "~"))
}
