/// A PostgreSQL store that cannot be opened or used, in words (a bad URL, a server that cannot
/// be reached, a schema written by a newer Waybill).
public struct PostgresStoreError: Error, CustomStringConvertible, Sendable {
    public let description: String
    /// The connection it happened on cannot be used again (it was given up).
    public let connectionLost: Bool

    public init(_ description: String, connectionLost: Bool = false) {
        self.description = description
        self.connectionLost = connectionLost
    }
}
