import Logging
import Synchronization
import WaybillCore
import WaybillStore

/// Moves the outbox: attempts due deliveries through their adapters, in order per
/// (subscription, order), with retries on the subscription's schedule and dead letters.
public final class DeliveryScheduler: Sendable {
    let hub: Hub
    let adapters: AdapterRegistry
    let concurrency: Int
    /// At most this many attempts to one endpoint at once.
    let perEndpoint: Int
    let logger: Logger
    /// This node's name, in the claims it takes on a store many nodes share.
    let node: String
    /// How long a claim holds without being renewed: a node that dies loses its claims after this.
    let lease: Duration
    /// The store's claims when several nodes share it (PostgreSQL); nil when this process is the
    /// store's only user (SQLite), which reads what is due instead.
    let claims: (any DeliveryClaims)?
    private let inFlight = Mutex(Set<Int64>())
    /// The deliveries this node claimed and has not finished or released (renewed while held).
    private let held = Mutex(Set<Int64>())
    private let inFlightPerEndpoint = Mutex([String: Int]())
    private let breakers = Mutex([String: CircuitBreaker]())
    /// Validation deliveries admitted while their endpoint's circuit is open, to be settled by
    /// their fallback without a call.
    let shortCircuited = Mutex(Set<Int64>())
    /// Subscribers' own ids looked up lately (see `SubscriberBody`).
    let subscriberIds = SubscriberIds()
    private let wakeup = Wakeup()
    /// Attempt results of concurrent deliveries share one transaction (and one fsync).
    private let recorder: GroupCommitter<[Attempt], Void>

    /// - Parameters:
    ///   - concurrency: attempts in flight at once; 1 attempts strictly in outbox order.
    ///   - node: this node's name in its delivery claims (on a store several nodes share).
    ///   - lease: how long a claim holds unless renewed (renewed every third of it while held).
    public init(
        hub: Hub, adapters: AdapterRegistry, concurrency: Int = 32, perEndpoint: Int = 8, node: String = "waybill", lease: Duration = .seconds(10),
        logger: Logger = Logger(label: "waybill.delivery")
    ) {
        self.node = node
        self.lease = lease
        claims = hub.store as? any DeliveryClaims
        self.perEndpoint = max(1, perEndpoint)
        self.hub = hub
        self.logger = logger
        self.adapters = adapters
        self.concurrency = max(1, concurrency)
        let store = hub.store
        let clock = hub.clock
        let (levels, landscape) = (hub.serviceLevels, hub.landscape)
        recorder = GroupCommitter(maxJobsPerCommit: 1_024) { batches in
            let now = clock.now()
            try await store.write { tx in
                let clocks = ClockKeeper(tx: tx, levels: levels, landscape: landscape)
                var propagation = PropagationRollup()
                for attempt in batches.joined() {
                    try tx.recordAttempt(delivery: attempt.job.id, result: attempt.result)
                    if case .delivered(_, let at) = attempt.result {
                        propagation.add(attempt.job, deliveredAt: at)
                        if ClockKeeper.awaitsDeliveries(of: attempt.job.type) { try clocks.delivered(seq: attempt.job.seq) }
                    }
                    if attempt.gone {
                        try tx.setSubscription(attempt.job.subscription, disabled: true, reason: "the endpoint answered 410 Gone", at: now, by: "hub")
                    }
                    // The system named the record it created: later calls address it by that id.
                    if let (system, external) = attempt.created, let order = RecordKey.orderId(of: attempt.job.key) {
                        try tx.saveExternalId(kind: "order", system: system, canonical: order.rawValue, external: external)
                    }
                }
                for rollup in propagation.rollups { try tx.addToKPI(rollup) }
            }
            return batches.map { _ in () }
        }
    }

