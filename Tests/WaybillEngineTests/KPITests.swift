import Foundation
import Testing
import WaybillCore
import WaybillEngine
import WaybillSQLite
import WaybillSamples
import WaybillStore
import WaybillTestSupport

@Suite("Business KPIs")
struct KPITests {
    static let day = KPIRollup.day(of: start)

    /// Two orders, each acknowledged, shipped, invoiced and paid at known times, with a credit
    /// memo, a payment that leaves cash unapplied and an exception resolved after 30 minutes.
    @Test("a day with known timings gives the exact acknowledgement latency, invoice cycle, DSO, dispute rate and posting accuracy")
    func knownDay() async throws {
        let world = try ClockWorld(ServiceLevels())
        let (hub, scheduler) = try world.open()
        let clock = world.clock
        _ = try await hub.ingest(body: batch(masterData))
        _ = try await hub.ingest(body: order("SO-1"))  // 08:00:00
        clock.advance(milliseconds: 3_000)
        try await scheduler.deliverDue()  // accepted SO-1 delivered at 08:00:03: 3 s
        _ = try await hub.ingest(body: order("SO-2"))  // 08:00:03
        clock.advance(milliseconds: 1_000)
        try await scheduler.deliverDue()  // accepted SO-2 delivered at 08:00:04: 1 s
        clock.set(start.adding(milliseconds: 3_600_000))  // 09:00
        _ = try await hub.ingest(body: shipment("SO-1", "SH-1"))
        _ = try await hub.ingest(body: shipment("SO-2", "SH-2"))
        clock.set(start.adding(milliseconds: 3 * 3_600_000))  // 11:00: SO-1 invoiced 2 h after shipping
        _ = try await hub.ingest(body: invoice("SO-1", "INV-1"))
        clock.set(start.adding(milliseconds: 5 * 3_600_000))  // 13:00: SO-2 invoiced 4 h after shipping
        _ = try await hub.ingest(body: invoice("SO-2", "INV-2"))
        _ = try await hub.ingest(
            body: event(
                "erp", "cm-1", .creditMemoPosted, subject: "SO-2",
                #"{"orderId":"SO-2","creditMemoId":"CM-1","invoiceId":"INV-2","lines":[{"lineId":"1","quantity":1,"unitPrice":"5.00"}],"total":"5.00"}"#))
        clock.set(start.adding(milliseconds: 6 * 3_600_000))  // 14:00
        #expect(try await hub.ingest(body: payment("PAY-1", amount: "50.00", applying: [("INV-1", "50.00")])).map(\.outcome) == [.accepted])
        let unapplied = try await hub.ingest(body: payment("PAY-2", amount: "30.00", applying: [("INV-2", "20.00")]))
        #expect(unapplied.map(\.code) == ["unapplied_cash"])
        clock.advance(milliseconds: 1_800_000)  // 14:30
        let mismatch = try #require(try await hub.exceptions(ExceptionFilter(kind: .paymentMismatch)).first)
        #expect(try await hub.store.write { tx in try tx.resolveException(id: mismatch.id, at: clock.now(), by: "fin") })

        let report = try await hub.kpis(days: Self.day...Self.day)
        let window = report.window
        #expect(window.duration(.orderAcknowledgement) == KPIReport.Duration(count: 2, totalMilliseconds: 4_000, maxMilliseconds: 3_000))
        #expect(window.duration(.invoicePosting) == KPIReport.Duration(count: 2, totalMilliseconds: 6 * 3_600_000, maxMilliseconds: 4 * 3_600_000))
        #expect(window.duration(.paymentSync) == KPIReport.Duration(count: 2, totalMilliseconds: 0, maxMilliseconds: 0))
        #expect(window.propagation["wms-orders"] == KPIReport.Duration(count: 2, totalMilliseconds: 4_000, maxMilliseconds: 3_000))
        #expect(window.resolution["payment_mismatch"] == KPIReport.Duration(count: 1, totalMilliseconds: 1_800_000, maxMilliseconds: 1_800_000))
        #expect(window.invoices == 2 && window.creditMemos == 1 && window.disputeRate == 5_000, "1 credit memo for 2 invoices")
        #expect(window.payments == 2 && window.cleanPayments == 1 && window.postingAccuracy == 5_000, "one of two payments left cash unapplied")
        // Invoiced 100.00; open at the end of the day: INV-2's 50.00 - 5.00 credited - 20.00 paid.
        #expect(window.salesOutstanding["USD"] == KPIReport.SalesOutstanding(receivables: 2_500, sales: 10_000, days: 1))
        #expect(window.salesOutstanding["USD"]?.hundredths == 25, "DSO 0.25 days")

        let json = report.json
        #expect(json["from"] == .string("2026-12-01") && json["to"] == .string("2026-12-01"))
        let acknowledgement = json["window"]?["orderAcknowledgement"]
        #expect(acknowledgement?["averageSeconds"] == .number("2") && acknowledgement?["maxSeconds"] == .number("3"))
        #expect(json["window"]?["invoiceCycle"]?["averageSeconds"] == .number("10800"))
        #expect(json["window"]?["disputeRate"] == .number("0.5000") && json["window"]?["paymentPostingAccuracy"] == .number("0.5000"))
        #expect(json["window"]?["dso"]?["USD"]?["days"] == .number("0.25") && json["window"]?["dso"]?["USD"]?["receivables"] == .string("25.00"))

        // The next day: nothing measured; the receivables still open count against no sales.
        let twoDays = try await hub.kpis(days: Self.day...(Self.day + 1))
        let next = twoDays.summary((Self.day + 1)...(Self.day + 1))
        #expect(next.invoices == 0 && next.duration(.orderAcknowledgement).count == 0 && next.salesOutstanding["USD"]?.hundredths == nil)
        #expect(twoDays.window.salesOutstanding["USD"]?.hundredths == 50, "25.00 open ÷ 100.00 invoiced × 2 days")
        guard case .array(let days)? = twoDays.json["days"] else { Issue.record("no days"); return }
        #expect(days.count == 2 && days[1]["day"] == .string("2026-12-02") && days[1]["orderAcknowledgement"]?["averageSeconds"] == .null)
    }

    @Test("the KPIs read only the days asked for: a rollup from another day changes nothing in the window")
    func windowOnly() async throws {
        let world = try ClockWorld(ServiceLevels())
        let (hub, _) = try world.open()
        try await hub.store.write { tx in
            try tx.addToKPI(KPIRollup(day: Self.day - 1, measure: KPIMeasure.invoices, dimension: "USD", total: 1_000))
            try tx.addToKPI(KPIRollup(day: Self.day, measure: KPIMeasure.invoices, dimension: "USD", total: 4_000))
            try tx.addToKPI(KPIRollup(day: Self.day, measure: KPIMeasure.invoices, dimension: "USD", total: 2_000))
            try tx.addToKPI(KPIRollup(day: Self.day - 1, measure: KPIMeasure.receivables, dimension: "USD", total: 1_000))
            try tx.addToKPI(KPIRollup(day: Self.day, measure: KPIMeasure.receivables, dimension: "USD", total: 2_000))
        }
        let window = try await hub.kpis(days: Self.day...Self.day).window
        #expect(window.invoices == 2)
        #expect(window.salesOutstanding["USD"] == KPIReport.SalesOutstanding(receivables: 3_000, sales: 6_000, days: 1), "receivables carry over, sales do not")
    }
}
