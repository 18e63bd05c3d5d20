import ArgumentParser
import Foundation
import WaybillConfig
import WaybillMapping

/// `waybill check`: validates a configuration file and prints each problem with its key path and line.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check", abstract: "Validate a waybill.yml configuration.")

    @Option(help: "The configuration file.")
    var config: String

    @Option(help: "The configuration in use now: also print what changing it to --config will do to subscriptions (a cutover).")
    var against: String?

    func run() throws {
        do {
            let loaded = try ConfigLoader.load(path: config, environment: ProcessInfo.processInfo.environment)
            let subscriptions = loaded.systems.reduce(0) { $0 + $1.system.subscriptions.count }
            // The mapping tests beside the mapping files must load: their mapping, their fixtures.
            var problems: [String] = []
            let directories = Set(loaded.mappingFiles.map { URL(fileURLWithPath: $0).deletingLastPathComponent().path })
            for directory in directories.sorted() {
                for test in (try? TestCommand.testFiles(at: directory)) ?? [] {
                    do { _ = try MappingTestFile.load(path: test) } catch { problems += error.problems.map { "\(test): \($0)" } }
                }
            }
            guard problems.isEmpty else {
                for problem in problems { print("\(config): \(problem)") }
                throw ExitCode(1)
            }
            print("\(config): valid — \(loaded.systems.count) systems, \(subscriptions) subscriptions, \(loaded.users.count) users")
            if let against {
                let current = try ConfigLoader.load(path: against, environment: ProcessInfo.processInfo.environment)
                for line in Cutover.changes(from: current.landscape, to: loaded.landscape) { print(line) }
            }
        } catch let problems as ConfigProblems {
            for problem in problems.problems { print("\(config): \(problem)") }
            throw ExitCode(1)
        }
    }
}
