import ArgumentParser
import Foundation
import Hummingbird

/// `waybill sink`: a webhook receiver that accepts everything (204), for measuring delivery
/// throughput on loopback (`waybill loadtest --mode drain`).
struct SinkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sink", abstract: "Accept webhooks with 204 (delivery benchmarks).")

    @Option(help: "Port to listen on.")
    var port = 9100

    func run() async throws {
        let router = Router()
        router.post("/**") { request, _ -> HTTPResponse.Status in
            var request = request
            _ = try await request.collectBody(upTo: 16 * 1024 * 1024)
            return .noContent
        }
        try await Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port))).runService()
    }
}
