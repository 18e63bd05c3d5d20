import Foundation
import Testing
import WaybillConfig
import WaybillCore
import WaybillEngine
import WaybillTestSupport

@Suite("CSV configuration")
struct CSVConfigTests {
    func write(_ directory: URL) throws {
        try """
        name: wms-csv
        events:
          - type: o2c.customer.upserted
            subject: $.customer
            data: { customerId: $.customer, name: $.name, currency: $.currency }
        """.write(to: directory.appendingPathComponent("wms-csv.yml"), atomically: true, encoding: .utf8)
    }

    @Test("csv: on a subscription and in inbound: are read; a files-only system needs no API key")
    func reads() throws {
        let directory = try temporaryDirectory("waybill-csv-config")
        try write(directory)
        let config = try ConfigLoader.parse(
            """
            systems:
              - name: wms
                inbound: { csv: { directory: /data/wms, delimiter: ";", mapping: wms-csv.yml } }
              - name: ledger
                subscribes:
                  - name: ledger-lines
                    types: [o2c.order.accepted]
                    csv:
                      directory: /data/ledger
                      rows: $.data.lines
                      columns: [ { name: order, value: $.data.orderId }, { name: sku, value: $row.sku } ]
                      delimiter: "\\\\t"
                      bom: true
                  - name: ledger-batches
                    types: [o2c.order.accepted]
                    csv:
                      directory: /data/ledger
                      columns: [ { name: order, value: $.data.orderId } ]
                      batch: { interval: 5m, maxRows: 1000, spool: /data/spool }
                  - name: ledger-hourly
                    types: [o2c.order.accepted]
                    csv: { directory: /data/ledger, columns: [ { name: order, value: $.data.orderId } ], batch: { interval: 1h } }
            """, environment: [:], directory: directory.path)
        let wms = try #require(config.systems.first { $0.system.name == "wms" })
        #expect(wms.system.csv?.directory == "/data/wms" && wms.system.csv?.delimiter == ";")
        #expect(wms.system.publishes == [.customerUpserted] && wms.apiKey == nil && wms.system.inbound == nil)
        let ledger = try #require(config.systems.first { $0.system.name == "ledger" })
        guard case .csv(let settings) = ledger.system.subscriptions.first?.adapter else {
            Issue.record("not a csv adapter")
            return
        }
        #expect(settings.columns.map(\.name) == ["order", "sku"] && settings.delimiter == "\t" && settings.header && settings.bom)
        #expect(settings.batch == nil)
        let batched = ledger.system.subscriptions.compactMap { subscription -> CSVFileSettings.Batch? in
            if case .csv(let settings) = subscription.adapter { settings.batch } else { nil }
        }
        #expect(batched == [.init(interval: 300_000, maxRows: 1000, spool: "/data/spool"), .init(interval: 3_600_000, maxRows: 10_000, spool: nil)])
    }

    @Test("batch: needs an interval longer than 0 and a whole maxRows of at least 1, and takes no other key")
    func refusesBadBatches() throws {
        let directory = try temporaryDirectory("waybill-csv-config")
        try write(directory)
        do {
            _ = try ConfigLoader.parse(
                """
                systems:
                  - name: ledger
                    subscribes:
                      - name: a
                        types: [o2c.order.accepted]
                        csv: { directory: /d, columns: [ { name: o, value: $.data.orderId } ], batch: { maxRows: 10 } }
                      - name: b
                        types: [o2c.order.accepted]
                        csv: { directory: /d, columns: [ { name: o, value: $.data.orderId } ], batch: { interval: soon, maxRows: 0 } }
                      - name: c
                        types: [o2c.order.accepted]
                        csv: { directory: /d, columns: [ { name: o, value: $.data.orderId } ], batch: { interval: 0s, every: 5m } }
                """, environment: [:], directory: directory.path)
            Issue.record("the configuration was accepted")
        } catch let error as ConfigProblems {
            let paths = Set(error.problems.map(\.path))
            let batch = "systems[0].subscribes"
            #expect(paths.contains("\(batch)[0].csv.batch.interval"), "\(error.problems)")
            #expect(paths.contains("\(batch)[1].csv.batch.interval") && paths.contains("\(batch)[1].csv.batch.maxRows"), "\(error.problems)")
            #expect(paths.contains("\(batch)[2].csv.batch.interval") && paths.contains("\(batch)[2].csv.batch.every"), "\(error.problems)")
            #expect(error.problems.allSatisfy { $0.line != nil }, "\(error.problems)")
        }
    }

    @Test("unknown keys, expressions that do not parse, $row without rows:, and a bad delimiter are refused with their key paths")
    func refuses() throws {
        let directory = try temporaryDirectory("waybill-csv-config")
        try write(directory)
        do {
            _ = try ConfigLoader.parse(
                """
                systems:
                  - name: wms
                    inbound: { csv: { directory: /data/wms, delimiter: ab, mapping: wms-csv.yml, watch: yes } }
                  - name: ledger
                    subscribes:
                      - name: ledger-lines
                        types: [o2c.order.accepted]
                        csv:
                          directory: /data/ledger
                          columns: [ { name: order, value: "$.data.(" }, { name: sku, value: $row.sku } ]
                """, environment: [:], directory: directory.path)
            Issue.record("the configuration was accepted")
        } catch let error as ConfigProblems {
            let paths = Set(error.problems.map(\.path))
            #expect(paths.contains("systems[0].inbound.csv.delimiter"), "\(error.problems)")
            #expect(paths.contains("systems[0].inbound.csv.watch"), "\(error.problems)")
            #expect(paths.contains("systems[1].subscribes[0].csv.columns[0].value"), "\(error.problems)")
            #expect(error.problems.contains { $0.path == "systems[1].subscribes[0].csv.columns[1].value" && $0.message.contains("$row") })
            #expect(error.problems.allSatisfy { $0.line != nil }, "\(error.problems)")
        }
    }
}
