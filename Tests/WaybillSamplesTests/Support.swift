import Foundation
import WaybillSQLite
import WaybillTestSupport

/// A fresh SQLite store in its own temporary directory.
func temporaryStore() throws -> SQLiteStore {
    let directory = try temporaryDirectory("waybill-samples")
    return try SQLiteStore(path: directory.appendingPathComponent("hub.sqlite").path)
}
