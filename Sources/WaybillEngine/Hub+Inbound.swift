import WaybillCore
import WaybillMapping
import WaybillStore

/// What a system's own payload came to.
public struct NativeReceipt: Sendable {
    /// One result per mapped event, as for `POST /v1/events`.
    public var results: [EventResult]
    /// The mapping's `skip` held (a test order): nothing was ingested.
    public var skipped: Bool
    public var deliveryId: String?
}

/// A payload the system's mapping could not map: kept (`kept` is its id) with a `mapping`
/// exception for support, so that it is reprocessed once the mapping or master data is fixed.
public struct UnmappedPayload: Error, Sendable {
    public var error: MappingError
    public var kept: Int64
}

extension Hub {
    /// Maps and ingests a system's own payload (its webhook body), already authenticated by the
    /// caller. Idempotent by the events' ids, which the mapping derives from the payload (and its
    /// delivery id): the same webhook twice is `duplicate` the second time.
    ///
    /// An XML body (`Content-Type: …xml`) is read as JSON first (`XMLInput`): a SOAP envelope's
    /// Body content, or the whole document.
    ///
    /// - Throws: `UnmappedPayload` when the mapping cannot map it (nothing ingested, the payload
    ///   kept); `WaybillError` when the body is not JSON (or XML) or the system takes no native payloads.
    public func receive(native body: [UInt8], from system: SystemName, headers: [String: String]) async throws -> NativeReceipt {
        guard let settings = landscape.systems[system]?.inbound else {
            throw WaybillError(.unknownPartner, "\(system) takes no payloads of its own (no inbound: mapping or pack in the configuration)")
        }
        let payload: JSONValue
        if headers["content-type"]?.lowercased().contains("xml") == true {
            // XML and SOAP posts map like JSON: a SOAP envelope's Body content, or the document.
            do { payload = try XMLInput.soapContent(body) } catch { throw WaybillError(.invalidPayload, "\(error.message)", at: "$") }
        } else {
            do { payload = try JSONParser.parse(body) } catch { throw WaybillError(.invalidJSON, "the body is not JSON: \(error)", at: "$") }
        }
        let mapped: (deliveryId: String?, skipped: Bool, items: [IngestItem])
        do {
            mapped = try Self.map(payload, mapping: settings.mapping, system: system, headers: headers)
        } catch {
            let deliveryId = Mapper(settings.mapping).deliveryId(payload, headers: headers)
            throw UnmappedPayload(error: error, kept: try await keep(body, error: error, system: system, deliveryId: deliveryId, headers: headers))
        }
        guard !mapped.skipped else { return NativeReceipt(results: [], skipped: true, deliveryId: mapped.deliveryId) }
        let results = mapped.items.isEmpty ? [] : try await ingest(mapped.items)
        return NativeReceipt(results: results, skipped: false, deliveryId: mapped.deliveryId)
    }

    /// The canonical events of a payload, checked against the catalog and the system's `publishes`.
    static func map(
        _ payload: JSONValue, mapping: Mapping, system: SystemName, headers: [String: String]
    ) throws(MappingError) -> (
        deliveryId: String?, skipped: Bool, items: [IngestItem]
    ) {
        var items: [IngestItem] = []
        let result = try map(payload, mapping: mapping, system: system, headers: headers, into: &items)
        return (result.deliveryId, result.skipped, items)
    }

    /// `map(_:mapping:system:headers:)` appending the events to `items` (a file's rows, one
    /// after another).
    static func map(
        _ payload: JSONValue, mapping: Mapping, system: SystemName, headers: [String: String], into items: inout [IngestItem]
    ) throws(MappingError) -> (deliveryId: String?, skipped: Bool) {
        let result = try Mapper(mapping).inbound(payload, headers: headers)
        try append(result.events, mapping: mapping, system: system, into: &items)
        return (result.deliveryId, result.skipped)
    }

    /// A mapping's events (of one payload) checked as canonical events and appended to `items`.
    static func append(_ events: [MappedEvent], mapping: Mapping, system: SystemName, into items: inout [IngestItem]) throws(MappingError) {
        let source = system.source
        for (index, event) in events.enumerated() {
            do {
                items.append(.event(try canonical(event, source: source)))
            } catch {
                let rule = mapping.events.first { $0.type == event.type }?.location ?? "\(mapping.name) events"
                throw MappingError(
                    .invalidEvent, "mapped event \(index + 1) (\(event.type.rawValue)) is not a valid canonical event: \(error)", rule: rule)
            }
        }
    }

    /// `append` of events written with their data's JSON (`RowMapper.events`): each event's bytes
    /// made from its parts and that JSON.
    static func append(_ events: [RowMapper.WrittenEvent], mapping: Mapping, system: SystemName, into items: inout [IngestItem]) throws(MappingError) {
        let source = system.source
        for (index, written) in events.enumerated() {
            do {
                items.append(.event(try canonical(written.event, source: source, data: written.data)))
            } catch {
                let rule = mapping.events.first { $0.type == written.event.type }?.location ?? "\(mapping.name) events"
                throw MappingError(
                    .invalidEvent, "mapped event \(index + 1) (\(written.event.type.rawValue)) is not a valid canonical event: \(error)", rule: rule)
            }
        }
    }

