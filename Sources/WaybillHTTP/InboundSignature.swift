import Crypto
import Foundation
import WaybillEngine

/// Checks that a native post is the system's own: Shopify's HMAC, a Standard Webhooks signature,
/// or (checked by `AccessControl`) the system's API key. Signatures are compared in constant time.
enum InboundSignature {
    /// Shopify: `X-Shopify-Hmac-Sha256` is the base64 HMAC-SHA256 of the raw body, keyed with the
    /// app's secret.
    static func shopify(body: [UInt8], header: String?, secret: String) -> Bool {
        guard let header, let presented = Data(base64Encoded: header) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(presented, authenticating: body, using: SymmetricKey(data: Array(secret.utf8)))
    }

    /// Standard Webhooks: `webhook-signature` holds `v1,<base64 HMAC-SHA256 of id.timestamp.body>`
    /// (several, space separated, during a key rotation), keyed with the base64 secret after
    /// `whsec_`; the timestamp must be within five minutes of `now` (seconds).
    static func standardWebhooks(body: [UInt8], id: String?, timestamp: String?, signatures: String?, secret: String, now: Int64) -> Bool {
        guard let id, let timestamp, let seconds = Int64(timestamp), let signatures, abs(now - seconds) <= 300 else { return false }
        let encoded = secret.hasPrefix("whsec_") ? String(secret.dropFirst(6)) : secret
        guard let key = Data(base64Encoded: encoded) else { return false }
        let signed = Array("\(id).\(timestamp).".utf8) + body
        for candidate in signatures.split(separator: " ") where candidate.hasPrefix("v1,") {
            guard let presented = Data(base64Encoded: String(candidate.dropFirst(3))) else { continue }
            if HMAC<SHA256>.isValidAuthenticationCode(presented, authenticating: signed, using: SymmetricKey(data: key)) { return true }
        }
        return false
    }
}
