import WaybillCore
import WaybillMapping

/// How an adapter delivers to a subscriber. The registry (`AdapterRegistry`) maps each kind to
/// the adapter that performs it.
public enum AdapterSettings: Sendable, Equatable {
    /// Deliver to a handler in this process (the demo's simulated systems, tests).
    case inProcess
    /// POST a signed CloudEvent to a URL (Standard Webhooks).
    case webhook(url: String, secret: String)
    /// Write an X12 document (855, 856, 810) for the trading partner into `directory`, atomically.
    case x12File(set: String, directory: String)
    /// A REST call per delivery (see `HTTPCall`).
    case http(HTTPCall)
    /// A SOAP 1.1 / 1.2 call per delivery (see `SOAPCall`).
    case soap(SOAPCall)
    /// A CSV file per delivery, written atomically (see `CSVFileSettings`).
    case csv(CSVFileSettings)

    public var kind: String {
        switch self {
        case .inProcess: return "inProcess"
        case .webhook: return "webhook"
        case .x12File: return "x12File"
        case .http: return "http"
        case .soap: return "soap"
        case .csv: return "csv"
        }
    }
}

/// A trading partner that speaks X12 004010: who it is on the envelope, who we are to it, and
/// where its files come and go.
public struct X12Partner: Sendable, Equatable {
    /// ISA06 of what it sends us and ISA08 of what we send it, with its qualifier.
    public var interchangeId: String
    public var qualifier: String
    /// Our ISA id and qualifier with this partner.
    public var ourId: String
    public var ourQualifier: String
    /// How long the partner has to send a 997 for a document we send it.
    public var acknowledgementWindow: Int64
    /// A directory watched for the partner's interchanges (file drop), if any.
    public var inboundDirectory: String?
    /// Where the 997 / TA1 answering a dropped file is written (default: next to `inboundDirectory`, in `acknowledgements/`).
    public var outboundDirectory: String?
    /// ISA15: P production, T test.
    public var usage: String

    public init(
        interchangeId: String, qualifier: String = "ZZ", ourId: String, ourQualifier: String = "ZZ", acknowledgementWindow: Int64 = 86_400_000,
        inboundDirectory: String? = nil, outboundDirectory: String? = nil, usage: String = "P"
    ) {
        self.interchangeId = interchangeId
        self.qualifier = qualifier
        self.ourId = ourId
        self.ourQualifier = ourQualifier
        self.acknowledgementWindow = acknowledgementWindow
        self.inboundDirectory = inboundDirectory
        self.outboundDirectory = outboundDirectory
        self.usage = usage
    }
}

/// A subscription: which event types a system wants, and how they reach it.
public struct Subscription: Sendable, Equatable {
    public var name: SubscriptionName
    public var system: SystemName
    public var types: Set<EventType>
    public var adapter: AdapterSettings
    public var retry: RetrySchedule
    /// The body the subscriber is sent, per event type (a pack or the system's mapping file);
    /// without it, the canonical event in the subscriber's own ids.
    public var mapping: Mapping?
    /// Set when the subscription is a validation call made before an order is accepted: it
    /// receives `o2c.order.validation_requested`, and its system's answer becomes the order's
    /// `o2c.order.validated` event.
    public var validation: ValidationSettings?
    /// Being replaced (a cutover): no new deliveries are written for it, and those already
    /// written are still delivered through it — or moved to its successor by a command.
    public var retired = false

    public init(
        name: SubscriptionName, system: SystemName, types: Set<EventType>, adapter: AdapterSettings, retry: RetrySchedule = .standard, mapping: Mapping? = nil
    ) {
        self.name = name
        self.system = system
        self.types = types
        self.adapter = adapter
        self.retry = retry
        self.mapping = mapping
    }
}

