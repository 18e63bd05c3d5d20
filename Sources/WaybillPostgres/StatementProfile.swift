import Foundation
import Synchronization

/// Which statements the PostgreSQL stores of this process sent, and how often, when the
/// environment sets `WAYBILL_PG_PROFILE` (for `waybill bench`: each statement is a round trip,
/// so this is where the time goes). Off, it costs a flag test per statement.
enum StatementProfile {
    static let enabled = ProcessInfo.processInfo.environment["WAYBILL_PG_PROFILE"] != nil
    private static let counts = Mutex<[String: Int]>([:])

    /// Counts `sql` under its first 110 characters, on one line.
    static func note(_ sql: String) {
        guard enabled else { return }
        let line = sql.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        counts.withLock { $0[String(line.prefix(110)), default: 0] += 1 }
    }

    /// The counts, most frequent first, one statement a line (empty when not enabled).
    static func report() -> String {
        counts.withLock { $0 }.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { "\($0.value)\t\($0.key)\n" }.joined()
    }
}
