import Foundation
import Testing
import WaybillCore
import WaybillPostgres
import WaybillSQLite
import WaybillSamples
import WaybillStore
import WaybillTestSupport

@Suite("The demo scenario on PostgreSQL")
struct DemoOnPostgresTests {
    /// `text` with every delivery id (`wbd_<id>`) written as `wbd_N`.
    static func withoutDeliveryIds(_ text: String) -> String {
        text.replacing(/wbd_[0-9]+/, with: "wbd_N")
    }

    /// `text` with each log number (`"eventSeq": 67`) replaced by its rank among the text's log
    /// numbers: PostgreSQL draws them in blocks for a batch (the unused rest are gaps), SQLite
    /// one after another, so the numbers differ while their order does not.
    static func withEventSeqsRanked(_ text: String) -> String {
        let seqs = Set(text.matches(of: /"eventSeq": ([0-9]+)/).compactMap { Int($0.output.1) }).sorted()
        let rank = Dictionary(uniqueKeysWithValues: seqs.enumerated().map { ($0.element, $0.offset + 1) })
        return text.replacing(/"eventSeq": ([0-9]+)/) { "\"eventSeq\": \(rank[Int($0.output.1) ?? 0] ?? 0)" }
    }

    @Test("plays to the same JSON report as on SQLite, byte for byte but for the log numbers' gaps, and the same story but for the delivery ids")
    func sameReportAsSQLite() async throws {
        guard let location = try TestPostgres.freshLocation() else {
            Issue.record(Comment(rawValue: TestPostgres.howToSet))
            return
        }
        let directory = try temporaryDirectory("waybill-demo-pg")
        let onSQLite = try await DemoRun.play(store: try SQLiteStore(path: directory.appendingPathComponent("hub.sqlite").path), seed: 42)
        let store = try await PostgresStore(location: location)
        do {
            let onPostgres = try await DemoRun.play(store: store, seed: 42)
            let orders = try await store.read { try $0.orders(status: nil, customer: nil, updatedSince: nil, after: nil, limit: 100) }
            #expect(
                Dictionary(uniqueKeysWithValues: orders.map { ($0.orderId.rawValue, $0.status) }) == [
                    "SO-1001": .closed, "SO-1002": .closed, "SO-1003": .closed, "SO-1004": .closed, "SO-1005": .cancelled,
                    "SHOPIFY-820982911946154508": .closed,
                ])
            let open = try await store.read { try $0.exceptions(ExceptionFilter(status: .open)) }
            #expect(open.isEmpty, "every exception the scenario raises is resolved: \(open.map(\.message))")
            let sqliteReport = Self.withEventSeqsRanked(JSONWriter.pretty(onSQLite.json))
            let postgresReport = Self.withEventSeqsRanked(JSONWriter.pretty(onPostgres.json))
            #expect(postgresReport == sqliteReport)
            if postgresReport != sqliteReport {
                let a = sqliteReport.split(separator: "\n"), b = postgresReport.split(separator: "\n")
                if let line = zip(a, b).enumerated().first(where: { $0.element.0 != $0.element.1 }) {
                    Issue.record("first difference at line \(line.offset): SQLite \(line.element.0) / PostgreSQL \(line.element.1)")
                }
            }
            // The text names the CSV files the 3PL takes by their delivery ids, which each store
            // numbers its own way (SQLite by event, PostgreSQL from one identity): only those differ.
            #expect(Self.withoutDeliveryIds(onPostgres.text) == Self.withoutDeliveryIds(onSQLite.text))
        } catch {
            try? await store.dropSchema()
            throw error
        }
        try await store.dropSchema()
    }
}
