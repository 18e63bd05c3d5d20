import WaybillCore

/// A mapping compiled once for the rows of one table (a CSV file, by its header's column
/// names), mapping each row as `Mapper.inbound` maps the row's object `{column: text}` (an empty
/// cell null) — the same events, or the same error.
///
/// Each `$.column` (and `$['column']`) is resolved to the column's index once, with its input
/// path written once, so a row needs no object and no member search; function calls are resolved
/// to their function and arguments, `each`'s variables to the elements bound, and each object
/// key's JSON is written once, so that an event's data is written as JSON while it is rendered. Any other expression is evaluated as `Evaluator` evaluates it, over the
/// row's object, built only when an expression reads the row as a whole. When a row does not
/// map, the general mapper maps it again and its error is the one thrown: errors are exactly
/// the general mapper's.
public struct RowMapper: Sendable {
    public let mapping: Mapping
    public let columns: [String]
    let deliveryId: CompiledRule?
    let skip: CompiledRule?
    let events: [CompiledEventRule]
    /// Some expression reads the row other than by a column (`$`, `$[0]`, `$.a.b` …).
    let readsRow: Bool
    /// Some expression is evaluated by `Evaluator`, which reads `each`'s variables from the scope.
    let scopeVariables: Bool
    /// Some expression calls `header()`: without one, a row maps the same whatever the headers
    /// (so that a caller need not make them for each row).
    public let readsHeaders: Bool

    public init(_ mapping: Mapping, columns: [String]) {
        self.mapping = mapping
        self.columns = columns
        var readsRow = false
        var general = false
        var readsHeaders = false
        var index: [String: Int] = [:]
        for (i, name) in columns.enumerated() where index[name] == nil { index[name] = i }
        func compile(_ rule: Rule<Expression>) -> CompiledRule {
            rule.value.visit { if case .call("header", _) = $0 { readsHeaders = true } }
            return CompiledRule(value: Self.compile(rule.value, columns: index, readsRow: &readsRow, general: &general), location: rule.location)
        }
        func compile(_ template: Template) -> CompiledTemplate {
            switch template {
            case .constant(let value): return .constant(value)
            case .expression(let rule): return .expression(compile(rule))
            case .object(let fields):
                return .object(fields.map { CompiledTemplate.Field(key: $0.key, optional: $0.optional, value: compile($0.value)) })
            case .each(let source, let variable, let when, let value):
                return .each(source: compile(source), variable: variable, when: when.map(compile), value: compile(value))
            }
        }
        deliveryId = mapping.deliveryId.map(compile)
        skip = mapping.skip.map(compile)
        events = mapping.events.map { rule in
            CompiledEventRule(
                type: rule.type, when: rule.when.map(compile), id: rule.id.map(compile), subject: rule.subject.map(compile),
                time: rule.time.map(compile), data: compile(rule.data), location: rule.location)
        }
        self.readsRow = readsRow
        self.scopeVariables = general
        self.readsHeaders = readsHeaders
    }

    /// A row as the general mapper sees it: `{column: text}`, an empty cell null.
    public static func object(_ fields: [String], columns: [String]) -> JSONValue {
        var members: [(String, JSONValue)] = []
        members.reserveCapacity(columns.count)
        for (name, field) in zip(columns, fields) { members.append((name, field.isEmpty ? .null : .string(field))) }
        return .object(members)
    }

    /// What `Mapper(mapping).inbound(RowMapper.object(fields, columns: columns), headers: headers)` gives.
    ///
    /// - Parameter fields: the row's fields, as many as the columns.
    public func inbound(_ fields: [String], headers: [String: String] = [:]) throws(MappingError) -> Mapper.Inbound {
        do {
            var events: [MappedEvent] = []
            var scratch: [UInt8] = []
            let (deliveryId, skipped) = try compiledInbound(fields, headers: headers, scratch: &scratch) { event, _, _ in events.append(event) }
            return Mapper.Inbound(deliveryId: deliveryId, skipped: skipped, events: events)
        } catch {
            // The general mapper names the error (or, should it map the row, its events stand).
            return try Mapper(mapping).inbound(Self.object(fields, columns: columns), headers: headers)
        }
    }

    /// A mapped event with its data's JSON, `JSONWriter.bytes(event.data)`.
    public struct WrittenEvent: Sendable {
        public var event: MappedEvent
        public var data: [UInt8]
    }

