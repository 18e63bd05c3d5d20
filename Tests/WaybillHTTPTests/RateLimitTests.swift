import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import WaybillConfig
import WaybillCore
import WaybillEngine
import WaybillHTTP
import WaybillTestSupport

/// `rateLimit: { perSecond, burst }` in waybill.yml: decoded, validated with key paths and
/// lines, and honoured per key and token.
@Suite("Rate limits")
struct RateLimitTests {
    static let limited = """
        rateLimit: { perSecond: 50, burst: 80 }
        users:
          - { name: ana, role: support, token: "tok-support", rateLimit: { perSecond: 1, burst: 2 } }
          - { name: sam, role: service, token: "tok-service" }
        systems:
          - name: portal
            apiKey: "key-portal"
            rateLimit: { perSecond: 2, burst: 3 }
            publishes: [o2c.customer.upserted]
          - name: wms
            apiKey: "key-wms"
            publishes: [o2c.customer.upserted]
        """

    @Test("rateLimit is read at the top, on a system and on a user; what names none gets the hub-wide one")
    func decoding() throws {
        let configuration = try ConfigLoader.parse(Self.limited, environment: [:])
        #expect(configuration.rateLimit == RateLimit(perSecond: 50, burst: 80))
        #expect(configuration.users.map(\.rateLimit) == [RateLimit(perSecond: 1, burst: 2), nil])
        #expect(configuration.systems.map(\.rateLimit) == [RateLimit(perSecond: 2, burst: 3), nil])
        let defaults = try ConfigLoader.parse("users: [{ name: ana, role: support, token: t }]", environment: [:])
        #expect(defaults.rateLimit == RateLimit(perSecond: 10_000, burst: 20_000))
        let noBurst = try ConfigLoader.parse("rateLimit: { perSecond: 2.5 }", environment: [:])
        #expect(noBurst.rateLimit == RateLimit(perSecond: 2.5, burst: 5))
    }

    @Test("a bad rateLimit is refused at its key path and line, with a suggestion for a misspelt key")
    func validation() throws {
        let text = """
            rateLimit: { perSecond: 0, burst: 5 }
            users:
              - { name: ana, role: support, token: t, rateLimit: { perSecond: 5, burst: 0 } }
            systems:
              - name: erp
                apiKey: k
                rateLimit: { perSecond: 100, brust: 10 }
              - name: wms
                apiKey: k2
                rateLimit: { burst: 10 }
              - name: sink
                rateLimit: { perSecond: 5 }
              - name: tms
                apiKey: k3
                rateLimit: 500
              - name: ar
                apiKey: k4
                rateLimit:
                  perSecond: -3
                  burst: 1.5
            """
        let error = #expect(throws: ConfigProblems.self) { try ConfigLoader.parse(text, environment: [:]) }
        let lines = error?.problems.map(\.description) ?? []
        #expect(
            lines == [
                "rateLimit.perSecond (line 1): expected a number of requests per second above 0, such as 500",
                "users[0].rateLimit.burst (line 3): expected a whole number of requests of at least 1, such as 1000",
                "systems[0].rateLimit.brust (line 7): unknown key (did you mean burst?)",
                "systems[1].rateLimit.perSecond (line 10): is required",
                "systems[2].rateLimit (line 12): only an API key is limited, and this system has none (apiKey or apiKeyEnv)",
                "systems[3].rateLimit (line 15): expected a mapping",
                "systems[4].rateLimit.perSecond (line 19): expected a number of requests per second above 0, such as 500",
                "systems[4].rateLimit.burst (line 20): expected a whole number of requests of at least 1, such as 1000",
            ], "\(lines.joined(separator: "\n"))")
    }

    static func post(_ client: some TestClientProtocol, key: String, system: String, id: Int) async throws -> TestResponse {
        try await client.execute(
            uri: "/v1/events", method: .post, headers: [.authorization: "Bearer \(key)", .contentType: "application/cloudevents+json"],
            body: ByteBuffer(
                string: event(system, "c-\(id)", "o2c.customer.upserted", "C-\(id)", #"{"customerId":"C-\#(id)","name":"N","currency":"USD"}"#)))
    }

    @Test("a system over its own limit gets 429 with Retry-After after its burst, another system is not affected, and the clock refills it")
    func perSystem() async throws {
        let clock = ManualClock(Timestamp(rfc3339: "2026-12-01T08:00:00Z")!)
        let (app, _) = try makeApp(Self.limited, clock: clock)
        try await app.test(.router) { client in
            for n in 0..<3 {
                let response = try await Self.post(client, key: "key-portal", system: "portal", id: n)
                #expect(response.status == .accepted, "request \(n): \(String(buffer: response.body))")
            }
            let refused = try await Self.post(client, key: "key-portal", system: "portal", id: 3)
            #expect(refused.status == .tooManyRequests)
            #expect(refused.headers[.retryAfter] == "1")
            #expect(refused.headers[.contentType] == "application/problem+json")
            #expect(try JSONParser.parse(Array(buffer: refused.body))["code"] == .string("rate_limited"))
            // The wms has the hub-wide 50/s with bursts of 80: far more than the portal's 3.
            for n in 0..<80 { #expect(try await Self.post(client, key: "key-wms", system: "wms", id: 100 + n).status == .accepted, "wms \(n)") }
            #expect(try await Self.post(client, key: "key-wms", system: "wms", id: 180).status == .tooManyRequests)
            // Half a second at 2/s is one more request for the portal, and only one.
            clock.advance(milliseconds: 500)
            #expect(try await Self.post(client, key: "key-portal", system: "portal", id: 4).status == .accepted)
            #expect(try await Self.post(client, key: "key-portal", system: "portal", id: 5).status == .tooManyRequests)
        }
    }

    @Test("a person's own limit applies to their token only")
    func perUser() async throws {
        let clock = ManualClock(Timestamp(rfc3339: "2026-12-01T08:00:00Z")!)
        let (app, _) = try makeApp(Self.limited, clock: clock)
        try await app.test(.router) { client in
            for _ in 0..<2 {
                #expect(try await client.execute(uri: "/v1/orders", method: .get, headers: [.authorization: "Bearer tok-support"]).status == .ok)
            }
            let refused = try await client.execute(uri: "/v1/orders", method: .get, headers: [.authorization: "Bearer tok-support"])
            #expect(refused.status == .tooManyRequests)
            #expect(refused.headers[.retryAfter] == "1")
            for _ in 0..<10 {
                #expect(try await client.execute(uri: "/v1/orders", method: .get, headers: [.authorization: "Bearer tok-service"]).status == .ok)
            }
            clock.advance(milliseconds: 1_000)
            #expect(try await client.execute(uri: "/v1/orders", method: .get, headers: [.authorization: "Bearer tok-support"]).status == .ok)
        }
    }

    @Test("by default a single key may make 20,000 requests at once, and is refused only past that")
    func defaultLimit() async throws {
        let (app, _) = try makeApp()
        try await app.test(.router) { client in
            // A system asking for a person's route: refused without touching the store, but counted.
            let headers: HTTPFields = [.authorization: "Bearer key-portal"]
            var refusedByRole = 0
            for _ in 0..<20_000 where try await client.execute(uri: "/v1/orders", method: .get, headers: headers).status == .forbidden {
                refusedByRole += 1
            }
            #expect(refusedByRole == 20_000)
            #expect(try await client.execute(uri: "/v1/orders", method: .get, headers: headers).status == .tooManyRequests)
        }
    }
}
