import Synchronization
import WaybillCore

/// A token bucket: `capacity` requests at once, refilled at `perSecond`. A plain value.
struct TokenBucket: Sendable, Equatable {
    let capacity: Double
    let perSecond: Double
    private(set) var tokens: Double
    private(set) var updated: Timestamp

    init(capacity: Double, perSecond: Double, now: Timestamp) {
        self.capacity = capacity
        self.perSecond = perSecond
        self.tokens = capacity
        self.updated = now
    }

    /// Takes a token if there is one; otherwise says how many seconds until there will be.
    mutating func take(at now: Timestamp) -> (allowed: Bool, retryAfterSeconds: Int) {
        let elapsed = Double(max(0, now.milliseconds - updated.milliseconds)) / 1000
        tokens = min(capacity, tokens + elapsed * perSecond)
        updated = now
        guard tokens >= 1 else { return (false, max(1, Int(((1 - tokens) / perSecond).rounded(.up)))) }
        tokens -= 1
        return (true, 0)
    }
}

/// One bucket per key or token (identified by its digest, never by the secret).
final class RateLimiter: Sendable {
    private let buckets = Mutex([String: TokenBucket]())
    let capacity: Double
    let perSecond: Double

    init(capacity: Double, perSecond: Double) {
        self.capacity = capacity
        self.perSecond = perSecond
    }

    func take(_ key: String, at now: Timestamp) -> (allowed: Bool, retryAfterSeconds: Int) {
        buckets.withLock { buckets in
            var bucket = buckets[key] ?? TokenBucket(capacity: capacity, perSecond: perSecond, now: now)
            let answer = bucket.take(at: now)
            buckets[key] = bucket
            return answer
        }
    }
}
