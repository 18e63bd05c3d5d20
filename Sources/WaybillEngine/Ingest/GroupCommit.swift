import Synchronization

/// Group commit: callers that arrive while a transaction is running are gathered into the next
/// transaction, so many requests share one commit (and one fsync). Each caller is answered only
/// after the transaction holding its work has committed.
///
/// There is no background task: the first caller becomes the leader and commits a batch; when it
/// is done, the oldest waiting caller is made leader for the next batch.
final class GroupCommitter<Job: Sendable, Result: Sendable>: Sendable {
    typealias Commit = @Sendable ([Job]) async throws -> [Result]

    private struct Waiting {
        var job: Job
        var slot: Slot
    }

    private struct State {
        var queue: [Waiting] = []
        var leading = false
    }

    private let state = Mutex(State())
    private let commit: Commit
    private let maxJobsPerCommit: Int

    init(maxJobsPerCommit: Int, commit: @escaping Commit) {
        self.maxJobsPerCommit = maxJobsPerCommit
        self.commit = commit
    }

    /// Adds `job` to the next commit and returns its result once that commit is durable.
    func submit(_ job: Job) async throws -> Result {
        let slot = Slot()
        let lead = state.withLock { s -> Bool in
            s.queue.append(Waiting(job: job, slot: slot))
            if s.leading { return false }
            s.leading = true
            return true
        }
        if lead { await commitNextBatch() }
        while true {
            switch try await slot.take() {
            case .result(let result): return result
            case .lead: await commitNextBatch()
            }
        }
    }

    /// Commits one batch, answers its callers, then hands leadership to the oldest waiting caller.
    private func commitNextBatch() async {
        let batch = state.withLock { s -> [Waiting] in
            let count = min(s.queue.count, maxJobsPerCommit)
            let batch = Array(s.queue.prefix(count))
            s.queue.removeFirst(count)
            return batch
        }
        if !batch.isEmpty {
            do {
                let results = try await commit(batch.map(\.job))
                for (waiting, result) in zip(batch, results) { waiting.slot.fulfil(.success(.result(result))) }
            } catch {
                for waiting in batch { waiting.slot.fulfil(.failure(error)) }
            }
        }
        let next = state.withLock { s -> Slot? in
            guard let first = s.queue.first else {
                s.leading = false
                return nil
            }
            return first.slot
        }
        next?.fulfil(.success(.lead))
    }

    enum Signal: Sendable {
        case result(Result)
        /// This caller leads the next commit.
        case lead
    }

    /// A one-shot, resettable hand-off between the leader and one waiting caller.
    final class Slot: Sendable {
        private struct Box {
            var value: Swift.Result<Signal, any Error>?
            var waiter: CheckedContinuation<Signal, any Error>?
        }

        private let box = Mutex(Box())

        func fulfil(_ value: Swift.Result<Signal, any Error>) {
            let waiter = box.withLock { b -> CheckedContinuation<Signal, any Error>? in
                if let w = b.waiter {
                    b.waiter = nil
                    return w
                }
                b.value = value
                return nil
            }
            waiter?.resume(with: value)
        }

        func take() async throws -> Signal {
            try await withCheckedThrowingContinuation { continuation in
                let ready = box.withLock { b -> Swift.Result<Signal, any Error>? in
                    if let v = b.value {
                        b.value = nil
                        return v
                    }
                    b.waiter = continuation
                    return nil
                }
                if let ready { continuation.resume(with: ready) }
            }
        }
    }
}
