import CSV
import Foundation
import WaybillCore

/// The 3PL's side of the CSV files, when the demo runs its warehouse on files
/// (`DemoTransports`): it takes the hub's files from one directory and drops its own —
/// allocations, backorders, shipments, one row each — into the hub's inbox.
extension DemoWorld {
    static let warehouseColumns = ["record", "reference", "order", "warehouse", "shipment", "shipped_at", "carrier", "service", "tracking", "lines"]

    /// One row of the 3PL's next file for an event the warehouse reports.
    func warehouseRow(_ type: EventType, _ data: JSONValue) -> [String] {
        let reference = state.withLock { s -> Int in
            s.warehouseReferences += 1
            return s.warehouseReferences
        }
        let record =
            switch type {
            case .inventoryAllocated: "allocation"
            case .inventoryBackordered: "backorder"
            default: "shipment"
            }
        let date = type == .inventoryAllocated ? "promiseDate" : "expectedDate"
        let lines = Self.objects(data["lines"]).map { line in
            let parts = [Self.string(line["lineId"]), String(Self.int(line["quantity"]))] + (type == .shipmentConfirmed ? [] : [Self.string(line[date])])
            return parts.joined(separator: ":")
        }
        return [
            record, "R\(reference)", Self.string(data["orderId"]), Self.string(data["warehouse"]), Self.string(data["shipmentId"]),
            Self.string(data["shippedAt"]), Self.string(data["carrier"]), Self.string(data["service"]), Self.string(data["trackingNumber"]),
            lines.joined(separator: ";"),
        ]
    }

    /// Writes the rows the warehouse has gathered as one file in the hub's inbox (a temporary
    /// name first, then renamed, so the hub never reads half a file). Returns false with none.
    func dropWarehouseFile() throws -> Bool {
        guard let transports else { return false }
        let (rows, number) = state.withLock { s -> ([[String]], Int) in
            defer { s.warehouseRows = [] }
            if !s.warehouseRows.isEmpty { s.warehouseFiles += 1 }
            return (s.warehouseRows, s.warehouseFiles)
        }
        guard !rows.isEmpty else { return false }
        let stream = OutputStream.toMemory()
        let writer = try CSVWriter(stream: stream, newline: .crlf)
        try writer.write(row: Self.warehouseColumns)
        for row in rows { try writer.write(row: row) }
        writer.stream.close()
        let data = (stream.property(forKey: .dataWrittenToMemoryStreamKey) as? Data ?? Data()) + Data("\r\n".utf8)
        let name = "3pl-\(String(number).leftPadded(4)).csv"
        let temporary = URL(fileURLWithPath: transports.fromWarehouse).appendingPathComponent(".\(name).tmp")
        try data.write(to: temporary)
        try FileManager.default.moveItem(at: temporary, to: URL(fileURLWithPath: transports.fromWarehouse).appendingPathComponent(name))
        note(
            "\(DemoWorld.clockText(clock.now()))  wms drops \(name): \(rows.count) row\(rows.count == 1 ? "" : "s") (\(rows.map { $0[0] }.joined(separator: ", ")))"
        )
        return true
    }

    /// Takes the files the hub wrote for the warehouse, in the order they were written, and acts
    /// on them; each is moved to `taken/`. Returns how many it took.
    func pickUpWarehouseFiles() throws -> Int {
        guard let transports else { return 0 }
        let directory = URL(fileURLWithPath: transports.toWarehouse)
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".csv") }
        // `<subscription>-wbd_<delivery id>.csv`: delivery ids grow with the log.
        let ordered = names.sorted { Self.deliveryNumber($0) < Self.deliveryNumber($1) }
        let taken = directory.appendingPathComponent("taken")
        try FileManager.default.createDirectory(at: taken, withIntermediateDirectories: true)
        for name in ordered {
            let file = directory.appendingPathComponent(name)
            let reader = try CSVReader(string: try String(contentsOf: file, encoding: .utf8), hasHeaderRow: true)
            let header = reader.headerRow ?? []
            var rows: [[String: String]] = []
            while let row = reader.next() { rows.append(Dictionary(uniqueKeysWithValues: zip(header, row).map { ($0, $1) })) }
            let subscription = name.hasPrefix("wms-orders") ? "wms-orders" : "wms-notices"
            note("\(DemoWorld.clockText(clock.now()))  wms takes \(name) (\(rows.count) row\(rows.count == 1 ? "" : "s"))")
            if let first = rows.first, let type = EventType(rawValue: first["type"] ?? "") {
                let order = first["order"] ?? ""
                var data: [(String, JSONValue)] = [("orderId", .string(order))]
                if subscription == "wms-orders" {
                    data.append(
                        (
                            "lines",
                            .array(
                                rows.map {
                                    J.o(("lineId", J.s($0["line"] ?? "")), ("sku", J.s($0["sku"] ?? "")), ("quantity", J.n(Int($0["quantity"] ?? "") ?? 0)))
                                })
                        ))
                } else {
                    if let hold = first["hold"], !hold.isEmpty { data.append(("hold", .string(hold))) }
                    if let reason = first["reason"], !reason.isEmpty { data.append(("reason", .string(reason))) }
                }
                receive(subscription, type, subject: order, data: .object(data))
            }
            try FileManager.default.moveItem(at: file, to: taken.appendingPathComponent(name))
        }
        return ordered.count
    }

    static func deliveryNumber(_ name: String) -> Int64 {
        guard let range = name.range(of: "wbd_") else { return 0 }
        return Int64(name[range.upperBound...].prefix { $0.isNumber }) ?? 0
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
