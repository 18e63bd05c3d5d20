import Foundation
import Hummingbird
import WaybillCore
import WaybillEngine
import WaybillStore

/// The console's pages: each reads what it shows through the hub and renders its template.
extension Console {
    func overview(_ visit: Visit) async throws -> Response {
        let now = hub.clock.now()
        // Backlogs from the index of pending rows, counted up to a cap: the page costs the same
        // with millions of deliveries waiting.
        let names = Array(hub.landscape.subscriptions.keys)
        let (depths, dead, disabled, open) = try await hub.store.read { r in
            (
                try r.queueDepths(of: names, cap: Self.backlogCap), try r.deliveryCounts(status: .dead), try r.disabledSubscriptions(),
                try r.openExceptionCounts()
            )
        }
        let subscriptions: [[String: Any]] = hub.landscape.subscriptions.values.sorted { $0.name < $1.name }.map { s in
            [
                "name": s.name.rawValue, "system": s.system.rawValue, "state": state(of: s.name, disabled: disabled),
                "pending": depths[s.name].map { "\($0.pending)\($0.capped ? "+" : "")" } ?? "0", "dead": dead[s.name] ?? 0,
                "oldest": depths[s.name]?.oldestPending.map { Self.age(milliseconds: now.milliseconds - $0.milliseconds) } ?? "",
            ]
        }
        let figures = self.figures(depths: depths, dead: dead, open: open)
        let kinds = open.filter { $0.value > 0 }.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key.rawValue < $1.key.rawValue) }
        let visible = kinds.filter { visit.person.works($0.key) || visit.person.role == .admin }
        let (slos, kpis, ackChart) = try await serviceLevels(now: now)
        return render(
            "overview", visit,
            [
                "figures": figures.dictionary, "subscriptions": subscriptions, "slos": slos, "kpis": kpis, "ackChart": ackChart,
                "exceptionKinds": visible.map { ["kind": $0.key.rawValue, "role": $0.key.role.rawValue, "count": $0.value] as [String: Any] },
                "exceptionChart": ConsoleCharts.bars(visible.map { ($0.key.rawValue, $0.value) }, title: "Open exceptions by kind"),
                "rateChart": ConsoleCharts.line(hub.activity.ingestSeries(at: now), title: "Events ingested per 10 s, last 10 minutes"),
            ], title: "Overview")
    }

    /// The service-level clocks (target, open breaches, today's and the month's averages, burn)
    /// and the business KPIs of the last 30 days, read from the daily rollups.
    func serviceLevels(now: Timestamp) async throws -> ([[String: Any]], [[String: Any]], String) {
        let today = now.milliseconds / 86_400_000
        let report = try await hub.kpis(days: (today - 29)...today)
        let open = try await hub.store.read { try $0.openBreachCounts() }
        let day = report.summary(today...today)
        let month = report.window
        let slos: [[String: Any]] = ServiceLevelClock.allCases.map { clock in
            let target = hub.serviceLevels.target(clock)
            let todays = day.duration(clock)
            let average = month.duration(clock).averageMilliseconds
            let breaches = open[clock] ?? 0
            return [
                "name": clock.rawValue.replacingOccurrences(of: "_", with: " "), "owner": clock.owner.rawValue,
                "target": Self.age(milliseconds: target), "open": breaches,
                "today": todays.averageMilliseconds.map { "\(Self.age(milliseconds: $0)) / \(Self.age(milliseconds: todays.maxMilliseconds))" } ?? "—",
                "month": average.map { Self.age(milliseconds: $0) } ?? "—",
                "burn": average.map { "\(Int((Double($0) / Double(max(1, target)) * 100).rounded())) %" } ?? "—",
                "status": breaches > 0 ? "breached" : "met",
            ]
        }
        func percent(_ basisPoints: Int64?) -> String { basisPoints.map { String(format: "%.1f %%", Double($0) / 100) } ?? "—" }
        var kpis: [[String: Any]] = [
            [
                "name": "Order acknowledgement", "value": month.duration(.orderAcknowledgement).averageMilliseconds.map { Self.age(milliseconds: $0) } ?? "—",
                "note": "placed → acknowledged to its system, average",
            ],
            [
                "name": "Invoice cycle", "value": month.duration(.invoicePosting).averageMilliseconds.map { Self.age(milliseconds: $0) } ?? "—",
                "note": "shipped → invoiced, average",
            ],
            [
                "name": "Payment sync", "value": month.duration(.paymentSync).averageMilliseconds.map { Self.age(milliseconds: $0) } ?? "—",
                "note": "received → applied, average",
            ],
            ["name": "Invoice dispute rate", "value": percent(month.disputeRate), "note": "credit memos ÷ invoices"],
            ["name": "Payment posting accuracy", "value": percent(month.postingAccuracy), "note": "applied without an exception ÷ received"],
        ]
        for (code, dso) in month.salesOutstanding.sorted(by: { $0.key < $1.key }) {
            kpis.append([
                "name": "DSO (\(code))", "value": dso.hundredths.map { String(format: "%.1f days", Double($0) / 100) } ?? "—",
                "note": "open receivables ÷ invoiced × days",
            ])
        }
        for (name, duration) in month.propagation.sorted(by: { $0.key < $1.key }) {
            kpis.append([
                "name": "Propagation to \(name)", "value": duration.averageMilliseconds.map { Self.age(milliseconds: $0) } ?? "—",
                "note": "received → delivered, average",
            ])
        }
        for (kind, duration) in month.resolution.sorted(by: { $0.key < $1.key }) {
            kpis.append([
                "name": "Resolving \(kind)", "value": duration.averageMilliseconds.map { Self.age(milliseconds: $0) } ?? "—",
                "note": "raised → resolved, average",
            ])
        }
        let daily = ((today - 13)...today).map { d in
            (String(KPIReport.date(d).suffix(5)), Int((report.summary(d...d).duration(.orderAcknowledgement).averageMilliseconds ?? 0) / 1000))
        }
        return (slos, kpis, ConsoleCharts.bars(daily, title: "Order acknowledgement, average seconds per day, last 14 days"))
    }

    /// A subscription's state as the console shows it: disabled, circuit open, or active.
    func state(of name: SubscriptionName, disabled: [SubscriptionName: String]) -> String {
        if disabled[name] != nil { return "disabled" }
        if scheduler?.isCircuitOpen(name) ?? false { return "circuit_open" }
        return "active"
    }

    func orders(_ visit: Visit) async throws -> Response {
        let query = visit.query
        let status = query["status"].flatMap { OrderStatus(rawValue: $0) }
        let customer = query["customer"].flatMap { $0.isEmpty ? nil : CustomerID($0) }
        let since = query["since"].flatMap { $0.isEmpty ? nil : Timestamp(rfc3339: "\($0)T00:00:00Z") }
        let after = query["after"].flatMap { $0.isEmpty ? nil : OrderID($0) }
        let po = query["po"].flatMap { $0.isEmpty ? nil : $0 }
        let found: [(OrderState, String?)] = try await hub.store.read { r in
            var states: [OrderState]
            if let id = query["id"], !id.isEmpty {
                states = try r.order(OrderID(id)).map { [$0] } ?? []
            } else {
                states = try r.orders(status: status, customer: customer, updatedSince: since, after: after, limit: po == nil ? 51 : 1_000)
            }
            if let po { states = states.filter { ($0.placement.customerPO ?? "").localizedCaseInsensitiveContains(po) } }
            return try states.prefix(51).map { ($0, try $0.customerId.flatMap { try r.customer($0)?.name }) }
        }
        let rows: [[String: Any]] = found.prefix(50).map { state, name in
            [
                "id": state.orderId.rawValue, "customer": name ?? state.customerId?.rawValue ?? state.placement.customerId,
                "po": state.placement.customerPO ?? "", "status": state.status.rawValue, "total": state.total.text, "currency": state.currency.code,
                "placed": Self.time(state.placedAt), "explanation": state.explanation,
            ]
        }
        var more: String?
        if found.count > 50, let last = found.dropLast().last?.0.orderId {
            var items = URLComponents()
            items.queryItems =
                query.filter { $0.key != "after" }.map { URLQueryItem(name: $0.key, value: $0.value) } + [URLQueryItem(name: "after", value: last.rawValue)]
            more = "/ui/orders?" + (items.percentEncodedQuery ?? "")
        }
        return render(
            "orders", visit,
            [
                "orders": rows, "more": more as Any, "query": query,
                "statuses": OrderStatus.allCases.map { ["value": $0.rawValue, "selected": $0 == status] as [String: Any] },
            ], title: "Orders")
    }

    func order(_ visit: Visit, _ id: OrderID) async throws -> Response {
        let key = RecordKey.order(id)
        let loaded = try await hub.store.read { r -> (OrderState, String?, [SubscriptionName: SubscriptionProgress], [StoredEvent], [DeliveryRecord])? in
            guard let state = try r.order(id) else { return nil }
            return (
                state, try state.customerId.flatMap { try r.customer($0)?.name }, try r.deliveryProgress(key: key), try r.events(key: key),
                try r.deliveries(DeliveryFilter(key: key, limit: 10_000))
            )
        }
        guard let (state, customerName, progress, events, deliveries) = loaded else {
            throw OperationRefused(.notFound, "unknown_order", "no order \(id)")
        }
        let now = hub.clock.now()
        let pendingSince = Dictionary(grouping: deliveries.filter { $0.status == .pending }, by: \.subscription).mapValues { $0.map(\.createdAt).min()! }
        let systems: [[String: Any]] = progress.sorted { $0.key < $1.key }.map { name, p in
            let behind: String
            let behindClass: String
            if p.dead > 0 {
                (behind, behindClass) = ("\(p.dead) dead", "bad")
            } else if let since = pendingSince[name] {
                (behind, behindClass) = ("\(p.pending) pending for \(Self.age(milliseconds: now.milliseconds - since.milliseconds))", "pending")
            } else {
                (behind, behindClass) = ("up to date", "good")
            }
            return [
                "name": name.rawValue, "system": hub.landscape.subscriptions[name]?.system.rawValue ?? "", "delivered": p.delivered,
                "pending": p.pending, "dead": p.dead, "lastType": p.lastType?.rawValue ?? "", "behind": behind, "behindClass": behindClass,
            ]
        }
        let bySeq = Dictionary(grouping: deliveries, by: \.seq)
        let timeline: [[String: Any]] = events.map { stored in
            let e = stored.event
            return [
                "seq": stored.seq, "received": Self.time(e.receivedAt), "type": e.type.rawValue, "source": e.source,
                "outcome": (stored.outcome?.rawValue ?? (e.origin == .hub ? "emitted" : "")) + (stored.code.map { " (\($0))" } ?? ""),
                "deliveries": (bySeq[stored.seq] ?? []).map { d -> [String: Any] in
                    [
                        "subscription": d.subscription.rawValue, "status": d.status.rawValue,
                        "latency": d.deliveredAt.map { Self.age(milliseconds: $0.milliseconds - e.receivedAt.milliseconds) } as Any,
                    ]
                },
            ]
        }
        let lines: [[String: Any]] = state.lines.map { l in
            [
                "lineId": l.lineId.rawValue, "sku": l.sku.rawValue, "uom": l.uom.rawValue, "price": l.unitPrice.text, "ordered": "\(l.ordered)",
                "allocated": "\(l.allocated)", "backordered": "\(l.backordered)", "shipped": "\(l.shipped)", "delivered": "\(l.delivered)",
                "invoiced": "\(l.invoiced)", "returned": "\(l.returned)", "tax": l.tax?.text ?? "", "promise": l.promiseDate?.text ?? "",
            ]
        }
        let holds: [[String: Any]] = state.holds.map { h in
            [
                "kind": h.kind.rawValue, "state": h.state.rawValue, "stateClass": h.state == .active ? "bad" : "good", "reason": h.reason ?? "",
                "canRelease": h.state == .active && visit.person.mayRelease(h.kind),
            ]
        }
        let orderValues: [String: Any] = [
            "id": state.orderId.rawValue, "status": state.status.rawValue, "explanation": state.explanation,
            "customer": state.customerId?.rawValue ?? state.placement.customerId, "customerName": customerName ?? "", "po": state.placement.customerPO ?? "",
            "placed": Self.time(state.placedAt), "origin": state.origin.rawValue, "total": state.total.text, "currency": state.currency.code,
            "invoiced": state.invoicedTotal.text, "paid": state.paidTotal.text, "traceId": state.traceId,
            "externalIds": state.externalIds.sorted { $0.key < $1.key }.map { ["system": $0.key, "id": $0.value] },
        ]
        return render(
            "order", visit,
            [
                "order": orderValues, "lines": lines, "holds": holds, "hasHolds": !holds.isEmpty, "systems": systems, "timeline": timeline,
                "hasValidations": !state.validations.isEmpty,
                "validations": state.validations.map {
                    ["name": $0.name, "status": $0.status.rawValue, "fallback": $0.fallback?.rawValue ?? "", "reason": $0.reason ?? ""] as [String: Any]
                },
                "shipments": state.shipments.map {
                    [
                        "id": $0.shipmentId.rawValue, "warehouse": $0.warehouse ?? "", "carrier": $0.carrier ?? "", "tracking": $0.trackingNumber ?? "",
                        "status": $0.status.rawValue,
                    ] as [String: Any]
                },
                "invoices": state.invoices.map {
                    [
                        "id": $0.invoiceId.rawValue, "total": $0.total.text, "paid": $0.paid.text, "credited": $0.credited.text, "due": $0.dueDate?.text ?? "",
                    ] as [String: Any]
                },
            ], title: "Order \(state.orderId)")
    }

    func exceptions(_ visit: Visit) async throws -> Response {
        let query = visit.query
        let mine = ExceptionKind.allCases.filter { visit.person.works($0) }
        let kind = query["kind"].flatMap { ExceptionKind(rawValue: $0) }
        if let kind, !visit.person.works(kind) {
            throw OperationRefused(.forbidden, "forbidden", "\(kind.rawValue) exceptions are worked by \(kind.role.rawValue)")
        }
        let open = query["status"] != "resolved"
        let filter = ExceptionFilter(kind: kind, status: open ? .open : .resolved, limit: 2_000)
        let records = try await hub.store.read { try $0.exceptions(filter) }.filter { visit.person.works($0) }.prefix(500)
        let queueName = visit.person.role == .admin ? "every queue" : "\(visit.person.role.rawValue)'s queue"
        return render(
            "exceptions", visit,
            [
                "queueName": queueName, "open": open, "items": records.map(Self.row),
                "kinds": mine.map { ["value": $0.rawValue, "selected": $0 == kind] as [String: Any] },
            ], title: "Exceptions")
    }

    static func row(_ e: ExceptionRecord) -> [String: Any] {
        [
            "id": e.id, "kind": e.kind.rawValue, "role": e.kind.role.rawValue, "code": e.code, "order": e.key.flatMap(RecordKey.orderId(of:))?.rawValue as Any,
            "raised": time(e.raisedAt), "message": e.message, "status": e.status.rawValue, "isOpen": e.status == .open,
            "resolvedAt": time(e.resolvedAt), "resolvedBy": e.resolvedBy as Any,
        ]
    }

    func exception(_ visit: Visit, _ text: String) async throws -> Response {
        guard let id = Int64(text) else { throw OperationRefused(.notFound, "unknown_exception", "no exception \(text)") }
        let record = try await hub.exception(id, workedBy: visit.person)
        let order = record.key.flatMap(RecordKey.orderId(of:))
        let (cause, refused, state) = try await hub.store.read { r in
            (
                try record.eventSeq.flatMap { try r.event($0) }, try record.eventSeq.flatMap { try r.refusedEvent(seq: $0) } != nil,
                try order.flatMap { try r.order($0) }
            )
        }
        let holdKinds: [ExceptionKind: HoldKind] = [.creditHold: .credit, .pricing: .pricing, .validation: .validation]
        var releasable: String?
        if let kind = holdKinds[record.kind], let state, state.activeHolds.contains(where: { $0.kind == kind }), visit.person.mayRelease(kind) {
            releasable = kind.rawValue
        }
        var causeValues: [String: Any]?
        if let cause, let bytes = cause.event.raw ?? cause.event.body {
            let body = (try? JSONParser.parse(bytes)).map { JSONWriter.pretty($0) } ?? String(decoding: bytes, as: UTF8.self)
            causeValues = ["seq": cause.seq, "type": cause.event.type.rawValue, "source": cause.event.source, "body": body]
        }
        return render(
            "exception", visit,
            ["item": Self.row(record), "releasable": releasable as Any, "reprocessable": refused, "cause": causeValues as Any], title: "Exception #\(id)")
    }

    /// The deliveries filter of the query: subscription, status, order, type, attempts.
    func deliveryFilter(_ query: [String: String]) -> (DeliveryFilter, EventType?, Int) {
        var filter = DeliveryFilter(limit: 200)
        if let s = query["subscription"], !s.isEmpty { filter.subscription = SubscriptionName(s) }
        if let s = query["status"], let status = DeliveryStatus(rawValue: s) { filter.status = status }
        if let o = query["order"], !o.isEmpty { filter.key = RecordKey.order(OrderID(o)) }
        return (filter, query["type"].flatMap { EventType(rawValue: $0) }, query["attempts"].flatMap { Int($0) } ?? 0)
    }

    static func queryString(_ query: [String: String], keys: [String]) -> String {
        var items = URLComponents()
        items.queryItems = keys.compactMap { key in query[key].flatMap { $0.isEmpty ? nil : URLQueryItem(name: key, value: $0) } }
        return items.percentEncodedQuery ?? ""
    }

    func deliveries(_ visit: Visit) async throws -> Response {
        let query = visit.query
        let (filter, type, minimumAttempts) = deliveryFilter(query)
        let wide = {
            var f = filter; f.limit = 2_000; return f
        }()
        let (records, pending, dead, disabled) = try await hub.store.read { r in
            (try r.deliveries(wide), try r.deliveryCounts(status: .pending), try r.deliveryCounts(status: .dead), try r.disabledSubscriptions())
        }
        let person = visit.person
        let shown = records.filter { (type == nil || $0.type == type) && $0.attempts >= minimumAttempts }.suffix(200).reversed()
        let items: [[String: Any]] = shown.map { d in
            [
                "id": d.id, "subscription": d.subscription.rawValue, "type": d.type.rawValue, "order": RecordKey.orderId(of: d.key)?.rawValue as Any,
                "status": d.status.rawValue, "attempts": d.attempts, "code": d.lastStatusCode.map(String.init) ?? "", "error": d.lastError ?? "",
                "next": d.status == .pending ? Self.time(d.nextAttemptAt) : "", "canRetry": person.managesDeliveries && d.status != .delivered,
                "canInspect": person.managesDeliveries,
            ]
        }
        let subscriptions: [[String: Any]] = hub.landscape.subscriptions.values.sorted { $0.name < $1.name }.map { s in
            let state = state(of: s.name, disabled: disabled)
            return [
                "name": s.name.rawValue, "system": s.system.rawValue, "adapter": s.adapter.kind, "state": state, "pending": pending[s.name] ?? 0,
                "dead": dead[s.name] ?? 0, "canManage": person.managesDeliveries, "toggle": state == "disabled" ? "enable" : "disable",
                "toggleLabel": state == "disabled" ? "Enable" : "Disable",
            ]
        }
        let names = hub.landscape.subscriptions.keys.map(\.rawValue).sorted()
        return render(
            "deliveries", visit,
            [
                "items": items, "subscriptions": subscriptions, "query": query, "canRetry": person.managesDeliveries,
                "queryString": Self.queryString(query, keys: ["subscription", "status", "order", "type"]),
                "subscriptionOptions": names.map { (value: String) -> [String: Any] in ["value": value, "selected": value == query["subscription"]] },
                "statusOptions": ["pending", "delivered", "dead"].map { (value: String) -> [String: Any] in
                    ["value": value, "selected": value == query["status"]]
                },
                "typeOptions": EventType.allCases.map { ["value": $0.rawValue, "selected": $0 == type] as [String: Any] },
            ], title: "Deliveries")
    }

    func bulkRetryPreview(_ visit: Visit) async throws -> Response {
        guard visit.person.managesDeliveries else { throw OperationRefused(.forbidden, "forbidden", "deliveries are retried by support") }
        let (filter, type, _) = deliveryFilter(visit.query)
        let chosen = try await hub.bulkRetryPreview(filter, type: type)
        return render(
            "bulk-retry", visit,
            [
                "count": chosen.count, "noun": chosen.count == 1 ? "delivery" : "deliveries", "filter": Hub.describe(filter, type: type),
                "queryString": Self.queryString(visit.query, keys: ["subscription", "status", "order", "type"]), "truncated": chosen.count > 50,
                "sample": chosen.prefix(50).map { d in
                    [
                        "id": d.id, "subscription": d.subscription.rawValue, "type": d.type.rawValue, "order": RecordKey.orderId(of: d.key)?.rawValue ?? "",
                        "status": d.status.rawValue, "attempts": d.attempts,
                    ] as [String: Any]
                },
            ], title: "Bulk retry")
    }

    func delivery(_ visit: Visit, _ text: String) async throws -> Response {
        guard visit.person.managesDeliveries else { throw OperationRefused(.forbidden, "forbidden", "attempts are inspected by support") }
        guard let id = Int64(text), let (record, event) = try await hub.store.read({ r in try r.delivery(id).map { ($0, try r.event($0.seq)) } }) else {
            throw OperationRefused(.notFound, "unknown_delivery", "no delivery \(text)")
        }
        let bytes = event.flatMap { $0.event.raw ?? $0.event.body } ?? []
        let request = (try? JSONParser.parse(bytes)).map { JSONWriter.pretty($0) } ?? String(decoding: bytes, as: UTF8.self)
        let answer =
            record.attempts == 0
            ? "Not attempted yet."
            : "HTTP \(record.lastStatusCode.map(String.init) ?? "none")\n\(record.lastError ?? (record.status == .delivered ? "delivered" : ""))"
        return render(
            "delivery", visit,
            [
                "item": [
                    "id": record.id, "status": record.status.rawValue, "subscription": record.subscription.rawValue, "type": record.type.rawValue,
                    "seq": record.seq, "attempts": record.attempts, "next": Self.time(record.nextAttemptAt),
                ] as [String: Any], "request": request, "answer": answer,
            ], title: "Delivery #\(id)")
    }

    func interchanges(_ visit: Visit) async throws -> Response {
        guard visit.person.managesDeliveries else { throw OperationRefused(.forbidden, "forbidden", "interchanges are support's") }
        let items = try await hub.store.read { try $0.outboundInterchanges(partner: nil, limit: 500) }
        return render(
            "interchanges", visit,
            [
                "items": items.map { i in
                    [
                        "partner": i.partner.rawValue, "control": i.control, "set": i.setCode, "reference": i.reference,
                        "order": (i.key.flatMap(RecordKey.orderId(of:))?.rawValue) as Any, "sent": Self.time(i.sentAt), "due": Self.time(i.ackDueAt),
                        "status": i.status.rawValue,
                        "statusClass": i.status == .rejected || i.status == .overdue ? "bad" : i.status == .sent ? "pending" : "good", "note": i.note ?? "",
                    ] as [String: Any]
                }
            ], title: "EDI interchanges")
    }

    func auditLog(_ visit: Visit) async throws -> Response {
        guard visit.person.role == .admin else { throw OperationRefused(.forbidden, "forbidden", "the audit log is the admin's") }
        let entries = try await hub.store.read { try $0.auditLog(limit: 1_000) }
        return render(
            "audit", visit,
            [
                "items": entries.map {
                    ["at": Self.time($0.at), "actor": $0.actor, "action": $0.action, "target": $0.target, "detail": $0.detail ?? ""] as [String: Any]
                }
            ], title: "Audit log")
    }
}
