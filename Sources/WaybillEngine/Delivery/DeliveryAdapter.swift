import WaybillCore
import WaybillStore

/// One attempt to hand an event to a subscriber.
public struct OutboundDelivery: Sendable {
    /// The outbox row.
    public var id: Int64
    /// Stable across retries and replays (`webhook-id`).
    public var deliveryId: String
    public var subscription: Subscription
    public var type: EventType
    public var key: String
    /// The CloudEvent JSON, with `traceparent`.
    public var body: [UInt8]
    public var traceparent: TraceContext
    /// 1 for the first attempt.
    public var attempt: Int
}

/// What the subscriber made of an attempt.
public enum DeliveryOutcome: Sendable, Equatable {
    case delivered(statusCode: Int?)
    /// Delivered, and the answer named the record the system created for the order (its id,
    /// kept as the system's id for the order).
    case created(statusCode: Int, externalId: String)
    case failed(statusCode: Int?, error: String)
    /// The system refuses this delivery for good (a SOAP `Client` fault): dead at once, no retry.
    case refused(statusCode: Int?, error: String)
    /// The endpoint says it is gone for good (HTTP 410): no further attempts.
    case gone(statusCode: Int)
    /// A validation call's answer (2xx), as JSON — mapped into the order's `o2c.order.validated`.
    case answered(statusCode: Int?, body: [UInt8])
    /// Taken, not yet delivered (a CSV batch not yet published): the delivery stays pending and
    /// is attempted again at `until`; not a failure (no backoff, no dead letter, the endpoint's
    /// circuit untouched). `note` is shown as its last error.
    case held(until: Timestamp, note: String)
}

/// Delivers events to subscribers of one kind (webhook, in-process, X12 file, …).
public protocol DeliveryAdapter: Sendable {
    func deliver(_ delivery: OutboundDelivery) async -> DeliveryOutcome
}

/// The explicit list of adapters, by `AdapterSettings.kind`.
public struct AdapterRegistry: Sendable {
    private var adapters: [String: any DeliveryAdapter]

    public init(_ adapters: [String: any DeliveryAdapter] = [:]) { self.adapters = adapters }

    public mutating func register(_ kind: String, _ adapter: any DeliveryAdapter) { adapters[kind] = adapter }

    public func adapter(for settings: AdapterSettings) -> (any DeliveryAdapter)? { adapters[settings.kind] }
}

/// Hands deliveries to a function in this process (simulated systems, tests).
public struct InProcessAdapter: DeliveryAdapter {
    let handler: @Sendable (OutboundDelivery) async -> DeliveryOutcome

    public init(_ handler: @escaping @Sendable (OutboundDelivery) async -> DeliveryOutcome) { self.handler = handler }

    public func deliver(_ delivery: OutboundDelivery) async -> DeliveryOutcome { await handler(delivery) }
}
