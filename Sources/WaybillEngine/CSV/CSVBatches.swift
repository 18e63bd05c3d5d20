import Foundation
import Glibc
import Synchronization
import WaybillCore

/// The batch spools of the `csv` subscriptions with `batch:` — one per subscription, each
/// working alone (an actor), so that one process's deliveries to it never race.
final class CSVBatches: Sendable {
    private let spools = Mutex<[SubscriptionName: CSVSpool]>([:])

    func spool(_ subscription: SubscriptionName, settings: CSVFileSettings, batch: CSVFileSettings.Batch) -> CSVSpool {
        spools.withLock { spools in
            if let spool = spools[subscription] { return spool }
            let spool = CSVSpool(subscription: subscription, settings: settings, batch: batch)
            spools[subscription] = spool
            return spool
        }
    }
}

/// One subscription's batches: the rows of many deliveries gathered durably, then published as
/// one file, `<subscription>-<first delivery id>.csv` (header, delimiter, quoting, BOM as
/// configured), written atomically.
///
/// A delivery's attempt renders its rows and appends them, with its outbox id and attempt
/// number, to the open batch's spool file (`open.jsonl`, flushed to disk), and is answered
/// `held` until the batch's deadline (`interval` after its first row): it stays pending, no
/// failure. The batch is published at the first attempt after its deadline, or as soon as it
/// holds `maxRows` rows (before a delivery whose rows would not fit, which starts the next one):
///
/// 1. sealed: `open.jsonl` renamed to `sealed/<name>.jsonl` — its rows and its file name fixed;
/// 2. the file written from the sealed spool: a hidden temporary file, flushed, renamed into
///    place, the directory flushed;
/// 3. `sealed/<name>.jsonl` renamed to `published/<name>.jsonl`, the ledger of what it holds.
///
/// A delivery is answered `delivered` only by an attempt that finds its rows in a published
/// batch (or the one that filled the batch, after publishing it); that answer is noted in
/// `published/<name>.confirmed` first. So a delivery is recorded delivered only after the file
/// holding its rows is renamed into place, and:
///
/// - a crash before the append is flushed loses nothing the hub counts on: the delivery was not
///   answered, is attempted again, and appended again (a torn last line is cut off on restart);
/// - a crash after it and before sealing leaves the rows in `open.jsonl`, read back on restart:
///   the batch carries on, and the delivery's next attempt is answered from it, not appended;
/// - a crash after sealing, before the ledger is moved, is finished on restart: the file is
///   written again from the sealed spool — the same name, the same bytes — and the batch moved;
/// - a crash after an answer `delivered` and before the hub records it: the next attempt has the
///   same number (attempts are counted when recorded) and is answered `delivered` again.
///
/// A delivery's rows are therefore never in two different published files, unless it is sent
/// again on purpose: an attempt with a higher number than the one answered `delivered` (a
/// replay or a retry from the console, after the hub recorded it) writes its rows again, into a
/// batch to come. A file may be written twice under the same name with the same content (a crash
/// between the rename and the ledger's move): its name is the batch's idempotency key.
actor CSVSpool {
    let subscription: SubscriptionName
    let settings: CSVFileSettings
    let batch: CSVFileSettings.Batch
    /// `<spool>/<subscription>`.
    let root: String
    var loaded = false

    /// One delivery's rows in a batch.
    struct Entry: Sendable {
        var outbox: Int64
        var deliveryId: String
        /// The attempt that spooled them.
        var attempt: Int
        /// When (milliseconds): the first entry's is the batch's start.
        var at: Int64
        var rows: Int
        /// The rows as CSV, each ended by CRLF.
        var csv: [UInt8]
    }

    /// The open batch.
    var open: [Entry] = []
    var openRows = 0
    /// Sealed batches not yet published (a write that failed), by file name, in sealing order.
    var sealed: [(name: String, entries: [Entry])] = []
    /// Each delivery of a published batch (the latest that holds it): the batch's file, and the
    /// attempt answered `delivered` for it, if any.
    var published: [Int64: (file: String, attempt: Int, confirmed: Int?)] = [:]

    init(subscription: SubscriptionName, settings: CSVFileSettings, batch: CSVFileSettings.Batch) {
        self.subscription = subscription
        self.settings = settings
        self.batch = batch
        let base = batch.spool ?? (settings.directory as NSString).appendingPathComponent(".waybill-batches")
        root = (base as NSString).appendingPathComponent(subscription.rawValue)
    }

    var openPath: String { (root as NSString).appendingPathComponent("open.jsonl") }
    var sealedDirectory: String { (root as NSString).appendingPathComponent("sealed") }
    var publishedDirectory: String { (root as NSString).appendingPathComponent("published") }

    /// The open batch's deadline.
    var deadline: Int64? { open.first.map { $0.at + batch.interval } }

    /// One attempt of a delivery whose rows are `rows()` (rendered only when they are to be
    /// spooled).
    func deliver(
        outbox: Int64, deliveryId: String, attempt: Int, now: Timestamp, rows: () throws -> [[String]]
    ) -> DeliveryOutcome {
        do {
            try load()
            try publishSealed()
            if let deadline, now.milliseconds >= deadline { try publishOpen() }
            if let entry = published[outbox] {
                switch entry.confirmed {
                case nil:
                    try confirm(outbox, attempt: attempt, file: entry.file)
                    return .delivered(statusCode: nil)
                case attempt?:
                    return .delivered(statusCode: nil)  // the same attempt again: its answer was not recorded
                case _?:
                    break  // answered delivered and recorded, and sent again since: its rows go again
                }
            }
            if open.contains(where: { $0.outbox == outbox }) { return held() }
            let rows = try rows()
            if rows.isEmpty { return .delivered(statusCode: nil) }  // nothing to write
            if !open.isEmpty, openRows + rows.count > batch.maxRows { try publishOpen() }
            try append(
                Entry(
                    outbox: outbox, deliveryId: deliveryId, attempt: attempt, at: now.milliseconds, rows: rows.count,
                    csv: try CSVFileAdapter.lines(rows, delimiter: settings.delimiter)))
            guard openRows >= batch.maxRows else { return held() }
            let file = try publishOpen()
            try confirm(outbox, attempt: attempt, file: file)
            return .delivered(statusCode: nil)
        } catch {
            return .failed(statusCode: nil, error: "\(error)")
        }
    }

    func held() -> DeliveryOutcome {
        let until = Timestamp(milliseconds: deadline ?? 0)
        return .held(until: until, note: "waiting in the batch of \(open.first?.deliveryId ?? "?"), published by \(until.rfc3339)")
    }

    // MARK: The spool on disk

    /// Reads the spool once: the published ledgers, any sealed batch (published now), the open
    /// batch (a torn last line cut off).
    func load() throws {
        guard !loaded else { return }
        for directory in [root, sealedDirectory, publishedDirectory] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        for name in try ledgerNames(in: publishedDirectory) {
            let file = String(name.dropLast(".jsonl".count))
            let entries = try Self.read((publishedDirectory as NSString).appendingPathComponent(name)).entries
            var confirmed: [Int64: Int] = [:]
            let confirmations = (publishedDirectory as NSString).appendingPathComponent(file + ".confirmed")
            if let text = FileManager.default.contents(atPath: confirmations) {
                for line in String(decoding: text, as: UTF8.self).split(separator: "\n") {
                    let parts = line.split(separator: " ")
                    if parts.count == 2, let id = Int64(parts[0]), let attempt = Int(parts[1]) { confirmed[id] = attempt }
                }
            }
            for entry in entries where (published[entry.outbox]?.attempt ?? .min) < entry.attempt {
                published[entry.outbox] = (file, entry.attempt, confirmed[entry.outbox])
            }
        }
        for name in try ledgerNames(in: sealedDirectory) {
            sealed.append((String(name.dropLast(".jsonl".count)), try Self.read((sealedDirectory as NSString).appendingPathComponent(name)).entries))
        }
        if FileManager.default.fileExists(atPath: openPath) {
            let (entries, good) = try Self.read(openPath)
            if let size = try FileManager.default.attributesOfItem(atPath: openPath)[.size] as? Int, size > good {
                guard truncate(openPath, off_t(good)) == 0 else { throw AtomicFile.Failure(description: "cannot cut \(openPath) short: \(Self.errno)") }
                try Self.flush(openPath)
            }
            open = entries
            openRows = entries.reduce(0) { $0 + $1.rows }
        }
        loaded = true
    }

    /// The `.jsonl` ledgers of a directory, in name order.
    func ledgerNames(in directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".jsonl") }.sorted()
    }

    /// The entries of a spool file, and how many of its bytes they take (a last line not ended,
    /// or not readable, is a torn append: not counted).
    static func read(_ path: String) throws -> (entries: [Entry], good: Int) {
        guard let data = FileManager.default.contents(atPath: path) else { throw AtomicFile.Failure(description: "cannot read \(path)") }
        let bytes = [UInt8](data)
        var entries: [Entry] = []
        var start = 0
        while let end = bytes[start...].firstIndex(of: 0x0A) {
            guard let entry = entry(bytes[start..<end]) else { break }
            entries.append(entry)
            start = end + 1
        }
        return (entries, start)
    }

    static func entry(_ line: ArraySlice<UInt8>) -> Entry? {
        guard case .object(let members)? = try? JSONParser.parse(Array(line)) else { return nil }
        func member(_ key: String) -> JSONValue? { members.first { $0.0 == key }?.1 }
        guard case .number(let outbox)? = member("outbox"), let outbox = Int64(outbox), case .string(let deliveryId)? = member("delivery"),
            case .number(let attempt)? = member("attempt"), let attempt = Int(attempt), case .number(let at)? = member("at"), let at = Int64(at),
            case .number(let rows)? = member("rows"), let rows = Int(rows), case .string(let csv)? = member("csv")
        else { return nil }
        return Entry(outbox: outbox, deliveryId: deliveryId, attempt: attempt, at: at, rows: rows, csv: Array(csv.utf8))
    }

    static func line(_ entry: Entry) -> [UInt8] {
        JSONWriter.bytes(
            .object([
                ("outbox", .number(String(entry.outbox))), ("delivery", .string(entry.deliveryId)), ("attempt", .number(String(entry.attempt))),
                ("at", .number(String(entry.at))), ("rows", .number(String(entry.rows))), ("csv", .string(String(decoding: entry.csv, as: UTF8.self))),
            ])) + [0x0A]
    }

    /// Appends an entry to the open batch, flushed to disk before it counts.
    func append(_ entry: Entry) throws {
        let isNew = !FileManager.default.fileExists(atPath: openPath)
        try Self.append(Self.line(entry), to: openPath)
        if isNew { try AtomicFile.syncDirectory(root) }
        open.append(entry)
        openRows += entry.rows
    }

    /// Notes that `outbox` is answered delivered by `attempt`, flushed to disk before the answer.
    func confirm(_ outbox: Int64, attempt: Int, file: String) throws {
        let path = (publishedDirectory as NSString).appendingPathComponent(file + ".confirmed")
        let isNew = !FileManager.default.fileExists(atPath: path)
        try Self.append(Array("\(outbox) \(attempt)\n".utf8), to: path)
        if isNew { try AtomicFile.syncDirectory(publishedDirectory) }
        published[outbox]?.confirmed = attempt
    }

    /// Seals the open batch and publishes it; returns its file name.
    @discardableResult
    func publishOpen() throws -> String {
        guard let first = open.first else { return "" }
        var name = CSVFileAdapter.fileName(subscription: subscription, delivery: first.deliveryId).dropLast(".csv".count).description
        // A delivery sent again may start a batch again: its name then carries the attempt.
        if FileManager.default.fileExists(atPath: (publishedDirectory as NSString).appendingPathComponent(name + ".jsonl")) {
            name += "-\(first.attempt)"
        }
        try AtomicFile.move(openPath, to: sealedDirectory, name: name + ".jsonl")
        sealed.append((name, open))
        open = []
        openRows = 0
        try publishSealed()
        return name
    }

    /// Writes every sealed batch's file and moves its spool to the published ledgers.
    func publishSealed() throws {
        while let (name, entries) = sealed.first {
            var bytes: [UInt8] = settings.bom ? [0xEF, 0xBB, 0xBF] : []
            if settings.header { bytes += try CSVFileAdapter.lines([settings.columns.map(\.name)], delimiter: settings.delimiter) }
            for entry in entries { bytes += entry.csv }
            try AtomicFile.write(bytes, to: settings.directory, name: name + ".csv")
            try AtomicFile.move((sealedDirectory as NSString).appendingPathComponent(name + ".jsonl"), to: publishedDirectory, name: name + ".jsonl")
            for entry in entries { published[entry.outbox] = (name, entry.attempt, nil) }
            sealed.removeFirst()
        }
    }

    static var errno: String { String(cString: strerror(Glibc.errno)) }

    /// Appends `bytes` to a file (made if need be) and flushes it to disk.
    static func append(_ bytes: [UInt8], to path: String) throws {
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard fd >= 0 else { throw AtomicFile.Failure(description: "cannot open \(path): \(errno)") }
        defer { close(fd) }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, bytes.count - written) }
            guard n > 0 else { throw AtomicFile.Failure(description: "cannot write \(path): \(errno)") }
            written += n
        }
        guard fsync(fd) == 0 else { throw AtomicFile.Failure(description: "cannot flush \(path): \(errno)") }
    }

    static func flush(_ path: String) throws {
        let fd = Glibc.open(path, O_WRONLY)
        guard fd >= 0 else { throw AtomicFile.Failure(description: "cannot open \(path): \(errno)") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw AtomicFile.Failure(description: "cannot flush \(path): \(errno)") }
    }
}
