import Testing
import WaybillCore
import WaybillMapping
import WaybillTestSupport

@testable import WaybillEngine

/// The CSV inbox's fast path — the mapping compiled for the file's columns (`RowMapper`) and each
/// event's envelope and bytes made from the mapping's parts (`Hub.canonical`) — against the
/// general path it replaces: each row's object mapped by `Mapper`, each event's CloudEvent built
/// as JSON, written by `JSONWriter` and decoded by `InboundEvent.decode`. On generated rows, the
/// two give the same events (the same raw bytes, envelope and payload) or the same error.
@Suite("CSV fast path")
struct CSVFastPathTests {
    static let shipments = """
        name: fast-shipments
        maps:
          carriers: { UPS: ups, FDX: fedex }
        events:
          - type: o2c.shipment.confirmed
            when: $.kind != 'skip'
            id: concat('wms-', $.shipment, '-', $.line)
            subject: $.order
            time: timestamp($.shipped_at)
            data:
              orderId: $.order
              shipmentId: $['shipment']
              carrier: map('carriers', $.carrier, 'other')
              trackingNumber?: $.tracking
              warehouse?: coalesce($.warehouse, $.nowhere)
              service?: if(exists($.tracking), upper($.carrier), null)
              lines:
                each: split($.line, ';')
                as: n
                value:
                  lineId: $n
                  quantity: number($.quantity)
        """

    /// No `id:` (the file's delivery id names the events), a `skip`, arithmetic, and expressions
    /// that read the row other than by a column (`$.name.first`).
    static let customers = """
        name: fast-customers
        skip: $.kind == 'skip'
        events:
          - type: o2c.customer.upserted
            subject: $.customer
            data:
              customerId: $.customer
              name: concat(trim($.name), ' (', text(count(split($.tags, '|'))), ')')
              currency: $.currency
              creditLimit?: fixed(number($.credit) * 2, 2)
              parentId?: coalesce($.name.first, $.note)
              paymentTermsDays?: if($.kind == 'vip', 30, if(exists($.kind), number($.credit), null))
        """

    static let columns = [
        "order", "shipment", "line", "quantity", "carrier", "tracking", "shipped_at", "kind", "warehouse", "customer", "name", "tags", "currency",
        "credit", "note",
    ]

    static func row(_ random: inout SplitMix64) -> [String] {
        func pick(_ choices: [String]) -> String { choices.randomElement(using: &random)! }
        return [
            pick(["SO-1", "SO-22", "", "SO-\u{00e9}t\u{00e9}", "SO \"q\""]),
            pick(["SH-1", "SH-2", "", "SH,3"]),
            pick(["1", "2;3", "1;1", "", "4;", "a\r\nb"]),
            pick(["1", "40", "2.5", "1.50", "0", "-1", "x", "", "007", "1e3"]),
            pick(["UPS", "FDX", "DHL", "", "ups"]),
            pick(["1Z999AA10000001", "", "TRK\\\"1"]),
            pick([
                "2026-12-01T08:00:00Z", "2026-12-01T08:00:00+0100", "2026-12-01T08:00:00.123-05:00", "1733040000000", "yesterday", "",
                "2026-12-01T08:00:00.5Z", "2026-12-01T08:00:00.123456+05:30", "2026-12-01t08:00:00z", "2026-02-30T08:00:00Z",
                "2026-12-01 08:00:00Z",
            ]),
            pick(["", "skip", "vip", "other"]),
            pick(["", "DC-1"]),
            pick(["C-1", "C-2", "", "C-\u{1F600}"]),
            pick([" Bolt ", "Nut & \"Sons\"", "", "Ünal"]),
            pick(["a|b", "", "x", "|"]),
            pick(["USD", "EUR", "XXX", "", "usd"]),
            pick(["1500", "250.5", "", "-3", "abc", "0.125"]),
            pick(["", "line1\nline2", "tab\there"]),
        ]
    }

    /// The general path: the row's object mapped by `Mapper`, each event written and decoded
    /// through its CloudEvent JSON.
    static func general(_ fields: [String], mapping: Mapping, headers: [String: String]) throws(MappingError) -> [InboundEvent] {
        let result = try Mapper(mapping).inbound(RowMapper.object(fields, columns: columns), headers: headers)
        var events: [InboundEvent] = []
        for (index, event) in result.events.enumerated() {
            let cloudEvent = event.cloudEvent(source: SystemName("wms").source)
            do {
                events.append(try InboundEvent.decode(cloudEvent, raw: JSONWriter.bytes(cloudEvent)))
            } catch {
                let rule = mapping.events.first { $0.type == event.type }?.location ?? "\(mapping.name) events"
                throw MappingError(
                    .invalidEvent, "mapped event \(index + 1) (\(event.type.rawValue)) is not a valid canonical event: \(error)", rule: rule)
            }
        }
        return events
    }