    /// The events of `inbound(fields, headers: headers)`, each with its data's JSON, written as
    /// the data is rendered (each object key's JSON written once, when the mapping is compiled)
    /// instead of walking the data again.
    public func events(_ fields: [String], headers: [String: String] = [:]) throws(MappingError) -> [WrittenEvent] {
        do {
            var out: [WrittenEvent] = []
            var scratch: [UInt8] = []
            _ = try compiledInbound(fields, headers: headers, scratch: &scratch) { event, data, _ in
                out.append(WrittenEvent(event: event, data: data))
            }
            return out
        } catch {
            let events = try Mapper(mapping).inbound(Self.object(fields, columns: columns), headers: headers).events
            return events.map { WrittenEvent(event: $0, data: JSONWriter.bytes($0.data)) }
        }
    }

    /// The events of `events(fields, headers: headers)` handed to `emit` one by one, each with
    /// its data's JSON written into `scratch` (kept from row to row, so that a row allocates no
    /// buffer for it), without a list of them, and with its time's instant when the mapping's
    /// `timestamp()` parsed it (`Timestamp(rfc3339: event.time)`, for `MappedEvent.envelope`).
    ///
    /// When this throws, events already handed to `emit` stay handed, and the error need not be
    /// the general mapper's: the caller undoes what `emit` did and maps the row with `events`,
    /// which names the error. An error `emit` throws comes out as it is.
    public func forEachEvent(
        _ fields: [String], headers: [String: String], scratch: inout [UInt8], _ emit: (MappedEvent, [UInt8], Timestamp?) throws(MappingError) -> Void
    ) throws(MappingError) {
        _ = try compiledInbound(fields, headers: headers, scratch: &scratch, emit: emit)
    }

    /// The row mapped: its delivery id and whether it is skipped; each event, with its data's
    /// JSON (written into `scratch`), handed to `emit`.
    func compiledInbound(
        _ fields: [String], headers: [String: String], scratch: inout [UInt8], emit: (MappedEvent, [UInt8], Timestamp?) throws(MappingError) -> Void
    ) throws(MappingError) -> (deliveryId: String?, skipped: Bool) {
        let row = Row(fields: fields, scopeVariables: scopeVariables)
        let scope = Scope(root: readsRow ? Self.object(fields, columns: columns) : .null, headers: headers, maps: mapping.maps)
        let deliveryId = try self.deliveryId.map { rule throws(MappingError) in try Self.text(rule, row, scope) }
        if let skip, try Self.condition(skip, row, scope) {
            return (deliveryId, true)
        }
        for (index, rule) in self.events.enumerated() {
            if let when = rule.when, !(try Self.condition(when, row, scope)) { continue }
            let id: String
            if let idRule = rule.id {
                id = try Self.text(idRule, row, scope)
            } else if let deliveryId {
                id = "\(deliveryId)#\(index + 1)"
            } else {
                throw MappingError(.syntax, "the rule has no id: and the mapping no deliveryId: to derive one from", rule: rule.location)
            }
            let subject = try rule.subject.map { r throws(MappingError) in try Self.text(r, row, scope) }
            var time: String?
            var instant: Timestamp?
            if let r = rule.time { (time, instant) = try Self.time(r, row, scope) }
            scratch.removeAll(keepingCapacity: true)
            scratch.reserveCapacity(rule.dataSize)
            let data = try Self.render(rule.data, row, scope, into: &scratch)
            try emit(MappedEvent(type: rule.type, id: id, subject: subject, time: time, data: data), scratch, instant)
        }
        return (deliveryId, false)
    }

    // MARK: Compiling

    static func compile(_ expression: Expression, columns: [String: Int], readsRow: inout Bool, general: inout Bool) -> Compiled {
        switch expression {
        case .member(.root(nil), let name), .index(.root(nil), .literal(.string(let name))):
            let path = "$." + name
            guard let index = columns[name] else { return .absent(path: path) }
            return .column(index, path: path)
        case .literal(let value):
            return .literal(value)
        case .root(let name?):
            return .variable(name)
        case .call(let name, let arguments) where !arguments.isEmpty && Functions.Name(rawValue: name) != nil:
            return .call(Functions.Name(rawValue: name)!, arguments.map { compile($0, columns: columns, readsRow: &readsRow, general: &general) })
        default:
            expression.visit { if case .root(nil) = $0 { readsRow = true } }
            general = true
            return .general(expression)
        }
    }

    // MARK: Evaluation, as `Mapper` and `Evaluator` evaluate

    struct Row {
        var fields: [String]
        /// Also bind `each`'s variables in the scope (for `Evaluator`).
        var scopeVariables: Bool
        /// The variable the innermost `each` bound.
        var variable: (name: String, value: Value)?
        /// The variables bound by the `each`s around it, innermost last.
        var outer: [(name: String, value: Value)] = []
    }

