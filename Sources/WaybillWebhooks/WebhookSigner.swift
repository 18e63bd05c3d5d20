import Crypto
import Foundation

/// Signs webhook requests per the Standard Webhooks specification: `webhook-signature` is
/// `v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>">`, keyed with the
/// base64 bytes after the `whsec_` prefix of the secret.
public struct WebhookSigner: Sendable {
    let key: SymmetricKey

    /// Why a secret cannot be used.
    public struct InvalidSecret: Error, CustomStringConvertible {
        public let description: String
    }

    /// A signer for a `whsec_<base64>` secret.
    public init(secret: String) throws {
        guard secret.hasPrefix("whsec_") else { throw InvalidSecret(description: "webhook secrets start with whsec_") }
        guard let bytes = Data(base64Encoded: String(secret.dropFirst(6))), bytes.count >= 16 else {
            throw InvalidSecret(description: "the part after whsec_ must be base64 of at least 16 bytes")
        }
        key = SymmetricKey(data: bytes)
    }

    /// The `webhook-signature` header value for one request.
    public func signature(id: String, timestamp: Int64, body: [UInt8]) -> String {
        var content = Array("\(id).\(timestamp).".utf8)
        content.append(contentsOf: body)
        let mac = HMAC<SHA256>.authenticationCode(for: content, using: key)
        return "v1," + Data(mac).base64EncodedString()
    }

    /// Checks a `webhook-signature` header (space-separated `v1,` entries), in constant time.
    public func verify(id: String, timestamp: Int64, body: [UInt8], header: String) -> Bool {
        var content = Array("\(id).\(timestamp).".utf8)
        content.append(contentsOf: body)
        for entry in header.split(separator: " ") where entry.hasPrefix("v1,") {
            guard let mac = Data(base64Encoded: String(entry.dropFirst(3))) else { continue }
            if HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: content, using: key) { return true }
        }
        return false
    }
}