    /// The fast path, as the inbox takes it.
    /// The fast path, as the inbox takes it (`Hub.appendRow`, after an earlier row's event, which
    /// a row that fails part-way must leave alone), and `Hub.append` of `RowMapper.events`, which
    /// it falls back to: both give the same.
    static func fast(_ fields: [String], mapper: RowMapper, headers: [String: String]) throws(MappingError) -> [InboundEvent] {
        let earlier = IngestItem.invalid(source: nil, id: "earlier", subject: nil, error: WaybillError(.invalidPayload, "earlier row"))
        var items: [IngestItem] = [earlier]
        var scratch: [UInt8] = Array("left over from the row before".utf8)
        let system = SystemName("wms")
        let row = Result { () throws(MappingError) in
            try Hub.appendRow(fields, mapper: mapper, headers: headers, system: system, source: system.source, scratch: &scratch, into: &items)
        }
        guard case .invalid(_, "earlier", _, _) = items[0] else { fatalError("the row before was changed") }
        var listed: [IngestItem] = [earlier]
        let list = Result { () throws(MappingError) in
            try Hub.append(mapper.events(fields, headers: headers), mapping: mapper.mapping, system: system, into: &listed)
        }
        switch (row, list) {
        case (.success, .success):
            #expect(items.count == listed.count)
            for (a, b) in zip(items.dropFirst(), listed.dropFirst()) {
                guard case .event(let a) = a, case .event(let b) = b else { fatalError("the inbox appends events only") }
                #expect(same(a, b))
            }
        case (.failure(let a), .failure(let b)):
            #expect(a == b)
            #expect(items.count == 1, "a row that fails leaves nothing of it")
        default:
            Issue.record("appendRow \(row) against append \(list)")
        }
        try row.get()
        return items.dropFirst().map { item in
            guard case .event(let event) = item else { fatalError("the inbox appends events only") }
            return event
        }
    }

    static func same(_ a: InboundEvent, _ b: InboundEvent) -> Bool {
        a.raw == b.raw && a.payload == b.payload && a.envelope.id == b.envelope.id && a.envelope.source == b.envelope.source
            && a.envelope.type == b.envelope.type && a.envelope.subject == b.envelope.subject && a.envelope.time == b.envelope.time
            && a.envelope.traceparent == b.envelope.traceparent && a.envelope.data == b.envelope.data
            && a.envelope.extensions.count == b.envelope.extensions.count
    }

    @Test("generated rows map to the same events or the same error both ways", arguments: ["shipments", "customers"])
    func rowsBothWays(_ which: String) throws {
        var mapping = try MappingLoader.parse(which == "shipments" ? Self.shipments : Self.customers, name: "\(which).yml")
        if mapping.deliveryId == nil, mapping.events.contains(where: { $0.id == nil }) { mapping.deliveryId = CSVInbox.fileDeliveryId }
        let mapper = RowMapper(mapping, columns: Self.columns)
        var random = SplitMix64(seed: which == "shipments" ? 14 : 41)
        var mapped = 0
        var failed = 0
        var skipped = 0
        for number in 2..<6_002 {
            let fields = Self.row(&random)
            let headers = ["csv-file": "f.csv", "csv-row": String(number), "csv-sha256": "ab12"]
            let long = Result { () throws(MappingError) in try Self.general(fields, mapping: mapping, headers: headers) }
            // A mapping that reads no header is mapped without them, as the inbox maps it.
            let short = Result { () throws(MappingError) in try Self.fast(fields, mapper: mapper, headers: mapper.readsHeaders ? headers : [:]) }
            switch (long, short) {
            case (.success(let a), .success(let b)):
                #expect(a.count == b.count && zip(a, b).allSatisfy(Self.same), "row \(fields)")
                if a.isEmpty { skipped += 1 } else { mapped += 1 }
            case (.failure(let a), .failure(let b)):
                #expect(a == b, "row \(fields)")
                failed += 1
            default:
                Issue.record("row \(fields): \(long) against \(short)")
            }
        }
        // The generator reaches each outcome often.
        #expect(mapped > 300 && failed > 300 && skipped > 300, "\(mapped) mapped, \(failed) failed, \(skipped) skipped")
    }

