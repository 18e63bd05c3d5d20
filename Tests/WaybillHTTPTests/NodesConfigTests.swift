import Testing
import WaybillConfig
import WaybillCore
import WaybillEngine

@Suite("Nodes and retention configuration")
struct NodesConfigTests {
    @Test("nodes.lease and retention are read; both default to a 10 s lease and keeping everything")
    func reads() throws {
        let defaults = try ConfigLoader.parse("systems: []", environment: [:])
        #expect(defaults.leaseMilliseconds == 10_000 && defaults.retention == Retention())
        let config = try ConfigLoader.parse(
            """
            nodes: { lease: 5s }
            retention: { deliveries: 30d, heartbeats: 7d }
            """, environment: [:])
        #expect(config.leaseMilliseconds == 5_000)
        #expect(config.retention == Retention(deliveredMilliseconds: 30 * 86_400_000, heartbeatMilliseconds: 7 * 86_400_000))
    }

    @Test("a lease under a second, a bad duration and an unknown key are each named where they are")
    func problems() {
        for (yaml, expected) in [
            ("nodes: { lease: 500ms }", "nodes.lease"), ("retention: { deliveries: soon }", "retention.deliveries"),
            ("retention: { events: 400d }", "retention"),
        ] {
            #expect {
                try ConfigLoader.parse(yaml, environment: [:])
            } throws: { error in
                "\(error)".contains(expected)
            }
        }
    }
}