    /// Attempts every delivery that is due now (at most one per subscription and order) once,
    /// records the results in one transaction, and returns how many were attempted.
    @discardableResult
    public func deliverDue(limit: Int = 512) async throws -> Int {
        let now = hub.clock.now()
        let busy = inFlight.withLock { $0 }
        let due = try await fetchDue(now: now, excluding: busy, limit: limit)
        let jobs = admit(due, at: now)
        try await release(due, keeping: jobs)
        guard !jobs.isEmpty else { return 0 }
        inFlight.withLock { $0.formUnion(jobs.map(\.id)) }
        defer {
            inFlight.withLock { $0.subtract(jobs.map(\.id)) }
            held.withLock { $0.subtract(jobs.map(\.id)) }
        }

        var outcomes: [Attempt] = []
        if concurrency == 1 {
            for job in jobs { outcomes.append(await attempt(job)) }
        } else {
            outcomes = await withTaskGroup(of: Attempt.self) { group in
                var collected: [Attempt] = []
                var iterator = jobs.makeIterator()
                for _ in 0..<min(concurrency, jobs.count) {
                    if let job = iterator.next() {
                        group.addTask {
                            await self.attempt(job)
                        }
                    }
                }
                while let outcome = await group.next() {
                    collected.append(outcome)
                    if let job = iterator.next() {
                        group.addTask {
                            await self.attempt(job)
                        }
                    }
                }
                return collected
            }
        }
        try await record(outcomes)
        return jobs.count
    }

    /// Due deliveries, at most one per (subscription, key): claimed for this node for a lease
    /// when several nodes share the store, read otherwise (leaving out `excluding`, in flight here).
    func fetchDue(now: Timestamp, excluding busy: Set<Int64>, limit: Int) async throws -> [DeliveryJob] {
        if let claims {
            let skipping = adoptCircuits(try await claims.openCircuits(now: now), at: now)
            let jobs = try await claims.claimDeliveries(
                node: node, now: now, until: now.adding(lease), limit: limit, perSubscription: perEndpoint, skipping: skipping)
            held.withLock { $0.formUnion(jobs.map(\.id)) }
            return jobs
        }
        return try await hub.store.read { try $0.dueDeliveries(now: now, excluding: busy, limit: limit) }
    }

    /// Gives back the claims on fetched jobs that will not be started now (their circuit is open,
    /// or this node is stopping), so another node, or this one later, takes them without waiting
    /// for the lease to run out. Nothing to do on a store only this process uses.
    func release(_ fetched: [DeliveryJob], keeping started: [DeliveryJob] = []) async throws {
        guard let claims else { return }
        let kept = Set(started.map(\.id))
        let ids = fetched.map(\.id).filter { !kept.contains($0) }
        guard !ids.isEmpty else { return }
        held.withLock { $0.subtract(ids) }
        try await claims.releaseClaims(node: node, ids: ids)
    }

    /// Extends this node's claims every third of the lease (in real time) while `run` runs, since
    /// attempts, and jobs waiting for a slot, can outlast a lease; returns when cancelled.
    func renewClaims() async {
        guard let claims else { return }
        while !Task.isCancelled {
            do { try await Task.sleep(for: lease / 3) } catch { return }
            let now = hub.clock.now()
            do {
                try await claims.renewClaims(node: node, ids: held.withLock { Array($0) }, until: now.adding(lease))
            } catch {
                hub.storeHealth.failed(error, at: now, component: "delivery")
            }
        }
    }

