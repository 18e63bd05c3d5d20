/// The data of an `o2c.order.status_changed` event, and the compact binary record the store
/// keeps of it.
///
/// A status change carries every line's quantities, so its JSON is the largest thing the hub
/// writes per event (2–5 KB for a 10–20-line order). The store keeps `storage` instead — about
/// a quarter of the size, written without the JSON — and `init(storage:)` followed by `json`
/// gives back the very bytes `json` gave when the event was emitted: the record holds the text
/// of every field (status and explanation included) and the numbers they were written from.
public struct StatusChange: Sendable {
    public var orderId: String
    public var status: String
    public var previousStatus: String?
    public var explanation: String
    /// The lines; only the fields the event carries are kept in `storage`.
    public var lines: [OrderLine]

    /// The first byte of `storage`. Never `{`, so a stored body tells which form it is in.
    public static let storageTag: UInt8 = 0x01

    /// The status change of `state`, which had status `previous` (nil for a new order).
    public init(_ state: OrderState, previous: OrderStatus?) {
        orderId = state.orderId.rawValue
        status = state.status.rawValue
        previousStatus = previous?.rawValue
        explanation = state.explanation
        lines = state.lines
    }

    /// The event's `data` as JSON text, as EVENTS.md defines it.
    public var json: [UInt8] {
        var out = JSONStream(capacity: 256 + lines.count * 200)
        out.beginObject()
        out.key("orderId"); out.string(orderId)
        out.key("status"); out.string(status)
        out.key("previousStatus"); out.optionalString(previousStatus)
        out.key("explanation"); out.string(explanation)
        out.key("lines"); out.beginArray()
        for line in lines { line.writeQuantities(to: &out) }
        out.endArray()
        out.endObject()
        return out.bytes
    }

    /// The compact record: tag, texts, then per line its ids, price and the eight quantities.
    public var storage: [UInt8] {
        var w = BinaryWriter(capacity: 64 + explanation.utf8.count + lines.count * 40)
        w.byte(Self.storageTag)
        w.string(orderId); w.string(status); w.optionalString(previousStatus); w.string(explanation)
        w.unsigned(UInt64(lines.count))
        for l in lines {
            w.string(l.lineId.rawValue); w.string(l.sku.rawValue); w.string(l.uom.rawValue)
            w.string(l.unitPrice.currency.code); w.signed(l.unitPrice.micros)
            for q in [l.ordered, l.allocated, l.backordered, l.shipped, l.delivered, l.invoiced, l.returned, l.credited] {
                w.signed(q.scaled)
            }
        }
        return w.bytes
    }

    /// Reads a record `storage` wrote; a corrupt one is reported with its byte offset.
    public init(storage bytes: [UInt8]) throws(WaybillError) {
        var r = BinaryReader(bytes)
        let tag = try r.byte()
        guard tag == Self.storageTag else { throw WaybillError(.invalidPayload, "stored status change has unknown tag \(tag)") }
        orderId = try r.string()
        status = try r.string()
        previousStatus = try r.optionalString()
        explanation = try r.string()
        let count = try r.count()
        lines = []
        lines.reserveCapacity(count)
        for _ in 0..<count {
            let lineId = LineID(try r.string())
            let sku = SKU(try r.string())
            let uom = UnitOfMeasure(try r.string())
            let code = try r.string()
            guard let currency = Currency(code: code) else { throw WaybillError(.invalidPayload, "stored status change has currency \"\(code)\"") }
            let price = UnitPrice(micros: try r.signed(), currency: currency)
            var q: [Quantity] = []
            for _ in 0..<8 { q.append(Quantity(scaled: try r.signed())) }
            var line = OrderLine(lineId: lineId, sku: sku, uom: uom, unitPrice: price, ordered: q[0])
            (line.allocated, line.backordered, line.shipped, line.delivered) = (q[1], q[2], q[3], q[4])
            (line.invoiced, line.returned, line.credited) = (q[5], q[6], q[7])
            lines.append(line)
        }
        guard r.isAtEnd else { throw WaybillError(.invalidPayload, "stored status change has trailing bytes") }
    }
}
