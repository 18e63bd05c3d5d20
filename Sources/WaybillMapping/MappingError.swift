/// Why a mapping could not be read, or could not map a payload: a stable `code`, a message, the
/// rule (mapping file, line and rule path, such as `shopify.yml:31 events[1].data.lines.quantity`)
/// and the input path (`$.line_items[2].quantity`) when the payload is at fault.
public struct MappingError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The expression or the mapping file is malformed.
        case syntax = "mapping_syntax"
        /// The payload lacks a value the mapping requires.
        case missingValue = "missing_value"
        /// A value is of the wrong type for what the mapping does with it.
        case typeMismatch = "type_mismatch"
        /// A value-map has no entry for a value.
        case unmappedValue = "unmapped_value"
        /// The mapped event is not a valid canonical event.
        case invalidEvent = "invalid_mapped_event"
    }

    public let code: Code
    public let message: String
    /// `file:line rule-path`, when known.
    public var rule: String?
    /// The JSON path in the payload, when the payload is at fault.
    public var inputPath: String?

    public init(_ code: Code, _ message: String, rule: String? = nil, inputPath: String? = nil) {
        self.code = code
        self.message = message
        self.rule = rule
        self.inputPath = inputPath
    }

    public var description: String {
        var text = "\(code.rawValue): \(message)"
        if let inputPath { text += " (input \(inputPath))" }
        if let rule { text += " [rule \(rule)]" }
        return text
    }

    /// The same error, located at `rule` unless it already names one.
    func at(rule: String) -> MappingError {
        var located = self
        if located.rule == nil { located.rule = rule }
        return located
    }
}
