import Foundation
import Testing
import WaybillCore
import WaybillSQLite
import WaybillStore
import WaybillTestSupport

/// The `waybill` executable built next to this test bundle.
let waybillBinary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("waybill")

/// Runs `waybill` to completion and returns (status, stdout).
func runWaybill(_ arguments: [String]) throws -> (Int32, Data) {
    let process = Process()
    process.executableURL = waybillBinary
    process.arguments = arguments
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, data)
}

@Suite("Crash recovery with a real child process")
struct CrashRecoveryTests {
    /// Starts `waybill load`, reads acknowledgements until `killAfter` lines (or the end), then
    /// SIGKILLs it. Returns the acknowledged (source, id) pairs and whether it finished.
    func loadUntilKilled(path: String, killAfter: Int) throws -> (acked: [(String, String)], finished: Bool) {
        let process = Process()
        process.executableURL = waybillBinary
        process.arguments = ["load", "--store", path, "--orders", "300", "--batch", "5"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var acked: [(String, String)] = []
        var buffer = Data()
        var finished = false
        let reader = out.fileHandleForReading
        reading: while true {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
            while let newline = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex...newline)
                if line == "DONE" { finished = true; break reading }
                let parts = line.split(separator: " ")
                if parts.count == 4, parts[0] == "ACK" { acked.append((String(parts[1]), String(parts[2]))) }
                if acked.count >= killAfter {
                    kill(process.processIdentifier, SIGKILL)
                    break reading
                }
            }
        }
        process.waitUntilExit()
        return (acked, finished)
    }

    @Test("kill -9 at random moments loses nothing that was acknowledged, and the state stays consistent")
    func killNine() async throws {
        let directory = try temporaryDirectory("waybill-crash")
        let path = directory.appendingPathComponent("hub.sqlite").path
        var generator = SystemRandomNumberGenerator()
        var kills = 0
        for round in 0..<6 {
            let killAfter = round == 5 ? Int.max : Int.random(in: 20...900, using: &generator)
            let (acked, finished) = try loadUntilKilled(path: path, killAfter: killAfter)
            if !finished { kills += 1 }
            // Reopen after the crash, as a restart would, and look for every acknowledged event.
            let store = try SQLiteStore(path: path)
            let pairs = acked
            let missing = try await store.read { reader in
                try pairs.filter { try reader.eventSeq(source: $0.0, eventId: $0.1) == nil }.map { "\($0.0) \($0.1)" }
            }
            #expect(missing.isEmpty, "round \(round): acknowledged but lost after kill -9: \(missing.prefix(5))")
            #expect(!acked.isEmpty)
            if round == 5 { #expect(finished, "the last run completes the stream") }
        }
        #expect(kills >= 4, "the child was really killed mid-stream")
        // Every order is where the full stream takes it, and the projections match a rebuild.
        let store = try SQLiteStore(path: path)
        let digest = try await store.read { try $0.projectionDigest() }
        let open = try await store.read { try $0.orders(status: nil, customer: nil, updatedSince: nil, after: nil, limit: 1_000) }
        #expect(open.count == 300)
        #expect(open.allSatisfy { $0.status == .closed }, "\(open.filter { $0.status != .closed }.map { "\($0.orderId) \($0.status)" }.prefix(5))")
        let (status, _) = try runWaybill(["load", "--store", path, "--orders", "300"])
        #expect(status == 0)
        let again = try await store.read { try $0.projectionDigest() }
        #expect(again == digest, "replaying the whole stream after recovery changes nothing")
    }
}

@Suite("waybill demo")
struct DemoCommandTests {
    @Test("--json exits 0 and prints the same bytes for the same seed")
    func deterministicJSON() throws {
        let (a, first) = try runWaybill(["demo", "--json", "--seed", "3"])
        let (b, second) = try runWaybill(["demo", "--json", "--seed", "3"])
        #expect(a == 0 && b == 0)
        #expect(first == second)
        let json = try JSONParser.parse(Array(first))
        guard case .array(let orders)? = json["orders"] else { Issue.record("no orders"); return }
        let statuses = orders.compactMap { order -> String? in if case .string(let s)? = order["status"] { s } else { nil } }
        #expect(statuses == ["closed", "closed", "closed", "closed", "closed", "cancelled"])
    }
}
