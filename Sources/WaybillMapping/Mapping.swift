import WaybillCore

/// One mapping: how a system's own payloads become canonical events (inbound), and how canonical
/// events become the system's payloads (outbound). Loaded from YAML by `MappingLoader`; a pack is
/// a mapping shipped in the binary.
///
/// ```yaml
/// deliveryId: header('x-shopify-webhook-id')
/// skip: $.test == true
/// maps: { topics: { orders/create: placed } }
/// events:
///   - type: o2c.order.placed
///     when: header('x-shopify-topic') == 'orders/create'
///     id: concat('shopify-order-', text($.id))
///     data:
///       orderId: concat('SHOP-', text($.order_number))
///       lines: { each: $.line_items, as: item, value: { lineId: text($item.id), sku: $item.sku, quantity: $item.quantity } }
/// ```
public struct Mapping: Sendable, Equatable {
    /// The file or pack it came from.
    public var name: String
    public var maps: [String: ValueMap]
    /// The payload's own delivery id (idempotency across retries of the same webhook).
    public var deliveryId: Rule<Expression>?
    /// When true, the payload is acknowledged and maps to nothing (a test order).
    public var skip: Rule<Expression>?
    public var events: [EventRule]
    /// The body sent to a subscriber for each canonical type (outbound).
    public var outbound: [EventType: Template]

    public init(
        name: String, maps: [String: ValueMap] = [:], deliveryId: Rule<Expression>? = nil, skip: Rule<Expression>? = nil, events: [EventRule] = [],
        outbound: [EventType: Template] = [:]
    ) {
        self.name = name
        self.maps = maps
        self.deliveryId = deliveryId
        self.skip = skip
        self.events = events
        self.outbound = outbound
    }
}

/// Something read from a mapping file, with where: `file:line path`.
public struct Rule<Value: Sendable & Equatable>: Sendable, Equatable {
    public var value: Value
    public var location: String

    public init(_ value: Value, at location: String) {
        self.value = value
        self.location = location
    }
}

/// One canonical event a payload may become.
public struct EventRule: Sendable, Equatable {
    public var type: EventType
    public var when: Rule<Expression>?
    /// The event's id; default: the payload's delivery id and the rule's position.
    public var id: Rule<Expression>?
    public var subject: Rule<Expression>?
    public var time: Rule<Expression>?
    public var data: Template
    public var location: String

    public init(
        type: EventType, when: Rule<Expression>? = nil, id: Rule<Expression>? = nil, subject: Rule<Expression>? = nil, time: Rule<Expression>? = nil,
        data: Template, location: String
    ) {
        self.type = type
        self.when = when
        self.id = id
        self.subject = subject
        self.time = time
        self.data = data
        self.location = location
    }
}

/// The shape of an output value: an expression, a constant, an object of fields (a field whose
/// key ends in `?` is left out when its value is absent; the others are required), or a list
/// made from each element of an input list.
public indirect enum Template: Sendable, Equatable {
    case expression(Rule<Expression>)
    case constant(JSONValue)
    case object([Field])
    /// `{ each: EXPR, as: NAME, when: EXPR?, value: TEMPLATE }`.
    case each(source: Rule<Expression>, variable: String, when: Rule<Expression>?, value: Template)

    public struct Field: Sendable, Equatable {
        public var key: String
        public var optional: Bool
        public var value: Template

        public init(key: String, optional: Bool, value: Template) {
            self.key = key
            self.optional = optional
            self.value = value
        }
    }

    /// Every expression in the template, with where it is.
    public var expressions: [Rule<Expression>] {
        switch self {
        case .expression(let rule): return [rule]
        case .constant: return []
        case .object(let fields): return fields.flatMap(\.value.expressions)
        case .each(let source, _, let when, let value): return [source] + (when.map { [$0] } ?? []) + value.expressions
        }
    }
}

/// A canonical event a mapping produced, before the hub ingests it.
public struct MappedEvent: Sendable, Equatable {
    public var type: EventType
    public var id: String
    public var subject: String?
    public var time: String?
    public var data: JSONValue

