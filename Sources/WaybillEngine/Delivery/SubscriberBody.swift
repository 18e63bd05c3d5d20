import WaybillCore
import WaybillMapping
import WaybillStore

/// What a subscriber is sent: the canonical event in the subscriber's own terms — its own ids
/// for the customer, the items and the order where the hub knows them (the records'
/// `externalIds` for the subscriber's system) — and, when the subscription has an outbound
/// mapping for the event's type, the body that mapping makes of it.
///
/// When an id is replaced, the canonical ones ride along in `data.canonical`
/// (`{"customerId": "C-100", "orderId": "SO-1001", "skus": {"1": "BRG-6204"}}`), so nothing
/// is lost to a subscriber that also knows the hub's ids.
enum SubscriberBody {
    static func make(_ body: [UInt8], type: EventType, subscription: Subscription, reader: any StoreReader) throws -> [UInt8] {
        let system = subscription.system.rawValue
        guard case .object(var members) = try JSONParser.parse(body), let index = members.firstIndex(where: { $0.0 == "data" }),
            case .object(var data) = members[index].1
        else { return body }
        var canonical: [(String, JSONValue)] = []
        func replace(_ key: String, in object: inout [(String, JSONValue)], with lookup: (String) throws -> String?) rethrows -> String? {
            guard let i = object.firstIndex(where: { $0.0 == key }), case .string(let id) = object[i].1, let theirs = try lookup(id), theirs != id else {
                return nil
            }
            object[i].1 = .string(theirs)
            return id
        }
        if let original = try replace("customerId", in: &data, with: { try reader.customer(CustomerID($0))?.externalIds[system] }) {
            canonical.append(("customerId", .string(original)))
        }
        if let original = try replace(
            "orderId", in: &data,
            with: { try reader.order(OrderID($0))?.externalIds[system] ?? reader.externalId(kind: "order", system: SystemName(system), canonical: $0) })
        {
            canonical.append(("orderId", .string(original)))
        }
        if let i = data.firstIndex(where: { $0.0 == "lines" }), case .array(var lines) = data[i].1 {
            var skus: [(String, JSONValue)] = []
            for (n, line) in lines.enumerated() {
                guard case .object(var fields) = line else { continue }
                if let original = try replace("sku", in: &fields, with: { try reader.product(SKU($0))?.externalIds[system] }) {
                    let lineId = fields.first { $0.0 == "lineId" }.map { if case .string(let id) = $0.1 { id } else { "\(n)" } } ?? "\(n)"
                    skus.append((lineId, .string(original)))
                    lines[n] = .object(fields)
                }
            }
            if !skus.isEmpty {
                data[i].1 = .array(lines)
                canonical.append(("skus", .object(skus)))
            }
        }
        if !canonical.isEmpty {
            data.append(("canonical", .object(canonical)))
            members[index].1 = .object(data)
        }
        let event = JSONValue.object(members)
        if let mapping = subscription.mapping {
            if let mapped = try Mapper(mapping).outbound(event, type: type, lookup: Self.lookup(reader, system: system)) {
                return JSONWriter.bytes(mapped)
            }
        }
        return canonical.isEmpty ? body : JSONWriter.bytes(event)
    }

    /// `lookup(kind, canonical id)` in an outbound mapping: the subscriber's own id, or nil.
    static func lookup(_ reader: any StoreReader, system: String) -> (String, String) -> String? {
        { kind, id in
            switch kind {
            case "customer": return (try? reader.customer(CustomerID(id)))??.externalIds[system]
            case "product": return (try? reader.product(SKU(id)))??.externalIds[system]
            case "order":
                return (try? reader.order(OrderID(id)))??.externalIds[system]
                    ?? (try? reader.externalId(kind: "order", system: SystemName(system), canonical: id)) ?? nil
            default: return nil
            }
        }
    }
}
