import WaybillCore
import WaybillEngine

/// Builds CloudEvents as a connected system would send them, with ids unique per system.
struct EventFactory {
    let system: String
    private(set) var counter = 0

    init(system: String) { self.system = system }

    mutating func make(_ type: EventType, subject: String, at time: Timestamp, data: JSONValue) -> [UInt8] {
        counter += 1
        let id = "\(system)-\(String(format4: counter))"
        let event = CloudEvent(id: id, source: "/systems/\(system)", type: type, subject: subject, time: time, traceparent: nil, data: data)
        return event.bytes
    }
}

extension String {
    init(format4 value: Int) {
        let s = String(value)
        self = s.count >= 4 ? s : String(repeating: "0", count: 4 - s.count) + s
    }
}

/// Small helpers to write demo payloads tersely.
enum J {
    static func s(_ v: String) -> JSONValue { .string(v) }
    static func n(_ v: Int) -> JSONValue { .int(v) }
    static func o(_ pairs: (String, JSONValue)...) -> JSONValue { .object(pairs) }
    static func a(_ items: [JSONValue]) -> JSONValue { .array(items) }
}
