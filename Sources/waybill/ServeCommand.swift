import ArgumentParser
import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import WaybillConfig
import WaybillCore
import WaybillEngine
import WaybillHTTP
import WaybillStore
import WaybillWebhooks

/// `waybill serve`: the hub as a service — HTTP API, signed webhook delivery, park timeouts —
/// in one ServiceGroup that shuts down gracefully on SIGTERM and SIGINT.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the hub: HTTP API on the configured address, webhook delivery, park timeouts."
    )

    @OptionGroup var options: HubOptions

    @Option(help: "Address to listen on (overrides the configuration).")
    var host: String?

    @Option(help: "Port to listen on (overrides the configuration).")
    var port: Int?

    @Option(help: "Delivery attempts in flight at once (1 delivers strictly in outbox order).")
    var deliveryConcurrency = 32

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        var configuration = try options.configuration()
        if let host { configuration.host = host }
        if let port { configuration.port = port }
        let store = try await HubOptions.openStore(configuration)

        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        var logger = Logger(label: "waybill")
        logger.logLevel = environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        let clock = SystemClock()
        let hub = Hub(
            store: store, landscape: configuration.landscape, policies: configuration.policies, clock: clock,
            random: HubRandom(seed: UInt64.random(in: 1...UInt64.max)), serviceLevels: configuration.serviceLevels, logger: logger)
        var clientConfiguration = HTTPClient.Configuration()
        clientConfiguration.timeout = .init(connect: .seconds(2), read: .seconds(5))
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
        let scheduler = DeliveryScheduler(
            hub: hub,
            adapters: AdapterRegistry([
                AdapterSettings.webhook(url: "", secret: "").kind: WebhookAdapter(client: client, clock: clock),
                AdapterSettings.x12File(set: "", directory: "").kind: X12FileAdapter(hub: hub),
                AdapterSettings.http(HTTPCall(method: "POST", url: "")).kind: HTTPCallAdapter(client: client),
                AdapterSettings.soap(SOAPCall(url: "", operation: "", namespace: "")).kind: SOAPAdapter(client: client),
                AdapterSettings.csv(CSVFileSettings(directory: "", columns: [])).kind: CSVFileAdapter(hub: hub),
            ]),
            concurrency: deliveryConcurrency, node: HubOptions.nodeName(configuration),
            lease: .milliseconds(configuration.leaseMilliseconds), logger: logger)
        let app = Application(
            router: HubAPI(hub: hub, configuration: configuration, scheduler: scheduler, metrics: registry).router(),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Waybill"),
            onServerRunning: { channel in
                FileHandle.standardError.write(Data("waybill listening on \(channel.localAddress?.description ?? "?")\n".utf8))
            },
            logger: logger)
        let edi = EDIInbox(hub: hub, logger: logger)
        let csv = CSVInbox(hub: hub, logger: logger)
        let group = ServiceGroup(
            services: [
                app, DeliveryService(scheduler: scheduler, pollInterval: DeliveryService.pollInterval(for: store)),
                HousekeepingService(
                    hub: hub, node: HubOptions.nodeName(configuration), lease: .milliseconds(configuration.leaseMilliseconds),
                    retention: configuration.retention),
                DirectoryWatchService(what: "X12", logger: logger, processPending: { [edi] in try await edi.processPending() }),
                DirectoryWatchService(what: "CSV", logger: logger, processPending: { [csv] in try await csv.processPending() }),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        do {
            try await group.run()
        } catch {
            try? await client.shutdown()
            await HubOptions.close(store)
            throw error
        }
        try await client.shutdown()
        await HubOptions.close(store)
    }
}

/// Runs the delivery scheduler until graceful shutdown.
struct DeliveryService: Service {
    let scheduler: DeliveryScheduler
    var pollInterval = Duration.milliseconds(100)

    /// How often the outbox is read when nothing is due. A store that wakes the scheduler when
    /// any node writes deliveries (PostgreSQL's notifications) is polled every second: the poll
    /// only finds retries coming due and what a lost notification did not announce. Otherwise
    /// (SQLite) every 100 ms, which is how soon a new delivery is attempted.
    static func pollInterval(for store: any Store) -> Duration {
        store is any DeliveryWakeups ? .seconds(1) : .milliseconds(100)
    }

    func run() async throws {
        let pollInterval = self.pollInterval
        do {
            try await cancelWhenGracefulShutdown {
                try await scheduler.run(pollInterval: pollInterval) { try await Task.sleep(for: $0) }
            }
        } catch is CancellationError {
            // Graceful shutdown: in-flight attempts were cancelled and will be retried after restart.
        }
    }
}

/// Every few seconds: a heartbeat to the store, then — on the one node holding the lease of the
/// periodic jobs — `sequencing` exceptions for events parked past the timeout, `edi` exceptions
/// for documents a trading partner has not acknowledged within its window, service levels and
/// retention. A store that fails does not end it: it tries again with backoff (the hub's
/// `storeHealth` says not ready meanwhile, and logs the change once).
struct HousekeepingService: Service {
    let hub: Hub
    /// The name this process beats under (`heartbeats`) and holds the periodic jobs' lease by.
    var node = "waybill"
    /// How long this node's hold on the periodic jobs lasts; a round runs every third of it (at most 5 s apart).
    var lease = Duration.seconds(15)
    var retention = Retention()

    func run() async throws {
        var failures = 0
        let period = min(Duration.seconds(5), lease / 3)
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await hub.housekeep(node: node, lease: lease, retention: retention)
                failures = 0
            } catch {
                failures += 1
            }
            let pause = failures == 0 ? period : StoreRetry.delay(afterFailures: failures)
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) }
            } catch {
                return  // graceful shutdown or cancellation
            }
        }
    }
}

/// Watches inbound directories (every 500 ms) until graceful shutdown: the trading partners'
/// X12 files, the systems' CSV files. A file being handled when shutdown comes is finished first;
/// when the store (or a directory) refuses, the files stay where they are and are tried again.
struct DirectoryWatchService: Service {
    let what: String
    let logger: Logger
    let processPending: @Sendable () async throws -> Void

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await processPending()
            } catch {
                logger.error("inbound directories: will retry", metadata: ["waybill.directories": "\(what)", "waybill.error": "\(error)"])
                try? await Task.sleep(for: .seconds(2))
            }
            try? await Task.sleep(for: .milliseconds(500))
        }
    }
}
