import PostgresNIO

/// A SELECT whose WHERE clause holds the filters a caller set, each value bound as a parameter
/// (never spliced into the SQL): the store's filtered lists (orders, deliveries, exceptions).
struct FilteredQuery {
    private var binds = PostgresBindings()
    private var conditions: [String] = []

    /// Adds `condition`, its placeholder written `?`, when `value` is set.
    mutating func filter<Value: PostgresDynamicTypeEncodable>(_ condition: String, _ value: Value?) {
        guard let value else { return }
        binds.append(value)
        conditions.append(condition.replacingOccurrences(of: "?", with: "$\(binds.count)"))
    }

    /// `SELECT columns FROM table [WHERE …] ORDER BY order LIMIT limit`.
    func select(_ columns: String, from table: String, orderBy order: String, limit: Int) -> PostgresQuery {
        var binds = self.binds
        binds.append(Int64(max(0, limit)))
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return PostgresQuery(unsafeSQL: "SELECT \(columns) FROM \(table) \(whereClause) ORDER BY \(order) LIMIT $\(binds.count)", binds: binds)
    }
}
