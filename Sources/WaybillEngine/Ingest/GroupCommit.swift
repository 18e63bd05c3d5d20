import Dispatch
import Synchronization

/// Group commit: callers that arrive while a transaction is running are gathered into the next
/// transaction, so many requests share one commit (and one fsync). Each caller is answered only
/// after the transaction holding its work has committed.
///
/// One drain task commits batches back to back while callers wait. It runs on its own serial
/// executor rather than the shared cooperative pool, so when a commit returns the next one starts
/// at once instead of queueing behind request decoding for a thread.
final class GroupCommitter<Job: Sendable, Result: Sendable>: Sendable {
    typealias Commit = @Sendable ([Job]) async throws -> [Result]

    private struct Waiting {
        var job: Job
        var slot: Slot
    }

    private struct State {
        var queue: [Waiting] = []
        var draining = false
    }

    private let state = Mutex(State())
    private let commit: Commit
    private let maxJobsPerCommit: Int
    private let executor = SerialTaskExecutor(label: "waybill.group-commit")

    init(maxJobsPerCommit: Int, commit: @escaping Commit) {
        self.maxJobsPerCommit = maxJobsPerCommit
        self.commit = commit
    }

    /// Adds `job` to the next commit and returns its result once that commit is durable.
    func submit(_ job: Job) async throws -> Result {
        let slot = Slot()
        let start = state.withLock { s -> Bool in
            s.queue.append(Waiting(job: job, slot: slot))
            if s.draining { return false }
            s.draining = true
            return true
        }
        if start { Task(executorPreference: executor) { await self.drain() } }
        return try await slot.take()
    }

    /// Commits batches until no caller is waiting, answering each batch's callers as it commits.
    private func drain() async {
        while true {
            let batch = state.withLock { s -> [Waiting] in
                let count = min(s.queue.count, maxJobsPerCommit)
                if count == 0 { s.draining = false }
                let batch = Array(s.queue.prefix(count))
                s.queue.removeFirst(count)
                return batch
            }
            if batch.isEmpty { return }
            do {
                let results = try await commit(batch.map(\.job))
                for (waiting, result) in zip(batch, results) { waiting.slot.fulfil(.success(result)) }
            } catch {
                for waiting in batch { waiting.slot.fulfil(.failure(error)) }
            }
        }
    }

    /// A one-shot hand-off of one caller's result.
    final class Slot: Sendable {
        private struct Box {
            var value: Swift.Result<Result, any Error>?
            var waiter: CheckedContinuation<Result, any Error>?
        }

        private let box = Mutex(Box())

        func fulfil(_ value: Swift.Result<Result, any Error>) {
            let waiter = box.withLock { b -> CheckedContinuation<Result, any Error>? in
                if let w = b.waiter {
                    b.waiter = nil
                    return w
                }
                b.value = value
                return nil
            }
            waiter?.resume(with: value)
        }

        func take() async throws -> Result {
            try await withCheckedThrowingContinuation { continuation in
                let ready = box.withLock { b -> Swift.Result<Result, any Error>? in
                    if let v = b.value { return v }
                    b.waiter = continuation
                    return nil
                }
                if let ready { continuation.resume(with: ready) }
            }
        }
    }
}

/// Runs the jobs of the tasks that prefer it, one at a time, on a dispatch queue of its own.
final class SerialTaskExecutor: TaskExecutor {
    private let queue: DispatchQueue

    init(label: String) { queue = DispatchQueue(label: label) }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}
