import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import WaybillConfig
import WaybillCore
import WaybillEngine
import WaybillHTTP
import WaybillStore
import WaybillTestSupport

/// `GET /v1/kpis` and the `slo` queue over HTTP, on the built-in sample landscape.
@Suite("KPIs and SLO breaches over HTTP")
struct KPIRouteTests {
    static func sampleApp(_ clock: ManualClock) throws -> (Application<RouterResponder<BasicRequestContext>>, Hub) {
        try makeApp(try String(contentsOf: repositoryRoot.appendingPathComponent("examples/waybill.yml"), encoding: .utf8), clock: clock)
    }

    static func get(_ client: some TestClientProtocol, _ uri: String, _ token: String?) async throws -> (Int, JSONValue?) {
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "Bearer \(token)" }
        let response = try await client.execute(uri: uri, method: .get, headers: headers)
        return (Int(response.status.code), try? JSONParser.parse(Array(String(buffer: response.body).utf8)))
    }

    @Test("any person reads the KPIs of a window and its days; systems may not; a bad or too long window is 400")
    func kpis() async throws {
        let clock = ManualClock(Timestamp(rfc3339: "2026-12-01T08:00:00Z")!)
        let (app, hub) = try Self.sampleApp(clock)
        try await hub.store.write { tx in
            try tx.addToKPI(KPIRollup(day: KPIRollup.day(of: clock.now()), measure: "order_acknowledgement", total: 3_000, maximum: 3_000))
            try tx.addToKPI(KPIRollup(day: KPIRollup.day(of: clock.now()), measure: "order_acknowledgement", total: 1_000, maximum: 1_000))
            try tx.addToKPI(KPIRollup(day: KPIRollup.day(of: clock.now()) - 1, measure: "invoices", dimension: "USD", total: 10_000))
        }
        try await app.test(.router) { client in
            for token in ["tok-support", "tok-service", "tok-finance", "tok-admin"] {
                let (status, body) = try await Self.get(client, "/v1/kpis?from=2026-11-30&to=2026-12-01", token)
                #expect(status == 200, "\(token)")
                #expect(body?["window"]?["orderAcknowledgement"]?["averageSeconds"] == .number("2"), "\(token)")
                #expect(body?["window"]?["invoices"] == .number("1"))
                guard case .array(let days)? = body?["days"] else {
                    Issue.record("no days")
                    continue
                }
                #expect(days.map { $0["day"] } == [.string("2026-11-30"), .string("2026-12-01")])
                #expect(days.map { $0["invoices"] } == [.number("1"), .number("0")])
            }
            let (defaulted, body) = try await Self.get(client, "/v1/kpis", "tok-service")
            #expect(defaulted == 200 && body?["from"] == .string("2026-11-02") && body?["to"] == .string("2026-12-01"), "30 days up to today by default")
            #expect(try await Self.get(client, "/v1/kpis", "key-erp").0 == 403)
            #expect(try await Self.get(client, "/v1/kpis", nil).0 == 401)
            #expect(try await Self.get(client, "/v1/kpis?from=yesterday", "tok-admin").0 == 400)
            #expect(try await Self.get(client, "/v1/kpis?from=2026-12-02&to=2026-12-01", "tok-admin").0 == 400)
            #expect(try await Self.get(client, "/v1/kpis?from=2025-01-01&to=2026-12-01", "tok-admin").0 == 400)
        }
    }

    @Test("each role sees and resolves only its own clocks' breaches in the slo queue; admin sees them all")
    func sloQueue() async throws {
        let clock = ManualClock(Timestamp(rfc3339: "2026-12-01T08:00:00Z")!)
        let (app, hub) = try Self.sampleApp(clock)
        let ids = try await hub.store.write { tx in
            try ServiceLevelClock.allCases.map { clock in
                try tx.raise(
                    NewException(kind: .slo, code: clock.exceptionCode, key: nil, eventSeq: nil, message: clock.rawValue, raisedAt: Timestamp(milliseconds: 0)))
            }
        }
        try await app.test(.router) { client in
            for (token, codes) in [
                ("tok-service", ["slo_order_acknowledgement"]), ("tok-support", ["slo_shipment_propagation"]),
                ("tok-finance", ["slo_invoice_posting", "slo_payment_sync"]),
                ("tok-admin", ServiceLevelClock.allCases.map(\.exceptionCode)),
            ] {
                for uri in ["/v1/exceptions?kind=slo", "/v1/exceptions"] {
                    let (status, body) = try await Self.get(client, uri, token)
                    guard case .array(let items)? = body?["items"] else {
                        Issue.record("\(token) \(uri): \(status)")
                        continue
                    }
                    #expect(items.filter { $0["kind"] == .string("slo") }.map { $0["code"] } == codes.map { .string($0) }, "\(token) on \(uri)")
                }
            }
            let (_, finance) = try await Self.get(client, "/v1/exceptions?role=finance", "tok-admin")
            if case .array(let items)? = finance?["items"] {
                #expect(items.map { $0["role"] } == [.string("finance"), .string("finance")])
            }
            let serviceOwn = try await client.execute(
                uri: "/v1/exceptions/\(ids[0])/resolve", method: .post, headers: [.authorization: "Bearer tok-finance"])
            #expect(serviceOwn.status == .forbidden, "finance may not resolve service's acknowledgement breach")
            let resolved = try await client.execute(uri: "/v1/exceptions/\(ids[0])/resolve", method: .post, headers: [.authorization: "Bearer tok-service"])
            #expect(resolved.status == .ok)
        }
    }
}