    static func evaluate(_ compiled: Compiled, _ row: Row, _ scope: Scope) throws(MappingError) -> Value {
        switch compiled {
        case .column(let index, let path):
            let field = row.fields[index]
            return Value(field.isEmpty ? .null : .string(field), path: path)
        case .absent(let path):
            return Value(nil, path: path)
        case .literal(let value):
            return Value(value, path: nil)
        case .variable(let name):
            if let variable = row.variable, variable.name == name { return variable.value }
            for i in row.outer.indices.reversed() where row.outer[i].name == name { return row.outer[i].value }
            return try Evaluator.evaluate(.root(name), in: scope)
        case .general(let expression):
            return try Evaluator.evaluate(expression, in: scope)
        case .call(let name, let arguments):
            switch name {
            case .if:
                return try Evaluator.truth(evaluate(arguments[0], row, scope))
                    ? evaluate(arguments[1], row, scope) : evaluate(arguments[2], row, scope)
            case .coalesce:
                var last = Value(nil, path: nil)
                for argument in arguments {
                    last = try evaluate(argument, row, scope)
                    if !last.isAbsent { return last }
                }
                return Value(nil, path: last.path)
            case .concat:
                // As `Functions.apply` joins them (a row that does not map is mapped again the
                // general way, which names the error).
                var out = ""
                for argument in arguments {
                    let value = try evaluate(argument, row, scope)
                    guard let piece = try Functions.text(value) else {
                        throw MappingError(.missingValue, "concat() has nothing to join at an argument", inputPath: value.path)
                    }
                    out += piece
                }
                return Value(.string(out), path: nil)
            case .split where arguments.count == 2:
                let text = try evaluate(arguments[0], row, scope)
                let separator = try evaluate(arguments[1], row, scope)
                return Value(.array(Functions.splitValues(try Functions.string(text), by: try Functions.string(separator))), path: text.path)
            default: break
            }
            let first = try evaluate(arguments[0], row, scope)
            var rest: [Value] = []
            if arguments.count > 1 {
                rest.reserveCapacity(arguments.count - 1)
                for argument in arguments.dropFirst() { rest.append(try evaluate(argument, row, scope)) }
            }
            return try Functions.apply(name, first, rest, in: scope)
        }
    }

    static func evaluate(_ rule: CompiledRule, _ row: Row, _ scope: Scope) throws(MappingError) -> Value {
        do { return try evaluate(rule.value, row, scope) } catch { throw error.at(rule: rule.location) }
    }

    static func condition(_ rule: CompiledRule, _ row: Row, _ scope: Scope) throws(MappingError) -> Bool {
        do { return try Evaluator.truth(try evaluate(rule.value, row, scope)) } catch { throw error.at(rule: rule.location) }
    }

    static func text(_ rule: CompiledRule, _ row: Row, _ scope: Scope) throws(MappingError) -> String {
        if let index = rule.column, !row.fields[index].isEmpty { return row.fields[index] }
        let value = try evaluate(rule, row, scope)
        let text: String?
        do { text = try Functions.text(value) } catch { throw error.at(rule: rule.location) }
        guard let text else { throw MappingError(.missingValue, "the payload has no value here", rule: rule.location, inputPath: value.path) }
        return text
    }

    /// `text(rule, row, scope)` of an event's `time:`, with the instant when the rule is
    /// `timestamp(…)` of a text it parses (the text is that instant's), so that the event's
    /// envelope does not parse it again. Anything else is `text` as it is (an error too).
    static func time(_ rule: CompiledRule, _ row: Row, _ scope: Scope) throws(MappingError) -> (String, Timestamp?) {
        if case .call(.timestamp, let arguments) = rule.value, arguments.count == 1,
            let argument = try? evaluate(arguments[0], row, scope),
            case (let value, let instant?)? = try? Functions.timestamp(argument), case .string(let text)? = value.json
        {
            return (text, instant)
        }
        return (try text(rule, row, scope), nil)
    }

