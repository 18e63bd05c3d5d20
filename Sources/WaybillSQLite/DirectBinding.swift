import Foundation
import GRDB
import GRDBSQLite

/// Binds values straight into a cached statement through the SQLite C API and runs it.
///
/// The ingest path runs several statements per event; GRDB's `StatementArguments` boxes every
/// value in an existential array first, which cost more than SQLite itself. The statements stay
/// GRDB's cached ones: GRDB still prepares, caches and finalizes them.
///
/// Texts and blobs are not copied by SQLite (`SQLITE_TRANSIENT` cost a malloc, a copy and a
/// free per value): they are kept until every value is known, then bound in place
/// (`SQLITE_STATIC`) while their storage is pinned for the whole run of the statement.
///
/// ```swift
/// try run(statement) { $0.bind(id); $0.bind(name); $0.bind(bytes) }
/// ```
struct DirectBinding {
    private let handle: OpaquePointer
    private var index: Int32 = 1
    private var buffers: [(index: Int32, value: Buffer)] = []

    private enum Buffer {
        case text(String)
        case blob([UInt8])
    }

    fileprivate init(handle: OpaquePointer) { self.handle = handle }

    /// SQLite uses the memory as it is; it must stay valid until the bindings are cleared.
    private static let inPlace = unsafeBitCast(0, to: sqlite3_destructor_type.self)
    /// SQLite copies the value before the call returns.
    private static let copied = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    mutating func bind(_ value: Int64) {
        sqlite3_bind_int64(handle, index, value)
        index += 1
    }

    mutating func bind(_ value: Int) { bind(Int64(value)) }

    mutating func bind(_ value: Int64?) {
        if let value { bind(value) } else { bindNull() }
    }

    mutating func bind(_ value: String) {
        buffers.append((index, .text(value)))
        index += 1
    }

    mutating func bind(_ value: String?) {
        if let value { bind(value) } else { bindNull() }
    }

    mutating func bind(_ bytes: [UInt8]?) {
        guard let bytes else { return bindNull() }
        buffers.append((index, .blob(bytes)))
        index += 1
    }

    mutating func bindNull() {
        sqlite3_bind_null(handle, index)
        index += 1
    }

    /// Fails unless exactly as many values were bound as the statement has parameters: a value
    /// left out would run as NULL and one too many would be dropped, silently either way.
    fileprivate func checkCount(of statement: Statement) throws {
        let parameters = sqlite3_bind_parameter_count(handle)
        guard index - 1 == parameters else {
            sqlite3_clear_bindings(handle)
            throw DatabaseError(
                resultCode: .SQLITE_RANGE, message: "\(index - 1) values bound to a statement with \(parameters) parameters", sql: statement.sql)
        }
    }

    /// Binds the kept texts and blobs in place and runs `body` while their storage is pinned;
    /// the bindings are cleared before it is released.
    fileprivate func withBuffers<R>(_ body: () throws -> R) rethrows -> R {
        defer { sqlite3_clear_bindings(handle) }
        return try bindBuffer(0, body)
    }

    private func bindBuffer<R>(_ i: Int, _ body: () throws -> R) rethrows -> R {
        guard i < buffers.count else { return try body() }
        let (index, value) = buffers[i]
        switch value {
        case .text(var text):
            return try text.withUTF8 { utf8 in
                if let base = utf8.baseAddress {
                    _ = base.withMemoryRebound(to: CChar.self, capacity: utf8.count) { sqlite3_bind_text(handle, index, $0, Int32(utf8.count), Self.inPlace) }
                } else {
                    // An empty buffer may have no base address, which SQLite would read as NULL.
                    sqlite3_bind_text(handle, index, "", 0, Self.copied)
                }
                return try bindBuffer(i + 1, body)
            }
        case .blob(let bytes):
            return try bytes.withUnsafeBytes { raw in
                if let base = raw.baseAddress {
                    sqlite3_bind_blob(handle, index, base, Int32(raw.count), Self.inPlace)
                } else {
                    sqlite3_bind_zeroblob(handle, index, 0)
                }
                return try bindBuffer(i + 1, body)
            }
        }
    }
}

extension Statement {
    /// Runs a statement that returns no rows, with its values bound by `bind`, in SQL order.
    func run(_ bind: (inout DirectBinding) -> Void) throws {
        let handle = sqliteStatement
        sqlite3_reset(handle)
        var binding = DirectBinding(handle: handle)
        bind(&binding)
        try binding.checkCount(of: self)
        let code = binding.withBuffers {
            defer { sqlite3_reset(handle) }
            return sqlite3_step(handle)
        }
        guard code == SQLITE_DONE || code == SQLITE_ROW else {
            throw DatabaseError(
                resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(sqlite3_db_handle(handle))), sql: sql)
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

extension Statement {
    /// Runs a query with its values bound by `bind` and hands each row to `row`.
    func query(_ bind: (inout DirectBinding) -> Void, row: (DirectRow) throws -> Void) throws {
        let handle = sqliteStatement
        sqlite3_reset(handle)
        var binding = DirectBinding(handle: handle)
        bind(&binding)
        try binding.checkCount(of: self)
        try binding.withBuffers {
            defer { sqlite3_reset(handle) }
            while true {
                let code = sqlite3_step(handle)
                if code == SQLITE_DONE { return }
                guard code == SQLITE_ROW else {
                    throw DatabaseError(
                        resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(sqlite3_db_handle(handle))), sql: sql)
                }
                try row(DirectRow(handle: handle))
            }
        }
    }

    /// The first row's value, read by `value`, or nil when the query returns no row.
    func first<T>(_ bind: (inout DirectBinding) -> Void, _ value: (DirectRow) throws -> T?) throws -> T? {
        var result: T?
        var seen = false
        try query(bind) { row in
            if !seen {
                seen = true
                result = try value(row)
            }
        }
        return result
    }
}
