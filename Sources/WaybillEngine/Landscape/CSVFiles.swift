import WaybillCore
import WaybillMapping

/// A subscription delivered as CSV files (`csv:` in waybill.yml): one file per delivery,
/// `<subscription>-<delivery id>.csv`, written atomically into `directory`; or, with `batch:`,
/// one file per batch of deliveries, `<subscription>-<first delivery id>.csv` (see `CSVBatches`).
///
/// ```yaml
/// csv:
///   directory: /data/erp/in
///   rows: $.data.lines                       # optional: one row per element, bound to $row
///   columns:
///     - { name: order, value: $.data.orderId }
///     - { name: sku, value: $row.sku }
///   delimiter: ";"                           # default ","
///   header: true                             # default true
///   bom: false                               # default false: UTF-8 without a byte order mark
///   batch:                                   # optional: many deliveries' rows per file
///     interval: 5m                           # a batch is published this long after its first row
///     maxRows: 1000                          # or as soon as it holds this many rows (default 10000)
///     spool: /data/erp/spool                 # default <directory>/.waybill-batches
/// ```
public struct CSVFileSettings: Sendable, Equatable {
    public struct Column: Sendable, Equatable {
        public var name: String
        public var value: WaybillMapping.Expression

        public init(name: String, value: WaybillMapping.Expression) {
            self.name = name
            self.value = value
        }
    }

    public var directory: String
    /// One row per element of this list (each bound to `$row`); without it, one row per delivery.
    public var rows: WaybillMapping.Expression?
    public var columns: [Column]
    public var delimiter: Character
    public var header: Bool
    public var bom: Bool
    /// Rows of many deliveries per file, when given.
    public var batch: Batch?

    /// How deliveries are gathered into one file.
    public struct Batch: Sendable, Equatable {
        /// Milliseconds from a batch's first row to its publication.
        public var interval: Int64
        /// A batch is published once it holds this many rows (a delivery's rows are never split:
        /// one delivery with more rows is a batch of its own).
        public var maxRows: Int
        /// Where rows wait for their batch; nil: `<directory>/.waybill-batches`.
        public var spool: String?

        public init(interval: Int64, maxRows: Int = 10_000, spool: String? = nil) {
            self.interval = interval
            self.maxRows = maxRows
            self.spool = spool
        }
    }

    public init(
        directory: String, rows: WaybillMapping.Expression? = nil, columns: [Column], delimiter: Character = ",", header: Bool = true, bom: Bool = false,
        batch: Batch? = nil
    ) {
        self.directory = directory
        self.rows = rows
        self.columns = columns
        self.delimiter = delimiter
        self.header = header
        self.bom = bom
        self.batch = batch
    }
}

/// A system that drops CSV files into a watched directory (`inbound: { csv: … }`): each data row
/// is mapped on its own by `mapping`, as a JSON object keyed by the header's column names.
public struct CSVInbound: Sendable, Equatable {
    public var directory: String
    public var delimiter: Character
    public var mapping: Mapping

    public init(directory: String, delimiter: Character = ",", mapping: Mapping) {
        self.directory = directory
        self.delimiter = delimiter
        self.mapping = mapping
    }
}
