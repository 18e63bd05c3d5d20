import Foundation
import WaybillCore
import Yams

/// Reads mapping files (YAML). In a template a plain scalar is an expression (`$.currency`,
/// `concat('SO-', text($.id))`), a quoted scalar is text (`"USD"`), and numbers, booleans and
/// null are constants. Every problem is reported with file, line and rule path; a file with any
/// problem is refused as a whole.
public enum MappingLoader {
    /// Reads the mapping file at `path`; `name` is how errors name it (default: the path).
    public static func load(path: String, name: String? = nil) throws(MappingProblems) -> Mapping {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw MappingProblems([MappingError(.syntax, "cannot read \(path): \(error.localizedDescription)", rule: name ?? path)])
        }
        return try parse(text, name: name ?? path)
    }

    public static func parse(_ text: String, name: String) throws(MappingProblems) -> Mapping {
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch {
            throw MappingProblems([MappingError(.syntax, "not valid YAML: \(error)", rule: name)])
        }
        var reader = MappingReader(file: name)
        let mapping = reader.read(node)
        if !reader.problems.isEmpty { throw MappingProblems(reader.problems) }
        return mapping
    }
}

/// Every problem of a mapping file.
public struct MappingProblems: Error, Sendable, CustomStringConvertible {
    public let problems: [MappingError]
    public init(_ problems: [MappingError]) { self.problems = problems }
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

/// Walks a mapping file's YAML, collecting problems.
struct MappingReader {
    let file: String
    var problems: [MappingError] = []

    init(file: String) { self.file = file }

    func location(_ node: Node?, _ path: String) -> String {
        "\(file):\(node?.mark.map { String($0.line) } ?? "?") \(path)"
    }

    mutating func problem(_ node: Node?, _ path: String, _ message: String) {
        problems.append(MappingError(.syntax, message, rule: location(node, path)))
    }

    mutating func members(_ node: Node?, _ path: String, allowed: Set<String>?) -> [(String, Node, Node)] {
        guard let node else { return [] }
        guard case .mapping(let mapping) = node else {
            problem(node, path, "expected a mapping")
            return []
        }
        var out: [(String, Node, Node)] = []
        for (key, value) in mapping {
            guard let name = key.string else {
                problem(key, path, "keys must be text")
                continue
            }
            if let allowed, !allowed.contains(name) {
                problem(key, path, "unknown key '\(name)'; expected one of \(allowed.sorted().joined(separator: ", "))")
                continue
            }
            out.append((name, key, value))
        }
        return out
    }

    mutating func expression(_ node: Node, _ path: String) -> Rule<Expression>? {
        guard case .scalar(let scalar) = node else {
            problem(node, path, "expected an expression")
            return nil
        }
        do {
            return Rule(try ExpressionParser.parse(scalar.string), at: location(node, path))
        } catch {
            problems.append(error.at(rule: location(node, path)))
            return nil
        }
    }

    mutating func read(_ root: Node?) -> Mapping {
        var mapping = Mapping(name: file)
        var eventsNode: Node?
        var outboundNode: Node?
        for (key, keyNode, value) in members(root, "", allowed: ["name", "description", "deliveryId", "skip", "maps", "events", "outbound"]) {
            switch key {
            case "name": mapping.name = value.string ?? file
            case "description": break
            case "deliveryId": mapping.deliveryId = expression(value, key)
            case "skip": mapping.skip = expression(value, key)
            case "maps": mapping.maps = readMaps(value)
            case "events": eventsNode = value
            case "outbound": outboundNode = value
            default: problem(keyNode, key, "unknown key")
            }
        }
        if let eventsNode {
            guard case .sequence(let rules) = eventsNode else {
                problem(eventsNode, "events", "expected a list of event rules")
                return mapping
            }
            for (i, rule) in rules.enumerated() {
                if let event = readEvent(rule, "events[\(i)]") { mapping.events.append(event) }
            }
        }
        for (key, keyNode, value) in members(outboundNode, "outbound", allowed: nil) {
            guard let type = EventType(rawValue: key) else {
                problem(keyNode, "outbound.\(key)", "'\(key)' is not a canonical event type")
                continue
            }
            var body: Template?
            for (member, _, memberValue) in members(value, "outbound.\(key)", allowed: ["body"]) where member == "body" {
                body = template(memberValue, "outbound.\(key).body")
            }
            if let body { mapping.outbound[type] = body } else { problem(value, "outbound.\(key)", "needs a body:") }
        }
        checkNames(mapping)
        return mapping
    }

    mutating func readMaps(_ node: Node) -> [String: ValueMap] {
        var maps: [String: ValueMap] = [:]
        for (name, _, table) in members(node, "maps", allowed: nil) {
            var entries: ValueMap = [:]
            for (key, _, value) in members(table, "maps.\(name)", allowed: nil) {
                entries[key] = constant(value) ?? .string(value.string ?? "")
            }
            maps[name] = entries
        }
        return maps
    }

