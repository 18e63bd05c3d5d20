import Foundation
import WaybillCore

#if canImport(FoundationXML)
import FoundationXML
#endif

/// XML read as JSON, so an XML or SOAP payload maps like a JSON one (read with Foundation's
/// XMLParser): an element is an object of its children by local name (namespace prefixes
/// dropped), a repeated child an array, an element with only text its text, attributes `@name`.
/// All values are strings; the mapping's `number()`, `date()` and friends convert them.
///
/// ```xml
/// <Quote><Line no="1"><Tax>0.83</Tax></Line><Line no="2"><Tax>1.10</Tax></Line></Quote>
/// ```
/// reads as `{"Quote": {"Line": [{"@no": "1", "Tax": "0.83"}, {"@no": "2", "Tax": "1.10"}]}}`;
/// a mapping reads it as `$.Quote.Line[0]['@no']`. Text beside child elements or attributes is
/// `#text` (`$p['#text']`).
public enum XMLInput {
    /// The document as JSON, or the parser's error with its line and column.
    public static func json(_ bytes: [UInt8]) throws(MappingError) -> JSONValue {
        let reader = Reader()
        let parser = XMLParser(data: Data(bytes))
        parser.delegate = reader
        parser.shouldProcessNamespaces = false
        guard parser.parse(), let root = reader.root else {
            let line = parser.lineNumber
            let column = parser.columnNumber
            let reason = parser.parserError.map { "\($0.localizedDescription)" } ?? "no root element"
            throw MappingError(.syntax, "the XML body cannot be read at line \(line), column \(column): \(reason)")
        }
        return .object([(root.name, root.value)])
    }

    /// A SOAP answer's content: the first element inside `Body`, as JSON (`{"QuoteResult": …}`),
    /// or the whole document when it is not a SOAP envelope.
    public static func soapContent(_ bytes: [UInt8]) throws(MappingError) -> JSONValue {
        let document = try json(bytes)
        guard case .object(let top) = document, let envelope = top.first, envelope.0 == "Envelope",
            case .object(let parts) = envelope.1, let body = parts.first(where: { $0.0 == "Body" })?.1
        else { return document }
        return body
    }

    final class Element {
        let name: String
        var attributes: [(String, JSONValue)]
        var children: [(String, JSONValue)] = []
        var text = ""

        init(name: String, attributes: [String: String]) {
            self.name = name
            self.attributes = attributes.sorted { $0.key < $1.key }.compactMap { key, value in
                key.hasPrefix("xmlns") ? nil : ("@" + XMLInput.localName(key), .string(value))
            }
        }

        var value: JSONValue {
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if children.isEmpty && attributes.isEmpty { return .string(trimmed) }
            // Children by name, in the order each name first appears; a repeated name is an array.
            var order: [String] = []
            var byName: [String: [JSONValue]] = [:]
            for (name, child) in children {
                if byName[name] == nil { order.append(name) }
                byName[name, default: []].append(child)
            }
            var members = attributes
            for name in order {
                let values = byName[name] ?? []
                members.append((name, values.count == 1 ? values[0] : .array(values)))
            }
            if !trimmed.isEmpty { members.append(("#text", .string(trimmed))) }
            return .object(members)
        }
    }

    final class Reader: NSObject, XMLParserDelegate {
        var stack: [Element] = []
        var root: (name: String, value: JSONValue)?

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            stack.append(Element(name: XMLInput.localName(name), attributes: attributes))
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            guard let element = stack.popLast() else { return }
            if let parent = stack.last {
                parent.children.append((element.name, element.value))
            } else {
                root = (element.name, element.value)
            }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { stack.last?.text += string }

        func parser(_ parser: XMLParser, foundCDATA block: Data) { stack.last?.text += String(decoding: block, as: UTF8.self) }
    }

    static func localName(_ name: String) -> String { name.split(separator: ":").last.map(String.init) ?? name }
}
