import WaybillCore
import WaybillMapping

/// How a system posts its own payloads to `POST /v1/inbound/{system}`: the mapping (a pack, or
/// the system's own mapping file) and how the hub knows the post is the system's.
public struct NativeInbound: Sendable, Equatable {
    /// How a post is authenticated.
    public enum Authentication: Sendable, Equatable {
        /// `Authorization: Bearer <the system's API key>`.
        case apiKey
        /// Shopify's `X-Shopify-Hmac-Sha256`: base64 HMAC-SHA256 of the raw body with the app's secret.
        case shopify(secret: String)
        /// Standard Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC>`.
        case standardWebhooks(secret: String)
    }

    public var mapping: Mapping
    public var authentication: Authentication

    public init(mapping: Mapping, authentication: Authentication) {
        self.mapping = mapping
        self.authentication = authentication
    }
}
