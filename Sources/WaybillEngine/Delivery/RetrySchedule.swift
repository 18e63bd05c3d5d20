import WaybillCore

/// The delays between delivery attempts of one subscription, and the backoff computed from them.
public struct RetrySchedule: Sendable, Equatable {
    /// Delay before attempt n+2 after attempt n+1 failed, in milliseconds.
    public var delays: [Int64]

    public init(delays: [Int64]) { self.delays = delays }

    /// 1s, 5s, 30s, 5m, 30m, 2h, 5h, 10h (DESIGN.md).
    public static let standard = RetrySchedule(delays: [1_000, 5_000, 30_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000])

    /// How many attempts in all before a delivery is dead-lettered.
    public var maxAttempts: Int { delays.count + 1 }

    /// The wait after the `failedAttempts`-th failure, with ±20 % jitter from `unit` in [0, 1);
    /// `nil` when the schedule is exhausted and the delivery is dead. A pure function.
    public func backoff(afterFailedAttempts failedAttempts: Int, unit: Double) -> Int64? {
        guard failedAttempts >= 1, failedAttempts <= delays.count else { return nil }
        let base = Double(delays[failedAttempts - 1])
        let factor = 0.8 + 0.4 * min(max(unit, 0), 0.999_999)
        return max(1, Int64(base * factor))
    }
}
