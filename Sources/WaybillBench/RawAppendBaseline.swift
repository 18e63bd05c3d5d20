import Foundation
import GRDB

/// The bench's baseline: the same event bodies appended to a bare SQLite table, with the same
/// durability (WAL, `synchronous=FULL`) and batch size as the hub, one transaction per batch.
public final class RawAppendBaseline: Sendable {
    let queue: DatabaseQueue

    public init(path: String) throws {
        var config = Configuration()
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        queue = try DatabaseQueue(path: path, configuration: config)
        try queue.writeWithoutTransaction { db in
            guard try Int.fetchOne(db, sql: "PRAGMA synchronous") == 2, try String.fetchOne(db, sql: "PRAGMA journal_mode") == "wal" else {
                throw DatabaseError(message: "the baseline must run in WAL mode with synchronous=FULL")
            }
            try db.execute(sql: "CREATE TABLE IF NOT EXISTS raw_events (seq INTEGER PRIMARY KEY, body BLOB NOT NULL)")
        }
    }

    /// Appends one batch in one transaction.
    public func append(_ batch: [[UInt8]]) throws {
        try queue.write { db in
            let statement = try db.cachedStatement(sql: "INSERT INTO raw_events (body) VALUES (?)")
            for body in batch { try statement.execute(arguments: [Data(body)]) }
        }
    }
}