    @Test("an each element's error names its path both ways, and the instant timestamp() parsed is the envelope's")
    func elementPathsAndTimes() throws {
        let yaml = """
            name: element-paths
            events:
              - type: o2c.shipment.confirmed
                id: $.shipment
                time: timestamp($.shipped_at)
                data:
                  orderId: $.order
                  shipmentId: $.shipment
                  lines:
                    each: split($.line, ';')
                    as: n
                    when: number($n) > 0
                    value:
                      lineId: $n
                      quantity: number($.quantity)
            """
        let mapper = RowMapper(try MappingLoader.parse(yaml, name: "paths.yml"), columns: Self.columns)
        var fields = Array(repeating: "", count: Self.columns.count)
        (fields[0], fields[1], fields[3], fields[6]) = ("SO-1", "SH-1", "2", "2026-12-01T08:00:00.5+0100")
        for (line, path) in [("1;x", "$.line[1]"), ("y", "$.line[0]"), ("1;2;3;z", "$.line[3]")] {
            fields[2] = line
            let long = Result { () throws(MappingError) in try Self.general(fields, mapping: mapper.mapping, headers: [:]) }
            let short = Result { () throws(MappingError) in try Self.fast(fields, mapper: mapper, headers: [:]) }
            guard case .failure(let a) = long, case .failure(let b) = short else {
                Issue.record("\(line): \(long) against \(short)")
                continue
            }
            #expect(a == b)
            #expect(a.inputPath == path)
        }
        fields[2] = "1;2"
        var instants: [Timestamp?] = []
        var scratch: [UInt8] = []
        try mapper.forEachEvent(fields, headers: [:], scratch: &scratch) { _, _, instant in instants.append(instant) }
        #expect(instants == [Timestamp(rfc3339: "2026-12-01T08:00:00.500+01:00")])
        let events = try Self.fast(fields, mapper: mapper, headers: [:])
        #expect(events.map(\.envelope.time) == instants)
    }

    @Test("a mapping reads the headers exactly when some expression calls header()")
    func readsHeaders() throws {
        func reads(_ yaml: String) throws -> Bool { RowMapper(try MappingLoader.parse(yaml, name: "h.yml"), columns: Self.columns).readsHeaders }
        #expect(try !reads(Self.shipments))
        #expect(try !reads(Self.customers))
        var customers = try MappingLoader.parse(Self.customers, name: "customers.yml")
        customers.deliveryId = CSVInbox.fileDeliveryId
        #expect(RowMapper(customers, columns: Self.columns).readsHeaders)
        let rule = "  - type: o2c.customer.upserted\n    id: $.customer\n    data:\n"
        #expect(try reads("name: h\nevents:\n" + rule + "      customerId: coalesce($.name.first, upper(header('x-id')))\n"))
        let each =
            "      orderId: $.order\n      lines:\n        each: split($.line, ';')\n        as: n\n        when: header('x') == $n\n        value:\n          lineId: $n\n"
        #expect(try reads("name: h\nevents:\n  - type: o2c.shipment.confirmed\n    id: $.shipment\n    data:\n" + each))
        #expect(try reads("name: h\nskip: header('x-test') == 'yes'\nevents:\n" + rule + "      customerId: $.customer\n"))
        #expect(try !reads("name: h\nevents:\n" + rule + "      customerId: concat($.customer, 'header()')\n"))
    }

    @Test("a whole file maps as its rows map the general way; a bad row is named with its column")
    func wholeFile() throws {
        let mapping = try MappingLoader.parse(Self.shipments, name: "shipments.yml")
        let settings = CSVInbound(directory: "", mapping: mapping)
        var random = SplitMix64(seed: 7)
        var good: [[String]] = []
        while good.count < 500 {
            let fields = Self.row(&random)
            if (try? Self.general(fields, mapping: mapping, headers: [:])) != nil { good.append(fields) }
        }
        func file(_ rows: [[String]]) -> [UInt8] {
            func quoted(_ field: String) -> String {
                field.utf8.contains(where: { ",\"\r\n".utf8.contains($0) }) ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
            }
            return Array(([Self.columns] + rows).map { $0.map(quoted).joined(separator: ",") + "\r\n" }.joined().utf8)
        }
        let bytes = file(good)
        let items = try CSVInbox.map(bytes, name: "good.csv", settings: settings, system: SystemName("wms"))
        let expected = try good.flatMap { try Self.general($0, mapping: mapping, headers: [:]) }
        let events = items.compactMap { item -> InboundEvent? in if case .event(let e) = item { e } else { nil } }
        #expect(events.count == items.count && events.count == expected.count)
        #expect(zip(events, expected).allSatisfy(Self.same))

        var bad = good
        // A row that maps to an event (not skipped), its quantity made bad.
        var badRow = try #require(good.first { $0[7] != "skip" })
        badRow[3] = "x"  // quantity
        bad.insert(badRow, at: 250)
        #expect(throws: CSVTable.Problem.self) { try CSVInbox.map(file(bad), name: "bad.csv", settings: settings, system: SystemName("wms")) }
        do {
            _ = try CSVInbox.map(file(bad), name: "bad.csv", settings: settings, system: SystemName("wms"))
        } catch {
            let reason = try #require(Result { () throws(MappingError) in try Self.general(badRow, mapping: mapping, headers: [:]) }.failureValue)
            #expect(error == CSVTable.Problem(row: 252, column: 4, columnName: "quantity", message: reason.description))
        }
    }
}

extension Result {
    fileprivate var failureValue: Failure? {
        if case .failure(let error) = self { error } else { nil }
    }
}
