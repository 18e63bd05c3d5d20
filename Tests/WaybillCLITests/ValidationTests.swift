import AsyncHTTPClient
import Foundation
import Hummingbird
import NIOCore
import Synchronization
import Testing
import WaybillCore
import WaybillEngine
import WaybillMapping
import WaybillSQLite
import WaybillStore
import WaybillTestSupport
import WaybillWebhooks

/// A tax engine and credit service on loopback, answering in their own JSON: a quote with tax
/// per line, or a credit decision. It can answer slowly, fail, or hold every call until told.
final class ValidationCounterpart: Sendable {
    struct State {
        var calls = 0
        var failNext = 0
        var delayMilliseconds = 0
        var decline = false
        /// While set, calls wait (the test opens the gate).
        var gated = false
    }

    let state = Mutex(State())

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("/quote") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            let (fail, delay) = self.state.withLock { s -> (Bool, Int) in
                s.calls += 1
                if s.failNext > 0 {
                    s.failNext -= 1
                    return (true, s.delayMilliseconds)
                }
                return (false, s.delayMilliseconds)
            }
            while self.state.withLock({ $0.gated }) { try await Task.sleep(for: .milliseconds(20)) }
            if delay > 0 { try await Task.sleep(for: .milliseconds(delay)) }
            if fail { return Response(status: .internalServerError, body: .init(byteBuffer: ByteBuffer(string: "tax engine down"))) }
            // The order's lines, from the canonical request: 10 % tax on each line's value.
            let request = try JSONParser.parse(Array(buffer: body))
            guard case .array(let lines)? = request["data"]?["lines"] else { return Response(status: .badRequest) }
            let taxes = lines.map { line -> String in
                let id = if case .string(let s)? = line["lineId"] { s } else { "?" }
                return #"{"line":"\#(id)","amount":"0.50","eta":"2026-12-09"}"#
            }
            let decline = self.state.withLock { $0.decline }
            let answer = #"{"quoteId":"Q-1","status":"\#(decline ? "DECLINED" : "OK")","message":"over the limit","taxes":[\#(taxes.joined(separator: ","))]}"#
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: answer)))
        }
        return router
    }
}

/// Validation calls before acceptance, against a real tax engine on loopback.
@Suite("Validation calls before acceptance")
struct ValidationTests {
    static let answerMapping = """
        name: tax-answer
        events:
          - type: o2c.order.validated
            data:
              outcome: if($.status == 'OK', 'passed', 'failed')
              reason?: $.message
              lines:
                each: $.taxes
                as: t
                value:
                  lineId: $t.line
                  tax: $t.amount
                  promiseDate: $t.eta
        """

    struct World {
        let hub: Hub
        let scheduler: DeliveryScheduler
        let clock: ManualClock
        let counterpart: ValidationCounterpart
        let app: Application<RouterResponder<BasicRequestContext>>
        let client: HTTPClient
        let base: String
        let store: SQLiteStore
    }

