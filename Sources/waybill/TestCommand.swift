import ArgumentParser
import Foundation
import WaybillMapping

/// `waybill test [PATH]`: runs mapping test files (`*.test.yml`) — payload fixtures in, expected
/// canonical events out; canonical events in, expected outbound bodies out — compares JSON by
/// value, prints each difference with its path, and exits 1 on any failure.
struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run mapping tests (*.test.yml): fixtures in, expected canonical events or bodies out; exit 1 on any difference."
    )

    @Argument(help: "A test file, or a directory searched for *.test.yml (default: mappings).")
    var path = "mappings"

    func run() throws {
        let files = try Self.testFiles(at: path)
        guard !files.isEmpty else { throw ValidationError("no *.test.yml under \(path)") }
        var (passed, failed) = (0, 0)
        var report = ""
        for file in files {
            let suite: MappingTestFile
            do { suite = try MappingTestFile.load(path: file) } catch {
                report += "FAIL \(file)\n" + error.problems.map { "    \($0)\n" }.joined()
                failed += 1
                continue
            }
            for outcome in suite.run() {
                if outcome.passed {
                    passed += 1
                    report += "ok   \(outcome.name)\n"
                } else {
                    failed += 1
                    report += "FAIL \(outcome.name)\n" + outcome.failures.map { "    \($0)\n" }.joined()
                }
            }
        }
        report += "\(passed) passed, \(failed) failed\n"
        FileHandle.standardOutput.write(Data(report.utf8))
        if failed > 0 { throw ExitCode(1) }
    }

    /// `path` itself, or the `*.test.yml` files under it, sorted.
    static func testFiles(at path: String) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw ValidationError("\(path) does not exist") }
        guard isDirectory.boolValue else { return [path] }
        let base = URL(fileURLWithPath: path)
        let all = FileManager.default.enumerator(atPath: path)?.compactMap { $0 as? String } ?? []
        return all.filter { $0.hasSuffix(".test.yml") }.sorted().map { base.appendingPathComponent($0).path }
    }
}
