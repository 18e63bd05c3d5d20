import Crypto
import Hummingbird
import WaybillConfig
import WaybillCore
import WaybillEngine

/// Who is calling: a connected system (by API key) or a person (by token, with a role).
enum Principal: Sendable, Equatable {
    case system(SystemName)
    case user(name: String, role: Role)

    var role: Role? { if case .user(_, let role) = self { role } else { nil } }
}

/// Keys and tokens, kept only as SHA-256 digests. A presented secret is hashed and looked up, so
/// no secret is ever compared byte by byte, stored in clear, or logged. Each key or token has its
/// own rate limit: its own `rateLimit` from the configuration, or the hub-wide one.
struct AccessControl: Sendable {
    private let principals: [String: (principal: Principal, limit: RateLimit)]
    let limiter = RateLimiter()
    let clock: any HubClock

    init(configuration: HubConfiguration, clock: any HubClock) {
        self.clock = clock
        var principals: [String: (principal: Principal, limit: RateLimit)] = [:]
        for system in configuration.systems {
            if let key = system.apiKey {
                principals[Self.digest(key)] = (.system(system.system.name), system.rateLimit ?? configuration.rateLimit)
            }
        }
        for user in configuration.users {
            principals[Self.digest(user.token)] = (.user(name: user.name, role: user.role), user.rateLimit ?? configuration.rateLimit)
        }
        self.principals = principals
    }

    /// The SHA-256 of `secret` in lower-case hex. Written out by hand: `String(format:)` per byte
    /// took about a tenth of the server's CPU under single-event load (perf).
    static func digest(_ secret: String) -> String {
        let hex = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in SHA256.hash(data: Array(secret.utf8)) {
            text.append(hex[Int(byte >> 4)])
            text.append(hex[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The caller of `request`, or a 401 problem.
    func principal(of request: Request) throws -> Principal {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw Problem(.unauthorized, "unauthenticated", "send Authorization: Bearer <key or token>")
        }
        let digest = Self.digest(String(header.dropFirst(7)))
        guard let known = principals[digest] else {
            throw Problem(.unauthorized, "unauthenticated", "the key or token is not known")
        }
        let (allowed, retryAfter) = limiter.take(digest, limit: known.limit, at: clock.now())
        guard allowed else {
            var problem = Problem(.tooManyRequests, "rate_limited", "too many requests for this key; retry after \(retryAfter) s")
            problem.headers[.retryAfter] = String(retryAfter)
            throw problem
        }
        return known.principal
    }

    /// The calling person, refusing systems and roles not in `roles` (admin is always allowed).
    func user(of request: Request, roles: Set<Role>) throws -> (name: String, role: Role) {
        guard case .user(let name, let role) = try principal(of: request) else {
            throw Problem(.forbidden, "forbidden", "this route is for people; systems use POST /v1/events")
        }
        guard role == .admin || roles.contains(role) else {
            throw Problem(.forbidden, "forbidden", "the \(role.rawValue) role may not do this")
        }
        return (name, role)
    }
}

extension AccessControl {
    /// The calling person as the engine's operations take them.
    func person(of request: Request, roles: Set<Role>) throws -> Person {
        let (name, role) = try user(of: request, roles: roles)
        return Person(name: name, role: role)
    }
}

extension Role {
    /// Every role.
    static let everyone: Set<Role> = Set(Role.allCases)
}