    static func world(fallback: ValidationFallback, timeoutMilliseconds: Int64 = 1_000) throws -> World {
        let counterpart = ValidationCounterpart()
        let port = freePort()
        let app = Application(router: counterpart.router(), configuration: .init(address: .hostname("127.0.0.1", port: port)))
        let base = "http://127.0.0.1:\(port)"
        let answer = try MappingLoader.parse(answerMapping, name: "tax-answer.yml")
        var tax = Subscription(
            name: "tax-quote", system: "tax", types: [.orderValidationRequested],
            adapter: .http(HTTPCall(method: "POST", url: "\(base)/quote")), retry: RetrySchedule(delays: [1_000, 5_000, 30_000]))
        tax.validation = ValidationSettings(name: "tax", fallback: fallback, timeoutMilliseconds: timeoutMilliseconds, answer: answer)
        let landscape = Landscape(systems: [
            ConnectedSystem(name: "portal", publishes: [.orderPlaced], subscriptions: []),
            ConnectedSystem(name: "erp", publishes: [.customerUpserted, .productUpserted, .orderReleased], subscriptions: []),
            ConnectedSystem(name: "tax", publishes: [], subscriptions: [tax]),
            ConnectedSystem(
                name: "wms", publishes: [],
                subscriptions: [Subscription(name: "wms", system: "wms", types: [.orderAccepted, .orderHeld, .orderReleased], adapter: .inProcess)]),
        ])
        let directory = try temporaryDirectory("waybill-validation")
        let store = try SQLiteStore(path: directory.appendingPathComponent("hub.sqlite").path)
        let clock = ManualClock(Timestamp(rfc3339: "2026-12-01T08:00:00Z")!)
        let hub = Hub(store: store, landscape: landscape, policies: Policies(), clock: clock, random: HubRandom(seed: 9))
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let scheduler = DeliveryScheduler(
            hub: hub,
            adapters: AdapterRegistry(["http": HTTPCallAdapter(client: client), "inProcess": InProcessAdapter { _ in .delivered(statusCode: nil) }]),
            concurrency: 4)
        return World(hub: hub, scheduler: scheduler, clock: clock, counterpart: counterpart, app: app, client: client, base: base, store: store)
    }

    static func masterData(_ hub: Hub) async throws {
        _ = try await hub.ingest(
            body: Array(
                #"[{"specversion":"1.0","id":"c","source":"/systems/erp","type":"o2c.customer.upserted","subject":"C-1","data":{"customerId":"C-1","name":"A","currency":"USD"}},{"specversion":"1.0","id":"p","source":"/systems/erp","type":"o2c.product.upserted","subject":"A","data":{"sku":"A","baseUom":"EA","listPrice":"5.00","currency":"USD"}}]"#
                    .utf8))
    }

    static func place(_ hub: Hub, _ id: String) async throws -> EventResult {
        try await hub.ingest(
            body: Array(
                #"{"specversion":"1.0","id":"p-\#(id)","source":"/systems/portal","type":"o2c.order.placed","subject":"\#(id)","data":{"orderId":"\#(id)","customerId":"C-1","currency":"USD","lines":[{"lineId":"1","sku":"A","quantity":1,"unitPrice":"5.00"},{"lineId":"2","sku":"A","quantity":2,"unitPrice":"5.00"}]}}"#
                    .utf8))[0]
    }

    static func wmsTypes(_ hub: Hub, _ order: String) async throws -> [EventType] {
        try await hub.store.read { try $0.deliveries(DeliveryFilter(subscription: "wms", key: RecordKey.order(OrderID(order)))) }.map(\.type)
    }

    static func view(_ hub: Hub, _ order: String) async throws -> JSONValue {
        // Read back as a client reads it (lines are written as raw JSON).
        try JSONParser.parse(JSONWriter.bytes(try #require(try await hub.orderView(OrderID(order)))))
    }

    /// Runs `body` with the counterpart listening.
    static func serving(_ w: World, _ body: () async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await w.app.runService() }
            try await waitUntilListening(w.client, "\(w.base)/quote")
            try await body()
            group.cancelAll()
        }
        try await w.client.shutdown()
    }