    /// The CloudEvent of `source` (`/systems/<name>`).
    public func cloudEvent(source: String) -> JSONValue {
        .members([
            ("specversion", .string("1.0")), ("id", .string(id)), ("source", .string(source)), ("type", .string(type.rawValue)),
            ("subject", subject.map(JSONValue.string)), ("time", time.map(JSONValue.string)), ("datacontenttype", .string("application/json")),
            ("data", data),
        ])
    }

    /// `JSONWriter.bytes(cloudEvent(source: source))`, written without building the envelope.
    public func cloudEventBytes(source: String) -> [UInt8] {
        cloudEventBytes(source: source, data: JSONWriter.bytes(data))
    }

    /// `cloudEventBytes(source: source)` of an event whose data's JSON, `JSONWriter.bytes(data)`,
    /// is already written.
    public func cloudEventBytes(source: String, data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(
            128 + id.utf8.count + source.utf8.count + type.rawValue.utf8.count + (subject?.utf8.count ?? 0) + (time?.utf8.count ?? 0) + data.count)
        out.append(contentsOf: #"{"specversion":"1.0","id":"#.utf8)
        JSONWriter.writeString(id, into: &out)
        out.append(contentsOf: #","source":"#.utf8)
        JSONWriter.writeString(source, into: &out)
        out.append(contentsOf: #","type":"#.utf8)
        JSONWriter.writeString(type.rawValue, into: &out)
        if let subject {
            out.append(contentsOf: #","subject":"#.utf8)
            JSONWriter.writeString(subject, into: &out)
        }
        if let time {
            out.append(contentsOf: #","time":"#.utf8)
            JSONWriter.writeString(time, into: &out)
        }
        out.append(contentsOf: #","datacontenttype":"application/json","data":"#.utf8)
        out.append(contentsOf: data)
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// What `CloudEvent.decode(cloudEvent(source: source))` reads, made from the parts; nil when
    /// that decoding would refuse it (an empty id, source or subject, a time that is not RFC
    /// 3339, data that is not an object), so that the caller decodes it to learn why.
    ///
    /// - Parameter parsedTime: `Timestamp(rfc3339: time)` when the caller has it already (the
    ///   mapping's `timestamp()` parsed it), so that it is not parsed again.
    public func envelope(source: String, parsedTime: Timestamp? = nil) -> CloudEvent? {
        guard !id.isEmpty, !source.isEmpty, subject?.isEmpty != true, case .object = data else { return nil }
        var instant: Timestamp?
        if let time {
            guard let t = parsedTime ?? Timestamp(rfc3339: time) else { return nil }
            instant = t
        }
        return CloudEvent(id: id, source: source, type: type, subject: subject, time: instant, traceparent: nil, data: data)
    }
}

extension Mapping {
    /// This mapping (a pack) with `own`'s rules laid over it: value maps and outbound bodies by
    /// name, `deliveryId` and `skip` when given, and each event rule of a type `own` also maps
    /// field by field (its `when`, `id`, `subject`, `time` when given, and its data's top-level
    /// fields, which replace or add to the pack's). Rules of types the pack lacks are added.
    public func overriding(with own: Mapping) -> Mapping {
        var merged = self
        merged.name = "\(name) + \(own.name)"
        merged.maps.merge(own.maps) { _, mine in mine }
        merged.outbound.merge(own.outbound) { _, mine in mine }
        merged.deliveryId = own.deliveryId ?? deliveryId
        merged.skip = own.skip ?? skip
        for rule in own.events {
            guard let index = merged.events.firstIndex(where: { $0.type == rule.type }) else {
                merged.events.append(rule)
                continue
            }
            var base = merged.events[index]
            base.when = rule.when ?? base.when
            base.id = rule.id ?? base.id
            base.subject = rule.subject ?? base.subject
            base.time = rule.time ?? base.time
            if case .object(var fields) = base.data, case .object(let mine) = rule.data {
                for field in mine {
                    if let i = fields.firstIndex(where: { $0.key == field.key }) { fields[i] = field } else { fields.append(field) }
                }
                base.data = .object(fields)
            } else {
                base.data = rule.data
            }
            base.location = rule.location
            merged.events[index] = base
        }
        return merged
    }
}
