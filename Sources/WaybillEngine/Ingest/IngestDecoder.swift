import WaybillCore
import WaybillStore

/// One event of a request after decoding: valid, or refused with a precise error.
public enum IngestItem: Sendable {
    case event(InboundEvent)
    case invalid(source: String?, id: String?, subject: String?, error: WaybillError)
}

/// Turns a request body into events. Pure and safe to run on many tasks at once.
public enum IngestDecoder {
    /// The most events one batch may carry.
    public static let maxBatch = 1_000

    /// Decodes one CloudEvent or a batch (a JSON array).
    ///
    /// Throws when the request as a whole is refused (not JSON, not a CloudEvent, batch too
    /// large); a batch element that is wrong becomes an `.invalid` item and the rest go on.
    public static func decode(_ body: [UInt8]) throws(WaybillError) -> [IngestItem] {
        var first = 0
        while first < body.count, [0x20, 0x0A, 0x0D, 0x09].contains(body[first]) { first += 1 }
        if first < body.count, body[first] == UInt8(ascii: "[") {
            let elements: [(JSONValue, Range<Int>)]
            do { elements = try JSONParser.parseArrayWithRanges(body) } catch { throw WaybillError(.invalidJSON, error.description) }
            guard !elements.isEmpty else { throw WaybillError(.notACloudEvent, "the batch is empty", at: "$") }
            guard elements.count <= maxBatch else {
                throw WaybillError(.batchTooLarge, "a batch holds at most \(maxBatch) events, this one \(elements.count)", at: "$")
            }
            return elements.enumerated().map { index, element in
                item(element.0, raw: Array(body[element.1]), at: "$[\(index)]")
            }
        }
        let value: JSONValue
        do { value = try JSONParser.parse(body) } catch { throw WaybillError(.invalidJSON, error.description) }
        let single = item(value, raw: body, at: "$")
        if case .invalid(_, _, _, let error) = single, error.code == .notACloudEvent || error.code == .invalidEnvelope {
            throw error
        }
        return [single]
    }

    static func item(_ value: JSONValue, raw: [UInt8], at path: String) -> IngestItem {
        do {
            return .event(try InboundEvent.decode(value, raw: raw, at: path))
        } catch {
            func attribute(_ name: String) -> String? { if case .string(let s)? = value[name] { s } else { nil } }
            return .invalid(source: attribute("source"), id: attribute("id"), subject: attribute("subject"), error: error)
        }
    }
}

/// The outcome of one event, as `POST /v1/events` reports it.
public struct EventResult: Sendable, Equatable {
    public var source: String?
    public var id: String?
    public var outcome: IngestOutcome
    public var code: String?
    public var detail: String?
    public var orderId: OrderID?

    public init(source: String?, id: String?, outcome: IngestOutcome, code: String? = nil, detail: String? = nil, orderId: OrderID? = nil) {
        self.source = source
        self.id = id
        self.outcome = outcome
        self.code = code
        self.detail = detail
        self.orderId = orderId
    }

    public var json: JSONValue {
        .members([
            ("source", source.map(JSONValue.string)), ("id", id.map(JSONValue.string)), ("outcome", .string(outcome.rawValue)),
            ("code", code.map(JSONValue.string)), ("detail", detail.map(JSONValue.string)), ("orderId", orderId.map { .string($0.rawValue) }),
        ])
    }
}
