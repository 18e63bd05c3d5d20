import Logging
import Synchronization
import WaybillCore

/// Whether the store takes writes, as the hub's own work finds it: failing from the first failed
/// write (an ingest commit, a delivery record, the housekeeping heartbeat) until the next one
/// that succeeds. `/health/ready` answers not-ready meanwhile; the services keep running and try
/// again with backoff, so the hub recovers by itself when the store does (a disk that frees up).
///
/// Each change of state is logged once: an error when writes start failing, a notice when they
/// work again — never once per failed request.
public final class StoreHealth: Sendable {
    /// Since when writes fail, and the latest error.
    public struct Failure: Sendable, Equatable {
        public var since: Timestamp
        public var error: String
    }

    private let failing = Atomic<Bool>(false)
    private let failure = Mutex<Failure?>(nil)
    private let logger: Logger

    init(logger: Logger) { self.logger = logger }

    /// The current failure, or `nil` when the store takes writes.
    public var problem: Failure? { failing.load(ordering: .acquiring) ? failure.withLock { $0 } : nil }

    /// Records a failed write by `component` (`ingest`, `delivery`, `housekeeping`).
    public func failed(_ error: any Error, at now: Timestamp, component: String) {
        let first = failure.withLock { current -> Bool in
            let first = current == nil
            current = Failure(since: current?.since ?? now, error: "\(error)")
            return first
        }
        failing.store(true, ordering: .releasing)
        if first {
            logger.error(
                "store failing: answering errors and retrying with backoff",
                metadata: ["waybill.component": "\(component)", "waybill.error": "\(error)"])
        }
    }

    /// Records a write that succeeded (cheap when nothing failed: one atomic load).
    public func succeeded(at now: Timestamp) {
        guard failing.load(ordering: .acquiring) else { return }
        let was = failure.withLock { current -> Failure? in
            defer { current = nil }
            return current
        }
        failing.store(false, ordering: .releasing)
        if let was {
            logger.notice(
                "store recovered", metadata: ["waybill.failing_since": "\(was.since)", "waybill.failed_for_ms": "\(now.milliseconds - was.since.milliseconds)"])
        }
    }
}

/// How long a service waits before trying the store again after `failures` failures in a row:
/// 100 ms doubling to at most 5 s. A pure function.
public enum StoreRetry {
    public static func delay(afterFailures failures: Int) -> Duration {
        let milliseconds = 100 * (1 << min(max(failures - 1, 0), 6))
        return .milliseconds(min(milliseconds, 5_000))
    }
}
