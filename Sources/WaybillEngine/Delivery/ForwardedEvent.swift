import WaybillCore
import WaybillStore

/// The form in which an inbound event is passed on to subscribers: the hub's own id
/// (`wb-<seq>`, stable across retries and replays), the original source, the order's canonical
/// id, base units, the sender's id as the `sourceid` extension, and the attempt's `traceparent`
/// (written once, not patched into the body afterwards).
enum ForwardedEvent {
    static func body(raw: [UInt8], seq: Int64, key: String, traceparent: TraceContext) throws -> [UInt8] {
        let event = try InboundEvent.decode(try JSONParser.parse(raw), raw: raw)
        let envelope = event.envelope
        let order = RecordKey.orderId(of: key)
        var forwarded = CloudEvent(
            id: "wb-\(seq)", source: envelope.source, type: envelope.type,
            subject: order?.rawValue ?? envelope.subject, time: envelope.time, traceparent: traceparent,
            extensions: envelope.extensions, data: order.map { event.payload.withOrder($0).json } ?? event.payload.json)
        forwarded.extensions.append(("sourceid", .string(envelope.id)))
        return forwarded.bytes
    }
}
