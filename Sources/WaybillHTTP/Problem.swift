import Hummingbird
import NIOCore
import WaybillCore
import WaybillEngine

/// An RFC 9457 problem answer with a stable `code`.
struct Problem: Error {
    var status: HTTPResponse.Status
    var code: String
    var title: String
    var detail: String?
    var headers: HTTPFields = [:]
    /// Members beyond RFC 9457's (such as `rule` and `inputPath` of a mapping error).
    var extra: [(String, JSONValue)] = []

    init(_ status: HTTPResponse.Status, _ code: String, _ title: String, detail: String? = nil) {
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail
    }

    /// A refusal from the core, with its JSON path in the detail.
    /// An engine operation's refusal: 403, 404 or 409.
    init(_ refused: OperationRefused) {
        let status: HTTPResponse.Status =
            switch refused.reason {
            case .forbidden: .forbidden
            case .notFound: .notFound
            case .conflict: .conflict
            }
        self.init(status, refused.code, refused.message)
    }

    init(_ status: HTTPResponse.Status, _ error: WaybillError) {
        self.init(status, error.code.rawValue, error.message, detail: error.path.map { "at \($0)" })
    }

    func response(instance: String) -> Response {
        let body = JSONWriter.sortedBytes(
            .members(
                [
                    ("type", .string("https://waybill.dev/problems/\(code)")), ("title", .string(title)), ("status", .int(Int(status.code))),
                    ("code", .string(code)), ("detail", detail.map(JSONValue.string)), ("instance", .string(instance)),
                ] + extra.map { ($0.0, Optional($0.1)) }))
        var fields = headers
        fields[.contentType] = "application/problem+json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// Turns every error into a problem answer, so clients never see an HTML page or a bare status.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    /// When the store is failing, other errors are answered 503 (try again), not 500, and not
    /// logged per request (`StoreHealth` logged the change once).
    let storeHealth: StoreHealth

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            return problem.response(instance: request.uri.path)
        } catch let error as any HTTPResponseError {
            let code: String
            switch error.status {
            case .notFound: code = "not_found"
            case .contentTooLarge: code = "body_too_large"
            case .methodNotAllowed: code = "method_not_allowed"
            default: code = "http_\(error.status.code)"
            }
            let title = error.status == .notFound ? "no such route: \(request.method) \(request.uri.path)" : error.status.reasonPhrase
            let detail = (error as? HTTPError)?.body ?? (error.status == .contentTooLarge ? "the body is larger than the hub accepts" : nil)
            return Problem(error.status, code, title, detail: detail).response(instance: request.uri.path)
        } catch {
            if let failure = storeHealth.problem {
                var problem = Problem(
                    .serviceUnavailable, "store_unavailable", "the store cannot take writes now; nothing of this request was stored",
                    detail: "failing since \(failure.since); retry later")
                problem.headers[.retryAfter] = "1"
                return problem.response(instance: request.uri.path)
            }
            context.logger.error("request failed", metadata: ["waybill.error": "\(error)"])
            return Problem(.internalServerError, "internal_error", "the hub could not complete the request").response(instance: request.uri.path)
        }
    }
}

/// JSON answers with sorted keys.
func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
    Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: JSONWriter.sortedBytes(value))))
}
