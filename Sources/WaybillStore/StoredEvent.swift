import WaybillCore

/// Whether an event came from a system or was emitted by the hub.
public enum EventOrigin: String, Sendable {
    case inbound, hub
    /// The point at which a parked inbound event (`causeSeq`) was applied: its deliveries are
    /// numbered here, after what the hub applied before it, so that subscribers hear of cause
    /// before effect (the order before the shipment that waited for it). Carries the inbound
    /// event's bytes; rebuilds skip it.
    case applied
    /// A refused inbound event (`causeSeq`) reprocessed here by a person after its cause was
    /// fixed: applied at this position, its deliveries numbered here. Carries the inbound
    /// event's bytes; a rebuild applies it here again.
    case reprocessed
}

/// What became of an inbound event.
public enum IngestOutcome: String, Sendable, CaseIterable {
    case accepted, duplicate, parked, exception
}

/// One entry of the append-only event log, as it is written.
public struct NewEvent: Sendable {
    public var source: String
    public var eventId: String
    public var type: EventType
    public var subject: String?
    /// The order (`order:SO-1`) or other record (`customer:C-1`) the event is about; deliveries
    /// keep order per key.
    public var key: String
    public var eventTime: Timestamp
    public var receivedAt: Timestamp
    public var traceId: String
    public var origin: EventOrigin
    /// The inbound event that caused a hub event.
    public var causeSeq: Int64?
    /// The bytes as the sender sent them (inbound events only).
    public var raw: [UInt8]?
    /// The CloudEvent the hub delivers for a hub event. `nil` for inbound events: their
    /// forwarded form (canonical ids, the hub's id) is built from `raw` when delivered.
    public var body: [UInt8]?

    public init(
        source: String, eventId: String, type: EventType, subject: String?, key: String, eventTime: Timestamp, receivedAt: Timestamp,
        traceId: String, origin: EventOrigin, causeSeq: Int64? = nil, raw: [UInt8]?, body: [UInt8]?
    ) {
        self.source = source
        self.eventId = eventId
        self.type = type
        self.subject = subject
        self.key = key
        self.eventTime = eventTime
        self.receivedAt = receivedAt
        self.traceId = traceId
        self.origin = origin
        self.causeSeq = causeSeq
        self.raw = raw
        self.body = body
    }
}

/// An event as read back from the log, with its sequence number and what became of it.
public struct StoredEvent: Sendable {
    public var seq: Int64
    public var event: NewEvent
    public var outcome: IngestOutcome?
    public var code: String?

    public init(seq: Int64, event: NewEvent, outcome: IngestOutcome?, code: String?) {
        self.seq = seq
        self.event = event
        self.outcome = outcome
        self.code = code
    }
}

/// A record key: `order:SO-1001`, `customer:C-100`, `product:BRG-6204`.
public enum RecordKey {
    /// What every order's key starts with.
    public static let orderPrefix = "order:"
    public static func order(_ id: OrderID) -> String { orderPrefix + id.rawValue }
    /// The order a key names, if it is an order's key.
    public static func orderId(of key: String) -> OrderID? {
        key.hasPrefix(orderPrefix) ? OrderID(String(key.dropFirst(orderPrefix.count))) : nil
    }
    public static func customer(_ id: String) -> String { "customer:\(id)" }
    public static func product(_ sku: String) -> String { "product:\(sku)" }
    /// The key of a system's own payload kept because it could not be mapped.
    public static func keptPayload(_ id: Int64) -> String { "payload:\(id)" }
    /// The kept payload a key names, if it names one.
    public static func keptPayloadId(of key: String) -> Int64? { key.hasPrefix("payload:") ? Int64(key.dropFirst(8)) : nil }
    /// The key a payment waits under until the invoice it names is posted.
    public static func invoice(_ id: InvoiceID) -> String { "invoice:\(id.rawValue)" }
}
