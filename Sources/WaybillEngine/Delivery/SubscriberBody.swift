import Synchronization
import WaybillCore
import WaybillMapping
import WaybillStore

/// What a subscriber is sent: the canonical event in the subscriber's own terms — its own ids
/// for the customer, the items and the order where the hub knows them (the records'
/// `externalIds` for the subscriber's system, and ids captured from its answers) — and, when the
/// subscription has an outbound mapping for the event's type, the body that mapping makes of it.
///
/// When an id is replaced, the canonical ones ride along in `data.canonical`
/// (`{"customerId": "C-100", "orderId": "SO-1001", "skus": {"1": "BRG-6204"}}`), so nothing
/// is lost to a subscriber that also knows the hub's ids.
enum SubscriberBody {
    /// The body for `subscription`: ids come from `ids` (a short-lived cache) and, for what it
    /// does not hold, one read of the store.
    static func make(_ body: [UInt8], type: EventType, subscription: Subscription, ids: SubscriberIds, store: any Store) async throws -> [UInt8] {
        let system = subscription.system
        // A system with no ids of its own anywhere is sent the hub's ids: nothing to look at.
        if subscription.mapping == nil, !(try await ids.hasOwnIds(system, store: store)) { return body }
        guard case .object(var members) = try JSONParser.parse(body), let index = members.firstIndex(where: { $0.0 == "data" }),
            case .object(var data) = members[index].1
        else { return body }
        // What the event names, and what of it the cache already knows.
        var wanted: [SubscriberIds.Key] = []
        if case .string(let id)? = data.first(where: { $0.0 == "customerId" })?.1 { wanted.append(.init(kind: "customer", system: system, id: id)) }
        if case .string(let id)? = data.first(where: { $0.0 == "orderId" })?.1 { wanted.append(.init(kind: "order", system: system, id: id)) }
        if case .array(let lines)? = data.first(where: { $0.0 == "lines" })?.1 {
            for case .object(let fields) in lines {
                if case .string(let sku)? = fields.first(where: { $0.0 == "sku" })?.1 { wanted.append(.init(kind: "product", system: system, id: sku)) }
            }
        }
        var known = ids.known(wanted)
        let missing = wanted.filter { known[$0] == nil }
        if !missing.isEmpty || subscription.mapping != nil {
            let read = try await store.read { reader -> [SubscriberIds.Key: String?] in
                var found: [SubscriberIds.Key: String?] = [:]
                for key in Set(missing) { found[key] = try Self.external(key, reader: reader) }
                return found
            }
            ids.remember(read)
            for (key, value) in read { known[key] = .some(value) }
        }
        func theirs(_ kind: String, _ id: String) -> String? { (known[.init(kind: kind, system: system, id: id)] ?? nil).flatMap { $0 == id ? nil : $0 } }

        var canonical: [(String, JSONValue)] = []
        for (key, kind) in [("customerId", "customer"), ("orderId", "order")] {
            guard let i = data.firstIndex(where: { $0.0 == key }), case .string(let id) = data[i].1, let mine = theirs(kind, id) else { continue }
            data[i].1 = .string(mine)
            canonical.append((key, .string(id)))
        }
        if let i = data.firstIndex(where: { $0.0 == "lines" }), case .array(var lines) = data[i].1 {
            var skus: [(String, JSONValue)] = []
            for (n, line) in lines.enumerated() {
                guard case .object(var fields) = line, let s = fields.firstIndex(where: { $0.0 == "sku" }), case .string(let sku) = fields[s].1,
                    let mine = theirs("product", sku)
                else { continue }
                fields[s].1 = .string(mine)
                let lineId = fields.first { $0.0 == "lineId" }.map { if case .string(let id) = $0.1 { id } else { "\(n)" } } ?? "\(n)"
                skus.append((lineId, .string(sku)))
                lines[n] = .object(fields)
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
            let mapped = try await store.read { reader in
                try Mapper(mapping).outbound(
                    event, type: type, lookup: { kind, id in try? Self.external(.init(kind: kind, system: system, id: id), reader: reader) ?? nil })
            }
            if let mapped { return JSONWriter.bytes(mapped) }
        }
        return canonical.isEmpty ? body : JSONWriter.bytes(event)
    }

    /// The subscriber's own id for a record of ours, from the store: the record's `externalIds`,
    /// or (orders) an id captured from its answer.
    static func external(_ key: SubscriberIds.Key, reader: any StoreReader) throws -> String? {
        let system = key.system.rawValue
        switch key.kind {
        case "customer": return try reader.customer(CustomerID(key.id))?.externalIds[system]
        case "product": return try reader.product(SKU(key.id))?.externalIds[system]
        case "order": return try reader.order(OrderID(key.id))?.externalIds[system] ?? reader.externalId(kind: "order", system: key.system, canonical: key.id)
        default: return nil
        }
    }
}

/// Subscribers' own ids the scheduler has looked up lately, kept a couple of seconds: the
/// deliveries of one order to one subscriber follow each other closely and name the same
/// customer, items and order, and a store read per delivery halved the delivery rate. An id the
/// hub learns (a master-data upsert) reaches deliveries within `lifetime`; one captured from a
/// system's answer is forgotten at once (`forget`), so the next call addresses it.
final class SubscriberIds: Sendable {
    struct Key: Hashable, Sendable {
        var kind: String
        var system: SystemName
        var id: String
    }

    private struct Entry {
        var value: String?
        var until: ContinuousClock.Instant
    }

    private let entries = Mutex([Key: Entry]())
    let lifetime: Duration
    let capacity: Int

    init(lifetime: Duration = .seconds(2), capacity: Int = 100_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// What the cache holds for `keys`: `.some(nil)` when it knows there is none.
    func known(_ keys: [Key]) -> [Key: String?] {
        let now = ContinuousClock.now
        return entries.withLock { entries in
            var out: [Key: String?] = [:]
            for key in keys { if let entry = entries[key], entry.until > now { out[key] = .some(entry.value) } }
            return out
        }
    }

    func remember(_ found: [Key: String?]) {
        let until = ContinuousClock.now + lifetime
        entries.withLock { entries in
            if entries.count + found.count > capacity { entries.removeAll(keepingCapacity: true) }
            for (key, value) in found { entries[key] = Entry(value: value, until: until) }
        }
    }

    func forget(_ key: Key) {
        _ = entries.withLock { $0.removeValue(forKey: key) }
        systems.withLock { $0.until = .now }  // the system may be new to having ids
    }

    /// Which systems have ids of their own, read from the store at most every `lifetime`.
    private let systems = Mutex<(known: Set<SystemName>, until: ContinuousClock.Instant)>(([], .now))

    func hasOwnIds(_ system: SystemName, store: any Store) async throws -> Bool {
        let cached = systems.withLock { $0.until > .now ? $0.known : nil }
        if let cached { return cached.contains(system) }
        let known = try await store.read { try $0.systemsWithOwnIds() }
        let until = ContinuousClock.now + lifetime
        systems.withLock { $0 = (known, until) }
        return known.contains(system)
    }
}