    @Test(
        "the tax engine's answer is mapped into the order (tax, promised dates) and logged; the order is accepted only then; a rebuild reproduces it without calling"
    )
    func answered() async throws {
        let w = try Self.world(fallback: .park)
        try await Self.masterData(w.hub)
        try await Self.serving(w) {
            #expect(try await Self.place(w.hub, "SO-1").outcome == .accepted)
            var view = try await Self.view(w.hub, "SO-1")
            #expect(view["status"] == .string("received"), "not accepted before the tax engine answers")
            #expect(try await Self.wmsTypes(w.hub, "SO-1").isEmpty)
            #expect(view["explanation"] == .string("Waiting for the tax validation."))

            #expect(try await w.scheduler.deliverDue() >= 1)
            view = try await Self.view(w.hub, "SO-1")
            #expect(view["status"] == .string("accepted"))
            #expect(view["lines"]?[item: 0]?["tax"] == .string("0.50") && view["lines"]?[item: 1]?["promiseDate"] == .string("2026-12-09"))
            #expect(view["validations"]?[item: 0]?["status"] == .string("passed"))
            #expect(try await Self.wmsTypes(w.hub, "SO-1") == [.orderAccepted])
            let logged = try await w.hub.store.read { try $0.events(key: RecordKey.order("SO-1")) }.map(\.event.type)
            #expect(logged.contains(.orderValidationRequested) && logged.contains(.orderValidated), "the question and the answer are in the log")

            let before = try #require(try await w.hub.order("SO-1"))
            let calls = w.counterpart.state.withLock { $0.calls }
            try await w.hub.rebuildProjections()
            #expect(try await w.hub.order("SO-1") == before, "the rebuilt order is the same, tax included")
            #expect(w.counterpart.state.withLock { $0.calls } == calls, "a rebuild does not call the tax engine")
        }
    }

    @Test(
        "a tax engine that does not answer in time: fallback accept — accepted at once and flagged, visible in the order view; the later answer fills the tax in"
    )
    func slowAccept() async throws {
        let w = try Self.world(fallback: .accept, timeoutMilliseconds: 300)
        w.counterpart.state.withLock { $0.delayMilliseconds = 3_000 }
        try await Self.masterData(w.hub)
        try await Self.serving(w) {
            _ = try await Self.place(w.hub, "SO-2")
            _ = try await w.scheduler.deliverDue()
            var view = try await Self.view(w.hub, "SO-2")
            #expect(view["status"] == .string("accepted"))
            #expect(view["validations"]?[item: 0]?["status"] == .string("unavailable") && view["validations"]?[item: 0]?["fallback"] == .string("accept"))
            guard case .string(let explanation)? = view["explanation"] else {
                Issue.record("no explanation")
                return
            }
            #expect(explanation.contains("accepted without the tax validation"), "\(explanation)")
            #expect(try await Self.wmsTypes(w.hub, "SO-2") == [.orderAccepted])
            let open = try await w.hub.exceptions(ExceptionFilter(kind: .validation, status: .open))
            #expect(open.count == 1 && open[0].code == "validation_unavailable")
            #expect(open[0].kind.role == .support)

            w.counterpart.state.withLock { $0.delayMilliseconds = 0 }
            w.clock.advance(milliseconds: 2_000)
            _ = try await w.scheduler.deliverDue()
            view = try await Self.view(w.hub, "SO-2")
            #expect(view["lines"]?[item: 0]?["tax"] == .string("0.50"), "the answer that came late is recorded")
            #expect(view["validations"]?[item: 0]?["status"] == .string("passed"))
            #expect(try await w.hub.exceptions(ExceptionFilter(kind: .validation, status: .open)).isEmpty, "the flag is settled by the answer")
            #expect(try await Self.wmsTypes(w.hub, "SO-2") == [.orderAccepted], "accepted once")
        }
    }

    @Test("fallback hold: an erroring tax engine holds the order; when it answers on the retry the hold is released and the order accepted")
    func failingHold() async throws {
        let w = try Self.world(fallback: .hold)
        w.counterpart.state.withLock { $0.failNext = 1 }
        try await Self.masterData(w.hub)
        try await Self.serving(w) {
            _ = try await Self.place(w.hub, "SO-3")
            _ = try await w.scheduler.deliverDue()
            var view = try await Self.view(w.hub, "SO-3")
            #expect(view["status"] == .string("on_hold"))
            #expect(view["holds"]?[item: 0]?["hold"] == .string("validation"))
            #expect(try await Self.wmsTypes(w.hub, "SO-3") == [.orderHeld])
            w.clock.advance(milliseconds: 2_000)
            _ = try await w.scheduler.deliverDue()
            view = try await Self.view(w.hub, "SO-3")
            #expect(view["status"] == .string("accepted"))
            #expect(try await Self.wmsTypes(w.hub, "SO-3") == [.orderHeld, .orderReleased, .orderAccepted])
        }
    }

