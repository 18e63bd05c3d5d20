import WaybillCore
import WaybillStore

/// A signed-in person acting on the hub (API token or console session): every action they take
/// is one engine operation, authorised by their role and audited under their name.
public struct Person: Sendable, Equatable {
    public var name: String
    public var role: Role

    public init(name: String, role: Role) {
        self.name = name
        self.role = role
    }

    /// Whether the person works exceptions of `kind` (their queue's role, or admin); `slo`
    /// exceptions are shared out by code (see `works(_: ExceptionRecord)`).
    public func works(_ kind: ExceptionKind) -> Bool { role == .admin || kind.roles.contains(role) }

    /// Whether the person works this exception: its own role (per code for `slo`), or admin.
    public func works(_ record: ExceptionRecord) -> Bool { role == .admin || record.role == role }

    /// Whether the person may release a hold of `kind` (the role whose queue the hold raises).
    public func mayRelease(_ kind: HoldKind) -> Bool { works(OrderLifecycle.exceptionKind(of: kind)) }

    /// Whether the person may retry, replay and enable or disable deliveries (support and admin).
    public var managesDeliveries: Bool { role == .support || role == .admin }
}

/// Why an operation was refused: what the person may not do, what does not exist, or what has
/// already happened.
public struct OperationRefused: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: String, Sendable { case forbidden, notFound = "not_found", conflict }

    public var reason: Reason
    /// A stable snake_case code for the API (`forbidden`, `unknown_exception`, `already_resolved`…).
    public var code: String
    public var message: String

    public init(_ reason: Reason, _ code: String, _ message: String) {
        self.reason = reason
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
