import WaybillCore
import WaybillStore

/// The actions people take, each one operation: authorised by the person's role, done in one
/// transaction with its audit entry. The JSON API and the console both call these.
extension Hub {
    /// The exception, if `person` works its queue.
    public func exception(_ id: Int64, workedBy person: Person) async throws -> ExceptionRecord {
        guard let record = try await store.read({ try $0.exception(id) }) else {
            throw OperationRefused(.notFound, "unknown_exception", "no exception \(id)")
        }
        guard person.works(record) else {
            let what = record.kind == .slo ? "\(record.code) exceptions" : "\(record.kind.rawValue) exceptions"
            throw OperationRefused(.forbidden, "forbidden", "\(what) are worked by \(record.role.rawValue)")
        }
        return record
    }

    /// Resolves an exception, with the person's note. Audited as `resolve`.
    public func resolve(exception id: Int64, note: String?, by person: Person) async throws {
        _ = try await exception(id, workedBy: person)
        let now = clock.now()
        let note = note?.trimmingCharacters(in: .whitespacesAndNewlines)
        let resolved = try await store.write { tx in
            let done = try tx.resolveException(id: id, at: now, by: person.name)
            if done {
                try tx.audit(AuditEntry(at: now, actor: person.name, action: "resolve", target: "exception:\(id)", detail: note?.isEmpty == false ? note : nil))
            }
            return done
        }
        guard resolved else { throw OperationRefused(.conflict, "already_resolved", "exception \(id) is already resolved") }
    }

    /// Applies the refused event behind an exception again, once its cause is fixed.
    public func reprocess(exception id: Int64, by person: Person) async throws -> EventResult {
        _ = try await exception(id, workedBy: person)
        do { return try await reprocess(exception: id, by: person.name) } catch let error as WaybillError where error.code == .notRefused {
            throw OperationRefused(.conflict, "not_refused", error.message)
        }
    }

    /// Releases an order's active hold of `kind`, as the hold's owners decide (finance for a
    /// credit hold): the hub records `o2c.order.released` from itself, in the log like any
    /// event, so the order proceeds — accepted and sent on, if nothing else holds it. Audited.
    ///
    /// - Returns: the event's result (`accepted`, or `exception` when the order has no such hold).
    public func releaseHold(order id: OrderID, hold kind: HoldKind, note: String?, by person: Person) async throws -> EventResult {
        guard person.mayRelease(kind) else {
            throw OperationRefused(
                .forbidden, "forbidden", "\(kind.rawValue) holds are released by \(OrderLifecycle.exceptionKind(of: kind).role.rawValue)")
        }
        guard let state = try await order(id) else { throw OperationRefused(.notFound, "unknown_order", "no order \(id)") }
        guard state.activeHolds.contains(where: { $0.kind == kind }) else {
            throw OperationRefused(.conflict, "no_such_hold", "order \(id) has no active \(kind.rawValue) hold")
        }
        let note = note?.trimmingCharacters(in: .whitespacesAndNewlines)
        let reason = "released by \(person.name)" + (note?.isEmpty == false ? ": \(note!)" : "")
        let now = clock.now()
        let event = CloudEvent(
            id: "release-\(random.traceId())", source: SystemName.hub.source, type: .orderReleased, subject: id.rawValue, time: now,
            traceparent: TraceContext(traceID: state.traceId, spanID: random.spanId()),
            data: HoldNotice(orderId: id, hold: kind, reason: reason).json)
        let result = try await ingest(body: event.bytes)[0]
        try await store.write { tx in
            try tx.audit(AuditEntry(at: now, actor: person.name, action: "release", target: "order:\(id)", detail: "\(kind.rawValue) hold; \(reason)"))
        }
        return result
    }

    /// Makes one delivery pending again, due now; it keeps its id and `webhook-id`.
    public func retry(delivery id: Int64, by person: Person) async throws {
        guard person.managesDeliveries else { throw OperationRefused(.forbidden, "forbidden", "deliveries are retried by support") }
        guard try await retry(delivery: id, by: person.name) else { throw OperationRefused(.notFound, "unknown_delivery", "no delivery \(id)") }
    }

    /// The deliveries a bulk retry with `filter` would make pending again (not delivered ones).
    public func bulkRetryPreview(_ filter: DeliveryFilter, type: EventType? = nil) async throws -> [DeliveryRecord] {
        var wide = filter
        wide.limit = 100_000
        let chosen = wide
        let records = try await store.read { try $0.deliveries(chosen) }
        return records.filter { $0.status != .delivered && (type == nil || $0.type == type) }
    }

    /// Makes every delivery the filter names pending again, in one transaction, once the person
    /// has seen how many: `expected` must match the count now, or nothing is done (the queue
    /// changed since the preview). Audited with the filter and the count.
    ///
    /// - Returns: how many deliveries were made pending again.
    public func bulkRetry(_ filter: DeliveryFilter, type: EventType? = nil, expected: Int, by person: Person) async throws -> Int {
        guard person.managesDeliveries else { throw OperationRefused(.forbidden, "forbidden", "deliveries are retried by support") }
        let ids = try await bulkRetryPreview(filter, type: type).map(\.id)
        guard ids.count == expected else {
            throw OperationRefused(.conflict, "count_changed", "the filter now names \(ids.count) deliveries, not the \(expected) shown; look again")
        }
        let now = clock.now()
        let described = Self.describe(filter, type: type)
        return try await store.write { tx in
            var n = 0
            for id in ids where try tx.requeue(delivery: id, at: now) { n += 1 }
            try tx.audit(AuditEntry(at: now, actor: person.name, action: "bulk_retry", target: "deliveries", detail: "\(n) deliveries: \(described)"))
            return n
        }
    }

    /// A filter in words, as the console shows it and the audit log keeps it.
    public static func describe(_ filter: DeliveryFilter, type: EventType?) -> String {
        var parts: [String] = []
        if let s = filter.subscription { parts.append("subscription \(s)") }
        if let s = filter.status { parts.append("status \(s.rawValue)") }
        if let k = filter.key, let order = RecordKey.orderId(of: k) { parts.append("order \(order)") }
        if let type { parts.append("type \(type.rawValue)") }
        return parts.isEmpty ? "every delivery not yet delivered" : parts.joined(separator: ", ")
    }

    /// Enables or disables a subscription (disabled: its deliveries wait). Audited.
    public func setSubscription(_ name: SubscriptionName, enabled: Bool, reason: String?, by person: Person) async throws {
        guard person.managesDeliveries else { throw OperationRefused(.forbidden, "forbidden", "subscriptions are enabled and disabled by support") }
        guard landscape.subscriptions[name] != nil else { throw OperationRefused(.notFound, "unknown_subscription", "no subscription \(name)") }
        let now = clock.now()
        try await store.write { tx in
            try tx.setSubscription(name, disabled: !enabled, reason: enabled ? nil : reason ?? "disabled by \(person.name)", at: now, by: person.name)
            try tx.audit(AuditEntry(at: now, actor: person.name, action: enabled ? "enable" : "disable", target: "subscription:\(name)", detail: reason))
        }
    }
}
