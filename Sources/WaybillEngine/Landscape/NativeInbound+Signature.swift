import Crypto
import Foundation

extension NativeInbound.Authentication {
    /// Whether a post of `body` with `headers` (names in lower case) carries the system's
    /// signature; `now` in seconds since 1970. Always true for `.apiKey`, which the HTTP layer
    /// checks against the system's key.
    public func accepts(body: [UInt8], headers: [String: String], now: Int64) -> Bool {
        switch self {
        case .apiKey: return true
        case .shopify(let secret): return NativeSignature.shopify(body: body, header: headers["x-shopify-hmac-sha256"], secret: secret)
        case .standardWebhooks(let secret):
            return NativeSignature.standardWebhooks(
                body: body, id: headers["webhook-id"], timestamp: headers["webhook-timestamp"], signatures: headers["webhook-signature"],
                secret: secret, now: now)
        }
    }
}

/// Shopify's and Standard Webhooks' signature schemes; signatures are compared in constant time.
public enum NativeSignature {
    /// Shopify: `X-Shopify-Hmac-Sha256` is the base64 HMAC-SHA256 of the raw body, keyed with the
    /// app's secret.
    public static func shopify(body: [UInt8], header: String?, secret: String) -> Bool {
        guard let header, let presented = Data(base64Encoded: header) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(presented, authenticating: body, using: SymmetricKey(data: Array(secret.utf8)))
    }

    /// Standard Webhooks: `webhook-signature` holds `v1,<base64 HMAC-SHA256 of id.timestamp.body>`
    /// (several, space separated, during a key rotation), keyed with the base64 secret after
    /// `whsec_`; the timestamp must be within five minutes of `now` (seconds).
    public static func standardWebhooks(body: [UInt8], id: String?, timestamp: String?, signatures: String?, secret: String, now: Int64) -> Bool {
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

extension NativeSignature {
    /// Shopify's `X-Shopify-Hmac-Sha256` value for `body` (what a store sends; the demo's storefront signs with it).
    public static func shopifySignature(body: [UInt8], secret: String) -> String {
        Data(HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(secret.utf8)))).base64EncodedString()
    }
}
