import Foundation
import WaybillCore
import WaybillEngine
import WaybillMapping

/// `waybill bench --csv`: reads and maps about 50 MB of CSV (shipment lines, one
/// `o2c.shipment.confirmed` per row) on one core — the inbound directory's work without the
/// store: CSV parsing (`CSVRecords`), the mapping, and the canonical check of every event — three
/// times, and reports the median rate.
enum CSVBenchmark {
    static let mapping = """
        name: wms-csv
        events:
          - type: o2c.shipment.confirmed
            id: concat('wms-', $.shipment, '-', $.line)
            subject: $.order
            time: timestamp($.shipped_at)
            data:
              orderId: $.order
              shipmentId: $.shipment
              carrier: $.carrier
              trackingNumber?: $.tracking
              lines:
                each: split($.line, ';')
                as: n
                value:
                  lineId: $n
                  quantity: number($.quantity)
        """

    static func run(json: Bool) throws {
        var text = "order,shipment,line,quantity,carrier,tracking,shipped_at,note\r\n"
        var row = 0
        while text.utf8.count < 50_000_000 {
            let note = row % 5 == 0 ? "\"dock 4, door \"\"B\"\"\r\nleft at gate\"" : "regular"
            text += "SO-\(100_000 + row / 3),SH-\(row / 3),\(row % 3 + 1),\(row % 40 + 1),UPS,1Z999AA1\(10_000_000 + row),2026-12-01T08:00:00Z,\(note)\r\n"
            row += 1
        }
        let bytes = Array(text.utf8)
        let settings = CSVInbound(directory: "", mapping: try MappingLoader.parse(mapping, name: "wms-csv.yml"))
        var readRates: [Double] = []
        for _ in 0..<3 {
            let start = ContinuousClock.now
            _ = try CSVInbox.read(bytes, delimiter: ",")
            readRates.append(Double(bytes.count) / 1_000_000 / (ContinuousClock.now - start).seconds)
        }
        var rates: [Double] = []
        var events = 0
        for _ in 0..<3 {
            let start = ContinuousClock.now
            events = try CSVInbox.events(bytes, name: "bench.csv", settings: settings, system: "wms")
            rates.append(Double(bytes.count) / 1_000_000 / (ContinuousClock.now - start).seconds)
        }
        let readMedian = readRates.sorted()[1]
        let median = rates.sorted()[1]
        if json {
            print(
                JSONWriter.pretty(
                    .object([
                        ("bytes", .int(bytes.count)), ("rows", .int(row)), ("events", .int(events)),
                        ("read_mb_per_second", BenchCommand.number(readMedian, 1)), ("read_and_map_mb_per_second", BenchCommand.number(median, 1)),
                    ])))
        } else {
            print(
                "CSV read: \(String(format: "%.1f", readMedian)) MB/s; read + map to o2c.shipment.confirmed: \(String(format: "%.1f", median)) MB/s (medians of 3; \(bytes.count / 1_000_000) MB, \(row) rows, \(events) events, one core)"
            )
        }
    }
}
