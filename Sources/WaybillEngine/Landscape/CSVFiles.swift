import WaybillCore
import WaybillMapping

/// A subscription delivered as CSV files (`csv:` in waybill.yml): one file per delivery,
/// `<subscription>-<delivery id>.csv`, written atomically into `directory`.
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

    public init(
        directory: String, rows: WaybillMapping.Expression? = nil, columns: [Column], delimiter: Character = ",", header: Bool = true, bom: Bool = false
    ) {
        self.directory = directory
        self.rows = rows
        self.columns = columns
        self.delimiter = delimiter
        self.header = header
        self.bom = bom
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
