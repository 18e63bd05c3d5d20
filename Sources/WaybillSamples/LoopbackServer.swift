import Hummingbird
import Logging

/// A router served on 127.0.0.1 at a port the kernel picks, quietly (the demo's NetSuite, the
/// benches' counterparts): `run()` serves until cancelled, `port()` answers once it listens.
///
/// ```swift
/// let server = LoopbackServer(router, label: "bench.quote")
/// group.addTask { try await server.run() }
/// let port = try await server.port()
/// ```
public struct LoopbackServer: Sendable {
    private let app: Application<RouterResponder<BasicRequestContext>>
    private let listening: AsyncStream<Int>

    public init(_ router: Router<BasicRequestContext>, label: String) {
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: label)
        logger.logLevel = .critical  // connections cancelled at the end are expected
        listening = stream
        app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            }, logger: logger)
    }

    public func run() async throws { try await app.runService() }

    /// The port, once the server listens.
    public func port() async throws -> Int {
        var ports = listening.makeAsyncIterator()
        guard let port = await ports.next(), port > 0 else { throw NotListening() }
        return port
    }

    /// The server stopped before it listened.
    public struct NotListening: Error, CustomStringConvertible {
        public var description: String { "the loopback server did not start" }
    }
}
