import PostgresNIO
import WaybillCore
import WaybillStore

/// Writing the outbox.
///
/// Recording a result clears the delivery's claim (`PostgresStore+Claims`). A failure never
/// overwrites a delivered row: a node whose claim ran out mid-attempt may record after another
/// node delivered the same delivery.
extension PostgresTransaction {
    func recordAttempt(delivery id: Int64, result: AttemptResult) throws {
        switch result {
        case .delivered(let code, let at):
            try run(
                """
                UPDATE outbox SET status = 1, attempts = attempts + 1, last_status = \(code.map(Int32.init)), last_error = NULL,
                    delivered_at = \(at.milliseconds), next_attempt_at = NULL, claimed_by = NULL, claimed_until = NULL
                WHERE id = \(id)
                """)
        case .retry(let code, let error, let next):
            try run(
                """
                UPDATE outbox SET attempts = attempts + 1, last_status = \(code.map(Int32.init)), last_error = \(error),
                    next_attempt_at = \(next.milliseconds), claimed_by = NULL, claimed_until = NULL
                WHERE id = \(id) AND status = 0
                """)
        case .dead(let code, let error, _):
            try run(
                """
                UPDATE outbox SET status = 2, attempts = attempts + 1, last_status = \(code.map(Int32.init)), last_error = \(error),
                    next_attempt_at = NULL, claimed_by = NULL, claimed_until = NULL
                WHERE id = \(id) AND status = 0
                """)
        }
    }

    func requeue(delivery id: Int64, at: Timestamp) throws -> Bool {
        try run("UPDATE outbox SET status = 0, next_attempt_at = \(at.milliseconds), claimed_by = NULL, claimed_until = NULL WHERE id = \(id)") == 1
    }

    func requeueDeliveries(subscription: SubscriptionName, seqs: ClosedRange<Int64>?, received: ClosedRange<Timestamp>?, at: Timestamp) throws -> Int {
        try run(
            """
            UPDATE outbox SET status = 0, next_attempt_at = \(at.milliseconds)
            WHERE subscription = \(subscription.rawValue) AND status <> 0
              AND seq BETWEEN \(seqs?.lowerBound ?? Int64.min) AND \(seqs?.upperBound ?? Int64.max)
              AND seq IN (SELECT seq FROM events WHERE received_at BETWEEN \(received?.lowerBound.milliseconds ?? Int64.min)
                                                                     AND \(received?.upperBound.milliseconds ?? Int64.max))
            """)
    }

    func moveDeliveries(from: SubscriptionName, to: SubscriptionName, at: Timestamp) throws -> Int {
        try run(
            """
            UPDATE outbox SET subscription = \(to.rawValue), status = 0, next_attempt_at = \(at.milliseconds), attempts = 0
            WHERE subscription = \(from.rawValue) AND status <> 1
            """)
    }
}
