import WaybillCore
import WaybillEngine

/// Where the hub keeps its data.
public enum StoreLocation: Sendable, Equatable {
    case sqlite(path: String)
    case postgres(url: String)

    /// Parses `sqlite:PATH`, a bare path, or `postgres://…`.
    public init?(_ text: String) {
        if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            self = .postgres(url: text)
        } else if text.hasPrefix("sqlite:") {
            let path = String(text.dropFirst(7))
            guard !path.isEmpty else { return nil }
            self = .sqlite(path: path)
        } else if !text.isEmpty, !text.contains("://") {
            self = .sqlite(path: text)
        } else {
            return nil
        }
    }
}

/// A person who uses the API and dashboard.
public struct User: Sendable, Equatable {
    public var name: String
    public var role: Role
    public var token: String
}

/// Service-level targets, in milliseconds.
public struct ServiceLevels: Sendable, Equatable {
    public var orderAcknowledgement: Int64 = 60_000
    public var shipmentPropagation: Int64 = 300_000
    public var invoicePosting: Int64 = 86_400_000
    public var paymentSync: Int64 = 3_600_000
}

/// A connected system with its credentials.
public struct SystemConfiguration: Sendable, Equatable {
    public var system: ConnectedSystem
    /// The API key the system authenticates with (absent for systems that only receive).
    public var apiKey: String?
}

/// The whole of `waybill.yml`, validated.
public struct HubConfiguration: Sendable, Equatable {
    public var store: StoreLocation = .sqlite(path: "waybill.sqlite")
    public var host = "127.0.0.1"
    public var port = 8080
    public var policies = Policies()
    /// Orders at or above this value are flagged for review in the order view.
    public var highValueOrder: String?
    public var serviceLevels = ServiceLevels()
    public var users: [User] = []
    public var systems: [SystemConfiguration] = []

    public init() {}

    /// The routing table of the configured systems.
    public var landscape: Landscape { Landscape(systems: systems.map(\.system)) }
}
