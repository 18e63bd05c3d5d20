import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization
import WaybillCore
import WaybillStore

/// The store on PostgreSQL, for one hub node or many on one database.
///
/// ```swift
/// let store = try await PostgresStore(location: try PostgresLocation(url: "postgres://waybill@db/waybill"))
/// defer { Task { await store.close() } }
/// ```
///
/// **How the synchronous protocol runs on an asynchronous client.** `Store.write` hands its
/// closure a transaction whose methods return results synchronously; postgres-nio answers on
/// an event loop. Each `write` and `read` leases a connection (`ConnectionPool`, at most
/// `connections`), then runs the closure on a thread of the store's own `NIOThreadPool` (as
/// many threads as connections): there every statement is sent and the thread blocks on its
/// `EventLoopFuture` (`BlockingConnection`). No Swift concurrency thread and no event loop ever
/// waits, so the closures can neither starve the cooperative pool (two threads on a two-core
/// machine) nor deadlock the event loop that must deliver their answers; the awaiting caller
/// is suspended meanwhile, as it is on SQLite's writer queue.
///
/// **Transactions.** `write` runs `BEGIN` (READ COMMITTED), the closure, the order rows it saved
/// (one statement), and `COMMIT`, which returns once the server has made it durable (with the
/// server's `synchronous_commit`). A closure that throws rolls back. When PostgreSQL aborts the
/// transaction for a deadlock or a serialization failure, the closure runs again from the start
/// on a new transaction (at most `maxAttempts` times): store closures change nothing but the
/// store, so running one again is safe. `read` runs on a `REPEATABLE READ READ ONLY` snapshot.
/// Several writes run at once, from this node and from others: what keeps them apart is the
/// per-key advisory lock (`PostgresTransaction`), unique keys, and sequences.
public final class PostgresStore: Store {
    public let location: PostgresLocation
    let pool: ConnectionPool
    let threads: NIOThreadPool
    let logger: Logger
    /// The connections listening for delivery wake-ups (`deliveryWakeups()`).
    let listeners = WakeupListeners()
    static let maxAttempts = 5
    /// Statements sent by every PostgreSQL store of this process (each is one round trip): the
    /// bench divides them by the events it ingested.
    public static let statements = Atomic<Int>(0)
    /// With `WAYBILL_PG_PROFILE` set, how often each statement was sent (see `StatementProfile`).
    public static var statementProfile: String { StatementProfile.report() }

    /// Connects, creates the schema if needed and migrates it.
    ///
    /// - Parameter connections: how many transactions this node runs at once (connections and threads).
    public init(location: PostgresLocation, connections: Int = 4, logger: Logger = Logger(label: "waybill.postgres")) async throws {
        self.location = location
        self.logger = logger
        pool = ConnectionPool(size: max(1, connections), configuration: try location.configuration(), schema: location.schema, logger: logger)
        threads = NIOThreadPool(numberOfThreads: max(1, connections))
        threads.start()
        do {
            let schema = location.schema
            try await withConnection { db in try PostgresMigrator.migrate(db, schema: schema) }
        } catch {
            await close()
            throw error
        }
    }

    /// Closes the connections and stops the store's threads. The store is not used afterwards.
    public func close() async {
        listeners.close()
        await pool.close()
        try? await threads.shutdownGracefully()
    }

    /// Drops the store's schema with everything in it (tables, control number sequences,
    /// migrations) and closes the store: for tests, and for removing a hub's data for good.
    public func dropSchema() async throws {
        let schema = location.schema
        do {
            try await withConnection { db in try db.run("DROP SCHEMA \(unescaped: schema) CASCADE") }
        } catch {
            await close()
            throw error
        }
        await close()
    }

    /// Two ingest batches of one node at a time: while one waits for the server, the other is
    /// processed (batches of different orders never wait for each other; the same order's
    /// serialise on its lock, as across nodes). The pool keeps connections for reads and delivery.
    public var concurrentWriters: Int { min(2, max(1, pool.size - 2)) }

    deinit {
        // A store dropped without `close()`: its idle connections close in the background.
        pool.closeInBackground()
        listeners.close()
        threads.shutdownGracefully { _ in }
    }

    public func write<T: Sendable>(_ body: @escaping @Sendable (any StoreTransaction) throws -> T) async throws -> T {
        let channel = location.deliveryChannel
        return try await withConnection { db in
            var attempt = 1
            var holdClocksBack = true
            while true {
                do {
                    return try Self.transaction(db, begin: "BEGIN") { db in
                        let transaction = PostgresTransaction(db: db, deliveryChannel: channel)
                        transaction.holdsClocksBack = holdClocksBack
                        let result = try body(transaction)
                        try transaction.writeAllPending()
                        return result
                    }
                } catch let error as PostgresQueryError where error.isTransient && attempt < Self.maxAttempts {
                    attempt += 1
                } catch is ClockStartConflict where attempt < Self.maxAttempts {
                    attempt += 1
                    holdClocksBack = false
                }
            }
        }
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any StoreReader) throws -> T) async throws -> T {
        try await withConnection { db in
            try Self.transaction(db, begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") { db in try body(PostgresReader(db: db)) }
        }
    }

    /// Runs `body` between `begin` and `COMMIT`, rolling back when it throws. A transaction that
    /// a failed statement aborted commits nothing (the server answers `ROLLBACK` to the COMMIT):
    /// that is an error here, even if the closure caught the statement's.
    static func transaction<T>(_ db: BlockingConnection, begin: PostgresQuery, _ body: (BlockingConnection) throws -> T) throws -> T {
        try db.run(begin)
        let result: T
        do {
            result = try body(db)
        } catch {
            _ = try? db.run("ROLLBACK")
            throw error
        }
        let tag = try db.commit()
        guard tag == "COMMIT" else {
            throw PostgresStoreError("the transaction was aborted by a failed statement and rolled back (the server answered \(tag) to COMMIT)")
        }
        return result
    }

    /// Leases a connection and runs `work` with it on one of the store's threads.
    @discardableResult
    func withConnection<T: Sendable>(_ work: @escaping @Sendable (BlockingConnection) throws -> T) async throws -> T {
        let connection = try await pool.lease()
        let logger = self.logger
        do {
            let timeout = TimeAmount.seconds(Int64(location.answerTimeout))
            let result = try await threads.runIfActive {
                try work(BlockingConnection(connection: connection, logger: logger, answerTimeout: timeout))
            }
            pool.release(connection, broken: false)
            return result
        } catch {
            // A connection that closed meanwhile, or was given up, is dropped; the next lease opens another.
            pool.release(connection, broken: connection.isClosed || (error as? PostgresStoreError)?.connectionLost == true)
            throw error
        }
    }
}
