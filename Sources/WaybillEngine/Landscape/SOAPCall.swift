/// A subscription reached by SOAP (`soap:` in waybill.yml): a legacy ERP's web service. The
/// body the subscriber is sent (its outbound mapping's, or the canonical event) becomes the
/// operation element's children; a SOAP Fault is retried or dead-lettered by its code.
///
/// ```yaml
/// soap:
///   url: "http://legacy-erp:8080/ws/orders"
///   version: "1.1"                      # or "1.2"
///   action: "urn:CreateSalesOrder"      # SOAPAction (1.1) / action parameter (1.2)
///   operation: CreateSalesOrder
///   namespace: "urn:legacy-erp:orders"
///   security: { user: waybill, passwordEnv: LEGACY_ERP_PASSWORD }   # WS-Security UsernameToken
///   retryFaults: [Server, Receiver]     # default; any other fault code is a dead letter at once
/// ```
public struct SOAPCall: Sendable, Equatable {
    public enum Version: String, Sendable, Equatable {
        case v11 = "1.1", v12 = "1.2"
    }

    public var url: String
    public var version: Version
    public var action: String?
    public var operation: String
    public var namespace: String
    /// WS-Security UsernameToken (a plain-text password).
    public var user: String?
    public var password: String?
    /// Fault codes (local names: `Server`, `Receiver`, `Client`, `Sender`, or a custom subcode)
    /// after which the delivery is tried again; every other fault is dead at once.
    public var retryFaults: Set<String>

    public init(
        url: String, version: Version = .v11, action: String? = nil, operation: String, namespace: String, user: String? = nil, password: String? = nil,
        retryFaults: Set<String> = ["Server", "Receiver"]
    ) {
        self.url = url
        self.version = version
        self.action = action
        self.operation = operation
        self.namespace = namespace
        self.user = user
        self.password = password
        self.retryFaults = retryFaults
    }
}
