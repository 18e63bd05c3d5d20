import ArgumentParser
import Foundation
import WaybillConfig
import WaybillPostgres
import WaybillSQLite
import WaybillStore

/// `--config` and `--store`, shared by the commands that open the hub's store.
struct HubOptions: ParsableArguments {
    @Option(help: "Configuration file (default: the built-in sample landscape).")
    var config: String?

    @Option(
        help: """
            Store: sqlite:PATH, or postgres://user[:password]@host[:port]/database[?schema=NAME&sslmode=MODE&passwordEnv=VAR] \
            (overrides the configuration). Without a password in the URL it is read from VAR, else from PGPASSWORD.
            """)
    var store: String?

    /// The configuration with `--store` applied; problems are printed with their key paths and
    /// lines, and exit with status 2.
    func configuration() throws -> HubConfiguration {
        let environment = ProcessInfo.processInfo.environment
        var configuration: HubConfiguration
        do {
            configuration =
                try config.map { try ConfigLoader.load(path: $0, environment: environment) }
                ?? ConfigLoader.parse(SampleConfiguration.yaml, environment: environment)
        } catch let problems as ConfigProblems {
            for problem in problems.problems { FileHandle.standardError.write(Data("\(config ?? "sample"): \(problem)\n".utf8)) }
            throw ExitCode(2)
        }
        if let store {
            guard let location = StoreLocation(store) else { throw ValidationError("--store expects sqlite:PATH or postgres://user@host/database") }
            configuration.store = location
        }
        return configuration
    }

    /// Opens the configuration's store: the SQLite file, or the PostgreSQL database (connected,
    /// its schema created and migrated). A URL that does not parse or a server that cannot be
    /// reached is refused with what is wrong, without the password.
    static func openStore(_ configuration: HubConfiguration) async throws -> any Store {
        switch configuration.store {
        case .sqlite(let path):
            return try SQLiteStore(path: path)
        case .postgres(let url):
            let location: PostgresLocation
            do {
                location = try PostgresLocation(url: url)
            } catch let error as PostgresStoreError {
                throw ValidationError(error.description)
            }
            do {
                return try await PostgresStore(location: location)
            } catch {
                throw ValidationError("store \(location.description): \(error)")
            }
        }
    }

    /// The name this process beats under: `waybill` on SQLite (one process per file), and
    /// `waybill@HOST:PID` on PostgreSQL, where several nodes share the heartbeats.
    static func nodeName(_ configuration: HubConfiguration) -> String {
        guard case .postgres = configuration.store else { return "waybill" }
        return "waybill@\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)"
    }

    /// Closes a PostgreSQL store's connections (an SQLite store closes with its last reference).
    static func close(_ store: any Store) async {
        if let postgres = store as? PostgresStore { await postgres.close() }
    }
}
