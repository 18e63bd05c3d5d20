import WaybillCore
import WaybillStore

extension Hub {
    /// Reprocesses a refused inbound event once its cause is fixed (the customer or item now
    /// known, the configuration changed): the event applies now, after what the hub applied
    /// since, and its deliveries go out from here; same (source, id), its effects applied once.
    /// Its refusal exception is resolved by `actor` when it applies; the action is audited.
    ///
    /// ```swift
    /// let result = try await hub.reprocess(seq: 42, by: "ana")   // .accepted, or refused again
    /// ```
    ///
    /// - Throws: `WaybillError(.notRefused)` when event `seq` is not a refused event waiting for
    ///   reprocessing (never refused, or already reprocessed).
    public func reprocess(seq: Int64, by actor: String) async throws -> EventResult {
        let lifecycle = self.lifecycle
        let landscape = self.landscape
        let random = self.random
        let serviceLevels = self.serviceLevels
        let now = clock.now()
        let result = try await store.write { tx -> EventResult in
            guard try tx.refusedEvent(seq: seq) != nil, let original = try tx.event(seq) else {
                throw WaybillError(.notRefused, "event #\(seq) is not a refused event waiting to be reprocessed")
            }
            let step = IngestStep(
                tx: tx, lifecycle: lifecycle, landscape: landscape, random: random, now: now, mode: .live, serviceLevels: serviceLevels)
            let result = try step.reprocess(original)
            let refusedAgain = try tx.refusedEvent(seq: seq) != nil
            if !refusedAgain {
                let open = try tx.exceptions(ExceptionFilter(status: .open, key: original.event.key)).filter { $0.eventSeq == seq }
                for exception in open { _ = try tx.resolveException(id: exception.id, at: now, by: actor) }
            }
            try tx.audit(
                AuditEntry(
                    at: now, actor: actor, action: "reprocess", target: "event:\(seq)",
                    detail: refusedAgain ? "refused again: \(result.code ?? "?")" : result.outcome.rawValue))
            return result
        }
        storeHealth.succeeded(at: now)
        return result
    }

    /// Reprocesses the refused event behind exception `id` (see `reprocess(seq:by:)`).
    public func reprocess(exception id: Int64, by actor: String) async throws -> EventResult {
        guard let exception = try await store.read({ try $0.exception(id) }) else {
            throw WaybillError(.notRefused, "there is no exception \(id)")
        }
        if let key = exception.key, let payload = RecordKey.keptPayloadId(of: key) {
            let receipt = try await reprocess(payload: payload, by: actor)
            return receipt.results.first ?? EventResult(source: nil, id: nil, outcome: .accepted)
        }
        guard let seq = exception.eventSeq else {
            throw WaybillError(.notRefused, "exception \(id) names no stored event (the request could not be read, so nothing was kept)")
        }
        return try await reprocess(seq: seq, by: actor)
    }

    /// Reprocesses every refused event kept with `code` (all when nil), oldest first, each in its
    /// own transaction. Returns each event's sequence number and result.
    public func reprocessRefused(code: String?, by actor: String, limit: Int = 10_000) async throws -> [(seq: Int64, result: EventResult)] {
        let refused = try await store.read { try $0.refusedEvents(code: code, limit: limit) }
        var results: [(seq: Int64, result: EventResult)] = []
        for event in refused { results.append((event.seq, try await reprocess(seq: event.seq, by: actor))) }
        return results
    }
}
