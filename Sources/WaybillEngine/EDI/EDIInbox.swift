import Foundation
import Logging
import WaybillCore
import WaybillX12

/// The file-drop transport: each trading partner's inbound directory, watched.
///
/// Every file is handed to the `EDIGateway`; its 997 or TA1 is written atomically to the
/// partner's outbound directory; then the file moves to `processed/`, or to `failed/` next to a
/// `<name>.reason.txt` that says why. A file moves only after what it carried is committed, so
/// a crash leaves it in place and it is read again on restart — and then recognised as the same
/// interchange, answered with the same 997 under the same name, storing nothing twice.
/// Hidden files and `*.tmp` / `*.part` are left alone, and so is a file modified less than
/// `settle` ago: a transfer that writes in place is still writing it, and half an interchange
/// would be refused and moved to `failed/`.
public struct EDIInbox: Sendable {
    let gateway: EDIGateway
    let logger: Logger
    let settle: Duration

    public init(hub: Hub, settle: Duration = .seconds(1), logger: Logger = Logger(label: "waybill.edi")) {
        self.gateway = EDIGateway(hub: hub)
        self.settle = settle
        self.logger = logger
    }

    /// One file handled: where it went and what the gateway said.
    public struct Handled: Sendable {
        public var file: String
        public var movedTo: String
        public var receipt: EDIReceipt?
        public var reason: String?
    }

    /// Handles every file waiting in every partner's inbound directory, oldest name first.
    @discardableResult
    public func processPending() async throws -> [Handled] {
        var handled: [Handled] = []
        let hub = gateway.hub
        for system in hub.landscape.systems.values.sorted(by: { $0.name < $1.name }) {
            guard let partner = system.x12, let inbound = partner.inboundDirectory else { continue }
            for name in Self.waitingFiles(in: inbound, settledFor: settle) {
                handled.append(try await process(name, in: inbound, partner: partner, system: system))
            }
        }
        return handled
    }

    static func waitingFiles(in directory: String, settledFor settle: Duration = .zero) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let seconds = Double(settle.components.seconds) + Double(settle.components.attoseconds) / 1e18
        let settledBefore = Date().addingTimeInterval(-seconds)
        return names.filter { name in
            guard !name.hasPrefix("."), !name.hasSuffix(".tmp"), !name.hasSuffix(".part") else { return false }
            let path = (directory as NSString).appendingPathComponent(name)
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path), attributes[.type] as? FileAttributeType == .typeRegular
            else { return false }
            guard seconds > 0 else { return true }
            return (attributes[.modificationDate] as? Date).map { $0 <= settledBefore } ?? false
        }.sorted()
    }

    /// Where the answers to dropped files go: the partner's `outbound` directory, else the first
    /// X12 subscription's directory, else `acknowledgements/` inside the inbound directory.
    static func answerDirectory(_ partner: X12Partner, _ system: ConnectedSystem, inbound: String) -> String {
        if let outbound = partner.outboundDirectory { return outbound }
        for subscription in system.subscriptions { if case .x12File(_, let directory) = subscription.adapter { return directory } }
        return (inbound as NSString).appendingPathComponent("acknowledgements")
    }

    func process(_ name: String, in inbound: String, partner: X12Partner, system: ConnectedSystem) async throws -> Handled {
        let path = (inbound as NSString).appendingPathComponent(name)
        let processed = (inbound as NSString).appendingPathComponent("processed")
        let failed = (inbound as NSString).appendingPathComponent("failed")
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = "the file cannot be read"
            try fail(path, name: name, into: failed, reason: reason)
            return Handled(file: name, movedTo: failed, receipt: nil, reason: reason)
        }
        // Store errors propagate: the file stays where it is and is tried again.
        let receipt = try await gateway.receive([UInt8](data), from: system.name)
        if !receipt.response.isEmpty {
            let control = (try? X12Reader.read(receipt.response))?.first?.controlNumber ?? "unknown"
            try AtomicFile.write(
                receipt.response, to: Self.answerDirectory(partner, system, inbound: inbound), name: "\(receipt.responseSet ?? "ack")-\(control).edi")
        }
        if receipt.stored {
            try AtomicFile.move(path, to: processed, name: Self.freeName(name, in: processed))
            logger.info(
                "EDI file processed", metadata: ["waybill.partner": "\(system.name)", "waybill.file": "\(name)", "waybill.summary": "\(receipt.summary)"])
            return Handled(file: name, movedTo: processed, receipt: receipt, reason: nil)
        }
        try fail(path, name: name, into: failed, reason: receipt.summary)
        return Handled(file: name, movedTo: failed, receipt: receipt, reason: receipt.summary)
    }

    func fail(_ path: String, name: String, into failed: String, reason: String) throws {
        let target = Self.freeName(name, in: failed)
        try AtomicFile.write(Array((reason + "\n").utf8), to: failed, name: "\(target).reason.txt")
        try AtomicFile.move(path, to: failed, name: target)
        logger.warning("EDI file failed", metadata: ["waybill.file": "\(name)", "waybill.reason": "\(reason)"])
    }

    /// `name`, or `name.2`, `name.3` … when a file of that name is already there.
    static func freeName(_ name: String, in directory: String) -> String {
        var candidate = name
        var n = 1
        while FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent(candidate)) {
            n += 1
            candidate = "\(name).\(n)"
        }
        return candidate
    }
}
