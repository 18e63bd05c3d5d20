import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import WaybillConfig
import WaybillCore
import WaybillEngine
import WaybillStore

/// The operations console at `/ui`: server-rendered HTML from the hub itself, signed in with a
/// person's token. Pages read through the hub; every action is one engine operation (the same
/// the JSON API calls), so a handler here only reads the form and renders the answer.
struct Console: Sendable {
    let hub: Hub
    let scheduler: DeliveryScheduler?
    let sessions: ConsoleSessions

    init(hub: Hub, configuration: HubConfiguration, scheduler: DeliveryScheduler?) {
        self.hub = hub
        self.scheduler = scheduler
        sessions = ConsoleSessions(users: configuration.users.map { ($0.name, $0.role, $0.token) })
    }

    /// What a page handler gets: the person, their CSRF token, the request.
    struct Visit: Sendable {
        let person: Person
        let csrf: String
        let request: Request
        var query: [String: String] {
            var values: [String: String] = [:]
            for (name, value) in request.uri.queryParameters { values[String(name)] = String(value) }
            return values
        }
    }

    func register(on router: Router<BasicRequestContext>) {
        let ui = router.group("ui")
        ui.get("assets/console.css") { _, _ in Self.asset(ConsoleAssets.css, type: "text/css; charset=utf-8") }
        ui.get("assets/console.js") { _, _ in Self.asset(ConsoleAssets.js, type: "text/javascript; charset=utf-8") }
        ui.get("sign-in") { request, _ in signInPage(request, error: nil) }
        ui.post("sign-in") { request, _ in try await signIn(request) }
        ui.post("sign-out") { request, _ in try await action(request) { _, _ in Self.signOut(request) } }
        ui.get("") { request, _ in try await page(request) { try await overview($0) } }
        ui.get("events") { request, _ in try await liveFigures(request) }
        ui.get("orders") { request, _ in try await page(request) { try await orders($0) } }
        ui.get("orders/:id") { request, context in
            let id = try context.parameters.require("id")
            return try await page(request) { try await order($0, OrderID(id)) }
        }
        ui.post("orders/:id/release") { request, context in
            let id = try context.parameters.require("id")
            return try await action(request) { visit, form in try await release(visit, form, OrderID(id)) }
        }
        ui.get("exceptions") { request, _ in try await page(request) { try await exceptions($0) } }
        ui.get("exceptions/:id") { request, context in
            let id = try context.parameters.require("id")
            return try await page(request) { try await exception($0, id) }
        }
        ui.post("exceptions/:id/resolve") { request, context in
            let id = try context.parameters.require("id")
            return try await action(request) { visit, form in try await resolve(visit, form, id) }
        }
        ui.post("exceptions/:id/reprocess") { request, context in
            let id = try context.parameters.require("id")
            return try await action(request) { visit, _ in try await reprocess(visit, id) }
        }
        ui.get("deliveries") { request, _ in try await page(request) { try await deliveries($0) } }
        ui.get("deliveries/bulk-retry") { request, _ in try await page(request) { try await bulkRetryPreview($0) } }
        ui.post("deliveries/bulk-retry") { request, _ in try await action(request) { visit, form in try await bulkRetry(visit, form) } }
        ui.get("deliveries/:id") { request, context in
            let id = try context.parameters.require("id")
            return try await page(request) { try await delivery($0, id) }
        }
        ui.post("deliveries/:id/retry") { request, context in
            let id = try context.parameters.require("id")
            return try await action(request) { visit, _ in try await retry(visit, id) }
        }
        ui.post("subscriptions/:name/:toggle") { request, context in
            let name = try context.parameters.require("name")
            let toggle = try context.parameters.require("toggle")
            return try await action(request) { visit, form in try await setSubscription(visit, form, name, enable: toggle == "enable") }
        }
        ui.get("edi") { request, _ in try await page(request) { try await interchanges($0) } }
        ui.get("audit") { request, _ in try await page(request) { try await auditLog($0) } }
    }

    // MARK: Sessions

    /// The signed-in person of a request, with their CSRF token.
    func visit(_ request: Request) -> Visit? {
        guard let cookie = ConsoleSessions.cookieValue(request), let person = sessions.person(cookie: cookie, now: hub.clock.now()) else { return nil }
        return Visit(person: person, csrf: sessions.csrfToken(cookie: cookie), request: request)
    }

    func signInPage(_ request: Request, error: String?) -> Response {
        Self.html(ConsoleTemplates.library.render(["error": error as Any], withTemplate: "sign-in") ?? "", status: error == nil ? .ok : .unauthorized)
    }

    func signIn(_ request: Request) async throws -> Response {
        var request = request
        let form = FormBody(Array(buffer: try await request.collectBody(upTo: 16 * 1024)))
        guard let token = form["token"], let person = sessions.person(token: token) else {
            return signInPage(request, error: "That token does not sign anyone in.")
        }
        let expires = hub.clock.now().adding(milliseconds: ConsoleSessions.lifetimeMilliseconds)
        var response = Self.redirect("/ui")
        response.headers[.setCookie] = ConsoleSessions.setCookie(
            sessions.cookie(for: person, expires: expires), secure: Self.isSecure(request), maxAgeSeconds: ConsoleSessions.lifetimeMilliseconds / 1000)
        return response
    }