    mutating func readEvent(_ node: Node, _ path: String) -> EventRule? {
        var type: EventType?
        var when: Rule<Expression>?
        var id: Rule<Expression>?
        var subject: Rule<Expression>?
        var time: Rule<Expression>?
        var data: Template?
        for (key, _, value) in members(node, path, allowed: ["type", "when", "id", "subject", "time", "data"]) {
            switch key {
            case "type":
                guard let text = value.string, let t = EventType(rawValue: text) else {
                    problem(value, "\(path).type", "'\(value.string ?? "")' is not a canonical event type")
                    continue
                }
                guard !t.isHubOnly else {
                    problem(value, "\(path).type", "\(t.rawValue) is emitted by the hub; a system cannot send it")
                    continue
                }
                type = t
            case "when": when = expression(value, "\(path).when")
            case "id": id = expression(value, "\(path).id")
            case "subject": subject = expression(value, "\(path).subject")
            case "time": time = expression(value, "\(path).time")
            default: data = template(value, "\(path).data")
            }
        }
        guard let type else {
            if !problems.contains(where: { $0.rule?.hasSuffix("\(path).type") == true }) { problem(node, path, "an event rule needs a type:") }
            return nil
        }
        guard let data else {
            problem(node, path, "an event rule needs data:")
            return nil
        }
        checkFields(data, type: type, path: "\(path).data")
        return EventRule(type: type, when: when, id: id, subject: subject, time: time, data: data, location: location(node, path))
    }

    /// A YAML constant: numbers, booleans, null and quoted text; nil for a plain string (an expression).
    func constant(_ node: Node) -> JSONValue? {
        guard case .scalar(let scalar) = node else { return nil }
        if scalar.style == .singleQuoted || scalar.style == .doubleQuoted { return .string(scalar.string) }
        let text = scalar.string
        switch text {
        case "true": return .bool(true)
        case "false": return .bool(false)
        case "null", "~": return .null
        default: break
        }
        if let first = text.first, first.isNumber || (first == "-" && text.count > 1), Decimal(string: text) != nil,
            text.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" })
        {
            return .number(text)
        }
        return nil
    }

    mutating func template(_ node: Node, _ path: String) -> Template? {
        switch node {
        case .scalar:
            if let value = constant(node) { return .constant(value) }
            return expression(node, path).map(Template.expression)
        case .mapping(let mapping):
            if mapping.keys.contains(where: { $0.string == "each" }) {
                var source: Rule<Expression>?
                var variable = "item"
                var when: Rule<Expression>?
                var value: Template?
                for (key, _, member) in members(node, path, allowed: ["each", "as", "when", "value"]) {
                    switch key {
                    case "each": source = expression(member, "\(path).each")
                    case "as": variable = member.string ?? "item"
                    case "when": when = expression(member, "\(path).when")
                    default: value = template(member, "\(path).value")
                    }
                }
                guard let source, let value else {
                    problem(node, path, "each: needs a list expression and value:")
                    return nil
                }
                return .each(source: source, variable: variable, when: when, value: value)
            }
            var fields: [Template.Field] = []
            for (key, _, member) in members(node, path, allowed: nil) {
                let optional = key.hasSuffix("?")
                let name = optional ? String(key.dropLast()) : key
                if let value = template(member, "\(path).\(name)") { fields.append(Template.Field(key: name, optional: optional, value: value)) }
            }
            return .object(fields)
        case .sequence(let items):
            problem(items.first ?? node, path, "a list is made with { each: …, value: … }")
            return nil
        case .alias:
            problem(node, path, "YAML aliases are not supported in mappings")
            return nil
        }
    }

    /// Unknown canonical fields: the data's top-level keys must be fields of the type.
    mutating func checkFields(_ data: Template, type: EventType, path: String) {
        guard case .object(let fields) = data, let known = CanonicalFields.known[type] else { return }
        for field in fields where !known.contains(field.key) {
            problems.append(
                MappingError(
                    .syntax, "'\(field.key)' is not a field of \(type.rawValue) (its fields: \(known.sorted().joined(separator: ", ")))",
                    rule: field.value.expressions.first?.location ?? "\(file) \(path).\(field.key)"))
        }
    }

    /// Value maps named by `map()` exist; variables are bound by an enclosing `each`.
    mutating func checkNames(_ mapping: Mapping) {
        var templates: [(Template, Set<String>)] = mapping.events.map { ($0.data, []) } + mapping.outbound.values.map { ($0, []) }
        var rules: [Rule<Expression>] = mapping.events.flatMap { [$0.when, $0.id, $0.subject, $0.time].compactMap { $0 } }
        rules += [mapping.deliveryId, mapping.skip].compactMap { $0 }
        for rule in rules { check(rule, bound: [], mapping: mapping) }
        while let (template, bound) = templates.popLast() {
            switch template {
            case .constant: break
            case .expression(let rule): check(rule, bound: bound, mapping: mapping)
            case .object(let fields): templates += fields.map { ($0.value, bound) }
            case .each(let source, let variable, let when, let value):
                check(source, bound: bound, mapping: mapping)
                if let when { check(when, bound: bound.union([variable]), mapping: mapping) }
                templates.append((value, bound.union([variable])))
            }
        }
    }

    mutating func check(_ rule: Rule<Expression>, bound: Set<String>, mapping: Mapping) {
        for name in rule.value.valueMapsNamed where mapping.maps[name] == nil {
            problems.append(MappingError(.syntax, "there is no value map '\(name)' under maps:", rule: rule.location))
        }
        for variable in rule.value.variablesRead where !bound.contains(variable) {
            problems.append(MappingError(.syntax, "$\(variable) is not bound here (each: … as: \(variable))", rule: rule.location))
        }
    }
}
