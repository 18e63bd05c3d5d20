import Foundation
import PostgresNIO

/// Where a PostgreSQL store lives: `postgres://user:password@host:port/database?sslmode=…&schema=…`.
///
/// The password may be left out of the URL and come from the environment instead: the variable
/// named by `passwordEnv` (a query parameter, or the `passwordEnv` argument), else `PGPASSWORD`.
/// `sslmode` is libpq's: `disable`, `prefer` (the default: TLS when the server offers it, its
/// certificate not checked), `require` (TLS, not checked) or `verify-full`. The tables live in
/// `schema` (default `waybill`), created and migrated on open. `answerTimeout` (seconds, default
/// 30) is how long a statement may go unanswered before its connection is given up.
public struct PostgresLocation: Sendable, Equatable {
    public enum TLSMode: String, Sendable { case disable, prefer, require, verifyFull = "verify-full" }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var schema: String
    public var tls: TLSMode
    /// How long a statement may go unanswered (a server that died mid-conversation) before the
    /// connection is closed and the statement fails, in seconds.
    public var answerTimeout = 30

    public init(host: String, port: Int = 5432, username: String, password: String?, database: String, schema: String = "waybill", tls: TLSMode = .prefer) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.schema = schema
        self.tls = tls
    }

    /// Whether `text` names a PostgreSQL store (rather than an SQLite file).
    public static func isURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// Parses a `postgres://` URL; the password comes from the URL, else from the environment
    /// variable `passwordEnv` (argument or query parameter), else from `PGPASSWORD`.
    public init(url text: String, passwordEnv: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        guard Self.isURL(text), let components = URLComponents(string: text), let host = components.host, !host.isEmpty else {
            throw PostgresStoreError("store \(Self.redacted(text)): expected postgres://user[:password]@host[:port]/database")
        }
        guard let user = components.user, !user.isEmpty else {
            throw PostgresStoreError("store \(Self.redacted(text)): the URL names no user (postgres://user@host/database)")
        }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty else {
            throw PostgresStoreError("store \(Self.redacted(text)): the URL names no database (postgres://user@host/database)")
        }
        var query: [String: String] = [:]
        for item in components.queryItems ?? [] { query[item.name] = item.value ?? "" }
        let known: Set<String> = ["sslmode", "schema", "passwordEnv", "answerTimeout"]
        if let unknown = query.keys.sorted().first(where: { !known.contains($0) }) {
            throw PostgresStoreError("store \(Self.redacted(text)): unknown parameter \(unknown) (known: sslmode, schema, passwordEnv, answerTimeout)")
        }
        let tls = try query["sslmode"].map { mode in
            guard let parsed = TLSMode(rawValue: mode) else {
                throw PostgresStoreError("store \(Self.redacted(text)): sslmode \(mode) is not one of disable, prefer, require, verify-full")
            }
            return parsed
        }
        let schema = query["schema"] ?? "waybill"
        guard Self.isPlainIdentifier(schema) else {
            throw PostgresStoreError("store \(Self.redacted(text)): schema \(schema) must be lower-case letters, digits and _")
        }
        var password = components.password?.removingPercentEncoding
        if password == nil, let variable = passwordEnv ?? query["passwordEnv"] {
            guard let value = environment[variable] else {
                throw PostgresStoreError("store \(Self.redacted(text)): the password variable \(variable) is not set")
            }
            password = value
        }
        if password == nil { password = environment["PGPASSWORD"] }
        self.init(
            host: host, port: components.port ?? 5432, username: user.removingPercentEncoding ?? user, password: password, database: database,
            schema: schema, tls: tls ?? .prefer)
        if let timeout = query["answerTimeout"] {
            guard let seconds = Int(timeout), seconds > 0 else {
                throw PostgresStoreError("store \(Self.redacted(text)): answerTimeout \(timeout) is not a whole number of seconds above 0")
            }
            answerTimeout = seconds
        }
    }

    /// The URL without its password, for messages and logs.
    public static func redacted(_ text: String) -> String {
        guard var components = URLComponents(string: text), components.password != nil else { return text }
        components.password = "***"
        return components.string ?? "postgres://…"
    }

    /// The channel on which a write that adds deliveries notifies the hub's nodes (see
    /// `PostgresStore.deliveryWakeups()`): one per schema, so hubs on other schemas of the same
    /// database are not woken. A schema name is at most 48 characters, well within a channel's 63.
    public var deliveryChannel: String { "\(schema)_deliveries" }

    /// The location as a URL without the password.
    public var description: String { "postgres://\(username)@\(host):\(port)/\(database)?schema=\(schema)" }

    static func isPlainIdentifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.unicodeScalars.count <= 48, !("0"..."9").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }

    func configuration() throws -> PostgresConnection.Configuration {
        let tlsSetting: PostgresConnection.Configuration.TLS
        switch tls {
        case .disable:
            tlsSetting = .disable
        case .prefer, .require:
            var settings = TLSConfiguration.makeClientConfiguration()
            settings.certificateVerification = .none
            let context = try NIOSSLContext(configuration: settings)
            tlsSetting = tls == .prefer ? .prefer(context) : .require(context)
        case .verifyFull:
            tlsSetting = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tlsSetting)
        configuration.options.connectTimeout = .seconds(10)
        return configuration
    }
}