    /// Delivers continuously until cancelled: keeps up to `concurrency` attempts in flight and
    /// records each result as soon as it is known, so a slow or dead endpoint never holds up the
    /// others; sleeps `pollInterval` when nothing is due — less when the store wakes it because
    /// deliveries were written (`DeliveryWakeups`, PostgreSQL). Returns normally when cancelled.
    ///
    /// A store that fails does not end it: the failure is reported to `hub.storeHealth`, and the
    /// outbox is read again after a backoff (`StoreRetry`). An attempt whose result cannot be
    /// recorded stays pending and is attempted again (same `webhook-id`: at least once).
    ///
    /// Due deliveries are read a batch at a time and started from that batch as slots free up;
    /// the batch is read again when it is used up or older than `refresh`, so new work is seen
    /// within `refresh` and the outbox is not queried once per attempt. On a store several nodes
    /// share, the batch is claimed instead (at most twice `concurrency` held at once, renewed
    /// while held, released when not started or when the scheduler stops).
    public func run(
        pollInterval: Duration, refresh: Duration = .milliseconds(100), sleep: @escaping @Sendable (Duration) async throws -> Void
    ) async throws {
        let refreshMilliseconds = refresh.wholeMilliseconds
        try await withThrowingDiscardingTaskGroup { group in
            // Fetched, due, not yet started; in due order.
            var ready: [DeliveryJob] = []
            var fetchedAt = Timestamp(milliseconds: .min)
            var failures = 0
            if claims != nil { group.addTask { await self.renewClaims() } }
            // A store that tells of new deliveries (PostgreSQL, any node's) cuts the idle wait short.
            let wakeups = hub.store as? any DeliveryWakeups
            let hint = Wakeup()
            if let wakeups { group.addTask { for await _ in wakeups.deliveryWakeups() { hint.signal() } } }
            while !Task.isCancelled {
                let busy = inFlight.withLock { $0 }
                var started = 0
                if busy.count < concurrency {
                    let now = hub.clock.now()
                    if ready.isEmpty || now.milliseconds - fetchedAt.milliseconds >= refreshMilliseconds {
                        do {
                            if claims != nil {
                                // Claimed jobs stay ours until started or released: what is
                                // claimed now comes after them, and at most twice the slots are held.
                                ready += try await fetchDue(now: now, excluding: busy, limit: concurrency * 2 - ready.count)
                            } else {
                                ready = try await fetchDue(now: now, excluding: busy, limit: max(256, concurrency * 8))
                            }
                            fetchedAt = now
                            failures = 0
                        } catch is CancellationError {
                            break
                        } catch {
                            failures += 1
                            hub.storeHealth.failed(error, at: now, component: "delivery")
                            try? await release(ready)
                            ready.removeAll()
                            do { try await sleep(StoreRetry.delay(afterFailures: failures)) } catch is CancellationError { break }
                            continue
                        }
                    }
                    let admitted = admit(ready, at: now, limit: concurrency - busy.count)
                    if !admitted.isEmpty {
                        let ids = Set(admitted.map(\.id))
                        ready.removeAll { ids.contains($0.id) }
                    }
                    for job in admitted {
                        inFlight.withLock { _ = $0.insert(job.id) }
                        group.addTask { await self.attemptAndRecord(job) }
                        started += 1
                    }
                }
                let running = inFlight.withLock { $0.count }
                if running >= concurrency || (started == 0 && !ready.isEmpty && running > 0) {
                    // Every slot is busy, or everything due waits for a busy endpoint: go on as
                    // soon as an attempt finishes.
                    await wakeup.wait()
                } else if started == 0 {
                    // Nothing is due: wait a poll interval (attempts in flight go on meanwhile), or
                    // until a wake-up, a hint that is never relied on (polling stays behind it).
                    try? await release(ready)
                    ready.removeAll()
                    if wakeups == nil {
                        do { try await sleep(pollInterval) } catch is CancellationError { break }
                    } else {
                        await Self.wait(pollInterval, orUntil: hint, sleep: sleep)
                    }
                }
            }
            group.cancelAll()
        }
        // Stopping: what this node claimed and did not finish is free for the others at once.
        if let claims {
            held.withLock { $0.removeAll() }
            try? await claims.releaseClaims(node: node, ids: nil)
        }
    }

