import WaybillCore

/// How long finished work is kept (`retention:` in `waybill.yml`; absent: kept for good).
/// Housekeeping removes what is older in small batches, one short transaction each.
public struct Retention: Sendable, Equatable {
    /// `deliveries`: delivered deliveries older than this (by delivery time) are removed.
    public var deliveredMilliseconds: Int64?
    /// `heartbeats`: nodes not seen for this long leave the heartbeats table.
    public var heartbeatMilliseconds: Int64?

    public init(deliveredMilliseconds: Int64? = nil, heartbeatMilliseconds: Int64? = nil) {
        self.deliveredMilliseconds = deliveredMilliseconds
        self.heartbeatMilliseconds = heartbeatMilliseconds
    }
}
