import Hummingbird
import WaybillCore
import WaybillEngine
import WaybillStore

extension HubAPI {
    /// The longest window `GET /v1/kpis` reads.
    static let longestKPIWindow: Int64 = 366

    /// `GET /v1/kpis?from=&to=`: the business KPIs over a window of UTC days (both included; a
    /// date `YYYY-MM-DD` or an RFC 3339 time, whose day counts) and per day. Without `to`, today
    /// (by the hub's clock); without `from`, the 30 days up to `to`. Any person may read them.
    func kpis(_ request: Request) async throws -> Response {
        _ = try access.user(of: request, roles: Role.everyone)
        let query = request.uri.queryParameters
        let to = try Self.day(query.get("to"), name: "to") ?? KPIRollup.day(of: hub.clock.now())
        let from = try Self.day(query.get("from"), name: "from") ?? to - 29
        guard from <= to else { throw Problem(.badRequest, "invalid_query", "from (\(KPIReport.date(from))) is after to (\(KPIReport.date(to)))") }
        guard to - from < Self.longestKPIWindow else {
            throw Problem(.badRequest, "invalid_query", "a window is at most \(Self.longestKPIWindow) days")
        }
        return json(try await hub.kpis(days: from...to).json)
    }

    /// The UTC day of a `from`/`to` parameter.
    static func day(_ text: String?, name: String) throws -> Int64? {
        guard let text else { return nil }
        guard let time = Timestamp(rfc3339: text.count == 10 ? text + "T00:00:00Z" : text) else {
            throw Problem(.badRequest, "invalid_query", "\(name) is a date (2026-12-01) or an RFC 3339 time, not \(text)")
        }
        return KPIRollup.day(of: time)
    }
}