    static func signOut(_ request: Request) -> Response {
        var response = redirect("/ui/sign-in")
        response.headers[.setCookie] = ConsoleSessions.setCookie("", secure: isSecure(request), maxAgeSeconds: 0)
        return response
    }

    /// Behind a TLS-terminating proxy the cookie is marked Secure.
    static func isSecure(_ request: Request) -> Bool {
        request.uri.scheme?.rawValue == "https" || request.headers[HTTPField.Name("X-Forwarded-Proto")!]?.lowercased() == "https"
    }

    // MARK: Rendering

    /// A page for a signed-in person (else to the sign-in page); refusals render as pages.
    func page(_ request: Request, _ body: (Visit) async throws -> Response) async throws -> Response {
        guard let visit = visit(request) else { return Self.redirect("/ui/sign-in") }
        do { return try await body(visit) } catch let refused as OperationRefused {
            return render("problem", visit, ["heading": Self.heading(refused), "detail": refused.message], status: Self.status(refused))
        }
    }

    /// A form's action: signed in, with the session's CSRF token, else refused and nothing done.
    func action(_ request: Request, _ body: (Visit, FormBody) async throws -> Response) async throws -> Response {
        guard let visit = visit(request) else { return Self.redirect("/ui/sign-in") }
        var request = request
        let form = FormBody(Array(buffer: try await request.collectBody(upTo: 64 * 1024)))
        guard let csrf = form["csrf"], csrf == visit.csrf else {
            return render(
                "problem", visit, ["heading": "Refused", "detail": "The form is out of date or not from this console; reload the page and try again."],
                status: .forbidden)
        }
        do { return try await body(visit, form) } catch let refused as OperationRefused {
            return render("problem", visit, ["heading": Self.heading(refused), "detail": refused.message], status: Self.status(refused))
        }
    }

    func render(_ template: String, _ visit: Visit, _ values: [String: Any], status: HTTPResponse.Status = .ok, title: String? = nil) -> Response {
        var context = values
        context["person"] = ["name": visit.person.name, "role": visit.person.role.rawValue]
        context["csrf"] = visit.csrf
        context["title"] = title ?? (values["heading"] as? String) ?? template.capitalized
        context["page"] = template
        context["nav"] = navigation(visit, current: template)
        if let notice = visit.query["notice"], let text = Self.notices[notice] { context["flash"] = text }
        return Self.html(ConsoleTemplates.library.render(context, withTemplate: template) ?? "", status: status)
    }

    func navigation(_ visit: Visit, current: String) -> [[String: Any]] {
        let role = visit.person.role
        var items: [(String, String, [String])] = [
            ("/ui", "Overview", ["overview"]), ("/ui/orders", "Orders", ["orders", "order"]),
            ("/ui/exceptions", "Exceptions", ["exceptions", "exception"]), ("/ui/deliveries", "Deliveries", ["deliveries", "delivery", "bulk-retry"]),
        ]
        if role == .support || role == .admin { items.append(("/ui/edi", "EDI", ["interchanges"])) }
        if role == .admin { items.append(("/ui/audit", "Audit", ["audit"])) }
        return items.map { ["href": $0.0, "label": $0.1, "current": $0.2.contains(current)] }
    }

    /// The messages a redirect after an action may show (by name: no text travels in the URL).
    static let notices: [String: String] = [
        "released": "The hold is released; the order goes on.", "resolved": "The exception is resolved.",
        "reprocessed": "The refused event was applied again.", "retried": "The delivery is pending again.",
        "requeued": "The deliveries are pending again.", "enabled": "The subscription is enabled.",
        "disabled": "The subscription is disabled; its deliveries wait.",
    ]

    static func heading(_ refused: OperationRefused) -> String {
        switch refused.reason {
        case .forbidden: "Not yours to do"
        case .notFound: "Not found"
        case .conflict: "Already done, or changed meanwhile"
        }
    }

    static func status(_ refused: OperationRefused) -> HTTPResponse.Status {
        switch refused.reason {
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .conflict: .conflict
        }
    }

    /// Every console answer: no caching, no framing, no scripts or styles but the console's own.
    static let securityHeaders: HTTPFields = [
        HTTPField.Name("Content-Security-Policy")!:
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        HTTPField.Name("X-Content-Type-Options")!: "nosniff", HTTPField.Name("Referrer-Policy")!: "no-referrer",
        HTTPField.Name("X-Frame-Options")!: "DENY", .cacheControl: "no-store",
    ]

    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = securityHeaders
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func redirect(_ location: String) -> Response {
        var headers = securityHeaders
        headers[.location] = location
        return Response(status: .seeOther, headers: headers)
    }

    static func asset(_ text: String, type: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: type, .cacheControl: "max-age=300", HTTPField.Name("X-Content-Type-Options")!: "nosniff"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// A time as people read it in the console (UTC, to the second).
    static func time(_ t: Timestamp?) -> String {
        guard let t else { return "" }
        let text = t.rfc3339
        return String(text.prefix(10)) + " " + String(text.dropFirst(11).prefix(8))
    }

    /// An age in words: 45 s, 12 min, 3 h 5 min, 2 d.
    static func age(milliseconds: Int64) -> String {
        let s = max(0, milliseconds / 1000)
        if s < 90 { return "\(s) s" }
        if s < 5_400 { return "\(s / 60) min" }
        if s < 172_800 { return "\(s / 3600) h \(s % 3600 / 60) min" }
        return "\(s / 86_400) d"
    }
}
