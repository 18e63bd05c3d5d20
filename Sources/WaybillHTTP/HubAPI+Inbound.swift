import HTTPTypes
import Hummingbird
import WaybillCore
import WaybillEngine
import WaybillMapping

extension HubAPI {
    /// `POST /v1/inbound/{system}`: the system's own payload with its own authentication (its
    /// API key, a Standard Webhooks signature, or Shopify's HMAC), mapped by its pack or mapping.
    /// 202 with one result per mapped event; 401 with nothing stored for a bad signature; 422
    /// naming the rule and the input path when the mapping cannot map it (the payload is kept for
    /// support to reprocess).
    func receiveNative(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let name = SystemName(try context.parameters.require("system"))
        guard let settings = hub.landscape.systems[name]?.inbound else {
            throw Problem(.notFound, "unknown_system", "\(name) takes no payloads of its own (no inbound: in the configuration)")
        }
        var request = request
        let body = Array(buffer: try await request.collectBody(upTo: maxBody))
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        switch settings.authentication {
        case .apiKey:
            guard case .system(let caller) = try access.principal(of: request), caller == name else {
                throw Problem(.forbidden, "forbidden", "only \(name) posts its own payloads, with its API key")
            }
        case .shopify, .standardWebhooks:
            guard settings.authentication.accepts(body: body, headers: headers, now: hub.clock.now().milliseconds / 1_000) else {
                throw Problem(
                    .unauthorized, "bad_signature",
                    "the signature (X-Shopify-Hmac-Sha256, or Standard Webhooks' webhook-signature) is missing, stale or does not match the body")
            }
        }
        let receipt: NativeReceipt
        do {
            receipt = try await hub.receive(native: body, from: name, headers: headers)
        } catch let unmapped as UnmappedPayload {
            var problem = Problem(
                .unprocessableContent, unmapped.error.code.rawValue, unmapped.error.message,
                detail: [unmapped.error.rule.map { "rule \($0)" }, unmapped.error.inputPath.map { "input \($0)" }].compactMap { $0 }.joined(separator: "; "))
            problem.extra = [
                ("rule", unmapped.error.rule.map(JSONValue.string) ?? .null), ("inputPath", unmapped.error.inputPath.map(JSONValue.string) ?? .null),
                ("kept", .int(Int(unmapped.kept))),
            ]
            throw problem
        } catch let error as WaybillError {
            throw Problem(.badRequest, error)
        }
        return json(
            .members([
                ("results", .array(receipt.results.map(\.json))), ("skipped", .bool(receipt.skipped)),
                ("deliveryId", receipt.deliveryId.map(JSONValue.string)),
            ]), status: .accepted)
    }
}
