/// A PostgreSQL store that cannot be opened or used, in words (a bad URL, a server that cannot
/// be reached, a schema written by a newer Waybill).
public struct PostgresStoreError: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(_ description: String) { self.description = description }
}
