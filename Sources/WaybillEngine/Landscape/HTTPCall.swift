import WaybillCore
import WaybillMapping

/// A subscription reached by a REST call per delivery (`http:` in waybill.yml): the method, a
/// URL template, extra headers, the authentication, and where the answer names the record the
/// call created (captured as the system's id for the order, so later calls address it).
///
/// ```yaml
/// http:
///   method: POST
///   url: "https://erp.example/services/rest/record/v1/salesOrder"
///   auth: { oauth2: { tokenUrl: "https://erp.example/token", clientId: "waybill", clientSecretEnv: ERP_SECRET } }
///   capture: location                   # or a JSON path in the answer's body: $.id
/// ```
public struct HTTPCall: Sendable, Equatable {
    public enum Authentication: Sendable, Equatable {
        case none
        case bearer(token: String)
        case basic(user: String, password: String)
        /// OAuth 2.0 client credentials: a token fetched from `tokenURL`, kept until it expires,
        /// fetched again once when the system answers 401.
        case oauth2(tokenURL: String, clientId: String, clientSecret: String, scope: String?)
    }

    /// Where the answer names the created record.
    public enum Capture: Sendable, Equatable {
        case none
        /// The last path segment of the `Location` header (NetSuite answers 204 with it).
        case location
        /// A path in the answer's JSON body (`$.id`).
        case body(Expression)
    }

    public var method: String
    /// `{order}` is replaced by the system's own id for the order when the hub knows it (else
    /// the hub's), `{type}` by the event type, `{delivery}` by the delivery id.
    public var url: String
    public var headers: [String: String]
    public var authentication: Authentication
    public var capture: Capture

    public init(method: String, url: String, headers: [String: String] = [:], authentication: Authentication = .none, capture: Capture = .none) {
        self.method = method
        self.url = url
        self.headers = headers
        self.authentication = authentication
        self.capture = capture
    }

    /// The URL for one delivery.
    public func url(order: String?, type: EventType, delivery: String) -> String {
        url.replacingOccurrences(of: "{order}", with: order.map(Self.pathEscaped) ?? "")
            .replacingOccurrences(of: "{type}", with: type.rawValue)
            .replacingOccurrences(of: "{delivery}", with: delivery)
    }

    /// `text` with everything but unreserved URL characters percent-encoded.
    static func pathEscaped(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            let c = Character(UnicodeScalar(byte))
            if c.isLetter && byte < 128 || c.isNumber && byte < 128 || "-._~".contains(c) {
                out.append(c)
            } else {
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
