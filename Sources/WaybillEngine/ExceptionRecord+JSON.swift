import WaybillCore
import WaybillStore

extension ExceptionRecord {
    /// The exception as the API and `waybill demo --json` show it.
    public var json: JSONValue {
        .members([
            ("id", .int(Int(id))), ("kind", .string(kind.rawValue)), ("role", .string(role.rawValue)), ("code", .string(code)),
            ("orderId", key.flatMap(RecordKey.orderId(of:)).map { JSONValue.string($0.rawValue) }),
            ("key", key.map(JSONValue.string)), ("eventSeq", eventSeq.map { .int(Int($0)) }), ("message", .string(message)),
            ("status", .string(status.rawValue)), ("raisedAt", .string(raisedAt.rfc3339)),
            ("resolvedAt", resolvedAt.map { .string($0.rfc3339) }), ("resolvedBy", resolvedBy.map(JSONValue.string)),
        ])
    }
}
