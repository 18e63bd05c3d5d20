import Synchronization
import WaybillConfig
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

/// One bucket per key or token (identified by its digest, never by the secret), each with the
/// limit its principal was configured with.
final class RateLimiter: Sendable {
    private let buckets = Mutex([String: TokenBucket]())

    init() {}

    /// Takes a token from `key`'s bucket, which holds `limit.burst` and refills at `limit.perSecond`.
    func take(_ key: String, limit: RateLimit, at now: Timestamp) -> (allowed: Bool, retryAfterSeconds: Int) {
        buckets.withLock { buckets in
            var bucket = buckets[key] ?? TokenBucket(capacity: limit.burst, perSecond: limit.perSecond, now: now)
            let answer = bucket.take(at: now)
            buckets[key] = bucket
            return answer
        }
    }
}
