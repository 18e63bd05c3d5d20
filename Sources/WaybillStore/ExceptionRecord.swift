import WaybillCore

/// A business exception in a queue, with how it ended.
public struct ExceptionRecord: Sendable, Equatable {
    public enum Status: String, Sendable { case open, resolved }
    public var id: Int64
    public var kind: ExceptionKind
    public var code: String
    public var key: String?
    public var eventSeq: Int64?
    public var message: String
    public var status: Status
    public var raisedAt: Timestamp
    public var resolvedAt: Timestamp?
    public var resolvedBy: String?

    public init(
        id: Int64, kind: ExceptionKind, code: String, key: String?, eventSeq: Int64?, message: String, status: Status,
        raisedAt: Timestamp, resolvedAt: Timestamp?, resolvedBy: String?
    ) {
        self.id = id
        self.kind = kind
        self.code = code
        self.key = key
        self.eventSeq = eventSeq
        self.message = message
        self.status = status
        self.raisedAt = raisedAt
        self.resolvedAt = resolvedAt
        self.resolvedBy = resolvedBy
    }

    /// The role whose queue holds it.
    public var role: Role { kind.role(code: code) }
}

/// A new exception to open.
public struct NewException: Sendable {
    public var kind: ExceptionKind
    public var code: String
    public var key: String?
    public var eventSeq: Int64?
    public var message: String
    public var raisedAt: Timestamp

    public init(kind: ExceptionKind, code: String, key: String?, eventSeq: Int64?, message: String, raisedAt: Timestamp) {
        self.kind = kind
        self.code = code
        self.key = key
        self.eventSeq = eventSeq
        self.message = message
        self.raisedAt = raisedAt
    }
}

/// Which exceptions to list.
public struct ExceptionFilter: Sendable {
    public var kind: ExceptionKind?
    public var status: ExceptionRecord.Status?
    public var key: String?
    /// Only these codes (`nil`: any).
    public var codes: [String]?
    public var limit: Int

    public init(kind: ExceptionKind? = nil, status: ExceptionRecord.Status? = nil, key: String? = nil, codes: [String]? = nil, limit: Int = 1000) {
        self.kind = kind
        self.status = status
        self.key = key
        self.codes = codes
        self.limit = limit
    }
}

/// One action a person took (resolve, retry, replay, enable), with who and when.
public struct AuditEntry: Sendable, Equatable {
    public var at: Timestamp
    public var actor: String
    public var action: String
    public var target: String
    public var detail: String?

    public init(at: Timestamp, actor: String, action: String, target: String, detail: String? = nil) {
        self.at = at
        self.actor = actor
        self.action = action
        self.target = target
        self.detail = detail
    }
}

/// A system's own payload (`POST /v1/inbound/{system}`) that its mapping could not map, kept
/// whole so that support can see it and reprocess it once the mapping or master data is fixed.
public struct KeptPayload: Sendable, Equatable {
    public var id: Int64
    public var system: SystemName
    /// The sender's delivery id (a webhook id), when the mapping names one.
    public var deliveryId: String?
    public var receivedAt: Timestamp
    /// Request headers, names in lower case.
    public var headers: [String: String]
    public var body: [UInt8]
    public var error: String

    public init(id: Int64 = 0, system: SystemName, deliveryId: String?, receivedAt: Timestamp, headers: [String: String], body: [UInt8], error: String) {
        self.id = id
        self.system = system
        self.deliveryId = deliveryId
        self.receivedAt = receivedAt
        self.headers = headers
        self.body = body
        self.error = error
    }
}

/// An inbound event the hub refused (it changed nothing), kept so that support can reprocess it
/// once its cause is fixed: same (source, id), its effects applied once.
public struct RefusedEvent: Sendable, Equatable {
    public var seq: Int64
    public var key: String
    public var code: String
    public var refusedAt: Timestamp

    public init(seq: Int64, key: String, code: String, refusedAt: Timestamp) {
        self.seq = seq
        self.key = key
        self.code = code
        self.refusedAt = refusedAt
    }
}

/// An inbound event waiting for what it depends on: its order (`key` is the order's), or on a
/// known order a shipment or invoice it names (`awaiting` says which; a payment waits under its
/// invoice's key).
public struct ParkedEvent: Sendable, Equatable {
    public var seq: Int64
    public var key: String
    public var eventTime: Timestamp
    public var receivedAt: Timestamp
    /// What the event waits for, in words (`shipment SH-1`); `nil` when it waits for its order.
    public var awaiting: String?

    public init(seq: Int64, key: String, eventTime: Timestamp, receivedAt: Timestamp, awaiting: String? = nil) {
        self.seq = seq
        self.key = key
        self.eventTime = eventTime
        self.receivedAt = receivedAt
        self.awaiting = awaiting
    }
}
