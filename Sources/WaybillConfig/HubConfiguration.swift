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

/// How many requests one key or token may make: `burst` at once, refilled at `perSecond`
/// (a token bucket; beyond it the hub answers 429 with Retry-After).
public struct RateLimit: Sendable, Equatable {
    public var perSecond: Double
    public var burst: Double

    public init(perSecond: Double, burst: Double) {
        self.perSecond = perSecond
        self.burst = burst
    }

    /// The default for every key and token: 10,000 requests/s with bursts of 20,000, about twice
    /// what the hub takes as single events over HTTP on the development machine, so that the
    /// limit never throttles a single system below what the hub itself can do.
    public static let standard = RateLimit(perSecond: 10_000, burst: 20_000)
}

/// A person who uses the API and dashboard.
public struct User: Sendable, Equatable {
    public var name: String
    public var role: Role
    public var token: String
    /// This person's own limit (the hub-wide `rateLimit` when absent).
    public var rateLimit: RateLimit?
}

/// A connected system with its credentials.
public struct SystemConfiguration: Sendable, Equatable {
    public var system: ConnectedSystem
    /// The API key the system authenticates with (absent for systems that only receive).
    public var apiKey: String?
    /// This system's own limit (the hub-wide `rateLimit` when absent).
    public var rateLimit: RateLimit?
}

/// The whole of `waybill.yml`, validated.
public struct HubConfiguration: Sendable, Equatable {
    public var store: StoreLocation = .sqlite(path: "waybill.sqlite")
    /// `nodes.lease`: how long a node's delivery claims and its hold on the periodic jobs last
    /// without renewal — how soon the other nodes take over the work of one that died.
    public var leaseMilliseconds: Int64 = 10_000
    /// `retention:`, what housekeeping removes once it is old enough.
    public var retention = Retention()
    public var host = "127.0.0.1"
    public var port = 8080
    public var policies = Policies()
    /// `policies.highValueOrder` as written (its value is `serviceLevels.highValueOrder`).
    public var highValueOrder: String?
    /// `slo:` and `policies.highValueOrder`, for the hub's service-level clocks.
    public var serviceLevels = ServiceLevels()
    /// The limit of every key and token that does not name its own.
    public var rateLimit = RateLimit.standard
    public var users: [User] = []
    public var systems: [SystemConfiguration] = []
    /// The mapping files the configuration names, resolved (for `waybill check` to find their tests).
    public var mappingFiles: [String] = []

    public init() {}

    /// The routing table of the configured systems.
    public var landscape: Landscape { Landscape(systems: systems.map(\.system)) }
}
