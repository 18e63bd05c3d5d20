import WaybillCore

/// One running (or stopped) service-level clock: what it times, since when, and until when.
public struct ClockRecord: Sendable, Equatable {
    public var id: Int64
    public var clock: ServiceLevelClock
    /// What it times, unique per clock: the order id, `<order>/<shipment>`, the payment id.
    public var subject: String
    /// The record its exception and alert are about (the order's key; a payment's customer's).
    public var key: String
    public var startedAt: Timestamp
    /// When it breaches: its target after `startedAt` (half of it for a high-value order).
    public var dueAt: Timestamp
    public var highValue: Bool
    /// The log entry whose deliveries it waits for (acknowledgement, propagation), once known.
    public var awaitedSeq: Int64?
    /// Of those deliveries, the subscriptions one of which must be delivered (acknowledgement);
    /// empty: every one of them (propagation).
    public var awaitedSubscriptions: [SubscriptionName]
    /// For `invoicePosting`: the order's shipped quantity (scaled) its invoices must reach.
    public var target: Int64?
    public var stoppedAt: Timestamp?
    /// The breach's `slo` exception, once raised (raised once; settled when the clock stops).
    public var exceptionId: Int64?

    public init(
        id: Int64 = 0, clock: ServiceLevelClock, subject: String, key: String, startedAt: Timestamp, dueAt: Timestamp, highValue: Bool = false,
        awaitedSeq: Int64? = nil, awaitedSubscriptions: [SubscriptionName] = [], target: Int64? = nil, stoppedAt: Timestamp? = nil,
        exceptionId: Int64? = nil
    ) {
        self.id = id
        self.clock = clock
        self.subject = subject
        self.key = key
        self.startedAt = startedAt
        self.dueAt = dueAt
        self.highValue = highValue
        self.awaitedSeq = awaitedSeq
        self.awaitedSubscriptions = awaitedSubscriptions
        self.target = target
        self.stoppedAt = stoppedAt
        self.exceptionId = exceptionId
    }
}

/// One day's running aggregate of one KPI measure (and dimension: a subscription, an exception
/// kind, a currency), kept up to date where the measured thing happens so that reading a window
/// reads one row per (measure, dimension, day).
public struct KPIRollup: Sendable, Equatable {
    /// Days since 1970-01-01 (UTC).
    public var day: Int64
    public var measure: String
    public var dimension: String
    public var count: Int64
    /// The sum of the measured values (milliseconds, or minor units of `dimension`'s currency).
    public var total: Int64
    public var maximum: Int64

    public init(day: Int64, measure: String, dimension: String = "", count: Int64 = 1, total: Int64 = 0, maximum: Int64 = 0) {
        self.day = day
        self.measure = measure
        self.dimension = dimension
        self.count = count
        self.total = total
        self.maximum = maximum
    }

    /// The UTC day of `time`.
    public static func day(of time: Timestamp) -> Int64 {
        let ms = time.milliseconds
        return ms >= 0 ? ms / 86_400_000 : (ms - 86_399_999) / 86_400_000
    }
}

/// The names of the KPI rollups' measures (`KPIRollup.measure`).
public enum KPIMeasure {
    /// How long a service-level clock ran, by the day it stopped (milliseconds): the clock's raw
    /// value (`order_acknowledgement`, `invoice_posting`, …).
    public static func clock(_ clock: ServiceLevelClock) -> String { clock.rawValue }
    /// Received → delivered, per delivery, by subscription (milliseconds).
    public static let propagation = "propagation"
    /// Raised → resolved, by exception kind (milliseconds).
    public static let exceptionResolution = "exception_resolution"
    /// Invoices posted, by currency (total: their amounts in minor units).
    public static let invoices = "invoices"
    /// Credit memos posted, by currency (total: their amounts in minor units).
    public static let creditMemos = "credit_memos"
    /// Changes of the open receivables, by currency (total: the change in minor units).
    public static let receivables = "receivables"
    /// Payments received (by the day received).
    public static let payments = "payments"
    /// Payments applied without an exception (by the day received).
    public static let cleanPayments = "payments_clean"
}
