import WaybillCore

/// How an adapter delivers to a subscriber. The registry (`AdapterRegistry`) maps each kind to
/// the adapter that performs it.
public enum AdapterSettings: Sendable, Equatable {
    /// Deliver to a handler in this process (the demo's simulated systems, tests).
    case inProcess
    /// POST a signed CloudEvent to a URL (Standard Webhooks).
    case webhook(url: String, secret: String)

    public var kind: String {
        switch self {
        case .inProcess: return "inProcess"
        case .webhook: return "webhook"
        }
    }
}

/// A subscription: which event types a system wants, and how they reach it.
public struct Subscription: Sendable, Equatable {
    public var name: SubscriptionName
    public var system: SystemName
    public var types: Set<EventType>
    public var adapter: AdapterSettings
    public var retry: RetrySchedule

    public init(name: SubscriptionName, system: SystemName, types: Set<EventType>, adapter: AdapterSettings, retry: RetrySchedule = .standard) {
        self.name = name
        self.system = system
        self.types = types
        self.adapter = adapter
        self.retry = retry
    }
}

/// A connected system: what it may publish and what it subscribes to.
public struct ConnectedSystem: Sendable, Equatable {
    public var name: SystemName
    public var publishes: Set<EventType>
    public var subscriptions: [Subscription]

    public init(name: SystemName, publishes: Set<EventType>, subscriptions: [Subscription]) {
        self.name = name
        self.publishes = publishes
        self.subscriptions = subscriptions
    }
}

/// The systems around the hub and the routing table derived from their subscriptions.
public struct Landscape: Sendable {
    public let systems: [SystemName: ConnectedSystem]
    public let subscriptions: [SubscriptionName: Subscription]
    private let routes: [EventType: [Subscription]]

    public init(systems: [ConnectedSystem]) {
        var byName: [SystemName: ConnectedSystem] = [:]
        var subscriptions: [SubscriptionName: Subscription] = [:]
        var routes: [EventType: [Subscription]] = [:]
        for system in systems {
            byName[system.name] = system
            for subscription in system.subscriptions {
                subscriptions[subscription.name] = subscription
                for type in subscription.types { routes[type, default: []].append(subscription) }
            }
        }
        for type in routes.keys { routes[type]?.sort { $0.name < $1.name } }
        self.systems = byName
        self.subscriptions = subscriptions
        self.routes = routes
    }

    /// The subscriptions that receive an event of `type` that came from `origin`. A system is
    /// never sent back its own events.
    public func subscribers(of type: EventType, from origin: SystemName) -> [Subscription] {
        (routes[type] ?? []).filter { $0.system != origin }
    }
}
