import Crypto
import Foundation
import Logging
import WaybillCore
import WaybillMapping

/// The CSV file drop: each system's `inbound: { csv: … }` directory, watched like the EDI inbox.
///
/// A file is applied whole or not at all. Every data row is mapped first — a row is a JSON
/// object keyed by the header's column names, an empty cell null — and only when the file reads
/// as CSV and every row maps are its events ingested, all in one call, one transaction. A file
/// that does not read or map moves to `failed/` beside `<name>.reason.txt` naming the row (the
/// header is row 1) and the column, and nothing of it is stored. The file moves to `processed/`
/// only after its events are committed: a crash leaves it in place, read again on restart, and
/// its events — same ids — are duplicates the second time. The same file dropped again changes
/// nothing for the same reason.
///
/// Hidden files, `*.tmp` and `*.part` are left alone, and so is a file modified less than
/// `settle` ago (a transfer still writing it).
public struct CSVInbox: Sendable {
    let hub: Hub
    let logger: Logger
    let settle: Duration

    public init(hub: Hub, settle: Duration = .seconds(1), logger: Logger = Logger(label: "waybill.csv")) {
        self.hub = hub
        self.settle = settle
        self.logger = logger
    }

    /// One file handled: where it went, its events' results, or why it failed.
    public struct Handled: Sendable {
        public var file: String
        public var movedTo: String
        public var results: [EventResult]
        public var reason: String?
    }

    /// Handles every file waiting in every system's CSV directory, oldest name first.
    @discardableResult
    public func processPending() async throws -> [Handled] {
        var handled: [Handled] = []
        for system in hub.landscape.systems.values.sorted(by: { $0.name < $1.name }) {
            guard let csv = system.csv else { continue }
            for name in EDIInbox.waitingFiles(in: csv.directory, settledFor: settle) {
                handled.append(try await process(name, settings: csv, system: system.name))
            }
        }
        return handled
    }

    func process(_ name: String, settings: CSVInbound, system: SystemName) async throws -> Handled {
        let directory = settings.directory
        let path = (directory as NSString).appendingPathComponent(name)
        let processed = (directory as NSString).appendingPathComponent("processed")
        let failed = (directory as NSString).appendingPathComponent("failed")
        let items: [IngestItem]
        do {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw CSVTable.Problem(row: 0, message: "the file cannot be read")
            }
            items = try Self.map([UInt8](data), name: name, settings: settings, system: system)
        } catch {
            let reason = "\(name): \(error)"
            let target = EDIInbox.freeName(name, in: failed)
            try AtomicFile.write(Array((reason + "\n").utf8), to: failed, name: "\(target).reason.txt")
            try AtomicFile.move(path, to: failed, name: target)
            logger.warning("CSV file failed", metadata: ["waybill.system": "\(system)", "waybill.file": "\(name)", "waybill.reason": "\(error)"])
            return Handled(file: name, movedTo: failed, results: [], reason: reason)
        }
        // Store errors propagate: the file stays where it is and is tried again.
        let results = items.isEmpty ? [] : try await hub.ingest(items)
        try AtomicFile.move(path, to: processed, name: EDIInbox.freeName(name, in: processed))
        logger.info("CSV file processed", metadata: ["waybill.system": "\(system)", "waybill.file": "\(name)", "waybill.events": "\(results.count)"])
        return Handled(file: name, movedTo: processed, results: results, reason: nil)
    }

    /// The canonical events of a whole file, or the first row that cannot be read or mapped.
    ///
    /// Each row is mapped with the headers `csv-file` (the file's name), `csv-row` (its row
    /// number) and `csv-sha256` (the file's content hash). A mapping without `deliveryId:`
    /// derives one from the hash and the row, so events without their own `id:` are named by
    /// the file's content: the same file again is the same events.
    static func map(_ bytes: [UInt8], name: String, settings: CSVInbound, system: SystemName) throws(CSVTable.Problem) -> [IngestItem] {
        var table = try CSVTable.read(bytes, delimiter: settings.delimiter)
        var mapping = settings.mapping
        // Only a rule without its own id: reads the delivery id (the inbox has no use for it).
        if mapping.deliveryId == nil, mapping.events.contains(where: { $0.id == nil }) { mapping.deliveryId = Self.fileDeliveryId }
        // Compiled once for the file's columns: each row maps as its object would.
        let mapper = RowMapper(mapping, columns: table.header)
        var items: [IngestItem] = []
        items.reserveCapacity(table.records.count - 1)
        // The headers are made (the file hashed, each row's number written) only for a mapping
        // that reads them: a mapping without `header()` maps a row the same without them.
        var headers: [String: String] = [:]
        if mapper.readsHeaders {
            headers = ["csv-file": name, "csv-row": "", "csv-sha256": SHA256.hash(data: bytes).map { String($0, radix: 16).leftPadded(to: 2) }.joined()]
        }
        let source = system.source
        var scratch: [UInt8] = []
        for i in table.records.indices.dropFirst() where !CSVTable.isBlank(table.records[i]) {
            let number = i + 1
            let fields = table.records[i]
            // The row's cells are let go once it is mapped (those its events keep live on), so
            // the memory is used again for the rows after it.
            table.records[i] = []
            do {
                if mapper.readsHeaders { headers["csv-row"] = String(number) }
                try Hub.appendRow(fields, mapper: mapper, headers: headers, system: system, source: source, scratch: &scratch, into: &items)
            } catch {
                let column = table.column(of: error.inputPath)
                throw CSVTable.Problem(row: number, column: column?.0, columnName: column?.1, message: error.description)
            }
        }
        return items
    }

    /// `concat(header('csv-sha256'), ':', header('csv-row'))`.
    static let fileDeliveryId = Rule<WaybillMapping.Expression>(
        .call(
            "concat",
            [.call("header", [.literal(.string("csv-sha256"))]), .literal(.string(":")), .call("header", [.literal(.string("csv-row"))])]
        ), at: "csv deliveryId")
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}

extension CSVInbox {
    /// For `waybill bench --csv`: the rows a file reads to.
    public static func read(_ bytes: [UInt8], delimiter: Character) throws -> Int {
        try CSVTable.read(bytes, delimiter: delimiter).rowCount
    }

    /// For `waybill bench --csv`: how many canonical events a whole file maps to, as the inbox
    /// maps it (nothing stored).
    public static func events(_ bytes: [UInt8], name: String, settings: CSVInbound, system: SystemName) throws -> Int {
        try map(bytes, name: name, settings: settings, system: system).count
    }
}
