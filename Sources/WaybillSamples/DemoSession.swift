import WaybillCore
import WaybillEngine

/// The demo's simulated systems and scenario, for a transport other than in-process delivery
/// (the HTTP test plays them against `waybill serve` over webhooks).
public final class DemoSession: Sendable {
    public struct Step: Sendable {
        public let minutes: Int64
        public let title: String
        let action: @Sendable () -> Void

        /// Lets the simulated systems do what the step says (they queue events to send).
        public func run() { action() }
    }

    public let clock: ManualClock
    let world: DemoWorld

    public init() {
        clock = ManualClock(DemoRun.start)
        world = DemoWorld(clock: clock)
    }

    /// The scenario's steps, in order.
    public var steps: [Step] {
        DemoScenario.steps(world: world).map { step in
            let action = step.action
            return Step(minutes: step.minutes, title: step.title, action: { action() })
        }
    }

    /// The events the systems have queued, grouped per system in the order they were sent.
    public func takeOutgoing() -> [(system: String, events: [[UInt8]])] {
        world.takeOutgoing().map { (system: $0.0, events: $0.1) }
    }

    /// A payload a system posts in its own shape, with its headers (a signed Shopify webhook).
    public struct NativePost: Sendable {
        public let system: String
        public let body: [UInt8]
        public let headers: [String: String]
    }

    /// The native payloads the systems have queued (`POST /v1/inbound/{system}` takes them).
    public func takeNativePosts() -> [NativePost] {
        world.takeNativePosts().map { NativePost(system: $0.system, body: $0.body, headers: $0.headers) }
    }

    /// Hands a delivered CloudEvent body to the simulated system behind `subscription`.
    /// Returns false if the body is not a CloudEvent of the catalog.
    @discardableResult
    public func receive(subscription: String, body: [UInt8]) -> Bool {
        if subscription == "erp-salesorders" {
            world.erpSalesOrder(body)
            return (try? JSONParser.parse(body))?["entity"] != nil
        }
        guard let json = try? JSONParser.parse(body), case .string(let typeName)? = json["type"], let type = EventType(rawValue: typeName),
            let data = json["data"]
        else { return false }
        let subject: String = { if case .string(let s)? = json["subject"] { s } else { "" } }()
        world.receive(subscription, type, subject: subject, data: data)
        return true
    }

    /// What each subscription has been told: (type, subject) in delivery order.
    public func told(_ subscription: String) -> [(EventType, String)] {
        world.received(by: subscription).map { ($0.1, $0.2) }
    }
}
