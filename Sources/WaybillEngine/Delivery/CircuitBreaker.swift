import WaybillCore

/// The circuit breaker of one endpoint: after `threshold` consecutive failures it opens and
/// stops attempts for `coolDown`; then it lets one probe through (half-open), which closes it on
/// success or opens it again on failure. A plain value: the scheduler owns and drives it.
public struct CircuitBreaker: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        case closed(failures: Int)
        case open(until: Timestamp)
        /// One probe is in flight.
        case halfOpen
    }

    public private(set) var state: State = .closed(failures: 0)
    public let threshold: Int
    public let coolDownMilliseconds: Int64

    public init(threshold: Int = 5, coolDownMilliseconds: Int64 = 30_000) {
        self.threshold = threshold
        self.coolDownMilliseconds = coolDownMilliseconds
    }

    /// Whether an attempt may start now; moving from open to half-open lets exactly one through.
    public mutating func allows(at now: Timestamp) -> Bool {
        switch state {
        case .closed: return true
        case .halfOpen: return false
        case .open(let until):
            guard now >= until else { return false }
            state = .halfOpen
            return true
        }
    }

    public mutating func record(success: Bool, at now: Timestamp) {
        switch (state, success) {
        case (_, true): state = .closed(failures: 0)
        case (.closed(let failures), false):
            state = failures + 1 >= threshold ? .open(until: now.adding(milliseconds: coolDownMilliseconds)) : .closed(failures: failures + 1)
        case (.halfOpen, false), (.open, false):
            state = .open(until: now.adding(milliseconds: coolDownMilliseconds))
        }
    }

    public var isOpen: Bool { if case .closed = state { false } else { true } }

    /// Until when the circuit is open, if it is open (not half-open: a probe is in flight).
    public var openUntil: Timestamp? { if case .open(let until) = state { until } else { nil } }

    /// Opens the circuit until `until` because another node saw the endpoint fail (circuits
    /// are shared through the store); a circuit open longer, or probing, is left as it is.
    public mutating func open(until: Timestamp) {
        switch state {
        case .closed: state = .open(until: until)
        case .open(let current) where current < until: state = .open(until: until)
        case .open, .halfOpen: break
        }
    }
}