    /// Sleeps `interval`, or less when `hint` is signalled meanwhile (or was since the last wait).
    static func wait(_ interval: Duration, orUntil hint: Wakeup, sleep: @escaping @Sendable (Duration) async throws -> Void) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await sleep(interval) }
            group.addTask { await hint.wait() }
            await group.next()
            group.cancelAll()
        }
    }

    /// The endpoint a subscription delivers to (its breaker's key).
    func endpoint(of name: SubscriptionName) -> String {
        guard let subscription = hub.landscape.subscriptions[name] else { return name.rawValue }
        if case .webhook(let url, _) = subscription.adapter { return url }
        return name.rawValue
    }

    /// The jobs whose endpoint's circuit lets them through now (one probe per half-open endpoint).
    /// At most `limit` are admitted, so a half-open probe is never admitted and then left unstarted.
    func admit(_ jobs: [DeliveryJob], at now: Timestamp, limit: Int = .max) -> [DeliveryJob] {
        breakers.withLock { breakers in
            var admitted: [DeliveryJob] = []
            var probing: Set<String> = []
            var counts = inFlightPerEndpoint.withLock { $0 }
            for job in jobs where admitted.count < limit {
                let key = endpoint(of: job.subscription)
                // Bounded concurrency per endpoint: a slow system cannot take every slot.
                guard counts[key, default: 0] < perEndpoint else { continue }
                counts[key, default: 0] += 1
                var breaker = breakers[key] ?? CircuitBreaker()
                if case .closed = breaker.state {
                    admitted.append(job)
                    continue
                }
                if !probing.contains(key), breaker.allows(at: now) {
                    probing.insert(key)
                    admitted.append(job)
                } else if job.attempts == 0, hub.landscape.subscriptions[job.subscription]?.validation != nil {
                    // An order must not wait for a circuit to close: its fallback applies at once.
                    shortCircuited.withLock { _ = $0.insert(job.id) }
                    admitted.append(job)
                }
                breakers[key] = breaker
            }
            return admitted
        }
    }

    /// Opens this node's circuits that other nodes opened (`shared`, from the store), and
    /// returns the subscriptions not to claim now: those whose endpoint's circuit is open and
    /// not yet due a probe, or probing — but not validations, whose fallback applies at once.
    func adoptCircuits(_ shared: [String: Timestamp], at now: Timestamp) -> Set<SubscriptionName> {
        breakers.withLock { breakers in
            for (endpoint, until) in shared { breakers[endpoint, default: CircuitBreaker()].open(until: until) }
            var skipping: Set<SubscriptionName> = []
            for (name, subscription) in hub.landscape.subscriptions where subscription.validation == nil {
                guard let breaker = breakers[endpoint(of: name)] else { continue }
                if let until = breaker.openUntil, until > now {
                    skipping.insert(name)
                } else if case .halfOpen = breaker.state {
                    skipping.insert(name)
                }
            }
            return skipping
        }
    }

    /// Whether the endpoint of `subscription` has its circuit open (or half-open, probing).
    public func isCircuitOpen(_ subscription: SubscriptionName) -> Bool {
        let key = endpoint(of: subscription)
        return breakers.withLock { $0[key]?.isOpen ?? false }
    }

    /// Records an attempt's result in its endpoint's circuit; returns the change other nodes
    /// must learn of (the circuit opened until a time, or closed again: nil), if any.
    func recordOutcome(_ job: DeliveryJob, _ result: AttemptResult) -> (endpoint: String, openUntil: Timestamp?)? {
        let success: Bool
        switch result {
        case .delivered: success = true
        case .retry, .dead: success = false
        }
        let key = endpoint(of: job.subscription)
        let now = hub.clock.now()
        return breakers.withLock { breakers in
            var breaker = breakers[key] ?? CircuitBreaker()
            let wasOpen = breaker.isOpen
            let openedUntil = breaker.openUntil
            breaker.record(success: success, at: now)
            breakers[key] = breaker
            if let until = breaker.openUntil, until != openedUntil { return (key, until) }
            if wasOpen && !breaker.isOpen { return (key, nil) }
            return nil
        }
    }

    func attemptAndRecord(_ job: DeliveryJob) async {
        let key = endpoint(of: job.subscription)
        inFlightPerEndpoint.withLock { $0[key, default: 0] += 1 }
        defer {
            inFlight.withLock { _ = $0.remove(job.id) }
            held.withLock { _ = $0.remove(job.id) }
            inFlightPerEndpoint.withLock { $0[key, default: 1] -= 1 }
            wakeup.signal()
        }
        // A result that cannot be recorded (the store fails) leaves the delivery pending: it is
        // attempted again later. `record` has told the store's health.
        try? await record([await attempt(job)])
    }

    /// Records attempts in one transaction; a 410 Gone disables the subscription, which keeps its
    /// deliveries pending until an admin enables it again.
    func record(_ outcomes: [Attempt]) async throws {
        var circuits: [(endpoint: String, openUntil: Timestamp?)] = []
        for attempt in outcomes {
            let job = attempt.job
            HubMetrics.attempted(job, attempt.result)
            if !attempt.gone, !attempt.held, let change = recordOutcome(job, attempt.result) { circuits.append(change) }
            if case .dead(let code, let error, _) = attempt.result { logDeadLetter(job, code: code, error: error) }
            if attempt.gone {
                logger.warning(
                    "subscription disabled by 410 Gone", metadata: ["waybill.subscription": "\(job.subscription)", "waybill.trace_id": "\(job.traceId)"])
            }
        }
        // Other nodes keep away from an endpoint this one saw fail (a lost write only means they
        // find out by failing themselves).
        if let claims {
            for change in circuits { try? await claims.setCircuit(endpoint: change.endpoint, openUntil: change.openUntil) }
        }
        do {
            try await recorder.submit(outcomes)
            let now = hub.clock.now()
            hub.storeHealth.succeeded(at: now)
            hub.activity.record(delivered: outcomes.count { if case .delivered = $0.result { true } else { false } }, at: now)
            // A captured id is in the store now: the next call must address the record by it.
            for attempt in outcomes {
                guard let (system, _) = attempt.created, let order = RecordKey.orderId(of: attempt.job.key) else { continue }
                subscriberIds.forget(.init(kind: "order", system: system, id: order.rawValue))
            }
        } catch is CancellationError {
            throw CancellationError()  // shutting down: the results are recorded after restart
        } catch {
            hub.storeHealth.failed(error, at: hub.clock.now(), component: "delivery")
            throw error
        }
    }

    func logDeadLetter(_ job: DeliveryJob, code: Int?, error: String) {
        logger.warning(
            "delivery dead-lettered",
            metadata: [
                "waybill.subscription": "\(job.subscription)", "waybill.record": "\(job.key)", "waybill.delivery_id": "\(job.id)",
                "waybill.trace_id": "\(job.traceId)", "waybill.status_code": "\(code.map(String.init) ?? "none")", "waybill.error": "\(error)",
            ])
    }

    /// One attempt through the subscription's adapter.
    func attempt(_ job: DeliveryJob) async -> Attempt {
        guard let subscription = hub.landscape.subscriptions[job.subscription] else {
            return Attempt(job: job, result: .dead(statusCode: nil, error: "subscription \(job.subscription) is no longer configured", at: hub.clock.now()))
        }
        guard let adapter = adapters.adapter(for: subscription.adapter) else {
            return Attempt(job: job, result: .dead(statusCode: nil, error: "no \(subscription.adapter.kind) adapter is registered", at: hub.clock.now()))
        }
        let trace = TraceContext(traceID: job.traceId, spanID: hub.random.spanId())
        var body: [UInt8]
        do {
            if let stored = job.body {
                body = Self.body(stored, traceparent: trace)
            } else if let raw = job.raw {
                body = try ForwardedEvent.body(raw: raw, seq: job.seq, key: job.key, traceparent: trace)
            } else {
                return Attempt(job: job, result: .dead(statusCode: nil, error: "event #\(job.seq) has no body to deliver", at: hub.clock.now()))
            }
            // In the subscriber's own ids (and through its outbound mapping, if it has one).
            body = try await SubscriberBody.make(body, type: job.type, subscription: subscription, ids: subscriberIds, store: hub.store)
        } catch {
            return Attempt(
                job: job, result: .dead(statusCode: nil, error: "event #\(job.seq) could not be prepared for delivery: \(error)", at: hub.clock.now()))
        }
        let delivery = OutboundDelivery(
            id: job.id, deliveryId: "wbd_\(job.id)", subscription: subscription, type: job.type, key: job.key,
            body: body, traceparent: trace, attempt: job.attempts + 1)
        var outcome: DeliveryOutcome
        if shortCircuited.withLock({ $0.remove(job.id) }) != nil {
            // A validation whose system's circuit is open: not called; the fallback applies now.
            outcome = .failed(statusCode: nil, error: "circuit open: \(subscription.system) failed repeatedly and is not called for a while")
        } else {
            outcome = await adapter.deliver(delivery)
        }
        if let settings = subscription.validation {
            do {
                outcome = try await settleValidation(outcome, job: job, subscription: subscription, settings: settings)
            } catch {
                // The answer could not be recorded (the store failed): called again shortly.
                let now = hub.clock.now()
                return Attempt(
                    job: job,
                    result: .retry(statusCode: nil, error: "the answer could not be recorded: \(error)", nextAttemptAt: now.adding(milliseconds: 1_000)))
            }
        }
        let now = hub.clock.now()
        switch outcome {
        case .delivered(let code):
            return Attempt(job: job, result: .delivered(statusCode: code, at: now))
        case .created(let code, let external):
            return Attempt(job: job, result: .delivered(statusCode: code, at: now), created: (subscription.system, external))
        case .gone(let code):
            // Kept pending (due at once) while the subscription is disabled; enabling resumes it.
            return Attempt(
                job: job, result: .retry(statusCode: code, error: "the endpoint answered \(code) Gone; subscription disabled", nextAttemptAt: now), gone: true)
        case .refused(let code, let error):
            return Attempt(job: job, result: .dead(statusCode: code, error: error, at: now))
        case .answered(let code, _):
            return Attempt(job: job, result: .delivered(statusCode: code, at: now))
        case .held(let until, let note):
            // Pending until the adapter has delivered it (a CSV batch published): asked again then.
            return Attempt(job: job, result: .retry(statusCode: nil, error: note, nextAttemptAt: until), held: true)
        case .failed(let code, let error):
            guard let delay = subscription.retry.backoff(afterFailedAttempts: job.attempts + 1, unit: hub.random.unit()) else {
                return Attempt(job: job, result: .dead(statusCode: code, error: error, at: now))
            }
            return Attempt(job: job, result: .retry(statusCode: code, error: error, nextAttemptAt: now.adding(milliseconds: delay)))
        }
    }

    /// A stored hub event's CloudEvent with this attempt's `traceparent`.
    static func body(_ stored: [UInt8], traceparent: TraceContext) -> [UInt8] {
        guard case .object(var members)? = try? JSONParser.parse(stored) else { return stored }
        members.removeAll { $0.0 == "traceparent" }
        members.append(("traceparent", .string(traceparent.traceparent)))
        return JSONWriter.bytes(.object(members))
    }
}

/// One delivery attempt: the job, what came of it, and whether the endpoint said it is gone (410),
/// which disables the subscription.
struct Attempt: Sendable {
    let job: DeliveryJob
    let result: AttemptResult
    var gone = false
    /// The record the system created for the delivery's order, by its own id.
    var created: (system: SystemName, externalId: String)?
    /// The adapter holds the delivery (`DeliveryOutcome.held`): pending, and no failure.
    var held = false
}
