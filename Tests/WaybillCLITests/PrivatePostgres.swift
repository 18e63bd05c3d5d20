import Foundation
import Testing
import WaybillTestSupport

/// A PostgreSQL server of a test's own: a new cluster (`initdb`) in a temporary directory,
/// started on a free loopback port, that the test may stop, crash and start again without
/// disturbing the shared test server other tests use at the same time. Uses Debian's
/// PostgreSQL binaries (`/usr/lib/postgresql/<version>/bin`); run as root, the server runs as
/// the `postgres` user (PostgreSQL refuses to run as root).
struct PrivatePostgres {
    let bin: URL
    let data: URL
    let port: Int
    let socketDirectory: URL

    var url: String { "postgres://waybill@127.0.0.1:\(port)/waybill" }

    /// Creates the cluster (user `waybill`, trusted on loopback only), starts it and creates the `waybill` database.
    static func start() throws -> PrivatePostgres? {
        let root = URL(fileURLWithPath: "/usr/lib/postgresql")
        guard
            let version = try? FileManager.default.contentsOfDirectory(atPath: root.path)
                .compactMap(Int.init).max()
        else {
            Issue.record("PostgreSQL's binaries are not installed (apt-get install postgresql)")
            return nil
        }
        let directory = try temporaryDirectory("waybill-private-pg")
        let server = PrivatePostgres(
            bin: root.appendingPathComponent("\(version)/bin"), data: directory.appendingPathComponent("data"), port: freePort(),
            socketDirectory: directory)
        if getuid() == 0 {
            try FileManager.default.setAttributes([.ownerAccountName: "postgres"], ofItemAtPath: directory.path)
        }
        try server.run("initdb", ["-D", server.data.path, "-U", "waybill", "--auth=trust", "--no-sync", "-E", "UTF8"])
        try server.startServer()
        try server.run("createdb", ["-h", "127.0.0.1", "-p", String(server.port), "-U", "waybill", "waybill"])
        return server
    }

    /// Starts the server and waits until it accepts connections.
    func startServer() throws {
        try run(
            "pg_ctl",
            [
                "-D", data.path, "-l", socketDirectory.appendingPathComponent("server.log").path, "-w", "-t", "60",
                "-o", "-c listen_addresses=127.0.0.1 -p \(port) -k \(socketDirectory.path) -c fsync=on", "start",
            ])
    }

    /// Stops the server: `immediate` is a crash (no checkpoint; recovery replays the WAL on start).
    func stop(mode: String = "immediate") throws {
        try run("pg_ctl", ["-D", data.path, "-m", mode, "-w", "stop"])
    }

    /// Runs one of the server's programs (as `postgres` when we are root) and waits for it.
    ///
    /// Spawned and reaped here (`posix_spawn`, `waitpid`) rather than through `Process`, whose
    /// wait never returned for `pg_ctl start` (it leaves the server running as a grandchild).
    /// Output goes to a file, not a pipe, which the server would hold open.
    func run(_ program: String, _ arguments: [String]) throws {
        let argv = (getuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--"] : []) + [bin.appendingPathComponent(program).path] + arguments
        let output = socketDirectory.appendingPathComponent("\(program).out").path
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var pid: pid_t = 0
        let cArguments = argv.map { strdup($0) } + [nil]
        defer { for argument in cArguments { free(argument) } }
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, cArguments, environ)
        guard spawned == 0 else { throw PrivatePostgresError(description: "\(program) could not be started (errno \(spawned))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        // WIFEXITED and WEXITSTATUS, spelled out (the C macros are not imported).
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
            let said = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            throw PrivatePostgresError(description: "\(program) failed (wait status \(status)): \(said)")
        }
    }
}

struct PrivatePostgresError: Error, CustomStringConvertible {
    let description: String
}
