import GRDB

/// An `INSERT OR IGNORE` of 1…`maxRows` rows, its SQL written out once for each row count.
///
/// Several rows per statement keep the statement's cursors moving on through the table instead
/// of starting again from the root for every row. `OR IGNORE` spares SQLite a statement journal
/// (a copy of every page a multi-row statement touches, kept to undo a row that fails halfway),
/// so no row may be ignored: `SQLiteTransaction.insert(_:with:bind:ignored:)` checks the count.
struct MultiRowInsert: Sendable {
    static let maxRows = 16

    /// The statement of `n` rows at index `n - 1`.
    let statements: [String]
    /// Where the transaction keeps these statements (see `KeptStatement`).
    let firstSlot: Int

    init(into table: String, columns: String, row: String, firstSlot: Int) {
        statements = (1...Self.maxRows).map { count in
            "INSERT OR IGNORE INTO \(table) (\(columns)) VALUES " + Array(repeating: row, count: count).joined(separator: ", ")
        }
        self.firstSlot = firstSlot
    }

    /// Hub events, written at the end of the transaction once their bodies are rendered.
    static let hubEvents = MultiRowInsert(
        into: "events", columns: "seq, source, event_id, type, subject, record_key, event_time, received_at, trace_id, origin, cause_seq, outcome, raw, body",
        row: "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", firstSlot: KeptStatement.hubEventRows)

    /// An event's deliveries.
    static let deliveries = MultiRowInsert(
        into: "outbox", columns: "id, seq, subscription, record_key, type, status, next_attempt_at, created_at", row: "(?, ?, ?, ?, ?, 0, ?, ?)",
        firstSlot: KeptStatement.deliveryRows)
}

/// A statement `SQLiteTransaction.statement(_:_:)` keeps for the whole read or transaction.
struct KeptStatement {
    let slot: Int

    static let insertEvent = KeptStatement(slot: 0)
    static let upsertOrder = KeptStatement(slot: 1)
    static let deliveryRows = 2
    static let hubEventRows = deliveryRows + MultiRowInsert.maxRows
    static let slots = hubEventRows + MultiRowInsert.maxRows
}