/// A validation call made before acceptance (`validation:` on a subscription): its name in the
/// order's validations, the fallback when the system cannot answer in time, and how its answer
/// reads.
///
/// ```yaml
/// subscribes:
///   - name: tax-check
///     http: { method: POST, url: "https://tax.example/v1/quote" }
///     validation: { name: tax, timeout: 2s, fallback: accept, answer: tax-answer.yml }
/// ```
public struct ValidationSettings: Sendable, Equatable {
    public var name: String
    public var fallback: ValidationFallback
    /// How long a call may take before it counts as unavailable.
    public var timeoutMilliseconds: Int64
    /// Maps the system's answer to `o2c.order.validated` data (`outcome`, `reason`, `hold`,
    /// `lines[].tax`, `lines[].promiseDate`); without it the answer is read as that data.
    public var answer: Mapping?

    public init(name: String, fallback: ValidationFallback = .park, timeoutMilliseconds: Int64 = 5_000, answer: Mapping? = nil) {
        self.name = name
        self.fallback = fallback
        self.timeoutMilliseconds = timeoutMilliseconds
        self.answer = answer
    }
}

/// A connected system: what it may publish and what it subscribes to.
public struct ConnectedSystem: Sendable, Equatable {
    public var name: SystemName
    public var publishes: Set<EventType>
    public var subscriptions: [Subscription]
    /// Set when the system is an X12 trading partner.
    public var x12: X12Partner?
    /// Set when the system posts its own payloads, mapped (`POST /v1/inbound/{system}`).
    public var inbound: NativeInbound?
    /// Set when the system drops CSV files into a watched directory.
    public var csv: CSVInbound?

    public init(
        name: SystemName, publishes: Set<EventType>, subscriptions: [Subscription], x12: X12Partner? = nil, inbound: NativeInbound? = nil,
        csv: CSVInbound? = nil
    ) {
        self.name = name
        self.publishes = publishes
        self.subscriptions = subscriptions
        self.x12 = x12
        self.inbound = inbound
        self.csv = csv
    }
}

/// The systems around the hub and the routing table derived from their subscriptions.
public struct Landscape: Sendable {
    public let systems: [SystemName: ConnectedSystem]
    public let subscriptions: [SubscriptionName: Subscription]
    /// The validations every order must pass before acceptance: the names of the validating
    /// subscriptions that are not retired, sorted.
    public let validations: [String]
    /// Each event type's subscriptions by name, with what routing needs to know of them.
    private let routes: [EventType: [(name: SubscriptionName, system: SystemName, partner: Bool)]]

    public init(systems: [ConnectedSystem]) {
        var byName: [SystemName: ConnectedSystem] = [:]
        var subscriptions: [SubscriptionName: Subscription] = [:]
        var routes: [EventType: [Subscription]] = [:]
        for system in systems {
            byName[system.name] = system
            for subscription in system.subscriptions {
                subscriptions[subscription.name] = subscription
                guard !subscription.retired else { continue }
                for type in subscription.types { routes[type, default: []].append(subscription) }
            }
        }
        self.systems = byName
        self.subscriptions = subscriptions
        self.validations = Set(subscriptions.values.filter { !$0.retired }.compactMap { $0.validation?.name }).sorted()
        self.routes = routes.mapValues { route in
            route.sorted { $0.name < $1.name }.map { ($0.name, $0.system, byName[$0.system]?.x12 != nil) }
        }
    }

    /// The subscriptions, by name, that receive an event of `type` from `origin`: a system is
    /// never sent back its own events, and a trading partner (a system with an `x12` block)
    /// hears only of the orders it placed itself. Built without copying subscriptions or
    /// systems: the ingest path asks for every event it logs.
    ///
    /// - Parameter orderOrigin: the system that placed the order; asked only when a partner subscribes.
    public func subscriberNames(of type: EventType, from origin: SystemName, orderOrigin: () throws -> SystemName?) rethrows -> [SubscriptionName] {
        guard let route = routes[type] else { return [] }
        var names: [SubscriptionName] = []
        names.reserveCapacity(route.count)
        var owner: SystemName??
        for entry in route where entry.system != origin {
            if entry.partner {
                if owner == nil { owner = .some(try orderOrigin()) }
                guard entry.system == owner ?? nil else { continue }
            }
            names.append(entry.name)
        }
        return names
    }
}
