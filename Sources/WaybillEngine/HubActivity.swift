import Synchronization
import WaybillCore

/// What this node has done lately, second by second: events ingested and deliveries made, for
/// the console's live rates and its chart. Ten minutes are kept; counting is one lock per
/// ingest request or delivery batch, not per event.
public final class HubActivity: Sendable {
    public struct Totals: Sendable, Equatable {
        public var ingested: Int
        public var delivered: Int
    }

    private struct State {
        var totals = Totals(ingested: 0, delivered: 0)
        /// Per second (ms / 1000): (ingested, delivered).
        var seconds: [Int64: (Int, Int)] = [:]
    }

    private let state = Mutex(State())
    static let keptSeconds: Int64 = 600

    public init() {}

    public func record(ingested: Int = 0, delivered: Int = 0, at now: Timestamp) {
        guard ingested > 0 || delivered > 0 else { return }
        let second = now.milliseconds / 1000
        state.withLock { s in
            s.totals.ingested += ingested
            s.totals.delivered += delivered
            let bucket = s.seconds[second] ?? (0, 0)
            s.seconds[second] = (bucket.0 + ingested, bucket.1 + delivered)
            if s.seconds.count > Int(Self.keptSeconds) + 60 { s.seconds = s.seconds.filter { $0.key > second - Self.keptSeconds } }
        }
    }

    public var totals: Totals { state.withLock { $0.totals } }

    /// Events in and deliveries out per second, over the `window` seconds before `now`'s second.
    public func rates(at now: Timestamp, window: Int64 = 5) -> (ingested: Double, delivered: Double) {
        let current = now.milliseconds / 1000
        return state.withLock { s in
            var sum = (0, 0)
            for second in (current - window)..<current { if let b = s.seconds[second] { sum = (sum.0 + b.0, sum.1 + b.1) } }
            return (Double(sum.0) / Double(window), Double(sum.1) / Double(window))
        }
    }

    /// Events ingested per `step` seconds over the last `span` seconds, oldest first.
    public func ingestSeries(at now: Timestamp, span: Int64 = 600, step: Int64 = 10) -> [Int] {
        let current = now.milliseconds / 1000
        return state.withLock { s in
            stride(from: current - span, to: current, by: Int(step)).map { start in
                (start..<(start + step)).reduce(0) { $0 + (s.seconds[$1]?.0 ?? 0) }
            }
        }
    }
}
