import Logging
import NIOCore
import PostgresNIO
import Synchronization
import WaybillCore

/// One PostgreSQL connection driven synchronously, for the `Store` protocol's closures.
///
/// `Store.write` and `Store.read` run a synchronous closure, while postgres-nio is asynchronous
/// (its queries complete on an event loop). The store runs each closure on a thread of its own
/// (`PostgresStore.threads`, never a Swift concurrency thread and never an event loop), and
/// every statement here sends its query and blocks that thread on the `EventLoopFuture`
/// until the answer is in (`wait()`, which NIO allows off its event loops). The event loop
/// keeps reading and writing the socket meanwhile, so a closure may run any number of
/// statements; the cooperative pool is never blocked, and a connection is used by one closure
/// at a time (it is leased from `ConnectionPool` for the whole transaction).
///
/// Each statement is one round trip of the extended protocol (Parse, Bind, Execute, Sync), with
/// its values bound as parameters, never spliced into the SQL. postgres-nio does not pipeline,
/// so writes of many rows bind arrays and expand them with `unnest` (one round trip for all).
struct BlockingConnection {
    let connection: PostgresConnection
    let logger: Logger
    /// How long a statement may go unanswered before its connection is given up: an answer
    /// that never comes (a server that crashed mid-conversation) must not hold its transaction,
    /// and the node's writer behind it, for ever.
    var answerTimeout = TimeAmount.seconds(30)

    /// The rows `query` returns.
    func rows(_ query: PostgresQuery) throws -> [PostgresRow] {
        try result(query).rows
    }

    /// The first row `query` returns, as cells.
    func first(_ query: PostgresQuery) throws -> Cells? {
        try result(query).rows.first.map(Cells.init)
    }

    /// Every row `query` returns, as cells.
    func all(_ query: PostgresQuery) throws -> [Cells] {
        try result(query).rows.map(Cells.init)
    }

    /// Runs `query`; returns how many rows it changed (or returned).
    @discardableResult
    func run(_ query: PostgresQuery) throws -> Int {
        try result(query).metadata.rows ?? 0
    }

    /// Commits; returns the command tag the server answered (`COMMIT`, or `ROLLBACK` when the
    /// transaction had been aborted).
    func commit() throws -> String {
        try result("COMMIT").metadata.command
    }

    private func result(_ query: PostgresQuery) throws -> PostgresQueryResult {
        PostgresStore.statements.add(1, ordering: .relaxed)
        StatementProfile.note(query.sql)
        // The answer, or a timeout, whichever comes first (a promise completed twice keeps the first).
        let loop = connection.eventLoop
        let answer = loop.makePromise(of: PostgresQueryResult.self)
        connection.query(query, logger: logger).cascade(to: answer)
        let connection = self.connection
        let seconds = answerTimeout.nanoseconds / 1_000_000_000
        let timeout = loop.scheduleTask(in: answerTimeout) {
            answer.fail(PostgresStoreError("PostgreSQL did not answer within \(seconds) s; the connection is given up", connectionLost: true))
            connection.close().whenComplete { _ in }
        }
        defer { timeout.cancel() }
        do {
            return try answer.futureResult.wait()
        } catch let error as PSQLError {
            throw PostgresQueryError(error, sql: query.sql)
        }
    }
}

/// A statement PostgreSQL refused, with its SQLSTATE and message (postgres-nio's own error
/// describes itself without them).
public struct PostgresQueryError: Error, CustomStringConvertible, Sendable {
    /// The SQLSTATE (`40P01` deadlock, `23505` unique violation, …), when the server sent one.
    public let sqlState: String?
    public let message: String
    public let sql: String

    /// Whether running the transaction again is expected to succeed though the SQLSTATE does
    /// not say so (see `transient()`).
    private var retry = false

    init(_ error: PSQLError, sql: String) {
        sqlState = error.serverInfo?[.sqlState]
        message = error.serverInfo?[.message] ?? "\(error.code)"
        self.sql = sql
    }

    /// The same error, to be met by running the transaction again (a race the store lost).
    func transient() -> PostgresQueryError {
        var error = self
        error.retry = true
        return error
    }

    public var description: String {
        "PostgreSQL: \(message)\(sqlState.map { " (SQLSTATE \($0))" } ?? "") in: \(sql.prefix(200))"
    }

    /// Whether the transaction lost a race the server resolved by aborting it (a deadlock, a
    /// serialization failure): running it again is expected to succeed.
    var isTransient: Bool { retry || sqlState == "40P01" || sqlState == "40001" }
}

/// The cells of one row, read by position.
struct Cells {
    let row: PostgresRandomAccessRow

    init(_ row: PostgresRow) { self.row = row.makeRandomAccess() }

    func int64(_ i: Int) throws -> Int64 { try row[i].decode(Int64.self) }
    func int64OrNil(_ i: Int) throws -> Int64? { try row[i].decode(Int64?.self) }
    func int(_ i: Int) throws -> Int { try row[i].decode(Int.self) }
    func intOrNil(_ i: Int) throws -> Int? { try row[i].decode(Int?.self) }
    func bool(_ i: Int) throws -> Bool { try row[i].decode(Bool.self) }
    func string(_ i: Int) throws -> String { try row[i].decode(String.self) }
    func stringOrNil(_ i: Int) throws -> String? { try row[i].decode(String?.self) }
    func bytes(_ i: Int) throws -> [UInt8] { Array(try row[i].decode(ByteBuffer.self).readableBytesView) }
    func bytesOrNil(_ i: Int) throws -> [UInt8]? { try row[i].decode(ByteBuffer?.self).map { Array($0.readableBytesView) } }
    func timestamp(_ i: Int) throws -> Timestamp { Timestamp(milliseconds: try int64(i)) }
    func timestampOrNil(_ i: Int) throws -> Timestamp? { try int64OrNil(i).map(Timestamp.init(milliseconds:)) }
}

extension Array where Element == UInt8 {
    /// The bytes as a `bytea` parameter (an `[UInt8]` would bind as an array of numbers).
    var bytea: ByteBuffer { ByteBuffer(bytes: self) }
}
