import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import WaybillCore
import WaybillEngine
import WaybillMapping

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Delivers by a SOAP call per delivery (`soap:` subscriptions). The body the subscriber is sent
/// (its outbound mapping's, or the canonical event) becomes the children of the operation
/// element — object members as elements, arrays as repeated elements, every value escaped — in a
/// SOAP 1.1 or 1.2 envelope, with the `SOAPAction` (1.1) or the `action` media-type parameter
/// (1.2) and, when configured, a WS-Security UsernameToken.
///
/// 2xx is delivered; a SOAP Fault whose code is one of `retryFaults` (by default the server's:
/// `Server`, `Receiver`) is retried on the schedule, any other fault (`Client`, `Sender`: the
/// request itself is wrong) is dead at once; other answers are retried as for webhooks.
public struct SOAPAdapter: DeliveryAdapter {
    let client: HTTPClient
    let timeout: TimeAmount

    public init(client: HTTPClient, timeout: TimeAmount = .seconds(10)) {
        self.client = client
        self.timeout = timeout
    }

    public func deliver(_ delivery: OutboundDelivery) async -> DeliveryOutcome {
        guard case .soap(let call) = delivery.subscription.adapter else {
            return .failed(statusCode: nil, error: "subscription \(delivery.subscription.name) has no soap settings")
        }
        let content: JSONValue
        do { content = try JSONParser.parse(delivery.body) } catch {
            return .refused(statusCode: nil, error: "the body to send is not JSON: \(error)")
        }
        var request = HTTPClientRequest(url: call.url)
        request.method = .POST
        switch call.version {
        case .v11:
            request.headers.add(name: "content-type", value: "text/xml; charset=utf-8")
            request.headers.add(name: "soapaction", value: "\"\(call.action ?? "")\"")
        case .v12:
            let action = call.action.map { "; action=\"\($0)\"" } ?? ""
            request.headers.add(name: "content-type", value: "application/soap+xml; charset=utf-8\(action)")
        }
        request.headers.add(name: "traceparent", value: delivery.traceparent.traceparent)
        request.headers.add(name: "user-agent", value: "Waybill")
        request.body = .bytes(ByteBuffer(string: SOAPEnvelope.make(call, content: content, messageId: delivery.deliveryId)))
        do {
            let limit = delivery.subscription.validation.map { TimeAmount.milliseconds($0.timeoutMilliseconds) } ?? timeout
            let response = try await client.execute(request, timeout: limit)
            let status = Int(response.status.code)
            let body = Array(buffer: try await response.body.collect(upTo: 1 << 20))
            if (200..<300).contains(status) {
                guard delivery.subscription.validation != nil else { return .delivered(statusCode: status) }
                // A validation's answer: the content of the SOAP Body, read as JSON for its mapping.
                do { return .answered(statusCode: status, body: JSONWriter.bytes(try XMLInput.soapContent(body))) } catch {
                    return .refused(statusCode: status, error: "the answer from \(call.url) is not XML: \(error)")
                }
            }
            if let fault = SOAPFault.read(body) {
                let error = "SOAP fault \(fault.code)\(fault.reason.isEmpty ? "" : ": \(fault.reason)") from \(call.url)"
                return call.retryFaults.contains(fault.localCode) ? .failed(statusCode: status, error: error) : .refused(statusCode: status, error: error)
            }
            if status == 410 { return .gone(statusCode: status) }
            return .failed(statusCode: status, error: "HTTP \(status) from \(call.url)")
        } catch {
            return .failed(statusCode: nil, error: "\(call.url): \(error)")
        }
    }
}

/// SOAP envelopes from JSON.
enum SOAPEnvelope {
    static func make(_ call: SOAPCall, content: JSONValue, messageId: String) -> String {
        let soap = call.version == .v11 ? "http://schemas.xmlsoap.org/soap/envelope/" : "http://www.w3.org/2003/05/soap-envelope"
        var header = ""
        if let user = call.user {
            let wsse = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
            let profile = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText"
            header =
                "<soap:Header><wsse:Security xmlns:wsse=\"\(wsse)\" soap:mustUnderstand=\"\(call.version == .v11 ? "1" : "true")\">"
                + "<wsse:UsernameToken><wsse:Username>\(escaped(user))</wsse:Username>"
                + "<wsse:Password Type=\"\(profile)\">\(escaped(call.password ?? ""))</wsse:Password></wsse:UsernameToken>"
                + "</wsse:Security></soap:Header>"
        }
        var body = ""
        write(content, into: &body)
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
            + "<soap:Envelope xmlns:soap=\"\(soap)\" xmlns:op=\"\(escaped(call.namespace))\">\(header)"
            + "<soap:Body><op:\(call.operation) op:messageId=\"\(escaped(messageId))\">\(body)</op:\(call.operation)></soap:Body></soap:Envelope>"
    }

    /// Object members as elements (in the operation's namespace), arrays as repeated elements.
    static func write(_ value: JSONValue, into out: inout String) {
        guard case .object(let members) = value else {
            out += escaped(text(value))
            return
        }
        for (key, member) in members {
            let name = "op:" + elementName(key)
            switch member {
            case .array(let items):
                for item in items {
                    out += "<\(name)>"
                    write(item, into: &out)
                    out += "</\(name)>"
                }
            case .null:
                out += "<\(name)/>"
            default:
                out += "<\(name)>"
                write(member, into: &out)
                out += "</\(name)>"
            }
        }
    }

    static func text(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): return s
        case .number(let n): return n
        case .bool(let b): return b ? "true" : "false"
        case .raw(let bytes): return String(decoding: bytes, as: UTF8.self)
        default: return ""
        }
    }

    /// An XML name from a JSON key: letters, digits, `-`, `_`, `.`; anything else becomes `_`.
    static func elementName(_ key: String) -> String {
        let name = String(key.map { $0.isLetter || $0.isNumber || "-_.".contains($0) ? $0 : "_" })
        return name.first.map { $0.isLetter || $0 == "_" } == true ? name : "_" + name
    }

    static func escaped(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(c)
            }
        }
        return out
    }
}

/// A SOAP 1.1 (`faultcode`, `faultstring`) or 1.2 (`Code/Value`, `Reason/Text`) fault, read with
/// Foundation's XMLParser.
struct SOAPFault {
    var code: String
    var reason: String

    /// The code without its prefix (`soap:Server` → `Server`).
    var localCode: String { code.split(separator: ":").last.map(String.init) ?? code }

    static func read(_ body: [UInt8]) -> SOAPFault? {
        let reader = FaultReader()
        let parser = XMLParser(data: Data(body))
        parser.delegate = reader
        guard parser.parse(), reader.sawFault, !reader.code.isEmpty else { return nil }
        return SOAPFault(
            code: reader.code.trimmingCharacters(in: .whitespacesAndNewlines), reason: reader.reason.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    final class FaultReader: NSObject, XMLParserDelegate {
        var path: [String] = []
        var sawFault = false
        var code = ""
        var reason = ""

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            let local = name.split(separator: ":").last.map(String.init) ?? name
            path.append(local)
            if local == "Fault" { sawFault = true }
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) { _ = path.popLast() }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            guard sawFault, let current = path.last else { return }
            switch current {
            case "faultcode": code += string
            case "faultstring": reason += string
            // 1.2: the first Code/Value is the fault's code (a Subcode/Value refines it).
            case "Value" where path.dropLast().last == "Code" && path.dropLast(2).last != "Subcode" && path.filter({ $0 == "Subcode" }).isEmpty:
                code += string
            case "Text" where path.dropLast().last == "Reason": reason += string
            default: break
            }
        }
    }
}