    /// The value `template` renders to, its JSON (as `JSONWriter` writes it) appended to `out`.
    static func render(_ template: CompiledTemplate, _ row: Row, _ scope: Scope, into out: inout [UInt8]) throws(MappingError) -> JSONValue {
        switch template {
        case .constant(let value):
            JSONWriter.write(value, into: &out)
            return value
        case .expression(let rule):
            if let index = rule.column, !row.fields[index].isEmpty {
                JSONWriter.writeString(row.fields[index], into: &out)
                return .string(row.fields[index])
            }
            let json = try Mapper.required(try evaluate(rule, row, scope), at: rule.location)
            JSONWriter.write(json, into: &out)
            return json
        case .object(let fields):
            var members: [(String, JSONValue)] = []
            members.reserveCapacity(fields.count)
            out.append(UInt8(ascii: "{"))
            for field in fields {
                if let index = field.column {
                    // A column: its text; an empty cell nothing (optional) or the error (required).
                    if !row.fields[index].isEmpty {
                        if !members.isEmpty { out.append(UInt8(ascii: ",")) }
                        out.append(contentsOf: field.keyJSON)
                        JSONWriter.writeString(row.fields[index], into: &out)
                        members.append((field.key, .string(row.fields[index])))
                        continue
                    }
                    if field.optional { continue }
                }
                if field.optional, case .expression(let rule) = field.value {
                    let value = try evaluate(rule, row, scope)
                    if let json = value.json, json != .null {
                        if !members.isEmpty { out.append(UInt8(ascii: ",")) }
                        out.append(contentsOf: field.keyJSON)
                        JSONWriter.write(json, into: &out)
                        members.append((field.key, json))
                    }
                    continue
                }
                if !members.isEmpty { out.append(UInt8(ascii: ",")) }
                out.append(contentsOf: field.keyJSON)
                members.append((field.key, try render(field.value, row, scope, into: &out)))
            }
            out.append(UInt8(ascii: "}"))
            return .object(members)
        case .each(let source, let variable, let when, let value):
            let list = try evaluate(source, row, scope)
            let items: [JSONValue]
            do { items = try Functions.array(list) } catch { throw error.at(rule: source.location) }
            var rendered: [JSONValue] = []
            rendered.reserveCapacity(items.count)
            var inner = scope
            var bound = row
            if let outer = bound.variable { bound.outer.append(outer) }
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                let element = Value(item, path: list.path, index: i)
                bound.variable = (variable, element)
                if row.scopeVariables { inner.variables[variable] = element }
                if let when, !(try condition(when, bound, inner)) { continue }
                if !rendered.isEmpty { out.append(UInt8(ascii: ",")) }
                rendered.append(try render(value, bound, inner, into: &out))
            }
            out.append(UInt8(ascii: "]"))
            return .array(rendered)
        }
    }

}

/// An expression with its `$.column` resolved to the column.
indirect enum Compiled: Sendable {
    /// `$.name` of a column: its text, null when empty.
    case column(Int, path: String)
    /// `$.name` of no column: absent.
    case absent(path: String)
    case literal(JSONValue)
    /// `$name`, bound by `each`.
    case variable(String)
    case call(Functions.Name, [Compiled])
    /// Evaluated by `Evaluator`.
    case general(Expression)
}

/// Classes, not structs, so that walking the compiled mapping for each row retains one
/// reference per rule instead of each of its members.
final class CompiledRule: Sendable {
    let value: Compiled
    let location: String
    /// The column's index when the rule reads one column (`$.name`), so that a row's cell is
    /// read without taking the expression apart.
    let column: Int?

    init(value: Compiled, location: String) {
        self.value = value
        self.location = location
        if case .column(let index, _) = value { column = index } else { column = nil }
    }
}

final class CompiledEventRule: Sendable {
    let type: EventType
    let when: CompiledRule?
    let id: CompiledRule?
    let subject: CompiledRule?
    let time: CompiledRule?
    let data: CompiledTemplate
    let location: String
    /// The bytes reserved for the data's JSON (grown when needed).
    let dataSize = 256

    init(
        type: EventType, when: CompiledRule?, id: CompiledRule?, subject: CompiledRule?, time: CompiledRule?, data: CompiledTemplate,
        location: String
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

indirect enum CompiledTemplate: Sendable {
    case expression(CompiledRule)
    case constant(JSONValue)
    case object([Field])
    case each(source: CompiledRule, variable: String, when: CompiledRule?, value: CompiledTemplate)

    final class Field: Sendable {
        let key: String
        /// `"key":`, as `JSONWriter` writes it.
        let keyJSON: [UInt8]
        let optional: Bool
        let value: CompiledTemplate
        /// The column's index when the field is one column (`key: $.name`).
        let column: Int?

        init(key: String, optional: Bool, value: CompiledTemplate) {
            self.key = key
            var keyJSON: [UInt8] = []
            JSONWriter.writeString(key, into: &keyJSON)
            keyJSON.append(UInt8(ascii: ":"))
            self.keyJSON = keyJSON
            self.optional = optional
            self.value = value
            if case .expression(let rule) = value { column = rule.column } else { column = nil }
        }
    }
}
