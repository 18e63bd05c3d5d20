import CSV
import Foundation
import WaybillCore
import WaybillMapping
import WaybillStore

/// Delivers to a system by writing a CSV file per delivery into its directory — temporary file,
/// flush, rename — through the same outbox, retries, dead letters and replays as webhooks.
///
/// The file is named `<subscription>-<delivery id>.csv`, and its content depends only on the
/// delivered event, so a retry or a replay writes the very same file under the same name: the
/// reader of the directory never sees one delivery twice under two names, nor half a file.
///
/// With `batch:`, the rows of many deliveries go into one file per batch instead, published
/// `interval` after its first row or once it holds `maxRows` rows; each delivery is recorded
/// delivered once the file holding its rows is in place (see `CSVSpool` for what a crash at any
/// point leaves). One adapter per process delivers a subscription's batches.
public struct CSVFileAdapter: DeliveryAdapter {
    let hub: Hub
    let batches = CSVBatches()

    public init(hub: Hub) { self.hub = hub }

    public func deliver(_ delivery: OutboundDelivery) async -> DeliveryOutcome {
        guard case .csv(let settings) = delivery.subscription.adapter else {
            return .failed(statusCode: nil, error: "subscription \(delivery.subscription.name) does not deliver CSV files")
        }
        if let batch = settings.batch {
            let spool = batches.spool(delivery.subscription.name, settings: settings, batch: batch)
            let body = delivery.body
            return await spool.deliver(outbox: delivery.id, deliveryId: delivery.deliveryId, attempt: delivery.attempt, now: hub.clock.now()) {
                try RowTemplate.rows(try JSONParser.parse(body), rows: settings.rows, columns: settings.columns.map { ($0.name, $0.value) })
            }
        }
        do {
            let bytes = try Self.file(for: try JSONParser.parse(delivery.body), settings: settings)
            try AtomicFile.write(bytes, to: settings.directory, name: Self.fileName(subscription: delivery.subscription.name, delivery: delivery.deliveryId))
            return .delivered(statusCode: nil)
        } catch {
            return .failed(statusCode: nil, error: "\(error)")
        }
    }

    /// `<subscription>-<delivery id>.csv`, with anything but letters, digits, `-`, `_` and `.`
    /// in the delivery id replaced by `_`.
    static func fileName(subscription: SubscriptionName, delivery: String) -> String {
        let safe = String(
            delivery.unicodeScalars.map { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0)) ? Character($0) : "_" })
        return "\(subscription.rawValue)-\(safe).csv"
    }

    /// The file's bytes: the header (when configured) and the rows, CRLF after every record
    /// (RFC 4180), a field quoted when it holds the delimiter, a quote or a line break.
    static func file(for event: JSONValue, settings: CSVFileSettings) throws -> [UInt8] {
        let rows = try RowTemplate.rows(event, rows: settings.rows, columns: settings.columns.map { ($0.name, $0.value) })
        return (settings.bom ? [0xEF, 0xBB, 0xBF] : [])
            + (try lines((settings.header ? [settings.columns.map(\.name)] : []) + rows, delimiter: settings.delimiter))
    }

    /// Records as CSV, CRLF after each (none, no bytes), a field quoted when it holds the
    /// delimiter, a quote or a line break.
    static func lines(_ rows: [[String]], delimiter: Character) throws -> [UInt8] {
        guard !rows.isEmpty else { return [] }
        let stream = OutputStream.toMemory()
        let writer = try CSVWriter(stream: stream, delimiter: String(delimiter), newline: .crlf)
        for row in rows { try writer.write(row: row) }
        writer.stream.close()
        var bytes: [UInt8] = []
        if let data = stream.property(forKey: .dataWrittenToMemoryStreamKey) as? Data { bytes += data }
        return bytes + [0x0D, 0x0A]
    }
}
