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
