import ArgumentParser
import Foundation
import WaybillConfig

/// `waybill check`: validates a configuration file and prints each problem with its key path and line.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check", abstract: "Validate a waybill.yml configuration.")

    @Option(help: "The configuration file.")
    var config: String

    func run() throws {
        do {
            let loaded = try ConfigLoader.load(path: config, environment: ProcessInfo.processInfo.environment)
            let subscriptions = loaded.systems.reduce(0) { $0 + $1.system.subscriptions.count }
            print("\(config): valid — \(loaded.systems.count) systems, \(subscriptions) subscriptions, \(loaded.users.count) users")
        } catch let problems as ConfigProblems {
            for problem in problems.problems { print("\(config): \(problem)") }
            throw ExitCode(1)
        }
    }
}
