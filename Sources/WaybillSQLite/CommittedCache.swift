import Synchronization
import WaybillCore

/// A bounded cache of decoded records (order states, customers, products) owned by the single
/// writer.
///
/// Two generations: when the current one is full it becomes the previous one and the oldest
/// generation is dropped, so memory stays bounded however many records the store holds. Only
/// committed values enter it (see `SQLiteStore.write`).
final class CommittedCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Generations: Sendable {
        var current: [Key: Value] = [:]
        var previous: [Key: Value] = [:]
    }

    private let capacity: Int
    private let storage = Mutex(Generations())

    init(capacity: Int) { self.capacity = capacity }

    func get(_ key: Key) -> Value? {
        storage.withLock { g in
            if let hit = g.current[key] { return hit }
            guard let old = g.previous[key] else { return nil }
            g.current[key] = old
            return old
        }
    }

    func merge(_ values: [Key: Value]) {
        guard !values.isEmpty else { return }
        storage.withLock { g in
            for (key, value) in values {
                if g.current.count >= capacity {
                    g.previous = g.current
                    g.current = [:]
                    g.current.reserveCapacity(capacity)
                }
                g.current[key] = value
            }
        }
    }

    func removeAll() { storage.withLock { $0 = Generations() } }
}

/// The writer's caches, and what one transaction staged for them.
final class WriterCaches: Sendable {
    let orders: CommittedCache<OrderID, OrderState>
    let customers = CommittedCache<CustomerID, CustomerRecord>(capacity: 50_000)
    let products = CommittedCache<SKU, ProductRecord>(capacity: 100_000)

    init(orderCapacity: Int) { orders = CommittedCache(capacity: orderCapacity) }

    func removeAll() {
        orders.removeAll()
        customers.removeAll()
        products.removeAll()
    }
}

/// Values a transaction wrote; they enter the caches only once it has committed.
struct StagedValues: Sendable {
    var orders: [OrderID: OrderState] = [:]
    var customers: [CustomerID: CustomerRecord] = [:]
    var products: [SKU: ProductRecord] = [:]
    var clearedProjections = false

    func merge(into caches: WriterCaches) {
        if clearedProjections { caches.removeAll() }
        caches.orders.merge(orders)
        caches.customers.merge(customers)
        caches.products.merge(products)
    }
}
