import Logging
import NIOCore
import PostgresNIO
import Synchronization
import WaybillStore

/// Wake-ups for the delivery schedulers of every node on the schema.
///
/// **Sending.** A write transaction that adds deliveries notifies the schema's channel
/// (`PostgresLocation.deliveryChannel`) once, in the statement that writes its outbox rows
/// (`PostgresTransaction.writePendingDeliveries`); PostgreSQL delivers it when the transaction
/// commits, and not at all when it rolls back. Never one per row: a transaction that notified
/// takes a lock at commit that every other notifying transaction of the cluster waits for, so
/// notifications per row would cap the write rate; one per committed batch costs little.
///
/// **Listening.** Each stream has a connection of its own, outside the pool (it is held for as
/// long as the stream is consumed), named `waybill listen <schema>` in `pg_stat_activity`. When
/// it breaks (the server restarted, the network failed, a statement went unanswered), it is
/// opened again with backoff (0.25 s doubling up to 5 s); meanwhile the scheduler finds work by
/// polling. Once listening again, the stream wakes its consumer, since what was notified while
/// it was not listening is lost.
extension PostgresStore: DeliveryWakeups {
    public func deliveryWakeups() -> AsyncStream<Void> {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let listener = DeliveryListener(location: location, logger: logger)
        let task = Task { await listener.run { continuation.yield() } }
        guard let id = listeners.add(task) else {
            // The store is closed: nothing to listen with.
            task.cancel()
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [listeners] _ in
            task.cancel()
            listeners.remove(id)
        }
        return stream
    }
}

/// The listening tasks of a store's wake-up streams, cancelled when the store closes.
final class WakeupListeners: Sendable {
    private struct State {
        var tasks: [Int: Task<Void, Never>] = [:]
        var next = 0
        var closed = false
    }

    private let state = Mutex(State())

    /// Keeps `task` until removed; nil when the store is closed.
    func add(_ task: Task<Void, Never>) -> Int? {
        state.withLock { state in
            guard !state.closed else { return nil }
            state.next += 1
            state.tasks[state.next] = task
            return state.next
        }
    }

    func remove(_ id: Int) {
        _ = state.withLock { $0.tasks.removeValue(forKey: id) }
    }

    /// Cancels every listening task; no more are added.
    func close() {
        let tasks = state.withLock { state in
            state.closed = true
            defer { state.tasks = [:] }
            return Array(state.tasks.values)
        }
        for task in tasks { task.cancel() }
    }
}

/// `LISTEN` on a schema's delivery channel on a connection of its own, opened again when it breaks.
struct DeliveryListener: Sendable {
    let location: PostgresLocation
    let logger: Logger
    /// How often the listening connection is checked with a statement: a connection that died
    /// without the socket closing (a network failure) is found and opened again.
    var heartbeat = Duration.seconds(30)
    /// How long the check may go unanswered before the connection is given up.
    var heartbeatTimeout = TimeAmount.seconds(10)

    /// The name the connection has in `pg_stat_activity.application_name`.
    static func applicationName(schema: String) -> String { "waybill listen \(schema)" }

    /// Listens until cancelled, calling `wake` for each notification and each time it starts
    /// listening; opens the connection again with backoff whenever it breaks.
    func run(wake: @escaping @Sendable () -> Void) async {
        var failures = 0
        while !Task.isCancelled {
            let listened = await listenOnce(wake: wake)
            if Task.isCancelled { return }
            failures = listened ? 1 : failures + 1
            let delay = Duration.milliseconds(min(5_000, 250 << min(failures - 1, 5)))
            do { try await Task.sleep(for: delay) } catch { return }
        }
    }

    /// Connects and listens until the connection breaks or the task is cancelled; returns whether
    /// it was listening at all.
    func listenOnce(wake: @escaping @Sendable () -> Void) async -> Bool {
        let logger = self.logger
        let channel = location.deliveryChannel
        let connection: PostgresConnection
        do {
            var configuration = try location.configuration()
            configuration.options.additionalStartupParameters = [("application_name", Self.applicationName(schema: location.schema))]
            connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
        } catch {
            if !Task.isCancelled {
                logger.debug("cannot connect to listen for deliveries; polling meanwhile", metadata: ["waybill.error": "\(String(reflecting: error))"])
            }
            return false
        }
        var listening = false
        do {
            try await connection.listen(on: channel) { notifications in
                listening = true
                logger.debug("listening for deliveries", metadata: ["waybill.channel": "\(channel)"])
                // Whatever was notified while nobody listened is found by the poll this starts.
                wake()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for try await _ in notifications { wake() }
                    }
                    group.addTask {
                        while true {
                            try await Task.sleep(for: heartbeat)
                            // A check left unanswered closes the connection, which ends the listening.
                            let timeout = connection.eventLoop.scheduleTask(in: heartbeatTimeout) { connection.close().whenComplete { _ in } }
                            defer { timeout.cancel() }
                            try await connection.query("SELECT 1", logger: logger)
                        }
                    }
                    // Either ends only when the connection broke (or the task was cancelled).
                    _ = try await group.next()
                    group.cancelAll()
                }
            }
        } catch {
            if !Task.isCancelled {
                logger.warning(
                    "listening for deliveries broke; polling meanwhile, listening again shortly",
                    metadata: ["waybill.error": "\(String(reflecting: error))"])
            }
        }
        try? await connection.close().get()
        return listening
    }
}

extension PostgresStore {
    /// The server processes of the connections listening on this store's schema, from any node:
    /// those whose last statement was their `LISTEN` (for tests and diagnostics).
    func deliveryListenerPids() async throws -> [Int32] {
        let name = DeliveryListener.applicationName(schema: location.schema)
        return try await withConnection { db in
            try db.all(
                """
                SELECT pid FROM pg_stat_activity
                WHERE datname = current_database() AND application_name = \(name) AND query LIKE 'LISTEN%'
                ORDER BY pid
                """
            ).map { try $0.row[0].decode(Int32.self) }
        }
    }

    /// Terminates the connections listening on this store's schema, from any node, as a server
    /// restart would (for tests); returns how many.
    @discardableResult
    func terminateDeliveryListeners() async throws -> Int {
        let name = DeliveryListener.applicationName(schema: location.schema)
        return try await withConnection { db in
            try db.first(
                """
                SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity
                WHERE datname = current_database() AND application_name = \(name)
                """)?.int(0) ?? 0
        }
    }
}
