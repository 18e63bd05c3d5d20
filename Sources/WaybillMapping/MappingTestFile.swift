import Foundation
import WaybillCore
import Yams

/// A mapping test file (`*.test.yml`), run by `waybill test`: payload fixtures in, canonical
/// events (or an error) expected out; canonical events in, the subscriber's body expected out.
///
/// ```yaml
/// mapping: pack:shopify                 # or a mapping file, relative to this file
/// tests:
///   - name: an order from the storefront
///     headers: { x-shopify-topic: orders/create, x-shopify-webhook-id: b54557e4 }
///     input: sdk-order-450789469.body.json
///     expect: sdk-order-450789469.events.json     # a file, or the JSON inline
///   - name: a line without a SKU
///     headers: { x-shopify-topic: orders/create, x-shopify-webhook-id: b5 }
///     input: { id: 1, currency: USD, created_at: "2024-10-02T09:04:43-05:00", line_items: [ { id: 9, quantity: 1, price: "1.00" } ] }
///     expectError: { code: missing_value, inputPath: "$.line_items[0].sku" }
///   - name: the ERP's sales order
///     outbound: o2c.order.accepted
///     input: accepted.json
///     expect: netsuite-sales-order.json
/// ```
public struct MappingTestFile: Sendable {
    public struct Case: Sendable {
        public var name: String
        public var headers: [String: String]
        /// The canonical type of an outbound case; nil for inbound.
        public var outbound: EventType?
        public var input: JSONValue
        public var expect: JSONValue?
        public var expectError: (code: String, inputPath: String?)?
        public var line: Int
    }

    public var path: String
    public var mapping: Mapping
    public var cases: [Case]

    /// What one case came to: nothing (passed), or the differences and errors to print.
    public struct Outcome: Sendable {
        public var name: String
        public var failures: [String]
        public var passed: Bool { failures.isEmpty }
    }

    /// Reads a test file; its mapping and fixtures are found relative to it.
    public static func load(path: String) throws(MappingProblems) -> MappingTestFile {
        func fail(_ message: String, line: Int? = nil) -> MappingProblems {
            MappingProblems([MappingError(.syntax, message, rule: "\(path)\(line.map { ":\($0)" } ?? "")")])
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch { throw fail("cannot read the test file: \(error.localizedDescription)") }
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch { throw fail("not valid YAML: \(error)") }
        guard let root, case .mapping(let top) = root else { throw fail("expected a mapping with mapping: and tests:") }
        guard let mappingName = top["mapping"]?.string else { throw fail("needs mapping: (a file, or pack:NAME)") }
        let mapping: Mapping
        if mappingName.hasPrefix("pack:") {
            guard let pack = try Packs.mapping(String(mappingName.dropFirst(5))) else { throw fail("there is no pack \(mappingName.dropFirst(5))") }
            mapping = pack
        } else {
            mapping = try MappingLoader.load(path: directory.appendingPathComponent(mappingName).path, name: mappingName)
        }
        guard case .sequence(let list)? = top["tests"] else { throw fail("needs tests: (a list)") }
        var cases: [Case] = []
        for node in list {
            let line = node.mark?.line ?? 0
            guard case .mapping(let entry) = node else { throw fail("each test is a mapping", line: line) }
            func json(_ key: String) throws(MappingProblems) -> JSONValue? {
                guard let value = entry[key] else { return nil }
                if case .scalar(let scalar) = value, scalar.style == .plain || scalar.style == .doubleQuoted || scalar.style == .singleQuoted,
                    scalar.string.hasSuffix(".json")
                {
                    let file = directory.appendingPathComponent(scalar.string)
                    do { return try JSONParser.parse(Array(try Data(contentsOf: file))) } catch {
                        throw fail("cannot read the fixture \(scalar.string) (\(file.path)): \(error)", line: value.mark?.line)
                    }
                }
                return YAMLJSON.value(value)
            }
            var headers: [String: String] = [:]
            if case .mapping(let h)? = entry["headers"] {
                for (key, value) in h { if let k = key.string { headers[k.lowercased()] = value.string ?? "" } }
            }
            var expectError: (String, String?)?
            if case .mapping(let e)? = entry["expectError"] { expectError = (e["code"]?.string ?? "", e["inputPath"]?.string) }
            let outbound = try entry["outbound"]?.string.map { (name: String) throws(MappingProblems) -> EventType in
                guard let type = EventType(rawValue: name) else { throw fail("'\(name)' is not a canonical event type", line: line) }
                return type
            }
            guard let input = try json("input") else { throw fail("a test needs input:", line: line) }
            let expect = try json("expect")
            guard expect != nil || expectError != nil else { throw fail("a test needs expect: or expectError:", line: line) }
            cases.append(
                Case(
                    name: entry["name"]?.string ?? "test at line \(line)", headers: headers, outbound: outbound, input: input, expect: expect,
                    expectError: expectError, line: line))
        }
        return MappingTestFile(path: path, mapping: mapping, cases: cases)
    }

    /// Runs every case.
    public func run() -> [Outcome] {
        let mapper = Mapper(mapping)
        return cases.map { test in
            var failures: [String] = []
            do throws(MappingError) {
                let actual: JSONValue
                if let type = test.outbound {
                    actual = try mapper.outbound(test.input, type: type) ?? test.input
                } else {
                    let result = try mapper.inbound(test.input, headers: test.headers)
                    actual = .array(result.events.map(\.json))
                }
                if let expected = test.expect {
                    failures += JSONDiff.differences(expected: expected, actual: actual)
                } else if let error = test.expectError {
                    failures.append("expected the error \(error.code)\(error.inputPath.map { " at \($0)" } ?? ""), but it mapped")
                }
            } catch {
                if let expected = test.expectError {
                    if expected.code != error.code.rawValue { failures.append("expected the error \(expected.code), got \(error)") }
                    if let path = expected.inputPath, path != error.inputPath {
                        failures.append("expected the error at \(path), got it at \(error.inputPath ?? "no input path"): \(error)")
                    }
                } else {
                    failures.append("the mapping failed: \(error)")
                }
            }
            return Outcome(name: "\(URL(fileURLWithPath: path).lastPathComponent):\(test.line) \(test.name)", failures: failures)
        }
    }
}

extension MappedEvent {
    /// The event as a test file states it: type, id, subject, time, data.
    public var json: JSONValue {
        .members([
            ("type", .string(type.rawValue)), ("id", .string(id)), ("subject", subject.map(JSONValue.string)), ("time", time.map(JSONValue.string)),
            ("data", data),
        ])
    }
}

/// YAML written inline in a test file, as JSON: quoted scalars are text; plain ones numbers,
/// booleans or null when they read as such.
enum YAMLJSON {
    static func value(_ node: Node) -> JSONValue {
        switch node {
        case .scalar(let scalar):
            if scalar.style == .singleQuoted || scalar.style == .doubleQuoted { return .string(scalar.string) }
            switch scalar.string {
            case "true": return .bool(true)
            case "false": return .bool(false)
            case "null", "~": return .null
            default: break
            }
            if Decimal(string: scalar.string, locale: Decimals.posix) != nil,
                scalar.string.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" }), scalar.string.first?.isNumber == true || scalar.string.count > 1
            {
                return .number(scalar.string)
            }
            return .string(scalar.string)
        case .mapping(let mapping):
            return .object(mapping.compactMap { key, value in key.string.map { ($0, Self.value(value)) } })
        case .sequence(let items):
            return .array(items.map(Self.value))
        case .alias:
            return .null
        }
    }
}
