import Dispatch
import Synchronization

/// Renders byte bodies (hub events' JSON) on a helper thread while the writer goes on with its
/// transaction; at the end the writer renders whatever the helper has not started, waits for
/// the one it is on, and gets every body in submission order.
final class ParallelRenderer: Sendable {
    typealias Job = @Sendable () -> [UInt8]

    private struct State {
        var jobs: [Job] = []
        var results: [[UInt8]?] = []
        var next = 0
        var helperRunning = false
        var finisher: DispatchSemaphore?
    }

    private static let helpers = DispatchQueue(label: "waybill.render", attributes: .concurrent)
    private let state = Mutex(State())

    /// Jobs that wait before an idle helper is woken: waking a thread costs more than one job.
    static let wakeAfter = 32

    /// Queues `job` and returns its index in what `finish` returns; wakes the helper once enough
    /// jobs wait.
    @discardableResult
    func submit(_ job: @escaping Job) -> Int {
        let (index, start) = state.withLock { s -> (Int, Bool) in
            s.jobs.append(job)
            s.results.append(nil)
            if s.helperRunning || s.jobs.count - s.next < Self.wakeAfter { return (s.jobs.count - 1, false) }
            s.helperRunning = true
            return (s.jobs.count - 1, true)
        }
        if start { Self.helpers.async { self.helpWhileJobsRemain() } }
        return index
    }

    /// Every body, in the order submitted, once all are rendered.
    func finish() -> [[UInt8]] {
        while let (index, job) = take(asHelper: false) { store(job(), at: index) }
        let wait = state.withLock { s -> DispatchSemaphore? in
            guard s.helperRunning else { return nil }
            let semaphore = DispatchSemaphore(value: 0)
            s.finisher = semaphore
            return semaphore
        }
        wait?.wait()
        return state.withLock { s in
            let results = s.results.map { $0 ?? [] }
            // What the jobs captured (order states) is released off the writer.
            let finished = s.jobs
            s.jobs = []
            s.results = []
            Self.release(finished)
            return results
        }
    }

    /// Drops `values` on the helper queue: freeing many order states and bodies costs the
    /// writer time it need not spend.
    static func release<T>(_ values: sending T) {
        let box = Disposal(values)
        helpers.async { box.drop() }
    }

    private final class Disposal<T>: @unchecked Sendable {
        private var value: T?
        init(_ value: T) { self.value = value }
        func drop() { value = nil }
    }

    /// The next job not yet started. A helper that finds none stops, in the same step, and
    /// wakes a writer waiting in `finish`.
    private func take(asHelper: Bool) -> (Int, Job)? {
        state.withLock { s -> (Int, Job)? in
            if s.next < s.jobs.count {
                defer { s.next += 1 }
                return (s.next, s.jobs[s.next])
            }
            if asHelper {
                s.helperRunning = false
                s.finisher?.signal()
                s.finisher = nil
            }
            return nil
        }
    }

    private func store(_ body: [UInt8], at index: Int) {
        state.withLock { $0.results[index] = body }
    }

    private func helpWhileJobsRemain() {
        while let (index, job) = take(asHelper: true) { store(job(), at: index) }
    }
}
