import Foundation
import GRDB
import GRDBSQLite
import Synchronization

/// Copies the WAL back into the database file on its own thread and connection, so the writer's
/// commits do not wait for checkpoints.
///
/// With SQLite's automatic checkpoints, the commit that crosses the threshold copies the WAL
/// itself (reading every frame back, writing and syncing the database file) while every request
/// behind it waits. Here the writer's commit hook only reports how many frames the WAL holds;
/// past `threshold` this thread runs a passive checkpoint beside the writer, copying what is
/// committed and syncing the database file. The writer checkpoints by itself only past
/// `backstop` frames, which bounds the WAL if this thread falls behind (that checkpoint copies
/// only what this thread has not copied yet, and lets the next transaction restart the WAL).
final class BackgroundCheckpointer: Sendable {
    typealias Settings = CheckpointSettings

    private struct State {
        var stopped = false
        var walFrames = 0
        var checkpoints = 0
    }

    let settings: Settings
    private let connection: DatabaseQueue?
    private let state = Mutex(State())
    private let wakeUp = DispatchSemaphore(value: 0)

    init(path: String, settings: Settings) throws {
        self.settings = settings
        if settings.background {
            var config = Configuration()
            config.busyMode = .timeout(10)
            config.label = "waybill.checkpointer"
            connection = try DatabaseQueue(path: path, configuration: config)
            let thread = Thread { [self] in run() }
            thread.name = "waybill.checkpointer"
            thread.start()
        } else {
            connection = nil
        }
    }

    /// Installs the commit hook on the writer connection (it replaces SQLite's automatic
    /// checkpoint, which uses the same hook).
    func watch(writer db: Database) {
        sqlite3_wal_hook(
            db.sqliteConnection,
            { context, connection, name, frames in
                let checkpointer = Unmanaged<BackgroundCheckpointer>.fromOpaque(context!).takeUnretainedValue()
                checkpointer.committed(walFrames: Int(frames))
                if Int(frames) >= checkpointer.settings.backstop { sqlite3_wal_checkpoint(connection, name) }
                return SQLITE_OK
            }, Unmanaged.passUnretained(self).toOpaque())
    }

    /// How many background checkpoints have run (for tests and diagnostics).
    var completedCheckpoints: Int { state.withLock { $0.checkpoints } }

    /// Stops the thread after its current checkpoint.
    func stop() {
        state.withLock { $0.stopped = true }
        wakeUp.signal()
    }

    private func committed(walFrames: Int) {
        let wake = state.withLock { s -> Bool in
            let before = s.walFrames
            s.walFrames = walFrames
            return before < settings.threshold && walFrames >= settings.threshold
        }
        if wake { wakeUp.signal() }
    }

    private func run() {
        while true {
            wakeUp.wait()
            if state.withLock({ $0.stopped }) { return }
            // A failed checkpoint (the file busy, a disk error) leaves the WAL as it is: the next
            // wake-up tries again and the writer's backstop bounds the WAL meanwhile.
            if (try? connection?.writeWithoutTransaction({ db in try db.checkpoint(.passive) })) != nil {
                state.withLock { $0.checkpoints += 1 }
            }
            // Frames committed while copying: go again at once if the WAL is still past the threshold.
            let again = state.withLock { s -> Bool in
                let pending = s.walFrames >= settings.threshold
                if pending { s.walFrames = 0 }
                return pending && !s.stopped
            }
            if again { wakeUp.signal() }
        }
    }
}

/// When the store copies its WAL back into the database file (see `BackgroundCheckpointer`).
public struct CheckpointSettings: Sendable {
    /// WAL frames (4 KB pages) that wake the checkpoint thread.
    public var threshold: Int
    /// WAL frames past which the writer checkpoints in its own commit.
    public var backstop: Int
    /// Whether the checkpoint thread runs (without it, only the backstop checkpoints).
    public var background: Bool

    public init(threshold: Int = 1_024, backstop: Int = 8_192, background: Bool = true) {
        self.threshold = threshold
        self.backstop = backstop
        self.background = background
    }
}
