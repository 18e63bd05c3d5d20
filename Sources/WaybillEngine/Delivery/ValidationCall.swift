import WaybillCore
import WaybillMapping
import WaybillStore

/// A validation call before acceptance is a delivery of `o2c.order.validation_requested` to a
/// validating subscription, made by the scheduler off the ingest path (so a slow or silent
/// system never holds up other orders' ingest), with the subscription's timeout, retries and
/// circuit breaker. What it came to is ingested as the order's `o2c.order.validated` event from
/// the validating system — the answer mapped, or the fallback applied when there is none — so
/// the log holds it and a rebuild applies it without calling again.
///
/// The event's id is derived from the delivery (`validation-<delivery>`), so a call repeated
/// after a crash between the answer and its recording is applied once.
extension DeliveryScheduler {
    /// Records what a validation attempt came to, and returns the outcome to record for the
    /// delivery itself: an answer is delivered, an unreadable answer is refused (dead letter);
    /// a failure is retried on the schedule, its fallback recorded at the first failure.
    ///
    /// - Throws: when the store cannot take the event (the attempt is then retried).
    func settleValidation(
        _ outcome: DeliveryOutcome, job: DeliveryJob, subscription: Subscription, settings: ValidationSettings
    ) async throws
        -> DeliveryOutcome
    {
        guard let order = RecordKey.orderId(of: job.key) else { return outcome }
        switch outcome {
        case .answered(let code, let body):
            do {
                let data = try Self.answerData(body, settings: settings, order: order)
                try await recordValidated(data, id: "validation-\(job.id)", job: job, subscription: subscription)
                return .delivered(statusCode: code)
            } catch let error as ValidationAnswerError {
                let unavailable = Self.unavailable(order: order, settings: settings, reason: error.message)
                try await recordValidated(unavailable, id: "validation-\(job.id)-unreadable", job: job, subscription: subscription)
                return .refused(statusCode: code, error: error.message)
            }
        case .delivered(let code):
            try await recordPassed(order: order, job: job, subscription: subscription, settings: settings)
            return .delivered(statusCode: code)
        case .created(let code, _):
            try await recordPassed(order: order, job: job, subscription: subscription, settings: settings)
            return .delivered(statusCode: code)
        case .failed(_, let error), .refused(_, let error):
            if job.attempts == 0 {
                let unavailable = Self.unavailable(order: order, settings: settings, reason: error)
                try await recordValidated(unavailable, id: "validation-\(job.id)-unavailable", job: job, subscription: subscription)
            }
            return outcome
        case .gone, .held:
            return outcome
        }
    }

    /// A system that answers 2xx without a body (or an in-process one) lets the order pass.
    func recordPassed(order: OrderID, job: DeliveryJob, subscription: Subscription, settings: ValidationSettings) async throws {
        let passed = JSONValue.members([
            ("orderId", .string(order.rawValue)), ("validation", .string(settings.name)), ("outcome", .string(ValidationOutcome.passed.rawValue)),
        ])
        try await recordValidated(passed, id: "validation-\(job.id)", job: job, subscription: subscription)
    }

    /// Ingests the `o2c.order.validated` event from the validating system.
    func recordValidated(_ data: JSONValue, id: String, job: DeliveryJob, subscription: Subscription) async throws {
        let event = CloudEvent(
            id: id, source: subscription.system.source, type: .orderValidated, subject: RecordKey.orderId(of: job.key)?.rawValue,
            time: hub.clock.now(), traceparent: TraceContext(traceID: job.traceId, spanID: hub.random.spanId()), data: data)
        _ = try await hub.ingest(body: event.bytes)
    }

    /// The `o2c.order.validated` data of an answer: mapped by the validation's `answer:` mapping,
    /// or read as that data; checked as the canonical payload, so an answer the lifecycle
    /// could not read is caught here, with what is wrong.
    static func answerData(_ body: [UInt8], settings: ValidationSettings, order: OrderID) throws(ValidationAnswerError) -> JSONValue {
        let answer: JSONValue
        do { answer = try JSONParser.parse(body) } catch {
            throw ValidationAnswerError(message: "the \(settings.name) answer is not JSON: \(error)")
        }
        var data = answer
        if let mapping = settings.answer {
            do { data = try Mapper(mapping).answer(answer) } catch {
                throw ValidationAnswerError(message: "the \(settings.name) answer does not map: \(error)")
            }
        }
        guard case .object(var members) = data else {
            throw ValidationAnswerError(message: "the \(settings.name) answer is not a JSON object")
        }
        members.removeAll { $0.0 == "orderId" || $0.0 == "validation" }
        members.append(("orderId", .string(order.rawValue)))
        members.append(("validation", .string(settings.name)))
        let result = JSONValue.object(members)
        do { _ = try EventPayload.decode(.orderValidated, data: result, at: "$.data") } catch {
            throw ValidationAnswerError(
                message: "the \(settings.name) answer is not a validation result: \(error.message)\(error.path.map { " (at \($0))" } ?? "")")
        }
        return result
    }

    static func unavailable(order: OrderID, settings: ValidationSettings, reason: String) -> JSONValue {
        .members([
            ("orderId", .string(order.rawValue)), ("validation", .string(settings.name)), ("outcome", .string(ValidationOutcome.unavailable.rawValue)),
            ("fallback", .string(settings.fallback.rawValue)), ("reason", .string(String(reason.prefix(300)))),
        ])
    }
}

/// An answer from a validating system that cannot be read as a validation result.
struct ValidationAnswerError: Error {
    var message: String
}
