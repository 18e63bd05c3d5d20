import Logging
import Synchronization
import WaybillCore
import WaybillStore

/// The hub in one process: ingest, order views, exceptions, parked events, rebuild.
///
/// ```swift
/// let hub = Hub(store: try SQLiteStore(path: "waybill.sqlite"), landscape: landscape,
///               policies: Policies(), clock: SystemClock(), random: HubRandom(seed: seed))
/// let results = try await hub.ingest(body: Array(json.utf8))
/// ```
public final class Hub: Sendable {
    public let store: any Store
    public let landscape: Landscape
    public let lifecycle: OrderLifecycle
    public let clock: any HubClock
    public let random: HubRandom
    /// The targets of the service-level clocks (`slo:`, `policies.highValueOrder`).
    public let serviceLevels: ServiceLevels
    let logger: Logger
    /// Whether the store takes writes (for readiness, and for the services' retries).
    public let storeHealth: StoreHealth
    /// What this node has done lately (the console's live figures).
    public let activity = HubActivity()
    /// The ingest group commits: one per writer the store runs at once (`Store.concurrentWriters`),
    /// requests dealt to them in turn.
    private let committers: [GroupCommitter<[IngestItem], [EventResult]>]
    private let nextCommitter = Atomic<Int>(0)

    public init(
        store: any Store, landscape: Landscape, policies: Policies, clock: any HubClock, random: HubRandom, maxRequestsPerCommit: Int = 256,
        serviceLevels: ServiceLevels = ServiceLevels(), logger: Logger = Logger(label: "waybill.hub")
    ) {
        self.serviceLevels = serviceLevels
        self.store = store
        self.landscape = landscape
        var policies = policies
        // The validations are the landscape's validating subscriptions (one source of truth).
        if policies.validations.isEmpty { policies.validations = landscape.validations }
        self.lifecycle = OrderLifecycle(policies: policies)
        self.clock = clock
        self.random = random
        self.logger = logger
        self.storeHealth = StoreHealth(logger: logger)
        let lifecycle = self.lifecycle
        committers = (0..<max(1, store.concurrentWriters)).map { _ in
            GroupCommitter(maxJobsPerCommit: maxRequestsPerCommit) { requests in
                let now = clock.now()
                let outlook = BatchOutlook(requests.joined())
                return try await store.write { tx in
                    try tx.prepare(for: outlook)
                    let step = IngestStep(
                        tx: tx, lifecycle: lifecycle, landscape: landscape, random: random, now: now, mode: .live, serviceLevels: serviceLevels)
                    return try requests.map { items in try items.map { try Hub.ingest($0, step: step) } }
                }
            }
        }
    }

    static func ingest(_ item: IngestItem, step: IngestStep) throws -> EventResult {
        switch item {
        case .event(let event):
            return try step.ingest(event)
        case .invalid(let source, let id, let subject, let error):
            let detail = error.path.map { "\(error.message) (at \($0))" } ?? error.message
            try step.tx.raise(
                NewException(
                    kind: .invalidEvent, code: error.code.rawValue, key: subject.map { "subject:\($0)" }, eventSeq: nil,
                    message: "event \(id ?? "without id") from \(source ?? "unknown source"): \(detail)", raisedAt: step.now))
            return EventResult(source: source, id: id, outcome: .exception, code: error.code.rawValue, detail: detail)
        }
    }

    /// Ingests a request body (one CloudEvent or a batch) and answers one result per event, in
    /// request order, once they are durably committed.
    ///
    /// - Parameter system: the authenticated sender; every event must carry its source and a
    ///   type it publishes, else the whole request is refused and nothing is stored.
    /// - Throws: `WaybillError` when the request is refused as a whole; store errors.
    public func ingest(body: [UInt8], from system: SystemName? = nil) async throws -> [EventResult] {
        let items = try IngestDecoder.decode(body)
        if let system { try authorize(items, as: system) }
        return try await ingest(items)
    }

    /// Ingests decoded items (one group-committed transaction shared with concurrent callers).
    public func ingest(_ items: [IngestItem]) async throws -> [EventResult] {
        do {
            let committer = committers[(nextCommitter.wrappingAdd(1, ordering: .relaxed).oldValue & Int.max) % committers.count]
            let results = try await committer.submit(items)
            let now = clock.now()
            storeHealth.succeeded(at: now)
            activity.record(ingested: results.count { $0.outcome != .duplicate }, at: now)
            let types: [EventType?] = items.map { if case .event(let e) = $0 { e.envelope.type } else { nil } }
            HubMetrics.ingested(results, types: types, landscape: landscape)
            return results
        } catch {
            // Logged once when the store starts failing (not per request); the caller gets the error.
            storeHealth.failed(error, at: clock.now(), component: "ingest")
            throw error
        }
    }

    func authorize(_ items: [IngestItem], as system: SystemName) throws(WaybillError) {
        let publishes = landscape.systems[system]?.publishes ?? []
        for (index, item) in items.enumerated() {
            let path = items.count == 1 ? "$" : "$[\(index)]"
            switch item {
            case .event(let event):
                guard event.envelope.source == system.source else {
                    throw WaybillError(.sourceMismatch, "source \(event.envelope.source) is not \(system.source), the sender's own", at: "\(path).source")
                }
                guard publishes.contains(event.envelope.type) else {
                    throw WaybillError(.typeNotPublished, "\(system) may not publish \(event.envelope.type.rawValue)", at: "\(path).type")
                }
            case .invalid(let source, _, _, _):
                if let source, source != system.source {
                    throw WaybillError(.sourceMismatch, "source \(source) is not \(system.source), the sender's own", at: "\(path).source")
                }
            }
        }
    }