    /// One row of a file (`mapper`'s columns) mapped and its events checked as canonical events,
    /// appended to `items`: what `append(mapper.events(fields, headers: headers), …)` appends, or
    /// its error. Each event is made as it is mapped, its data's JSON written into `scratch`
    /// (reused from row to row) and copied once into its CloudEvent bytes; when anything in
    /// the row fails, what the row appended is taken back and the row is mapped again that way,
    /// which names the error (`CSVFastPathTests` holds the two to the same events or error).
    static func appendRow(
        _ fields: [String], mapper: RowMapper, headers: [String: String], system: SystemName, source: String, scratch: inout [UInt8],
        into items: inout [IngestItem]
    ) throws(MappingError) {
        let start = items.count
        do {
            try mapper.forEachEvent(fields, headers: headers, scratch: &scratch) { event, data, time throws(MappingError) in
                guard let envelope = event.envelope(source: source, parsedTime: time),
                    let decoded = try? InboundEvent.decode(envelope: envelope, raw: event.cloudEventBytes(source: source, data: data))
                else { throw MappingError(.invalidEvent, "decoded the long way", rule: "") }
                items.append(.event(decoded))
            }
        } catch {
            items.removeSubrange(start...)
            try append(mapper.events(fields, headers: headers), mapping: mapper.mapping, system: system, into: &items)
        }
    }

    /// `canonical(event, source: source)` of an event whose data's JSON is written already.
    static func canonical(_ event: MappedEvent, source: String, data: [UInt8]) throws(WaybillError) -> InboundEvent {
        if let envelope = event.envelope(source: source),
            let decoded = try? InboundEvent.decode(envelope: envelope, raw: event.cloudEventBytes(source: source, data: data))
        {
            return decoded
        }
        return try canonical(event, source: source)
    }

    /// `InboundEvent.decode(event.cloudEvent(source:), raw: JSONWriter.bytes(event.cloudEvent(source:)))`:
    /// decoded from the value the mapping built (the very value `raw` is written from), not
    /// parsed back from the bytes. The envelope is made from the event's parts and `raw` written
    /// from them, without the envelope's JSON; an event that does not decode so is decoded the
    /// long way, which names what is wrong.
    static func canonical(_ event: MappedEvent, source: String) throws(WaybillError) -> InboundEvent {
        if let envelope = event.envelope(source: source),
            let decoded = try? InboundEvent.decode(envelope: envelope, raw: event.cloudEventBytes(source: source))
        {
            return decoded
        }
        let cloudEvent = event.cloudEvent(source: source)
        return try InboundEvent.decode(cloudEvent, raw: JSONWriter.bytes(cloudEvent))
    }

    /// Keeps a payload that could not be mapped, with a `mapping` exception naming the rule and
    /// the input path; a retry of the same delivery is kept once.
    func keep(_ body: [UInt8], error: MappingError, system: SystemName, deliveryId: String?, headers: [String: String]) async throws -> Int64 {
        let now = clock.now()
        return try await store.write { tx in
            let (id, isNew) = try tx.keep(
                KeptPayload(system: system, deliveryId: deliveryId, receivedAt: now, headers: headers, body: body, error: error.description))
            guard isNew else { return id }
            try tx.raise(
                NewException(
                    kind: .mapping, code: error.code.rawValue, key: RecordKey.keptPayload(id), eventSeq: nil,
                    message: "\(system) payload #\(id)\(deliveryId.map { " (delivery \($0))" } ?? "") could not be mapped: \(error)", raisedAt: now))
            return id
        }
    }

    /// Maps a kept payload again with the mapping now configured and ingests it; its exception
    /// is resolved by `actor` and the payload forgotten. Audited.
    ///
    /// - Throws: `UnmappedPayload` (with the same id) when it still cannot be mapped;
    ///   `WaybillError(.notRefused)` when there is no such payload.
    public func reprocess(payload id: Int64, by actor: String) async throws -> NativeReceipt {
        guard let kept = try await store.read({ try $0.keptPayload(id: id) }) else {
            throw WaybillError(.notRefused, "there is no kept payload #\(id)")
        }
        guard let settings = landscape.systems[kept.system]?.inbound else {
            throw WaybillError(.unknownPartner, "\(kept.system) takes no payloads of its own any more")
        }
        let mapped: (deliveryId: String?, skipped: Bool, items: [IngestItem])
        do {
            mapped = try Self.map(try JSONParser.parse(kept.body), mapping: settings.mapping, system: kept.system, headers: kept.headers)
        } catch let error as MappingError {
            throw UnmappedPayload(error: error, kept: id)
        }
        let results = mapped.skipped || mapped.items.isEmpty ? [] : try await ingest(mapped.items)
        let now = clock.now()
        try await store.write { tx in
            try tx.forgetPayload(id: id)
            for exception in try tx.exceptions(ExceptionFilter(status: .open, key: RecordKey.keptPayload(id))) {
                _ = try tx.resolveException(id: exception.id, at: now, by: actor)
            }
            try tx.audit(AuditEntry(at: now, actor: actor, action: "reprocess", target: "payload:\(id)", detail: "\(results.count) events"))
        }
        return NativeReceipt(results: results, skipped: mapped.skipped, deliveryId: mapped.deliveryId)
    }
}
