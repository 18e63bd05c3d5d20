import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import WaybillConfig
import WaybillCore
import WaybillEngine
import WaybillHTTP
import WaybillSQLite
import WaybillStore
import WaybillTestSupport

/// Who calls, in the order of the columns of the access table: the four roles of the sample
/// landscape, a system's API key (the ERP), the trading partner's key, and no token at all.
enum Caller: Int, CaseIterable, CustomStringConvertible {
    case support, service, finance, admin, system, partner, nobody

    var authorization: String? {
        switch self {
        case .support: "Bearer tok-support"
        case .service: "Bearer tok-service"
        case .finance: "Bearer tok-finance"
        case .admin: "Bearer tok-admin"
        case .system: "Bearer key-erp"
        case .partner: "Bearer key-boltworks"
        case .nobody: nil
        }
    }

    var description: String {
        ["support", "service", "finance", "admin", "system (erp)", "partner (boltworks-edi)", "no token"][rawValue]
    }
}

/// A hub on the built-in sample landscape (examples/waybill.yml) holding one order SO-1 with its
/// deliveries, and one open exception per (queue-owning role, caller) so that every caller's
/// resolve acts on an exception of its own.
struct AccessFixture {
    let app: Application<RouterResponder<BasicRequestContext>>
    let hub: Hub
    /// The open exception of `role`'s queue each caller resolves.
    let exceptions: [Role: [Caller: Int64]]
    let delivery: Int64

    /// The queue each role works in these tests.
    static let kinds: [Role: ExceptionKind] = [.support: .mapping, .service: .backorder, .finance: .creditHold]

