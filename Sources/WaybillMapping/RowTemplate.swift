import WaybillCore

/// The rows of a tabular file (an outbound CSV) made from one event: a list of expressions,
/// evaluated once, or once per element of `rows` with the element bound to `$row`.
public enum RowTemplate {
    /// The cells of each row, as text; an absent or null value is an empty cell.
    ///
    /// - Throws: `MappingError` naming the column and the input path, when a value is an object
    ///   or a list, or `rows` is not a list.
    public static func rows(
        _ event: JSONValue, rows: Expression?, columns: [(name: String, value: Expression)], lookup: ((String, String) -> String?)? = nil
    ) throws(MappingError) -> [[String]] {
        let scope = Scope(root: event, lookup: lookup)
        guard let rows else { return [try cells(columns, in: scope)] }
        let list = try Evaluator.evaluate(rows, in: scope)
        let items: [JSONValue]
        do { items = try Functions.array(list) } catch { throw error.at(rule: "csv.rows") }
        var out: [[String]] = []
        out.reserveCapacity(items.count)
        var inner = scope
        for (i, item) in items.enumerated() {
            inner.variables["row"] = Value(item, path: list.path.map { "\($0)[\(i)]" })
            out.append(try cells(columns, in: inner))
        }
        return out
    }

    static func cells(_ columns: [(name: String, value: Expression)], in scope: Scope) throws(MappingError) -> [String] {
        var cells: [String] = []
        cells.reserveCapacity(columns.count)
        for column in columns {
            do {
                cells.append(try Functions.text(try Evaluator.evaluate(column.value, in: scope)) ?? "")
            } catch {
                throw error.at(rule: "csv.columns[\(column.name)]")
            }
        }
        return cells
    }
}