    // MARK: Reading

    public func order(_ id: OrderID) async throws -> OrderState? {
        try await store.read { try $0.order(id) }
    }

    /// The order view of EVENTS.md, with each subscription's delivery progress.
    public func orderView(_ id: OrderID) async throws -> JSONValue? {
        try await store.read { reader in
            guard let state = try reader.order(id) else { return nil }
            return state.viewJSON(systems: try reader.deliveryProgress(key: RecordKey.order(id)))
        }
    }

    public func exceptions(_ filter: ExceptionFilter = ExceptionFilter()) async throws -> [ExceptionRecord] {
        try await store.read { try $0.exceptions(filter) }
    }

    // MARK: Housekeeping

    /// One round of the periodic jobs: a heartbeat written to the store (a real write, so a store
    /// that cannot take writes — a full disk — is noticed, and its recovery too), then — on the
    /// node holding the `housekeeping` lease, one at a time when several share the store — the
    /// park and acknowledgement timeouts and the service-level clocks. The lease runs `lease`
    /// from each round: when its node stops beating, another takes over once it has run out.
    /// Returns whether this node ran the jobs. Throws the store's error; the caller retries with backoff.
    @discardableResult
    public func housekeep(node: String = "waybill", lease: Duration = .seconds(15), retention: Retention = Retention()) async throws -> Bool {
        let now = clock.now()
        do {
            let holds = try await store.write { tx in
                try tx.beat(node: node, at: now)
                return try tx.holdLease("housekeeping", holder: node, now: now, until: now.adding(lease))
            }
            storeHealth.succeeded(at: now)
            guard holds else { return false }
            try await expireParkedEvents()
            try await expireAcknowledgementWindows()
            try await evaluateServiceLevels()
            try await applyRetention(retention)
            return true
        } catch {
            storeHealth.failed(error, at: clock.now(), component: "housekeeping")
            throw error
        }
    }

    /// Removes what `retention` no longer keeps, `batch` rows per transaction (short ones: a
    /// long transaction would hold back PostgreSQL's vacuum and SQLite's checkpoints), at most
    /// `rounds` batches per call so the other periodic jobs keep their pace; the rest goes next
    /// time. Returns how many deliveries were removed.
    @discardableResult
    public func applyRetention(_ retention: Retention, batch: Int = 1_000, rounds: Int = 20) async throws -> Int {
        let now = clock.now()
        var removed = 0
        if let keep = retention.deliveredMilliseconds {
            let cutoff = now.adding(milliseconds: -keep)
            for _ in 0..<rounds {
                let count = try await store.write { tx in try tx.removeDelivered(before: cutoff, limit: batch) }
                removed += count
                if count < batch { break }
            }
        }
        if let keep = retention.heartbeatMilliseconds {
            let cutoff = now.adding(milliseconds: -keep)
            _ = try await store.write { tx in try tx.forgetNodes(seenBefore: cutoff) }
        }
        return removed
    }

    /// Raises a `sequencing` exception for each event parked longer than the park timeout.
    /// The event stays parked and is still applied if its order arrives.
    @discardableResult
    public func expireParkedEvents() async throws -> Int {
        let now = clock.now()
        let cutoff = now.adding(milliseconds: -lifecycle.policies.parkTimeoutMilliseconds)
        return try await store.write { tx in
            let expired = try tx.parkedEvents(receivedBefore: cutoff, unexpiredOnly: true)
            for parked in expired {
                let type = try tx.event(parked.seq)?.event.type.rawValue ?? "event"
                try tx.raise(
                    NewException(
                        kind: .sequencing, code: ErrorCode.parkTimeout.rawValue, key: parked.key, eventSeq: parked.seq,
                        message: "\(type) #\(parked.seq) has waited since \(parked.receivedAt) for \(parked.awaitedText)",
                        raisedAt: now))
            }
            return expired.count
        }
    }

    /// Rebuilds every projection from the event log, in one transaction.
    public func rebuildProjections() async throws {
        let lifecycle = self.lifecycle
        let landscape = self.landscape
        let random = self.random
        let now = clock.now()
        try await store.write { tx in
            try tx.clearProjections()
            let step = IngestStep(tx: tx, lifecycle: lifecycle, landscape: landscape, random: random, now: now, mode: .rebuild)
            var after: Int64 = 0
            while true {
                let events = try tx.inboundEvents(after: after, limit: 1_000)
                guard let last = events.last else { break }
                for stored in events where stored.outcome != .duplicate { try step.replay(stored) }
                after = last.seq
            }
        }
    }
}

extension ParkedEvent {
    /// What the event waits for, as the `sequencing` exception says it.
    var awaitedText: String {
        if let awaiting { return awaiting }
        return "\(RecordKey.orderId(of: key)?.rawValue ?? key), which the hub has not seen"
    }
}
