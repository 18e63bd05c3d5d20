import Foundation
import Hummingbird
import WaybillCore
import WaybillEngine
import WaybillStore

/// The console's forms: each calls one engine operation (authorised and audited there) and
/// sends the person back where they were, with a notice.
extension Console {
    func release(_ visit: Visit, _ form: FormBody, _ order: OrderID) async throws -> Response {
        guard let kind = form["hold"].flatMap(HoldKind.init(rawValue:)) else {
            throw OperationRefused(.notFound, "unknown_hold", "no such kind of hold")
        }
        _ = try await hub.releaseHold(order: order, hold: kind, note: form["note"], by: visit.person)
        return Self.redirect(back(form, default: "/ui/orders/\(order.rawValue.addingPercentEncodingForPath)") + "?notice=released")
    }

    func resolve(_ visit: Visit, _ form: FormBody, _ text: String) async throws -> Response {
        guard let id = Int64(text) else { throw OperationRefused(.notFound, "unknown_exception", "no exception \(text)") }
        try await hub.resolve(exception: id, note: form["note"], by: visit.person)
        return Self.redirect("/ui/exceptions/\(id)?notice=resolved")
    }

    func reprocess(_ visit: Visit, _ text: String) async throws -> Response {
        guard let id = Int64(text) else { throw OperationRefused(.notFound, "unknown_exception", "no exception \(text)") }
        _ = try await hub.reprocess(exception: id, by: visit.person)
        return Self.redirect("/ui/exceptions/\(id)?notice=reprocessed")
    }

    func retry(_ visit: Visit, _ text: String) async throws -> Response {
        guard let id = Int64(text) else { throw OperationRefused(.notFound, "unknown_delivery", "no delivery \(text)") }
        try await hub.retry(delivery: id, by: visit.person)
        return Self.redirect("/ui/deliveries?notice=retried")
    }

    func bulkRetry(_ visit: Visit, _ form: FormBody) async throws -> Response {
        guard let expected = form["expected"].flatMap({ Int($0) }) else {
            throw OperationRefused(.conflict, "count_missing", "the form does not say how many deliveries it was shown")
        }
        let (filter, type, _) = deliveryFilter(visit.query)
        _ = try await hub.bulkRetry(filter, type: type, expected: expected, by: visit.person)
        let query = Self.queryString(visit.query, keys: ["subscription", "status", "order", "type"])
        return Self.redirect("/ui/deliveries?" + (query.isEmpty ? "" : query + "&") + "notice=requeued")
    }

    func setSubscription(_ visit: Visit, _ form: FormBody, _ name: String, enable: Bool) async throws -> Response {
        try await hub.setSubscription(SubscriptionName(name), enabled: enable, reason: form["reason"], by: visit.person)
        return Self.redirect("/ui/deliveries?notice=\(enable ? "enabled" : "disabled")")
    }

    /// Where a form asks to go back to: a console path only.
    func back(_ form: FormBody, default path: String) -> String {
        guard let back = form["back"], back.hasPrefix("/ui/"), !back.contains("//"), !back.contains("?") else { return path }
        return back
    }
}

extension String {
    /// The text as one URL path segment.
    var addingPercentEncodingForPath: String {
        addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? self
    }
}
