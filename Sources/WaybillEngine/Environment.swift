import Synchronization
import WaybillCore

/// Where the hub gets the time. Production reads the system clock; tests and the demo drive a
/// `ManualClock`.
public protocol HubClock: Sendable {
    func now() -> Timestamp
}

/// A clock that moves only when told to.
public final class ManualClock: HubClock {
    private let current: Mutex<Timestamp>

    public init(_ start: Timestamp) { current = Mutex(start) }

    public func now() -> Timestamp { current.withLock { $0 } }
    public func advance(milliseconds: Int64) { current.withLock { $0 = $0.adding(milliseconds: milliseconds) } }
    public func set(_ t: Timestamp) { current.withLock { $0 = t } }
}

/// Ids and randomness for the hub: trace ids, span ids, hub event ids, retry jitter.
public final class HubRandom: Sendable {
    private let generator: Mutex<SplitMix64>

    public init(seed: UInt64) { generator = Mutex(SplitMix64(seed: seed)) }

    public func next() -> UInt64 { generator.withLock { $0.next() } }
    /// A W3C trace id (32 hex digits, never all zero).
    public func traceId() -> String { next().hex16 + (next() | 1).hex16 }
    /// A W3C span id (16 hex digits, never all zero).
    public func spanId() -> String { (next() | 1).hex16 }
    /// A uniform value in [0, 1).
    public func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
