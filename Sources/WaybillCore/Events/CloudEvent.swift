/// A CloudEvents 1.0 envelope in structured JSON mode, with its `data` still as JSON.
public struct CloudEvent: Sendable {
    public var id: String
    public var source: String
    public var type: EventType
    public var subject: String?
    public var time: Timestamp?
    public var traceparent: TraceContext?
    /// Extension attributes the hub does not interpret; kept and passed on.
    public var extensions: [(String, JSONValue)]
    public var data: JSONValue

    public init(
        id: String, source: String, type: EventType, subject: String?, time: Timestamp?,
        traceparent: TraceContext?, extensions: [(String, JSONValue)] = [], data: JSONValue
    ) {
        self.id = id
        self.source = source
        self.type = type
        self.subject = subject
        self.time = time
        self.traceparent = traceparent
        self.extensions = extensions
        self.data = data
    }

    /// The CloudEvents context attributes (and `data`, `data_base64`); any other member is an
    /// extension. A switch, not a set: asked once per member of every event decoded.
    static func isContextAttribute(_ name: String) -> Bool {
        switch name {
        case "specversion", "id", "source", "type", "subject", "time", "datacontenttype", "dataschema", "traceparent", "tracestate", "data", "data_base64":
            return true
        default: return false
        }
    }

    /// Reads an envelope from parsed JSON, naming the attribute that is wrong.
    ///
    /// - Parameter path: where this event sits in the request (`$` or `$[3]`).
    public static func decode(_ value: JSONValue, at path: String = "$") throws(WaybillError) -> CloudEvent {
        guard case .object(let members) = value else {
            throw WaybillError(.notACloudEvent, "expected a CloudEvent object, found \(value.typeName)", at: path)
        }
        let reader = PayloadReader(members: members, path: path)
        func attribute(_ key: String) throws(WaybillError) -> String {
            do { return try reader.string(key) } catch { throw WaybillError(.invalidEnvelope, error.message, at: error.path) }
        }
        func optionalAttribute(_ key: String) throws(WaybillError) -> String? {
            do { return try reader.optionalString(key) } catch { throw WaybillError(.invalidEnvelope, error.message, at: error.path) }
        }
        let specversion = try attribute("specversion")
        guard specversion == "1.0" else {
            throw WaybillError(.invalidEnvelope, "specversion must be \"1.0\", found \"\(specversion)\"", at: reader.field("specversion"))
        }
        let id = try attribute("id")
        let source = try attribute("source")
        let typeName = try attribute("type")
        guard let type = EventType(rawValue: typeName) else {
            throw WaybillError(.unknownType, "\"\(typeName)\" is not in the event catalog", at: reader.field("type"))
        }
        let subject = try optionalAttribute("subject")
        var time: Timestamp?
        if let text = try optionalAttribute("time") {
            guard let t = Timestamp(rfc3339: text) else {
                throw WaybillError(.invalidEnvelope, "\"\(text)\" is not an RFC 3339 timestamp", at: reader.field("time"))
            }
            time = t
        }
        if let contentType = try optionalAttribute("datacontenttype"),
            !(contentType.hasPrefix("application/json") || contentType.contains("+json"))
        {
            throw WaybillError(.invalidEnvelope, "datacontenttype must be application/json, found \"\(contentType)\"", at: reader.field("datacontenttype"))
        }
        if reader.value("data_base64") != nil {
            throw WaybillError(.invalidEnvelope, "binary data (data_base64) is not accepted; send JSON data", at: reader.field("data_base64"))
        }
        var trace: TraceContext?
        if let text = try optionalAttribute("traceparent") {
            guard let t = TraceContext(traceparent: text) else {
                throw WaybillError(.invalidEnvelope, "\"\(text)\" is not a W3C traceparent", at: reader.field("traceparent"))
            }
            trace = t
        }
        guard let data = reader.value("data"), case .object = data else {
            let found = reader.value("data")?.typeName ?? "nothing"
            throw WaybillError(.invalidEnvelope, "data must be a JSON object, found \(found)", at: reader.field("data"))
        }
        let extensions = members.filter { !isContextAttribute($0.0) }
        return CloudEvent(
            id: id, source: source, type: type, subject: subject, time: time,
            traceparent: trace, extensions: extensions, data: data)
    }

    /// The structured-mode JSON of this event as bytes: `JSONWriter.bytes(json)`, written
    /// without building the tree first (the hub writes one per emitted event).
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        func member(_ name: StaticString) {
            out.append(UInt8(ascii: ","))
            out.append(UInt8(ascii: "\""))
            name.withUTF8Buffer { out.append(contentsOf: $0) }
            out.append(contentsOf: "\":".utf8)
        }
        out.append(contentsOf: #"{"specversion":"1.0""#.utf8)
        member("id"); JSONWriter.writeString(id, into: &out)
        member("source"); JSONWriter.writeString(source, into: &out)
        member("type"); JSONWriter.writeString(type.rawValue, into: &out)
        member("datacontenttype"); out.append(contentsOf: #""application/json""#.utf8)
        member("data"); JSONWriter.write(data, sortKeys: false, into: &out)
        if let subject { member("subject"); JSONWriter.writeString(subject, into: &out) }
        if let time { member("time"); JSONWriter.writeString(time.rfc3339, into: &out) }
        if let traceparent { member("traceparent"); JSONWriter.writeString(traceparent.traceparent, into: &out) }
        for (name, value) in extensions {
            out.append(UInt8(ascii: ","))
            JSONWriter.writeString(name, into: &out)
            out.append(UInt8(ascii: ":"))
            JSONWriter.write(value, sortKeys: false, into: &out)
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// The structured-mode JSON of this event.
    public var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("specversion", .string("1.0")), ("id", .string(id)), ("source", .string(source)),
            ("type", .string(type.rawValue)), ("datacontenttype", .string("application/json")), ("data", data),
        ]
        if let subject { members.append(("subject", .string(subject))) }
        if let time { members.append(("time", .string(time.rfc3339))) }
        if let traceparent { members.append(("traceparent", .string(traceparent.traceparent))) }
        members.append(contentsOf: extensions)
        return .object(members)
    }
}
