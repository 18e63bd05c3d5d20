import ArgumentParser

/// `waybill bench`: ingest throughput through the full pipeline against a raw SQLite baseline.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "Measure ingest throughput.")

    func run() async throws {}
}
