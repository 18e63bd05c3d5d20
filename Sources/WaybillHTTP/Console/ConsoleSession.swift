import Crypto
import Foundation
import Hummingbird
import WaybillCore
import WaybillEngine

/// Console sessions without server state: signing in with a person's token sets a cookie that
/// names the person, their role and an expiry, signed with HMAC-SHA256 under a key derived from
/// the configured tokens (so it holds across restarts and nodes, and changing the tokens ends
/// every session). Every form carries a CSRF token derived from the session; a POST without the
/// matching one is refused.
struct ConsoleSessions: Sendable {
    static let cookieName = "waybill_session"
    /// How long a session lasts.
    static let lifetimeMilliseconds: Int64 = 8 * 3_600_000

    private let key: SymmetricKey
    /// Token digests → the person they sign in.
    private let people: [String: Person]

    init(users: [(name: String, role: Role, token: String)]) {
        var people: [String: Person] = [:]
        var material = Data("waybill-console-session-v1".utf8)
        for user in users.sorted(by: { $0.name < $1.name }) {
            let digest = AccessControl.digest(user.token)
            people[digest] = Person(name: user.name, role: user.role)
            material += Data(digest.utf8)
        }
        self.people = people
        key = SymmetricKey(data: SHA256.hash(data: material))
    }

    /// The person a token signs in, if any (systems' API keys sign no one in).
    func person(token: String) -> Person? { people[AccessControl.digest(token)] }

    /// The cookie's value for `person`, valid until `expires`.
    func cookie(for person: Person, expires: Timestamp) -> String {
        let name = Data(person.name.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        let payload = "\(name).\(person.role.rawValue).\(expires.milliseconds)"
        return "\(payload).\(signature(payload))"
    }

    /// The person a cookie value names, when its signature holds and it has not expired.
    func person(cookie value: String, now: Timestamp) -> Person? {
        let parts = value.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 4 else { return nil }
        let payload = parts[0..<3].joined(separator: ".")
        guard constantTimeEqual(signature(payload), parts[3]), let expires = Int64(parts[2]), expires > now.milliseconds,
            let role = Role(rawValue: parts[1])
        else { return nil }
        var base64 = parts[0].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), let name = String(data: data, encoding: .utf8) else { return nil }
        // A person whose token was removed from the configuration is signed out.
        guard people.values.contains(Person(name: name, role: role)) else { return nil }
        return Person(name: name, role: role)
    }

    /// The CSRF token of a session: forms carry it, POSTs must.
    func csrfToken(cookie value: String) -> String { signature("csrf:" + value) }

    private func signature(_ text: String) -> String {
        HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: key).map { String(format: "%02x", $0) }.joined()
    }

    private func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for i in x.indices { difference |= x[i] ^ y[i] }
        return difference == 0
    }

    /// The session cookie's value in a request, if it sends one.
    static func cookieValue(_ request: Request) -> String? {
        guard let header = request.headers[.cookie] else { return nil }
        for part in header.split(separator: ";") {
            let pair = part.trimmingCharacters(in: .whitespaces)
            if pair.hasPrefix(cookieName + "=") { return String(pair.dropFirst(cookieName.count + 1)) }
        }
        return nil
    }

    /// `Set-Cookie` for a session (HttpOnly, SameSite=Strict, Secure behind TLS).
    static func setCookie(_ value: String, secure: Bool, maxAgeSeconds: Int64) -> String {
        "\(cookieName)=\(value); Path=/ui; HttpOnly; SameSite=Strict; Max-Age=\(maxAgeSeconds)\(secure ? "; Secure" : "")"
    }
}

/// A form body (`application/x-www-form-urlencoded`), decoded.
struct FormBody {
    var fields: [String: String] = [:]

    init(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "+", with: "%20")
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = parts.first.flatMap({ String($0).removingPercentEncoding }) else { continue }
            fields[name] = parts.count > 1 ? String(parts[1]).removingPercentEncoding ?? "" : ""
        }
    }

    subscript(_ name: String) -> String? { fields[name] }
}
