import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization
import WaybillCore
import WaybillEngine
import WaybillMapping

/// Delivers by a REST call per delivery (`http:` subscriptions): the subscription's method and
/// URL (`{order}` is the system's own id for the order once known), the body the subscriber is
/// sent (its outbound mapping's, or the canonical event in its ids), its authentication — a
/// bearer token, basic, or OAuth 2.0 client credentials (the token kept until it expires and
/// fetched again once on a 401) — and `Idempotency-Key: <delivery id>`, the same on every retry,
/// so a system that honours it never creates a record twice.
///
/// 2xx is delivered, and when the subscription says where, the id of the created record
/// (`Location`'s last segment, or a path in the answer) is captured; 410 ends the delivery;
/// anything else, a timeout or a refused connection is a failure retried on the schedule.
public struct HTTPCallAdapter: DeliveryAdapter {
    let client: HTTPClient
    let timeout: TimeAmount
    let tokens = OAuth2Tokens()

    public init(client: HTTPClient, timeout: TimeAmount = .seconds(10)) {
        self.client = client
        self.timeout = timeout
    }

    public func deliver(_ delivery: OutboundDelivery) async -> DeliveryOutcome {
        guard case .http(let call) = delivery.subscription.adapter else {
            return .failed(statusCode: nil, error: "subscription \(delivery.subscription.name) has no http settings")
        }
        let order = (try? JSONParser.parse(delivery.body)).flatMap { body -> String? in
            if case .string(let id)? = body["data"]?["orderId"] { id } else { nil }
        }
        let url = call.url(order: order, type: delivery.type, delivery: delivery.deliveryId)
        do {
            var response = try await send(delivery, call: call, url: url, fresh: false)
            if response.status == 401, case .oauth2 = call.authentication {
                // The token may have been revoked or expired early: fetch another, once.
                response = try await send(delivery, call: call, url: url, fresh: true)
            }
            let status = response.status
            switch status {
            case 200..<300:
                if delivery.subscription.validation != nil { return .answered(statusCode: status, body: response.body) }
                guard let external = Self.captured(call.capture, response: response) else { return .delivered(statusCode: status) }
                return .created(statusCode: status, externalId: external)
            case 410: return .gone(statusCode: status)
            default:
                let detail = String(decoding: response.body.prefix(300), as: UTF8.self)
                return .failed(statusCode: status, error: "HTTP \(status) from \(call.method) \(url)\(detail.isEmpty ? "" : ": \(detail)")")
            }
        } catch {
            return .failed(statusCode: nil, error: "\(call.method) \(url): \(error)")
        }
    }

    struct Answer {
        var status: Int
        var location: String?
        var body: [UInt8]
    }

    func send(_ delivery: OutboundDelivery, call: HTTPCall, url: String, fresh: Bool) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: call.method.uppercased())
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "accept", value: "application/json")
        request.headers.add(name: "idempotency-key", value: delivery.deliveryId)
        request.headers.add(name: "traceparent", value: delivery.traceparent.traceparent)
        request.headers.add(name: "user-agent", value: "Waybill")
        for (name, value) in call.headers { request.headers.replaceOrAdd(name: name, value: value) }
        switch call.authentication {
        case .none: break
        case .bearer(let token): request.headers.replaceOrAdd(name: "authorization", value: "Bearer \(token)")
        case .basic(let user, let password):
            request.headers.replaceOrAdd(name: "authorization", value: "Basic \(Data("\(user):\(password)".utf8).base64EncodedString())")
        case .oauth2(let tokenURL, let clientId, let clientSecret, let scope):
            let token = try await tokens.token(
                client: client, tokenURL: tokenURL, clientId: clientId, clientSecret: clientSecret, scope: scope, fresh: fresh, timeout: timeout)
            request.headers.replaceOrAdd(name: "authorization", value: "Bearer \(token)")
        }
        if call.method.uppercased() != "GET" && call.method.uppercased() != "DELETE" { request.body = .bytes(ByteBuffer(bytes: delivery.body)) }
        let limit = delivery.subscription.validation.map { TimeAmount.milliseconds($0.timeoutMilliseconds) } ?? timeout
        let response = try await client.execute(request, timeout: limit)
        let body = try await response.body.collect(upTo: 1 << 20)
        return Answer(status: Int(response.status.code), location: response.headers.first(name: "location"), body: Array(buffer: body))
    }

    /// The created record's id, from where the subscription says the answer names it.
    static func captured(_ capture: HTTPCall.Capture, response: Answer) -> String? {
        switch capture {
        case .none:
            return nil
        case .location:
            guard let location = response.location else { return nil }
            let path = location.split(separator: "?").first.map(String.init) ?? location
            return path.split(separator: "/").last.map(String.init)
        case .body(let expression):
            guard let body = try? JSONParser.parse(response.body), let value = try? Evaluator.evaluate(expression, in: Scope(root: body)).json else {
                return nil
            }
            switch value {
            case .string(let s): return s
            case .number(let n): return n
            default: return nil
            }
        }
    }
}

/// OAuth 2.0 client-credentials tokens, kept per (token URL, client) until shortly before they
/// expire. A `Mutex` guards the table; fetching happens outside it.
final class OAuth2Tokens: Sendable {
    private let tokens = Mutex([String: (token: String, expires: ContinuousClock.Instant)]())

    func token(
        client: HTTPClient, tokenURL: String, clientId: String, clientSecret: String, scope: String?, fresh: Bool, timeout: TimeAmount
    ) async throws
        -> String
    {
        let key = "\(tokenURL) \(clientId)"
        if !fresh, let kept = tokens.withLock({ $0[key] }), kept.expires > .now { return kept.token }
        var request = HTTPClientRequest(url: tokenURL)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "accept", value: "application/json")
        request.headers.add(
            name: "authorization", value: "Basic \(Data("\(Self.formEscaped(clientId)):\(Self.formEscaped(clientSecret))".utf8).base64EncodedString())")
        var form = "grant_type=client_credentials"
        if let scope { form += "&scope=\(Self.formEscaped(scope))" }
        request.body = .bytes(ByteBuffer(string: form))
        let response = try await client.execute(request, timeout: timeout)
        let body = Array(buffer: try await response.body.collect(upTo: 64 * 1024))
        guard response.status.code == 200, let answer = try? JSONParser.parse(body), case .string(let token)? = answer["access_token"] else {
            throw WaybillError(.invalidPayload, "the token endpoint \(tokenURL) answered \(response.status.code) without an access_token")
        }
        let lifetime: Int64 = {
            if case .number(let n)? = answer["expires_in"], let seconds = Double(n) { return Int64(seconds) }
            return 300
        }()
        // Renewed a little before it runs out, so a call never starts with a token about to lapse.
        let expires = ContinuousClock.now + .seconds(max(0, lifetime - 30))
        tokens.withLock { $0[key] = (token, expires) }
        return token
    }

    /// RFC 6749 appendix B: form-urlencoded.
    static func formEscaped(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            let c = Character(UnicodeScalar(byte))
            if byte < 128 && (c.isLetter || c.isNumber || "-._~".contains(c)) { out.append(c) } else { out += String(format: "%%%02X", byte) }
        }
        return out
    }
}
