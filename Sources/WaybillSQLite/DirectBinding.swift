import Foundation
import GRDB
import GRDBSQLite

/// Binds values straight into a cached statement through the SQLite C API and runs it.
///
/// The ingest path runs several statements per event; GRDB's `StatementArguments` boxes every
/// value in an existential array first, which cost more than SQLite itself. The statements stay
/// GRDB's cached ones: GRDB still prepares, caches and finalizes them.
///
/// ```swift
/// try run(statement) { $0.bind(id); $0.bind(name); $0.bind(bytes) }
/// ```
struct DirectBinding {
    private let handle: OpaquePointer
    private var index: Int32 = 1

    fileprivate init(handle: OpaquePointer) { self.handle = handle }

    /// SQLite copies the value before the call returns.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    mutating func bind(_ value: Int64) {
        sqlite3_bind_int64(handle, index, value)
        index += 1
    }

    mutating func bind(_ value: Int) { bind(Int64(value)) }

    mutating func bind(_ value: Int64?) {
        if let value { bind(value) } else { bindNull() }
    }

    mutating func bind(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            // An empty buffer may have no base address, which SQLite would read as NULL.
            if let base = utf8.baseAddress {
                _ = base.withMemoryRebound(to: CChar.self, capacity: utf8.count) { sqlite3_bind_text(handle, index, $0, Int32(utf8.count), Self.transient) }
            } else {
                _ = sqlite3_bind_text(handle, index, "", 0, Self.transient)
            }
        }
        index += 1
    }

    mutating func bind(_ value: String?) {
        if let value { bind(value) } else { bindNull() }
    }

    mutating func bind(_ bytes: [UInt8]?) {
        guard let bytes else { return bindNull() }
        bytes.withUnsafeBytes { raw in
            if let base = raw.baseAddress {
                _ = sqlite3_bind_blob(handle, index, base, Int32(raw.count), Self.transient)
            } else {
                _ = sqlite3_bind_zeroblob(handle, index, 0)
            }
        }
        index += 1
    }

    mutating func bindNull() {
        sqlite3_bind_null(handle, index)
        index += 1
    }
}

extension Database {
    /// Runs a statement that returns no rows, with its values bound by `bind`, in SQL order.
    func run(_ statement: Statement, _ bind: (inout DirectBinding) -> Void) throws {
        let handle = statement.sqliteStatement
        sqlite3_reset(handle)
        var binding = DirectBinding(handle: handle)
        bind(&binding)
        let code = sqlite3_step(handle)
        defer {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
        }
        guard code == SQLITE_DONE || code == SQLITE_ROW else {
            throw DatabaseError(
                resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(sqliteConnection)), sql: statement.sql)
        }
    }
}

/// The current row of a statement run by `Database.query`, read through the SQLite C API.
struct DirectRow {
    fileprivate let handle: OpaquePointer

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }

    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }

    func string(_ column: Int32) -> String? {
        guard let text = sqlite3_column_text(handle, column) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }

    func bytes(_ column: Int32) -> [UInt8]? {
        if isNull(column) { return nil }
        let count = Int(sqlite3_column_bytes(handle, column))
        guard count > 0, let blob = sqlite3_column_blob(handle, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: blob, count: count))
    }
}

extension Database {
    /// Runs a query with its values bound by `bind` and hands each row to `row`.
    func query(_ statement: Statement, _ bind: (inout DirectBinding) -> Void, row: (DirectRow) throws -> Void) throws {
        let handle = statement.sqliteStatement
        sqlite3_reset(handle)
        var binding = DirectBinding(handle: handle)
        bind(&binding)
        defer {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
        }
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else {
                throw DatabaseError(
                    resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(sqliteConnection)), sql: statement.sql)
            }
            try row(DirectRow(handle: handle))
        }
    }

    /// The first row's value, read by `value`, or nil when the query returns no row.
    func first<T>(_ statement: Statement, _ bind: (inout DirectBinding) -> Void, _ value: (DirectRow) throws -> T?) throws -> T? {
        var result: T?
        var seen = false
        try query(statement, bind) { row in
            if !seen {
                seen = true
                result = try value(row)
            }
        }
        return result
    }
}
