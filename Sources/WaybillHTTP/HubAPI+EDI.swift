import HTTPTypes
import Hummingbird
import NIOCore
import WaybillCore
import WaybillEngine
import WaybillStore

extension HubAPI {
    static let ediContentTypes = ["application/edi-x12", "application/edi", "text/plain", "application/octet-stream"]

    /// `POST /v1/edi/{partner}`: one interchange from the partner, with its own API key. Answers
    /// with the 997 (or a TA1 for envelope errors) as `application/edi-x12`: 200 when what it
    /// carried is stored (or was, for a resend), 422 when it was rejected and nothing stored.
    func receiveEDI(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let partner = try context.parameters.require("partner")
        guard case .system(let system) = try access.principal(of: request) else {
            throw Problem(.forbidden, "forbidden", "only the trading partner itself sends its interchanges, with its API key")
        }
        guard system.rawValue == partner else {
            throw Problem(.forbidden, "forbidden", "\(system) may not send interchanges as \(partner)")
        }
        let body = try await body(of: request, typed: Self.ediContentTypes, else: "send the interchange as application/edi-x12")
        let receipt: EDIReceipt
        do {
            receipt = try await EDIGateway(hub: hub).receive(body, from: system)
        } catch let error as WaybillError where error.code == .unknownPartner {
            throw Problem(.notFound, error)
        }
        var headers: HTTPFields = [.contentType: "application/edi-x12"]
        headers[HTTPField.Name("Waybill-EDI-Verdict")!] = receipt.verdict.rawValue
        if let set = receipt.responseSet { headers[HTTPField.Name("Waybill-EDI-Acknowledgement")!] = set }
        let status: HTTPResponse.Status = receipt.stored ? (receipt.response.isEmpty ? .accepted : .ok) : .unprocessableContent
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: receipt.response)))
    }

    /// `GET /v1/edi/interchanges?partner=…` (support, admin): what was sent to each partner under
    /// which control number, and what its 997 said.
    func interchanges(_ request: Request) async throws -> Response {
        _ = try access.user(of: request, roles: [.support])
        let partner = request.uri.queryParameters.get("partner").map(SystemName.init)
        let limit = Self.limit(request.uri.queryParameters.get("limit"), default: 500, max: 5_000)
        let items = try await hub.outboundInterchanges(partner: partner, limit: limit)
        return json(
            .members([
                (
                    "items",
                    .array(
                        items.map { i in
                            .members([
                                ("partner", .string(i.partner.rawValue)), ("control", .number(String(i.control))), ("set", .string(i.setCode)),
                                ("orderId", i.key.flatMap(RecordKey.orderId(of:)).map { .string($0.rawValue) }),
                                ("reference", .string(i.reference)), ("sentAt", .string(i.sentAt.rfc3339)),
                                ("acknowledgementDueAt", i.ackDueAt.map { .string($0.rfc3339) }), ("status", .string(i.status.rawValue)),
                                ("note", i.note.map(JSONValue.string)),
                            ])
                        })
                )
            ]))
    }
}
