import Synchronization
import WaybillCore

/// A bounded cache of decoded order states, owned by the single writer.
///
/// Two generations: when the current one is full it becomes the previous one and the oldest
/// generation is dropped, so memory stays bounded however many orders the store holds. Only
/// committed states enter it (see `SQLiteStore.write`).
final class OrderCache: Sendable {
    private struct Generations {
        var current: [OrderID: OrderState] = [:]
        var previous: [OrderID: OrderState] = [:]
    }

    private let capacity: Int
    private let storage = Mutex(Generations())

    init(capacity: Int) { self.capacity = capacity }

    func get(_ id: OrderID) -> OrderState? {
        storage.withLock { g in
            if let hit = g.current[id] { return hit }
            guard let old = g.previous[id] else { return nil }
            g.current[id] = old
            return old
        }
    }

    func merge(_ states: [OrderID: OrderState]) {
        guard !states.isEmpty else { return }
        storage.withLock { g in
            for (id, state) in states {
                if g.current.count >= capacity {
                    g.previous = g.current
                    g.current = [:]
                    g.current.reserveCapacity(capacity)
                }
                g.current[id] = state
            }
        }
    }

    func removeAll() { storage.withLock { $0 = Generations() } }
}
