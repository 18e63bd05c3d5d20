import WaybillCore

/// What a batch of inbound events names, told to the store before the events are processed
/// (`StoreTransaction.prepare(for:)`).
///
/// A hint, never a promise: the engine processes the events as it always does, and a store may
/// ignore the outlook (SQLite does: its reads cost no round trip). A store whose every statement
/// is a round trip (PostgreSQL) takes the locks of all the keys at once, reads the orders,
/// master data and log entries the batch names in one query, and answers the batch's reads from
/// what it read; whatever the outlook missed (an order named by a system's own id) is read when
/// asked for, as without it.
public struct BatchOutlook: Sendable, Equatable {
    /// The record keys the events are appended under (`order:…`, `customer:…`, `product:…`).
    public var keys: Set<String> = []
    /// The orders the events name.
    public var orders: Set<OrderID> = []
    /// The invoices payments apply to (their orders change too).
    public var invoices: Set<InvoiceID> = []
    public var customers: Set<CustomerID> = []
    public var skus: Set<SKU> = []
    /// The (source, id) of each event, to find the ones already logged.
    public var events: [EventName] = []

    /// One event's name in the log: its (source, id) is unique.
    public struct EventName: Hashable, Sendable {
        public var source: String
        public var id: String

        public init(source: String, id: String) {
            self.source = source
            self.id = id
        }
    }

    public init() {}
}