    @Test("fallback park: the order waits, says why, and is accepted when the engine answers on the retry")
    func failingPark() async throws {
        let w = try Self.world(fallback: .park)
        w.counterpart.state.withLock { $0.failNext = 1 }
        try await Self.masterData(w.hub)
        try await Self.serving(w) {
            _ = try await Self.place(w.hub, "SO-4")
            _ = try await w.scheduler.deliverDue()
            var view = try await Self.view(w.hub, "SO-4")
            #expect(view["status"] == .string("received"))
            guard case .string(let explanation)? = view["explanation"] else {
                Issue.record("no explanation")
                return
            }
            #expect(explanation.contains("aiting for the tax validation (HTTP 500 from POST"), "\(explanation)")
            #expect(try await Self.wmsTypes(w.hub, "SO-4").isEmpty)
            w.clock.advance(milliseconds: 2_000)
            _ = try await w.scheduler.deliverDue()
            view = try await Self.view(w.hub, "SO-4")
            #expect(view["status"] == .string("accepted"))
        }
    }

    @Test("an answer of no holds the order for the hold's owners; a person's release accepts it")
    func declined() async throws {
        let w = try Self.world(fallback: .park)
        w.counterpart.state.withLock { $0.decline = true }
        try await Self.masterData(w.hub)
        try await Self.serving(w) {
            _ = try await Self.place(w.hub, "SO-5")
            _ = try await w.scheduler.deliverDue()
            var view = try await Self.view(w.hub, "SO-5")
            #expect(view["status"] == .string("on_hold"))
            #expect(view["validations"]?[item: 0]?["status"] == .string("failed") && view["validations"]?[item: 0]?["reason"] == .string("over the limit"))
            #expect(try await w.hub.exceptions(ExceptionFilter(kind: .validation, status: .open)).first?.code == "validation_failed")
            _ = try await w.hub.ingest(
                body: Array(
                    #"{"specversion":"1.0","id":"r","source":"/systems/erp","type":"o2c.order.released","subject":"SO-5","data":{"orderId":"SO-5","hold":"validation","reason":"approved by finance"}}"#
                        .utf8))
            view = try await Self.view(w.hub, "SO-5")
            #expect(view["status"] == .string("accepted"))
            #expect(view["validations"]?[item: 0]?["status"] == .string("overridden"))
        }
    }

    @Test("ingest of other orders never waits for a validation call: with every call to the tax engine held open, 50 more orders are taken")
    func ingestNeverWaits() async throws {
        let w = try Self.world(fallback: .park, timeoutMilliseconds: 60_000)
        w.counterpart.state.withLock { $0.gated = true }
        try await Self.masterData(w.hub)
        try await Self.serving(w) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await w.scheduler.run(pollInterval: .milliseconds(10)) { try await Task.sleep(for: $0) }
                }
                _ = try await Self.place(w.hub, "SO-first")
                #expect(try await eventually { w.counterpart.state.withLock { $0.calls } >= 1 }, "the first call is in flight, held by the engine")
                for i in 0..<50 { #expect(try await Self.place(w.hub, "SO-\(i)").outcome == .accepted) }
                let taken = try await w.hub.order("SO-49")
                #expect(taken != nil, "taken while the engine holds every call")
                w.counterpart.state.withLock { $0.gated = false }
                var accepted = false
                for _ in 0..<600 where !accepted {
                    let last = try await w.hub.order("SO-49")?.status
                    let first = try await w.hub.order("SO-first")?.status
                    accepted = last == .accepted && first == .accepted
                    if !accepted { try await Task.sleep(for: .milliseconds(100)) }
                }
                #expect(accepted, "every order accepted once the engine answers")
                group.cancelAll()
            }
        }
    }
}

extension JSONValue {
    /// The `i`th item of an array.
    fileprivate subscript(item i: Int) -> JSONValue? {
        guard case .array(let items) = self, i < items.count else { return nil }
        return items[i]
    }
}
