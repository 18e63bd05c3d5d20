import WaybillCore

/// The state of one delivery (one event to one subscription).
public enum DeliveryStatus: String, Sendable, CaseIterable {
    case pending, delivered, dead
}

/// A delivery that is due: the head of its (subscription, order) queue.
public struct DeliveryJob: Sendable, Equatable {
    public var id: Int64
    public var seq: Int64
    public var subscription: SubscriptionName
    public var key: String
    public var type: EventType
    public var attempts: Int
    /// The hub event's CloudEvent, or `nil` for a forwarded inbound event (see `raw`).
    public var body: [UInt8]?
    /// The inbound event as received, for forwarded events.
    public var raw: [UInt8]?
    public var traceId: String
    public var receivedAt: Timestamp

    public init(
        id: Int64, seq: Int64, subscription: SubscriptionName, key: String, type: EventType, attempts: Int, body: [UInt8]?, raw: [UInt8]?,
        traceId: String, receivedAt: Timestamp
    ) {
        self.id = id
        self.seq = seq
        self.subscription = subscription
        self.key = key
        self.type = type
        self.attempts = attempts
        self.body = body
        self.raw = raw
        self.traceId = traceId
        self.receivedAt = receivedAt
    }
}

/// A delivery as the API lists it.
public struct DeliveryRecord: Sendable, Equatable {
    public var id: Int64
    public var seq: Int64
    public var subscription: SubscriptionName
    public var key: String
    public var type: EventType
    public var status: DeliveryStatus
    public var attempts: Int
    public var lastStatusCode: Int?
    public var lastError: String?
    public var nextAttemptAt: Timestamp?
    public var createdAt: Timestamp
    public var deliveredAt: Timestamp?

    public init(
        id: Int64, seq: Int64, subscription: SubscriptionName, key: String, type: EventType, status: DeliveryStatus, attempts: Int,
        lastStatusCode: Int?, lastError: String?, nextAttemptAt: Timestamp?, createdAt: Timestamp, deliveredAt: Timestamp?
    ) {
        self.id = id
        self.seq = seq
        self.subscription = subscription
        self.key = key
        self.type = type
        self.status = status
        self.attempts = attempts
        self.lastStatusCode = lastStatusCode
        self.lastError = lastError
        self.nextAttemptAt = nextAttemptAt
        self.createdAt = createdAt
        self.deliveredAt = deliveredAt
    }
}

/// What a delivery attempt came to.
public enum AttemptResult: Sendable, Equatable {
    case delivered(statusCode: Int?, at: Timestamp)
    /// Try again at `nextAttemptAt`.
    case retry(statusCode: Int?, error: String, nextAttemptAt: Timestamp)
    /// No more attempts: dead letter.
    case dead(statusCode: Int?, error: String, at: Timestamp)
}

/// Which deliveries to list.
public struct DeliveryFilter: Sendable {
    public var subscription: SubscriptionName?
    public var status: DeliveryStatus?
    public var key: String?
    public var limit: Int

    public init(subscription: SubscriptionName? = nil, status: DeliveryStatus? = nil, key: String? = nil, limit: Int = 100) {
        self.subscription = subscription
        self.status = status
        self.key = key
        self.limit = limit
    }
}

/// A subscription's backlog as the console shows it: pending deliveries counted up to a cap (a
/// larger backlog reads as the cap, `capped`), and when the oldest of them was written.
public struct QueueDepth: Sendable, Equatable {
    public var pending: Int
    public var capped: Bool
    public var oldestPending: Timestamp?

    public init(pending: Int, capped: Bool, oldestPending: Timestamp?) {
        self.pending = pending
        self.capped = capped
        self.oldestPending = oldestPending
    }
}
