/// An event the hub emits about an order.
public struct HubEvent: Sendable, Equatable {
    public var type: EventType
    private var content: Content

    private enum Content: Sendable {
        case value(JSONValue)
        /// `o2c.order.status_changed`, written from the order's state when asked for: the bytes
        /// are the same whenever they are written, and the engine writes them off the writer.
        case statusChange(OrderState, previous: OrderStatus?)
        /// `o2c.order.accepted`: the canonical order, written when asked for.
        case acceptance(OrderState)
    }

    public init(_ type: EventType, _ data: JSONValue) {
        self.type = type
        content = .value(data)
    }

    /// The `o2c.order.status_changed` event for `state`, which had status `previous` (nil for a
    /// new order).
    public init(statusChangeOf state: OrderState, from previous: OrderStatus?) {
        type = .orderStatusChanged
        content = .statusChange(state, previous: previous)
    }

    /// The `o2c.order.accepted` event for `state`.
    public init(acceptanceOf state: OrderState) {
        type = .orderAccepted
        content = .acceptance(state)
    }

    /// The event's `data`.
    public var data: JSONValue {
        switch content {
        case .value(let value): value
        case .statusChange: .raw(dataBytes)
        case .acceptance(let state): state.canonicalOrderJSON
        }
    }

    /// The event's `data` as JSON text.
    public var dataBytes: [UInt8] {
        switch content {
        case .value(let value): JSONWriter.bytes(value)
        case .statusChange(let state, let previous): StatusChange(state, previous: previous).json
        case .acceptance(let state): JSONWriter.bytes(state.canonicalOrderJSON)
        }
    }

    /// What the store keeps as this event's body: its CloudEvent JSON, except for a status
    /// change, whose data is kept as a `StatusChange` record (the envelope's attributes are the
    /// log row's columns). `HubEvent.cloudEvent(storedBody:…)` gives back the JSON.
    public func storedBody(id: String, source: String, subject: String, time: Timestamp) -> [UInt8] {
        if case .statusChange(let state, let previous) = content { return StatusChange(state, previous: previous).storage }
        return Self.envelope(id: id, source: source, type: type, subject: subject, time: time, data: dataBytes)
    }

    /// The CloudEvent JSON of a body `storedBody` wrote, given the attributes it was written with.
    public static func cloudEvent(
        storedBody body: [UInt8], id: String, source: String, type: EventType, subject: String?, time: Timestamp
    ) throws(WaybillError) -> [UInt8] {
        guard body.first == StatusChange.storageTag else { return body }
        return envelope(id: id, source: source, type: type, subject: subject, time: time, data: try StatusChange(storage: body).json)
    }

    /// The CloudEvent of a hub event: no `traceparent` (each delivery attempt adds its own).
    private static func envelope(id: String, source: String, type: EventType, subject: String?, time: Timestamp, data: [UInt8]) -> [UInt8] {
        CloudEvent(id: id, source: source, type: type, subject: subject, time: time, traceparent: nil, data: .raw(data)).bytes
    }

    public static func == (lhs: HubEvent, rhs: HubEvent) -> Bool {
        lhs.type == rhs.type && lhs.dataBytes == rhs.dataBytes
    }
}
