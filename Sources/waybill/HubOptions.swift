import ArgumentParser
import Foundation
import WaybillConfig

/// `--config` and `--store`, shared by the commands that open the hub's store.
struct HubOptions: ParsableArguments {
    @Option(help: "Configuration file (default: the built-in sample landscape).")
    var config: String?

    @Option(help: "Store: sqlite:PATH (overrides the configuration).")
    var store: String?

    /// The configuration with `--store` applied; problems are printed with their key paths and
    /// lines, and exit with status 2.
    func configuration() throws -> HubConfiguration {
        let environment = ProcessInfo.processInfo.environment
        var configuration: HubConfiguration
        do {
            configuration =
                try config.map { try ConfigLoader.load(path: $0, environment: environment) }
                ?? ConfigLoader.parse(SampleConfiguration.yaml, environment: environment)
        } catch let problems as ConfigProblems {
            for problem in problems.problems { FileHandle.standardError.write(Data("\(config ?? "sample"): \(problem)\n".utf8)) }
            throw ExitCode(2)
        }
        if let store {
            guard let location = StoreLocation(store) else { throw ValidationError("--store expects sqlite:PATH") }
            configuration.store = location
        }
        return configuration
    }

    /// The SQLite file of the configuration's store.
    static func sqlitePath(_ configuration: HubConfiguration) throws -> String {
        guard case .sqlite(let path) = configuration.store else {
            throw ValidationError("PostgreSQL stores are not supported by this version; use sqlite:PATH")
        }
        return path
    }
}
