import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// At most `size` connections to one server, each lent to one transaction at a time. A
/// connection is opened when one is needed and none is idle, and dropped when it was closed
/// (the server restarted, the network failed): the next lease opens a new one.
final class ConnectionPool: Sendable {
    private struct State {
        var idle: [PostgresConnection] = []
        var available: Int
        var waiters: [CheckedContinuation<Void, Never>] = []
        var closed = false
    }

    let size: Int
    private let configuration: PostgresConnection.Configuration
    private let schema: String
    private let logger: Logger
    private let state: Mutex<State>
    private let nextId = Atomic<Int>(1)

    init(size: Int, configuration: PostgresConnection.Configuration, schema: String, logger: Logger) {
        self.size = size
        self.configuration = configuration
        self.schema = schema
        self.logger = logger
        state = Mutex(State(available: size))
    }

    /// A connection for one transaction; give it back with `release`.
    func lease() async throws -> PostgresConnection {
        await acquire()
        let idle = state.withLock { $0.idle.popLast() }
        if let idle, !idle.isClosed { return idle }
        do {
            return try await open()
        } catch {
            permit()
            throw error
        }
    }

    /// Takes back a leased connection; one that broke is closed instead of kept, and so are the
    /// idle ones: a connection breaks when the server restarted or the network failed, which the
    /// idle ones went through too, and a dead one lent out would only fail (or hang) its next
    /// transaction.
    func release(_ connection: PostgresConnection, broken: Bool) {
        let keep = !broken && !connection.isClosed
        let (closed, dropped) = state.withLock { state in
            if keep && !state.closed { state.idle.append(connection) }
            var dropped: [PostgresConnection] = []
            if !keep { swap(&dropped, &state.idle) }
            return (state.closed, dropped)
        }
        for idle in dropped { idle.close().whenComplete { _ in withExtendedLifetime(idle) {} } }
        if !keep || closed { connection.close().whenComplete { _ in withExtendedLifetime(connection) {} } }
        permit()
    }

    /// Closes the idle connections and refuses new leases (leased ones close on release).
    func close() async {
        let idle = state.withLock { state in
            state.closed = true
            defer { state.idle = [] }
            return state.idle
        }
        for connection in idle { try? await connection.close().get() }
    }

    /// Closes the idle connections without waiting (each is kept until it has closed).
    func closeInBackground() {
        let idle = state.withLock { state in
            state.closed = true
            defer { state.idle = [] }
            return state.idle
        }
        for connection in idle { connection.close().whenComplete { _ in withExtendedLifetime(connection) {} } }
    }

    private func open() async throws -> PostgresConnection {
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(
                configuration: configuration, id: nextId.add(1, ordering: .relaxed).oldValue, logger: logger)
        } catch let error as PSQLError {
            let server = error.serverInfo?[.message].map { ": \($0)" } ?? ""
            throw PostgresStoreError("cannot connect to PostgreSQL (\(error.code))\(server)")
        }
        do {
            // The schema's tables first; `public` stays reachable for anything installed there.
            try await connection.query("SET search_path TO \(unescaped: schema), public", logger: logger)
            try await connection.query("SET application_name TO 'waybill'", logger: logger)
        } catch {
            try? await connection.close().get()
            throw error
        }
        return connection
    }

    private func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { state -> Bool in
                if state.available > 0 {
                    state.available -= 1
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if ready { continuation.resume() }
        }
    }

    private func permit() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiters.isEmpty {
                state.available += 1
                return nil
            }
            return state.waiters.removeFirst()
        }
        waiter?.resume()
    }
}
