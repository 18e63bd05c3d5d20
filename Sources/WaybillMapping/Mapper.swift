import WaybillCore

/// Runs a mapping over one payload.
public struct Mapper: Sendable {
    public let mapping: Mapping

    public init(_ mapping: Mapping) { self.mapping = mapping }

    /// What one inbound payload became.
    public struct Inbound: Sendable, Equatable {
        /// The payload's own delivery id, when the mapping names one.
        public var deliveryId: String?
        /// True when the mapping's `skip` held: nothing to ingest.
        public var skipped: Bool
        public var events: [MappedEvent]
    }

    /// Maps an inbound payload to canonical events.
    ///
    /// - Parameters:
    ///   - headers: request headers, names in lower case.
    ///   - lookup: the hub's cross-references (sender's id → canonical), if the mapping uses them.
    /// - Throws: `MappingError` naming the rule and the input path.
    public func inbound(
        _ payload: JSONValue, headers: [String: String] = [:], lookup: ((String, String) -> String?)? = nil
    ) throws(MappingError)
        -> Inbound
    {
        let scope = Scope(root: payload, headers: headers, maps: mapping.maps, lookup: lookup)
        let deliveryId = try mapping.deliveryId.map { rule throws(MappingError) in try Self.text(rule, in: scope) }
        if let skip = mapping.skip, try Self.condition(skip, in: scope) {
            return Inbound(deliveryId: deliveryId, skipped: true, events: [])
        }
        var events: [MappedEvent] = []
        for (index, rule) in mapping.events.enumerated() {
            if let when = rule.when, !(try Self.condition(when, in: scope)) { continue }
            let id: String
            if let idRule = rule.id {
                id = try Self.text(idRule, in: scope)
            } else if let deliveryId {
                id = "\(deliveryId)#\(index + 1)"
            } else {
                throw MappingError(.syntax, "the rule has no id: and the mapping no deliveryId: to derive one from", rule: rule.location)
            }
            let subject = try rule.subject.map { r throws(MappingError) in try Self.text(r, in: scope) }
            let time = try rule.time.map { r throws(MappingError) in try Self.text(r, in: scope) }
            let data = try Self.render(rule.data, in: scope)
            events.append(MappedEvent(type: rule.type, id: id, subject: subject, time: time, data: data))
        }
        return Inbound(deliveryId: deliveryId, skipped: false, events: events)
    }

    /// The data of the first event rule whose `when` holds, rendered from `payload` — a system's
    /// answer to a call the hub made (a validation), where the hub supplies the envelope.
    ///
    /// - Throws: `MappingError` naming the rule and the input path; `.missingValue` when no rule applies.
    public func answer(_ payload: JSONValue) throws(MappingError) -> JSONValue {
        let scope = Scope(root: payload, maps: mapping.maps)
        for rule in mapping.events {
            if let when = rule.when, !(try Self.condition(when, in: scope)) { continue }
            return try Self.render(rule.data, in: scope)
        }
        throw MappingError(.missingValue, "no rule of the mapping applies to the answer")
    }

    /// The payload's own delivery id (its `deliveryId` rule), or nil when the mapping names none
    /// or the payload lacks it.
    public func deliveryId(_ payload: JSONValue, headers: [String: String]) -> String? {
        guard let rule = mapping.deliveryId else { return nil }
        return try? Self.text(rule, in: Scope(root: payload, headers: headers, maps: mapping.maps))
    }

    /// The subscriber's body for a canonical event (the CloudEvent as delivered), or nil when the
    /// mapping has no outbound rule for its type (the canonical event goes as it is).
    public func outbound(_ event: JSONValue, type: EventType, lookup: ((String, String) -> String?)? = nil) throws(MappingError) -> JSONValue? {
        guard let template = mapping.outbound[type] else { return nil }
        return try Self.render(template, in: Scope(root: event, maps: mapping.maps, lookup: lookup))
    }

    // MARK: Evaluation

    static func evaluate(_ rule: Rule<Expression>, in scope: Scope) throws(MappingError) -> Value {
        do { return try Evaluator.evaluate(rule.value, in: scope) } catch { throw error.at(rule: rule.location) }
    }

    static func condition(_ rule: Rule<Expression>, in scope: Scope) throws(MappingError) -> Bool {
        do { return try Evaluator.truth(try Evaluator.evaluate(rule.value, in: scope)) } catch { throw error.at(rule: rule.location) }
    }

    /// A required text value.
    static func text(_ rule: Rule<Expression>, in scope: Scope) throws(MappingError) -> String {
        let value = try evaluate(rule, in: scope)
        let text: String?
        do { text = try Functions.text(value) } catch { throw error.at(rule: rule.location) }
        guard let text else { throw MappingError(.missingValue, "the payload has no value here", rule: rule.location, inputPath: value.path) }
        return text
    }

    /// A required field's value, or an error naming its rule and the input path it read.
    static func required(_ value: Value, at location: String) throws(MappingError) -> JSONValue {
        guard let json = value.json, json != .null else {
            throw MappingError(.missingValue, "the payload has no value for a required field", rule: location, inputPath: value.path)
        }
        return json
    }

    /// Renders a template; a required field whose value is absent is an error naming its rule
    /// and the input path it read.
    static func render(_ template: Template, in scope: Scope) throws(MappingError) -> JSONValue {
        switch template {
        case .constant(let value):
            return value
        case .expression(let rule):
            return try Mapper.required(try evaluate(rule, in: scope), at: rule.location)
        case .object(let fields):
            var members: [(String, JSONValue)] = []
            members.reserveCapacity(fields.count)
            for field in fields {
                if field.optional, case .expression(let rule) = field.value {
                    let value = try evaluate(rule, in: scope)
                    if let json = value.json, json != .null { members.append((field.key, json)) }
                    continue
                }
                members.append((field.key, try render(field.value, in: scope)))
            }
            return .object(members)
        case .each(let source, let variable, let when, let value):
            let list = try evaluate(source, in: scope)
            let items: [JSONValue]
            do { items = try Functions.array(list) } catch { throw error.at(rule: source.location) }
            var out: [JSONValue] = []
            out.reserveCapacity(items.count)
            var inner = scope
            for (i, item) in items.enumerated() {
                inner.variables[variable] = Value(item, path: list.path.map { "\($0)[\(i)]" })
                if let when, !(try condition(when, in: inner)) { continue }
                out.append(try render(value, in: inner))
            }
            return .array(out)
        }
    }
}