    init() async throws {
        let sample = try String(contentsOf: repositoryRoot.appendingPathComponent("examples/waybill.yml"), encoding: .utf8)
        let clock = ManualClock(Timestamp(rfc3339: "2026-12-01T08:00:00Z")!)
        let (app, hub) = try makeApp(sample, clock: clock)
        self.app = app
        self.hub = hub
        for (system, body) in [
            ("erp", event("erp", "c-1", "o2c.customer.upserted", "C-1", #"{"customerId":"C-1","name":"BoltWorks","currency":"USD","creditLimit":"1000.00"}"#)),
            ("erp", event("erp", "p-1", "o2c.product.upserted", "A", #"{"sku":"A","baseUom":"EA","listPrice":"5.00","currency":"USD"}"#)),
            (
                "portal",
                event(
                    "portal", "o-1", "o2c.order.placed", "SO-1",
                    #"{"orderId":"SO-1","customerId":"C-1","currency":"USD","lines":[{"lineId":"1","sku":"A","quantity":4,"unitPrice":"5.00"}]}"#)
            ),
        ] {
            let results = try await hub.ingest(body: Array(body.utf8), from: SystemName(system))
            #expect(results.map(\.outcome) == [.accepted], "\(results)")
        }
        let now = clock.now()
        exceptions = try await hub.store.write { tx in
            var ids: [Role: [Caller: Int64]] = [:]
            for (role, kind) in Self.kinds {
                for caller in Caller.allCases {
                    ids[role, default: [:]][caller] = try tx.raise(
                        NewException(kind: kind, code: "test", key: nil, eventSeq: nil, message: "for \(caller)", raisedAt: now))
                }
            }
            return ids
        }
        delivery = try #require(try await hub.store.read { try $0.deliveries(DeliveryFilter(limit: 1)) }.first?.id)
    }

    /// The concrete path of a table entry for `caller`: `{name:value}` becomes `value`, except
    /// `{id:<role>-exception}` (the caller's own exception of that queue) and `{id:delivery}`.
    func path(_ template: String, for caller: Caller) -> String {
        var path = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            path += rest[..<open]
            let value = String(rest[rest.index(after: open)..<close].split(separator: ":", maxSplits: 1).last ?? "")
            if value == "delivery" {
                path += "\(delivery)"
            } else if value.hasSuffix("-exception"), let role = Role(rawValue: String(value.dropLast(10))), let id = exceptions[role]?[caller] {
                path += "\(id)"
            } else {
                path += value
            }
            rest = rest[rest.index(after: close)...]
        }
        return path + rest
    }
}

/// The access table of the README (section "HTTP API"), pinned: every route of the router
/// against every caller, with the status each one gets.
@Suite("Access table")
struct AccessTableTests {
    /// `METHOD /path` (with `{parameter:value}` for path parameters, and an optional query) and the
    /// status for each caller, in the order support, service, finance, admin, system, partner,
    /// no token. The README prints this same table.
    static let table: [(request: String, expected: [Int])] = [
        // Not behind a key: metrics (404 here only because this app runs without metrics), the
        // API description, liveness and readiness.
        ("GET /metrics", [404, 404, 404, 404, 404, 404, 404]),
        ("GET /openapi.yaml", [200, 200, 200, 200, 200, 200, 200]),
        ("GET /health/live", [200, 200, 200, 200, 200, 200, 200]),
        ("GET /health/ready", [200, 200, 200, 200, 200, 200, 200]),
        // Systems send events and interchanges, each with its own key.
        ("POST /v1/events", [403, 403, 403, 403, 202, 403, 401]),
        ("POST /v1/edi/{partner:boltworks-edi}", [403, 403, 403, 403, 403, 200, 401]),
        // People: orders, deliveries and subscriptions for every role.
        ("GET /v1/orders", [200, 200, 200, 200, 403, 403, 401]),
        ("GET /v1/orders/{id:SO-1}", [200, 200, 200, 200, 403, 403, 401]),
        ("GET /v1/orders/{id:SO-1}/timeline", [200, 200, 200, 200, 403, 403, 401]),
        ("GET /v1/orders/{id:SO-1}/timeline?include=payloads", [200, 200, 200, 200, 403, 403, 401]),
        ("GET /v1/deliveries", [200, 200, 200, 200, 403, 403, 401]),
        ("GET /v1/subscriptions", [200, 200, 200, 200, 403, 403, 401]),
        ("GET /v1/subscriptions/{name:erp-orders}", [200, 200, 200, 200, 403, 403, 401]),
        // Raw events, retry, replay, interchanges: support (and admin).
        ("GET /v1/events/{seq:1}", [200, 403, 403, 200, 403, 403, 401]),
        ("POST /v1/deliveries/{id:delivery}/retry", [202, 403, 403, 202, 403, 403, 401]),
        ("POST /v1/subscriptions/{name:erp-orders}/replay", [202, 403, 403, 202, 403, 403, 401]),
        ("GET /v1/edi/interchanges", [200, 403, 403, 200, 403, 403, 401]),
        ("GET /v1/deliveries/bulk-retry?status=dead", [200, 403, 403, 200, 403, 403, 401]),
        ("POST /v1/deliveries/bulk-retry?subscription=none&expected=0", [202, 403, 403, 202, 403, 403, 401]),
        ("POST /v1/subscriptions/{name:erp-orders}/disable", [200, 403, 403, 200, 403, 403, 401]),
        ("POST /v1/subscriptions/{name:erp-orders}/enable", [200, 403, 403, 200, 403, 403, 401]),
        // Releasing a hold: its owners (finance for credit); 409 here because SO-1 holds nothing.
        ("POST /v1/orders/{id:SO-1}/release", [403, 403, 409, 409, 403, 403, 401]),
        // Admin only.
        ("GET /v1/audit", [403, 403, 403, 200, 403, 403, 401]),
        // Business KPIs: any person.
        ("GET /v1/kpis", [200, 200, 200, 200, 403, 403, 401]),
        ("GET /v1/kpis?from=2026-11-01&to=2026-12-01", [200, 200, 200, 200, 403, 403, 401]),
        // Exception queues: a person sees and resolves their own role's, admin every one;
        // ?role= and ?kind= narrow and never widen.
        ("GET /v1/exceptions", [200, 200, 200, 200, 403, 403, 401]),
        ("GET /v1/exceptions?role=support", [200, 403, 403, 200, 403, 403, 401]),
        ("GET /v1/exceptions?role=service", [403, 200, 403, 200, 403, 403, 401]),
        ("GET /v1/exceptions?role=finance", [403, 403, 200, 200, 403, 403, 401]),
        ("GET /v1/exceptions?role=admin", [403, 403, 403, 200, 403, 403, 401]),
        ("GET /v1/exceptions?kind=credit_hold", [403, 403, 200, 200, 403, 403, 401]),
        ("GET /v1/exceptions?kind=backorder", [403, 200, 403, 200, 403, 403, 401]),
        // The slo queue is split by clock among support, service and finance: each sees its part.
        ("GET /v1/exceptions?kind=slo", [200, 200, 200, 200, 403, 403, 401]),
        ("POST /v1/exceptions/{id:support-exception}/resolve", [200, 403, 403, 200, 403, 403, 401]),
        ("POST /v1/exceptions/{id:service-exception}/resolve", [403, 200, 403, 200, 403, 403, 401]),
        ("POST /v1/exceptions/{id:finance-exception}/resolve", [403, 403, 200, 200, 403, 403, 401]),
        // Reprocessing the refused event behind an exception: the same people; 409 here because
        // these exceptions name no refused event.
        // A system's own payload: its own signature (here Shopify's HMAC, which no bearer key replaces).
        ("POST /v1/inbound/{system:shop}", [401, 401, 401, 401, 401, 401, 401]),
        ("POST /v1/exceptions/{id:support-exception}/reprocess", [409, 403, 403, 409, 403, 403, 401]),
        ("POST /v1/exceptions/{id:finance-exception}/reprocess", [403, 403, 409, 409, 403, 403, 401]),
    ]

    /// The router's route as the table names it (`/v1/orders/{id}`).
    static func template(_ request: String) -> String {
        var template = ""
        var (inParameter, inValue) = (false, false)
        for character in request.prefix(while: { $0 != "?" }) {
            switch character {
            case "{": inParameter = true
            case "}": (inParameter, inValue) = (false, false)
            case ":" where inParameter: inValue = true
            default: break
            }
            if !inValue { template.append(character) }
        }
        return template
    }

    /// The body each route that reads one is sent.
    static func body(for template: String) throws -> (contentType: String, bytes: String)? {
        switch template {
        case "POST /v1/events":
            (
                "application/cloudevents+json",
                event("erp", "p-access", "o2c.product.upserted", "B", #"{"sku":"B","baseUom":"EA","listPrice":"7.00","currency":"USD"}"#)
            )
        case "POST /v1/edi/{partner}": ("application/edi-x12", try fixture("850-basic.edi"))
        case "POST /v1/subscriptions/{name}/replay": ("application/json", #"{"fromSeq":1}"#)
        case "POST /v1/orders/{id}/release": ("application/json", #"{"hold":"credit","note":"approved"}"#)
        case "POST /v1/inbound/{system}": ("application/json", #"{"id":1}"#)
        default: nil
        }
    }

    @Test("the table names every route the router serves (the /ui console has its own browser test), and only those")
    func everyRoute() throws {
        let (_, hub) = try makeApp()
        let configuration = try ConfigLoader.parse(configurationText, environment: [:])
        let served = Set(
            HubAPI(hub: hub, configuration: configuration).router().routes.filter { !$0.path.description.hasPrefix("/ui") }.map { route in
                "\(route.method.rawValue) "
                    + route.path.description.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
                    .reduce("") { $0 + "/" + $1 }
            })
        let tabled = Set(Self.table.map { Self.template($0.request) })
        #expect(tabled == served, "not in the table: \(served.subtracting(tabled)); in the table but not served: \(tabled.subtracting(served))")
        #expect(Self.table.allSatisfy { $0.expected.count == Caller.allCases.count })
    }

    @Test("every caller gets the status of the access table on every route")
    func table() async throws {
        let fixture = try await AccessFixture()
        try await fixture.app.test(.router) { client in
            for (request, expected) in Self.table {
                let parts = request.split(separator: " ", maxSplits: 1)
                let method = HTTPRequest.Method(String(parts[0]))!
                for caller in Caller.allCases {
                    var headers: HTTPFields = [:]
                    if let authorization = caller.authorization { headers[.authorization] = authorization }
                    var body = ByteBuffer()
                    if let (contentType, bytes) = try Self.body(for: Self.template(request)) {
                        headers[.contentType] = contentType
                        body = ByteBuffer(string: bytes)
                    }
                    let uri = fixture.path(String(parts[1]), for: caller)
                    let response = try await client.execute(uri: uri, method: method, headers: headers, body: body)
                    #expect(
                        Int(response.status.code) == expected[caller.rawValue],
                        "\(caller) on \(request): \(response.status.code), expected \(expected[caller.rawValue]): \(String(buffer: response.body))")
                    if response.status.code >= 400 {
                        #expect(response.headers[.contentType] == "application/problem+json", "\(caller) on \(request)")
                    }
                }
            }
        }
    }
}

/// What the exception queues hold for whom: a person's listing holds only their own role's
/// kinds, `?role=` of another role is refused with a message that says why, and a person cannot
/// resolve another role's exception.
@Suite("Exception queues by role")
struct ExceptionQueueTests {
    static let seeded: [ExceptionKind] = [.mapping, .mapping, .mapping, .backorder, .carrier, .creditHold, .pricing]

    static func kinds(_ response: TestResponse) throws -> [String] {
        guard case .array(let items)? = try JSONParser.parse(Array(buffer: response.body))["items"] else { return [] }
        return items.compactMap { if case .string(let kind)? = $0["kind"] { kind } else { nil } }
    }

    static func seed(_ hub: Hub) async throws -> [ExceptionKind: [Int64]] {
        let now = hub.clock.now()
        return try await hub.store.write { tx in
            var ids: [ExceptionKind: [Int64]] = [:]
            for kind in Self.seeded {
                ids[kind, default: []].append(
                    try tx.raise(NewException(kind: kind, code: "test", key: nil, eventSeq: nil, message: kind.rawValue, raisedAt: now)))
            }
            return ids
        }
    }

    @Test("finance lists only finance's queues, even when other queues' exceptions come first and a limit is given")
    func financeSeesFinance() async throws {
        let (app, hub) = try makeApp(AccessQueueConfiguration.text)
        _ = try await Self.seed(hub)
        try await app.test(.router) { client in
            let all = try await client.execute(uri: "/v1/exceptions", method: .get, headers: [.authorization: "Bearer tok-finance"])
            #expect(try Self.kinds(all) == ["credit_hold", "pricing"])
            let one = try await client.execute(uri: "/v1/exceptions?limit=1", method: .get, headers: [.authorization: "Bearer tok-finance"])
            #expect(try Self.kinds(one) == ["credit_hold"])
            let own = try await client.execute(uri: "/v1/exceptions?role=finance", method: .get, headers: [.authorization: "Bearer tok-finance"])
            #expect(try Self.kinds(own) == ["credit_hold", "pricing"])
            let service = try await client.execute(uri: "/v1/exceptions", method: .get, headers: [.authorization: "Bearer tok-service"])
            #expect(try Self.kinds(service) == ["backorder", "carrier"])
        }
    }

    @Test("service asking for finance's queue gets 403 problem+json that says why")
    func serviceAskingForFinance() async throws {
        let (app, hub) = try makeApp(AccessQueueConfiguration.text)
        _ = try await Self.seed(hub)
        try await app.test(.router) { client in
            for query in ["role=finance", "role=admin", "kind=credit_hold", "role=service&kind=pricing"] {
                let response = try await client.execute(uri: "/v1/exceptions?\(query)", method: .get, headers: [.authorization: "Bearer tok-service"])
                #expect(response.status == .forbidden, "\(query)")
                #expect(response.headers[.contentType] == "application/problem+json")
                let problem = try JSONParser.parse(Array(buffer: response.body))
                #expect(problem["code"] == .string("forbidden"), "\(query)")
                guard case .string(let title)? = problem["title"] else {
                    Issue.record("no title for \(query)")
                    continue
                }
                #expect(title.contains("service"), "\(query): \(title)")
            }
            let unknown = try await client.execute(uri: "/v1/exceptions?role=sales", method: .get, headers: [.authorization: "Bearer tok-service"])
            #expect(unknown.status == .badRequest)
        }
    }

    @Test("admin sees every queue and narrows to one with role=, and a limit below 1 is read as 1")
    func adminNarrows() async throws {
        let (app, hub) = try makeApp(AccessQueueConfiguration.text)
        _ = try await Self.seed(hub)
        try await app.test(.router) { client in
            let admin: HTTPFields = [.authorization: "Bearer tok-admin"]
            let all = try await client.execute(uri: "/v1/exceptions", method: .get, headers: admin)
            #expect(try Self.kinds(all) == Self.seeded.map(\.rawValue))
            let everyQueue = try await client.execute(uri: "/v1/exceptions?role=admin", method: .get, headers: admin)
            #expect(try Self.kinds(everyQueue) == Self.seeded.map(\.rawValue))
            let finance = try await client.execute(uri: "/v1/exceptions?role=finance", method: .get, headers: admin)
            #expect(try Self.kinds(finance) == ["credit_hold", "pricing"])
            let contradictory = try await client.execute(uri: "/v1/exceptions?role=finance&kind=backorder", method: .get, headers: admin)
            #expect(try Self.kinds(contradictory) == [])
            let negative = try await client.execute(uri: "/v1/exceptions?limit=-1", method: .get, headers: admin)
            #expect(try Self.kinds(negative) == ["mapping"])
            let deliveries = try await client.execute(uri: "/v1/deliveries?limit=-1", method: .get, headers: admin)
            #expect(deliveries.status == .ok)
        }
    }

    @Test("service resolving a finance exception gets 403 and the exception stays open; finance resolves it")
    func serviceCannotResolveFinance() async throws {
        let (app, hub) = try makeApp(AccessQueueConfiguration.text)
        let ids = try await Self.seed(hub)
        let creditHold = try #require(ids[.creditHold]?.first)
        try await app.test(.router) { client in
            let refused = try await client.execute(
                uri: "/v1/exceptions/\(creditHold)/resolve", method: .post, headers: [.authorization: "Bearer tok-service"])
            #expect(refused.status == .forbidden)
            #expect(try JSONParser.parse(Array(buffer: refused.body))["title"] == .string("credit_hold exceptions are worked by finance"))
            #expect(try await hub.store.read { try $0.exception(creditHold) }?.status == .open)
            let resolved = try await client.execute(
                uri: "/v1/exceptions/\(creditHold)/resolve", method: .post, headers: [.authorization: "Bearer tok-finance"])
            #expect(resolved.status == .ok)
            #expect(try await hub.store.read { try $0.exception(creditHold) }?.resolvedBy == "fin")
        }
    }
}

@Suite("Credentials")
struct CredentialTests {
    @Test("a key or token given to two entries is refused at the second, which would otherwise sign in as the first")
    func sharedSecret() throws {
        let text = """
            users:
              - { name: ana, role: support, token: "shared" }
              - { name: root, role: admin, tokenEnv: ROOT_TOKEN }
            systems:
              - name: portal
                apiKey: "key-portal"
              - name: erp
                apiKey: "shared"
              - name: wms
                apiKeyEnv: WMS_KEY
            """
        let error = #expect(throws: ConfigProblems.self) {
            try ConfigLoader.parse(text, environment: ["ROOT_TOKEN": "key-portal", "WMS_KEY": "key-portal"])
        }
        #expect(
            error?.problems.map(\.description) == [
                "systems[0].apiKey (line 6): the same secret as users[1].tokenEnv; every key and token must be different",
                "systems[1].apiKey (line 8): the same secret as users[0].token; every key and token must be different",
                "systems[2].apiKeyEnv (line 10): the same secret as users[1].tokenEnv; every key and token must be different",
            ])
        #expect(!(error?.description.contains("shared") ?? true), "the message must not repeat the secret")
    }
}

extension CredentialTests {
    @Test("only the exact key or token signs in: one character off, a prefix or a longer one is 401")
    func exactSecret() async throws {
        let (app, _) = try makeApp(AccessQueueConfiguration.text)
        try await app.test(.router) { client in
            for token in ["tok-finance", "tok-financf", "tok-financ", "tok-finance2", "TOK-FINANCE"] {
                let response = try await client.execute(uri: "/v1/orders", method: .get, headers: [.authorization: "Bearer \(token)"])
                #expect(response.status == (token == "tok-finance" ? .ok : .unauthorized), "\(token)")
            }
        }
    }
}

/// Every role, for the exception queue tests.
enum AccessQueueConfiguration {
    static let text = """
        users:
          - { name: ana, role: support, token: "tok-support" }
          - { name: sam, role: service, token: "tok-service" }
          - { name: fin, role: finance, token: "tok-finance" }
          - { name: root, role: admin, token: "tok-admin" }
        systems:
          - name: portal
            apiKey: "key-portal"
            publishes: [o2c.order.placed]
        """
}
