import Testing
import WaybillCore
import WaybillEngine
import WaybillSamples

/// The ingest path routes by `subscriberNames`, a table built once; it must name exactly the
/// subscriptions the rule gives (written out here from the subscriptions themselves), for every
/// event type, origin and order owner.
@Suite("Routing")
struct RoutingTests {
    static let partner: SystemName = "boltworks-edi"

    /// The demo's seven systems and a trading partner that subscribes to order events.
    static let landscape = Landscape(
        systems: DemoLandscape.systems() + [
            ConnectedSystem(
                name: partner, publishes: [.orderPlaced],
                subscriptions: [
                    Subscription(name: "boltworks-855", system: partner, types: [.orderAccepted], adapter: .x12File(set: "855", directory: "/tmp")),
                    Subscription(name: "boltworks-856", system: partner, types: [.shipmentConfirmed], adapter: .x12File(set: "856", directory: "/tmp")),
                ],
                x12: X12Partner(interchangeId: "BOLTWORKS", ourId: "ACMEIND"))
        ])

    /// The rule: every subscription to `type` of a system other than `origin`, a trading
    /// partner's only for the orders it placed, by name.
    static func expected(_ type: EventType, from origin: SystemName, owner: SystemName?) -> [SubscriptionName] {
        landscape.subscriptions.values
            .filter { $0.types.contains(type) && $0.system != origin && (landscape.systems[$0.system]?.x12 == nil || $0.system == owner) }
            .map(\.name).sorted()
    }

    @Test("names the same subscribers as the full routing, for every type, origin and order owner")
    func namesMatchSubscriptions() throws {
        let origins = Array(Self.landscape.systems.keys) + [.hub]
        let owners: [SystemName?] = [nil, Self.partner, "portal", "crm"]
        var partnerHeard = 0
        var partnerKeptOut = 0
        for type in EventType.allCases {
            for origin in origins {
                for owner in owners {
                    var asked = 0
                    let names = Self.landscape.subscriberNames(of: type, from: origin) {
                        asked += 1
                        return owner
                    }
                    let full = Self.expected(type, from: origin, owner: owner)
                    #expect(names == full, "\(type) from \(origin), order of \(owner.map(\.rawValue) ?? "nobody")")
                    #expect(asked <= 1, "the order's owner is asked at most once")
                    let partnerSubscribes = Self.expected(type, from: origin, owner: Self.partner).contains {
                        Self.landscape.subscriptions[$0]?.system == Self.partner
                    }
                    if partnerSubscribes { owner == Self.partner ? (partnerHeard += 1) : (partnerKeptOut += 1) }
                }
            }
        }
        #expect(partnerHeard > 0 && partnerKeptOut > 0, "both sides of the trading-partner rule were exercised")
    }
}
