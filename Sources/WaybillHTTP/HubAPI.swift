import Hummingbird
import NIOCore
import Prometheus
import WaybillConfig
import WaybillCore
import WaybillEngine
import WaybillStore

/// The HTTP API of DESIGN.md on Hummingbird: ingest for systems, views and actions for people.
///
/// ```swift
/// let api = HubAPI(hub: hub, configuration: config)
/// let app = Application(router: api.router(), configuration: .init(address: .hostname("127.0.0.1", port: 8080)))
/// ```
public struct HubAPI: Sendable {
    let hub: Hub
    let scheduler: DeliveryScheduler?
    let metrics: PrometheusCollectorRegistry?
    let access: AccessControl
    let configuration: HubConfiguration
    /// The largest request body accepted (413 above it).
    let maxBody: Int

    /// Each key or token is limited to its `rateLimit` from the configuration (or the hub-wide one):
    /// 429 with Retry-After beyond it.
    public init(
        hub: Hub, configuration: HubConfiguration, scheduler: DeliveryScheduler? = nil, metrics: PrometheusCollectorRegistry? = nil,
        maxBody: Int = 4 * 1024 * 1024
    ) {
        self.hub = hub
        self.scheduler = scheduler
        self.metrics = metrics
        self.access = AccessControl(configuration: configuration, clock: hub.clock)
        self.configuration = configuration
        self.maxBody = maxBody
    }

    public func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.middlewares.add(ProblemMiddleware(storeHealth: hub.storeHealth))
        router.middlewares.add(MetricsMiddleware())
        router.get("/metrics") { _, _ in
            guard let metrics else { throw Problem(.notFound, "metrics_disabled", "metrics are not enabled in this process") }
            try await hub.refreshMetricGauges()
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.emitToBuffer())))
        }
        router.get("/openapi.yaml") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/yaml"], body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.yaml)))
        }
        router.get("/health/live") { _, _ in json(.members([("status", .string("live"))])) }
        router.get("/health/ready") { _, _ in
            // Not ready while the store fails to take writes (or cannot be read): a load balancer
            // sends traffic elsewhere; the hub keeps trying and turns ready by itself.
            if let failure = hub.storeHealth.problem {
                throw Problem(.serviceUnavailable, "store_unavailable", "the store has failed to take writes since \(failure.since): \(failure.error)")
            }
            do {
                _ = try await hub.store.read { try $0.orderCount() }
            } catch {
                throw Problem(.serviceUnavailable, "store_unavailable", "the store cannot be read: \(error)")
            }
            return json(.members([("status", .string("ready"))]))
        }
        router.post("/v1/events") { request, context in try await ingest(request, context) }
        router.post("/v1/inbound/:system") { request, context in try await receiveNative(request, context) }
        router.get("/v1/orders") { request, _ in try await orders(request) }
        router.get("/v1/orders/:id") { request, context in try await order(request, context) }
        router.get("/v1/orders/:id/timeline") { request, context in try await timeline(request, context) }
        router.get("/v1/events/:seq") { request, context in try await rawEvent(request, context) }
        router.get("/v1/exceptions") { request, _ in try await exceptions(request) }
        router.post("/v1/exceptions/:id/resolve") { request, context in try await resolve(request, context) }
        router.post("/v1/exceptions/:id/reprocess") { request, context in try await reprocess(request, context) }
        router.get("/v1/deliveries") { request, _ in try await deliveries(request) }
        router.post("/v1/deliveries/:id/retry") { request, context in try await retry(request, context) }
        router.get("/v1/subscriptions") { request, _ in try await subscriptions(request, name: nil) }
        router.get("/v1/subscriptions/:name") { request, context in
            try await subscriptions(request, name: context.parameters.get("name"))
        }
        router.post("/v1/subscriptions/:name/enable") { request, context in try await enable(request, context) }
        router.post("/v1/subscriptions/:name/disable") { request, context in try await disable(request, context) }
        router.post("/v1/orders/:id/release") { request, context in try await release(request, context) }
        router.get("/v1/deliveries/bulk-retry") { request, _ in try await bulkRetryPreview(request) }
        router.post("/v1/deliveries/bulk-retry") { request, _ in try await bulkRetry(request) }
        router.post("/v1/subscriptions/:name/replay") { request, context in try await replay(request, context) }
        router.get("/v1/audit") { request, _ in try await auditLog(request) }
        router.get("/v1/kpis") { request, _ in try await kpis(request) }
        router.post("/v1/edi/:partner") { request, context in try await receiveEDI(request, context) }
        router.get("/v1/edi/interchanges") { request, _ in try await interchanges(request) }
        // The operations console: HTML for people, over the same engine operations.
        Console(hub: hub, configuration: configuration, scheduler: scheduler).register(on: router)
        return router
    }

    func subscription(named name: String) throws -> Subscription {
        guard let subscription = hub.landscape.subscriptions[SubscriptionName(name)] else {
            throw Problem(.notFound, "unknown_subscription", "no subscription \(name)")
        }
        return subscription
    }

    func enable(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        try await setSubscription(request, context, enabled: true)
    }

    func disable(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        try await setSubscription(request, context, enabled: false)
    }

    func setSubscription(_ request: Request, _ context: BasicRequestContext, enabled: Bool) async throws -> Response {
        let person = try access.person(of: request, roles: [.support])
        let name = SubscriptionName(try context.parameters.require("name"))
        var request = request
        let body = try await request.collectBody(upTo: 16 * 1024)
        let reason = (try? JSONParser.parse(Array(buffer: body))).flatMap { if case .string(let r)? = $0["reason"] { r } else { nil } }
        try await operation { try await hub.setSubscription(name, enabled: enabled, reason: reason, by: person) }
        return json(.members([("name", .string(name.rawValue)), ("state", .string(enabled ? "active" : "disabled"))]))
    }

    /// Resends a subscription's deliveries over a sequence or time range; they keep their webhook-id.
    func replay(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let user = try access.user(of: request, roles: [.support])
        let subscription = try subscription(named: try context.parameters.require("name"))
        var request = request
        let body = try await request.collectBody(upTo: 64 * 1024)
        let range: PayloadReader
        do { range = try PayloadReader.object(try JSONParser.parse(Array(buffer: body)), at: "$") } catch {
            throw Problem(.badRequest, "invalid_json", "send {\"fromSeq\", \"toSeq\"} or {\"from\", \"to\"} (RFC 3339)")
        }
        let seqs: ClosedRange<Int64>?
        let times: ClosedRange<Timestamp>?
        do {
            let fromSeq = try range.optionalInt("fromSeq"), toSeq = try range.optionalInt("toSeq")
            let from = try range.optionalTimestamp("from"), to = try range.optionalTimestamp("to")
            guard fromSeq != nil || toSeq != nil || from != nil || to != nil else {
                throw WaybillError(.invalidPayload, "give fromSeq/toSeq or from/to", at: "$")
            }
            seqs = (fromSeq != nil || toSeq != nil) ? Int64(fromSeq ?? 0)...Int64(toSeq ?? Int.max) : nil
            times =
                (from != nil || to != nil)
                ? (from ?? Timestamp(milliseconds: Int64.min))...(to ?? Timestamp(milliseconds: Int64.max)) : nil
        } catch let error as WaybillError {
            throw Problem(.badRequest, error)
        }
        let count = try await hub.replay(subscription: subscription.name, seqs: seqs, received: times, by: user.name)
        return json(.members([("subscription", .string(subscription.name.rawValue)), ("requeued", .int(count))]), status: .accepted)
    }

    func auditLog(_ request: Request) async throws -> Response {
        _ = try access.user(of: request, roles: [])
        let entries = try await hub.store.read { try $0.auditLog(limit: 1_000) }
        return json(
            .members([
                (
                    "items",
                    .array(
                        entries.map { e in
                            .members([
                                ("at", .string(e.at.rfc3339)), ("actor", .string(e.actor)), ("action", .string(e.action)), ("target", .string(e.target)),
                                ("detail", e.detail.map(JSONValue.string)),
                            ])
                        })
                )
            ]))
    }

    // MARK: Ingest

    static let eventContentTypes = ["application/cloudevents+json", "application/cloudevents-batch+json", "application/json"]

    /// The request body (at most `maxBody`), if the request's media type is one of `types`;
    /// otherwise a 415 that says what to send.
    func body(of request: Request, typed types: [String], else advice: String) async throws -> [UInt8] {
        let mediaType = request.headers[.contentType]?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard let mediaType, types.contains(mediaType) else { throw Problem(.unsupportedMediaType, "unsupported_media_type", advice) }
        var request = request
        return Array(buffer: try await request.collectBody(upTo: maxBody))
    }

    func ingest(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        guard case .system(let system) = try access.principal(of: request) else {
            throw Problem(.forbidden, "forbidden", "only connected systems send events, with their API key")
        }
        let body = try await body(
            of: request, typed: Self.eventContentTypes, else: "send application/cloudevents+json or application/cloudevents-batch+json")
        let results: [EventResult]
        do {
            results = try await hub.ingest(body: body, from: system)
        } catch let error as WaybillError {
            switch error.code {
            case .sourceMismatch, .typeNotPublished: throw Problem(.forbidden, error)
            case .batchTooLarge: throw Problem(.contentTooLarge, error)
            default: throw Problem(.badRequest, error)
            }
        }
        return json(.members([("results", .array(results.map(\.json)))]), status: .accepted)
    }

    // MARK: Orders

    func orders(_ request: Request) async throws -> Response {
        _ = try access.user(of: request, roles: Role.everyone)
        let query = request.uri.queryParameters
        var status: OrderStatus?
        if let text = query.get("status") {
            guard let s = OrderStatus(rawValue: text) else { throw Problem(.badRequest, "invalid_query", "unknown status \(text)") }
            status = s
        }
        var since: Timestamp?
        if let text = query.get("updatedSince") {
            guard let t = Timestamp(rfc3339: text) else { throw Problem(.badRequest, "invalid_query", "updatedSince must be RFC 3339") }
            since = t
        }
        let limit = min(max(Int(query.get("limit") ?? "") ?? 50, 1), 500)
        let customer = query.get("customer").map(CustomerID.init)
        let after = query.get("after").map(OrderID.init)
        let (chosenStatus, chosenSince) = (status, since)
        let page = try await hub.store.read { reader in
            try reader.orders(status: chosenStatus, customer: customer, updatedSince: chosenSince, after: after, limit: limit).map { state in
                state.viewJSON(systems: try reader.deliveryProgress(key: RecordKey.order(state.orderId)))
            }
        }
        let next: JSONValue = page.count == limit ? (page.last?["orderId"] ?? .null) : .null
        return json(.members([("items", .array(page)), ("next", next)]))
    }

    func order(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        _ = try access.user(of: request, roles: Role.everyone)
        let id = OrderID(try context.parameters.require("id"))
        guard let view = try await hub.orderView(id) else { throw Problem(.notFound, "unknown_order", "no order \(id)") }
        return json(view)
    }

    /// Every inbound event and every delivery of the order, with trace ids, times and latencies.
    func timeline(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let user = try access.user(of: request, roles: Role.everyone)
        let id = OrderID(try context.parameters.require("id"))
        let withPayloads = request.uri.queryParameters.get("include") == "payloads" && (user.role == .support || user.role == .admin)
        let key = RecordKey.order(id)
        let (events, deliveries) = try await hub.store.read { reader in
            (try reader.events(key: key), try reader.deliveries(DeliveryFilter(key: key, limit: 10_000)))
        }
        guard !events.isEmpty else { throw Problem(.notFound, "unknown_order", "no order \(id)") }
        let bySeq = Dictionary(grouping: deliveries, by: \.seq)
        let entries: [JSONValue] = events.map { stored in
            let e = stored.event
            var members: [(String, JSONValue?)] = [
                ("seq", .int(Int(stored.seq))), ("type", .string(e.type.rawValue)), ("source", .string(e.source)), ("id", .string(e.eventId)),
                ("origin", .string(e.origin.rawValue)), ("time", .string(e.eventTime.rfc3339)), ("receivedAt", .string(e.receivedAt.rfc3339)),
                ("traceId", .string(e.traceId)), ("outcome", stored.outcome.map { .string($0.rawValue) }), ("code", stored.code.map(JSONValue.string)),
                (
                    "deliveries",
                    .array(
                        (bySeq[stored.seq] ?? []).map { d in
                            .members([
                                ("id", .int(Int(d.id))), ("subscription", .string(d.subscription.rawValue)), ("status", .string(d.status.rawValue)),
                                ("attempts", .int(d.attempts)), ("lastStatusCode", d.lastStatusCode.map { .int($0) }),
                                ("lastError", d.lastError.map(JSONValue.string)),
                                ("deliveredAt", d.deliveredAt.map { .string($0.rfc3339) }),
                                ("latencyMs", d.deliveredAt.map { .int(Int($0.milliseconds - e.receivedAt.milliseconds)) }),
                            ])
                        })
                ),
            ]
            if withPayloads, let raw = e.raw ?? e.body {
                members.append(("payload", (try? JSONParser.parse(raw)) ?? .string(String(decoding: raw, as: UTF8.self))))
            }
            return .members(members)
        }
        return json(.members([("orderId", .string(id.rawValue)), ("entries", .array(entries))]))
    }

    func rawEvent(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        _ = try access.user(of: request, roles: [.support])
        guard let seq = Int64(try context.parameters.require("seq")) else { throw Problem(.badRequest, "invalid_path", "the event number is not a number") }
        guard let stored = try await hub.store.read({ try $0.event(seq) }), let bytes = stored.event.raw ?? stored.event.body else {
            throw Problem(.notFound, "unknown_event", "no event #\(seq)")
        }
        return Response(status: .ok, headers: [.contentType: "application/cloudevents+json"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    // MARK: Exceptions

    /// The exception queues the caller may see: a person sees their own role's queues, admin sees
    /// every queue. `?role=` and `?kind=` only narrow that: a person asking for another role's
    /// queue (or an admin's view of all of them) gets 403, never the records.
    func exceptions(_ request: Request) async throws -> Response {
        let user = try access.user(of: request, roles: Role.everyone)
        let query = request.uri.queryParameters
        var filter = ExceptionFilter(limit: Self.limit(query.get("limit"), default: 500, max: 5_000))
        // The role whose queues are listed (nil: every queue, for admin).
        var role: Role? = user.role == .admin ? nil : user.role
        var kinds = Set(ExceptionKind.allCases.filter { role == nil || $0.roles.contains(user.role) })
        if let text = query.get("role") {
            guard let asked = Role(rawValue: text) else {
                throw Problem(.badRequest, "invalid_query", "unknown role \(text); roles are support, service, finance and admin")
            }
            guard user.role == .admin || asked == user.role else {
                throw Problem(
                    .forbidden, "forbidden", "the \(user.role.rawValue) role sees only its own exception queues",
                    detail: "role=\(asked.rawValue) asks for queues the \(user.role.rawValue) role does not work")
            }
            if asked != .admin {
                role = asked
                kinds = kinds.filter { $0.roles.contains(asked) }
            }
        }
        if let text = query.get("kind") {
            guard let kind = ExceptionKind(rawValue: text) else { throw Problem(.badRequest, "invalid_query", "unknown exception kind \(text)") }
            guard user.role == .admin || kind.roles.contains(user.role) else {
                throw Problem(.forbidden, "forbidden", "\(kind.rawValue) exceptions are worked by \(kind.role.rawValue), not \(user.role.rawValue)")
            }
            kinds = kinds.intersection([kind])
        }
        if let status = query.get("status") {
            guard let s = ExceptionRecord.Status(rawValue: status) else { throw Problem(.badRequest, "invalid_query", "status is open or resolved") }
            filter.status = s
        }
        if let order = query.get("order") { filter.key = RecordKey.order(OrderID(order)) }
        let (chosen, queues, worker) = (filter, kinds, role)
        let records: [ExceptionRecord]
        if queues.count == ExceptionKind.allCases.count && worker == nil {
            records = try await hub.exceptions(chosen)
        } else {
            // The store filters one kind at a time: one query per queue the caller may see (of a
            // queue shared by roles, `slo`, the role's codes), merged in id order, so that the
            // limit counts only those queues.
            records = try await hub.store.read { reader in
                var merged: [ExceptionRecord] = []
                for kind in queues {
                    var one = chosen
                    one.kind = kind
                    one.codes = worker.flatMap { kind.codes(workedBy: $0) }
                    merged += try reader.exceptions(one)
                }
                return Array(merged.sorted { $0.id < $1.id }.prefix(chosen.limit))
            }
        }
        return json(.members([("items", .array(records.map(\.json)))]))
    }

    /// A `?limit=` from 1 to `max` (`default` when absent or not a number): the stores read a
    /// negative limit as no limit at all.
    static func limit(_ text: String?, default value: Int, max largest: Int) -> Int {
        min(max(text.flatMap { Int($0) } ?? value, 1), largest)
    }

    /// The exception id the path names.
    func exceptionId(_ context: BasicRequestContext) throws -> Int64 {
        guard let id = Int64(try context.parameters.require("id")) else { throw Problem(.badRequest, "invalid_path", "the exception id is not a number") }
        return id
    }

    /// An optional JSON body's text member (`note`, `reason`).
    func optionalText(_ request: Request, _ key: String) async throws -> String? {
        var request = request
        let body = try await request.collectBody(upTo: 16 * 1024)
        guard body.readableBytes > 0 else { return nil }
        guard let value = try? JSONParser.parse(Array(buffer: body)) else { throw Problem(.badRequest, "invalid_json", "the body is not JSON") }
        if case .string(let text)? = value[key] { return text }
        return nil
    }

    /// Runs an engine operation, its refusal as a problem.
    @discardableResult
    func operation<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let refused as OperationRefused { throw Problem(refused) }
    }

    func resolve(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let person = try access.person(of: request, roles: Role.everyone)
        let id = try exceptionId(context)
        let note = try await optionalText(request, "note")
        try await operation { try await hub.resolve(exception: id, note: note, by: person) }
        context.logger.info("exception resolved", metadata: ["waybill.exception": "\(id)", "waybill.user": "\(person.name)"])
        return json(.members([("id", .int(Int(id))), ("status", .string("resolved")), ("resolvedBy", .string(person.name))]))
    }

    /// Applies the refused event behind an exception again, once its cause is fixed.
    func reprocess(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let person = try access.person(of: request, roles: Role.everyone)
        let id = try exceptionId(context)
        let record = try await operation { try await hub.exception(id, workedBy: person) }
        let result = try await operation { try await hub.reprocess(exception: id, by: person) }
        context.logger.info("event reprocessed", metadata: ["waybill.exception": "\(id)", "waybill.user": "\(person.name)"])
        return json(.members([("exception", .int(Int(id))), ("seq", record.eventSeq.map { .int(Int($0)) }), ("result", result.json)]))
    }

    /// Releases an order's hold: `{"hold": "credit", "note": "…"}`; the hold's owners (finance
    /// for credit and pricing, support for validation) or admin.
    func release(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let person = try access.person(of: request, roles: Role.everyone)
        let order = OrderID(try context.parameters.require("id"))
        var request = request
        let body = try await request.collectBody(upTo: 16 * 1024)
        guard let value = try? JSONParser.parse(Array(buffer: body)), case .string(let holdName)? = value["hold"], let kind = HoldKind(rawValue: holdName)
        else {
            throw Problem(.badRequest, "invalid_payload", "send {\"hold\": \"\(HoldKind.allCases.map(\.rawValue).joined(separator: "|"))\", \"note\": \"…\"}")
        }
        let note: String? = if case .string(let n)? = value["note"] { n } else { nil }
        let result = try await operation { try await hub.releaseHold(order: order, hold: kind, note: note, by: person) }
        return json(.members([("orderId", .string(order.rawValue)), ("hold", .string(kind.rawValue)), ("result", result.json)]), status: .accepted)
    }

    // MARK: Deliveries and subscriptions

    func deliveries(_ request: Request) async throws -> Response {
        _ = try access.user(of: request, roles: [.support, .service, .finance])
        let query = request.uri.queryParameters
        var filter = DeliveryFilter(limit: Self.limit(query.get("limit"), default: 500, max: 5_000))
        if let s = query.get("subscription") { filter.subscription = SubscriptionName(s) }
        if let s = query.get("status") {
            guard let status = DeliveryStatus(rawValue: s) else { throw Problem(.badRequest, "invalid_query", "status is pending, delivered or dead") }
            filter.status = status
        }
        if let o = query.get("order") { filter.key = RecordKey.order(OrderID(o)) }
        let chosen = filter
        let items = try await hub.store.read { try $0.deliveries(chosen) }
        return json(.members([("items", .array(items.map(\.json)))]))
    }

    func retry(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let person = try access.person(of: request, roles: [.support])
        guard let id = Int64(try context.parameters.require("id")) else { throw Problem(.badRequest, "invalid_path", "the delivery id is not a number") }
        try await operation { try await hub.retry(delivery: id, by: person) }
        context.logger.info("delivery retried", metadata: ["waybill.delivery_id": "\(id)", "waybill.user": "\(person.name)"])
        return json(.members([("id", .int(Int(id))), ("status", .string("pending"))]), status: .accepted)
    }

    /// The filter of a bulk retry, from the query: `subscription`, `status`, `order`, `type`.
    func bulkFilter(_ request: Request) throws -> (DeliveryFilter, EventType?) {
        let query = request.uri.queryParameters
        var filter = DeliveryFilter()
        if let s = query.get("subscription"), !s.isEmpty { filter.subscription = SubscriptionName(s) }
        if let s = query.get("status"), !s.isEmpty {
            guard let status = DeliveryStatus(rawValue: s), status != .delivered else {
                throw Problem(.badRequest, "invalid_query", "status is pending or dead")
            }
            filter.status = status
        }
        if let o = query.get("order"), !o.isEmpty { filter.key = RecordKey.order(OrderID(o)) }
        var type: EventType?
        if let t = query.get("type"), !t.isEmpty {
            guard let known = EventType(rawValue: t) else { throw Problem(.badRequest, "invalid_query", "\(t) is not an event type of the catalog") }
            type = known
        }
        return (filter, type)
    }

    /// What a bulk retry with the query's filter would touch: `{filter, count}`.
    func bulkRetryPreview(_ request: Request) async throws -> Response {
        _ = try access.person(of: request, roles: [.support])
        let (filter, type) = try bulkFilter(request)
        let count = try await hub.bulkRetryPreview(filter, type: type).count
        return json(.members([("filter", .string(Hub.describe(filter, type: type))), ("count", .int(count))]))
    }

    /// Retries every delivery the query's filter names, given the count the caller was shown
    /// (`?expected=`): a different count now is 409 and nothing is done.
    func bulkRetry(_ request: Request) async throws -> Response {
        let person = try access.person(of: request, roles: [.support])
        let (filter, type) = try bulkFilter(request)
        guard let expected = request.uri.queryParameters.get("expected").flatMap({ Int($0) }) else {
            throw Problem(.badRequest, "invalid_query", "give ?expected=<count>, the count GET /v1/deliveries/bulk-retry showed")
        }
        let n = try await operation { try await hub.bulkRetry(filter, type: type, expected: expected, by: person) }
        return json(.members([("filter", .string(Hub.describe(filter, type: type))), ("requeued", .int(n))]), status: .accepted)
    }

    func subscriptions(_ request: Request, name: String?) async throws -> Response {
        _ = try access.user(of: request, roles: Role.everyone)
        let now = hub.clock.now()
        let subscriptions = hub.landscape.subscriptions.values.sorted { $0.name < $1.name }.filter { name == nil || $0.name.rawValue == name }
        if let name, subscriptions.isEmpty { throw Problem(.notFound, "unknown_subscription", "no subscription \(name)") }
        let (pending, dead, oldest, disabled) = try await hub.store.read { r in
            (try r.deliveryCounts(status: .pending), try r.deliveryCounts(status: .dead), try r.oldestPending(), try r.disabledSubscriptions())
        }
        let items: [JSONValue] = subscriptions.map { s in
            .members([
                ("name", .string(s.name.rawValue)), ("system", .string(s.system.rawValue)),
                ("types", .array(s.types.sorted().map { .string($0.rawValue) })),
                ("state", .string(disabled[s.name] != nil ? "disabled" : (scheduler?.isCircuitOpen(s.name) ?? false) ? "circuit_open" : "active")),
                ("pending", .int(pending[s.name] ?? 0)), ("dead", .int(dead[s.name] ?? 0)),
                ("oldestPendingAge", oldest[s.name].map { .int(Int((now.milliseconds - $0.milliseconds) / 1000)) } ?? .null),
            ])
        }
        return name == nil ? json(.members([("items", .array(items))])) : json(items[0])
    }
}

extension DeliveryRecord {
    /// A delivery as `GET /v1/deliveries` lists it.
    var json: JSONValue {
        .members([
            ("id", .int(Int(id))), ("subscription", .string(subscription.rawValue)), ("eventType", .string(type.rawValue)),
            ("orderId", RecordKey.orderId(of: key).map { .string($0.rawValue) } ?? .null), ("status", .string(status.rawValue)),
            ("attempts", .int(attempts)), ("lastStatusCode", lastStatusCode.map { .int($0) } ?? .null),
            ("lastError", lastError.map(JSONValue.string) ?? .null), ("nextAttemptAt", nextAttemptAt.map { .string($0.rfc3339) } ?? .null),
        ])
    }
}
